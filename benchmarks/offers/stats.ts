// Offer latency from the two event streams: resources freed on an agent, and offers of that
// agent reaching a framework (both stamped with the same clock, `now()` of workload.ts).
// Every freeing waits for the agent's next offer: the latency an offer closes is measured from
// the earliest freeing not yet offered (the longest wait it ends), so a slow offer after a burst
// of freeings is not hidden by the last of them. Freeings no offer followed by the end of the
// window are censored: reported as a count and their longest wait so far, not dropped.
export { percentile } from '../lib/stats.js';

export interface OfferLatencies {
  /** One per offer that ended a wait, ascending (ms). Never negative: an offer closes only freeings at or before it. */
  latencies: number[];
  /** Agents whose freed resources were still waiting for an offer at the window's end. */
  censored: number;
  /** The longest of those waits at the window's end (ms; 0 when none). */
  censored_max_wait_ms: number;
  /** Those agents' ids, the longest wait first. */
  censored_agents: string[];
}

export function offerLatencyStats(freed: readonly [string, number][], offers: readonly [string, number][], windowEnd: number): OfferLatencies {
  const byAgent = new Map<string, { freed: number[]; offers: number[] }>();
  const of = (id: string) => {
    let e = byAgent.get(id);
    if (e === undefined) byAgent.set(id, (e = { freed: [], offers: [] }));
    return e;
  };
  for (const [id, t] of freed) of(id).freed.push(t);
  for (const [id, t] of offers) of(id).offers.push(t);
  const latencies: number[] = [];
  let censored = 0;
  let censoredMax = 0;
  const waiting: [string, number][] = [];
  for (const [id, { freed: f, offers: o }] of byAgent) {
    f.sort((a, b) => a - b);
    o.sort((a, b) => a - b);
    let i = 0;
    for (const t of o) {
      if (i < f.length && f[i]! <= t) latencies.push(t - f[i]!);
      while (i < f.length && f[i]! <= t) i++;
    }
    if (i < f.length && f[i]! <= windowEnd) {
      censored++;
      censoredMax = Math.max(censoredMax, windowEnd - f[i]!);
      waiting.push([id, windowEnd - f[i]!]);
    }
  }
  return { latencies: latencies.sort((a, b) => a - b), censored, censored_max_wait_ms: censoredMax, censored_agents: waiting.sort((a, b) => b[1] - a[1]).map(([id]) => id) };
}
