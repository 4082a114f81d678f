/**
 * Offer latency vs cluster size (Mesos paper §6.5, scalability): the offer
 * benchmark (benchmarks/offers: a real master as an OS process, simulated
 * agents speaking the real protocol over real WebSockets, 200 SDK frameworks)
 * at each size, as one plot of latency percentiles and launch overhead
 * against agents.
 */
export interface OffersSetup {
  readonly agents: readonly number[];
  readonly frameworks: number;
  /** Seconds of warm-up and of measurement per size (undefined: the benchmark's defaults for its form). */
  readonly warmupS?: number;
  readonly measureS?: number;
}

export const OFFERS: { readonly quick: OffersSetup; readonly full: OffersSetup } = {
  quick: { agents: [250, 1000, 2500], frameworks: 200, warmupS: 5, measureS: 10 },
  full: { agents: [1000, 5000, 10_000, 25_000, 50_000], frameworks: 200 },
};
