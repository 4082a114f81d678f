// Offer latency from the two event streams: resources freed on an agent, and
// offers of that agent reaching a framework. An offer counts when resources
// were freed on its agent since the agent's previous offer; its latency is
// the time since the latest such freeing.
export function offerLatencies(freed: readonly [string, number][], offers: readonly [string, number][]): number[] {
  const byAgent = new Map<string, { freed: number[]; offers: number[] }>();
  const of = (id: string) => {
    let e = byAgent.get(id);
    if (e === undefined) byAgent.set(id, (e = { freed: [], offers: [] }));
    return e;
  };
  for (const [id, t] of freed) of(id).freed.push(t);
  for (const [id, t] of offers) of(id).offers.push(t);
  const out: number[] = [];
  for (const { freed: f, offers: o } of byAgent.values()) {
    f.sort((a, b) => a - b);
    o.sort((a, b) => a - b);
    let i = 0;
    let previousOffer = -Infinity;
    for (const t of o) {
      let latest: number | undefined;
      while (i < f.length && f[i]! <= t) latest = f[i++];
      if (latest !== undefined && latest > previousOffer) out.push(t - latest);
      previousOffer = t;
    }
  }
  return out.sort((a, b) => a - b);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
