// Order statistics for benchmark samples: one definition of a percentile for every benchmark.

/** The p-th percentile (0-100) of samples already sorted ascending: nearest rank, NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A sorted copy. */
export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  return percentile(sorted(xs), 50);
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p90/p99/max/mean of unsorted samples (NaN figures when there are none). */
export function summarize(xs: readonly number[]): Summary {
  const s = sorted(xs);
  const mean = s.length === 0 ? NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.length === 0 ? NaN : s[s.length - 1]!, mean };
}

/** The median of per-round figures and their spread (min and max), as the interleaved benchmarks report them. */
export interface RoundsFigure {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function roundsFigure(rounds: readonly number[]): RoundsFigure {
  const s = sorted(rounds);
  return { median: percentile(s, 50), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, rounds: [...rounds] };
}

/**
 * The median over rounds of a subject's figure over its baseline's in the same round (interleaved rounds):
 * a load that swings from round to round falls on both sides of each ratio, where the ratio of the two
 * medians can pair a busy round of one with a quiet round of the other.
 */
export function pairedRatio(subject: readonly number[], baseline: readonly number[]): number {
  if (subject.length !== baseline.length || subject.length === 0) throw new Error(`pairedRatio: ${subject.length} rounds against ${baseline.length}`);
  return percentile(sorted(subject.map((x, i) => x / baseline[i]!)), 50);
}

/** x rounded to `digits` decimals (results files keep figures readable). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
