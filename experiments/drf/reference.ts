/**
 * Dominant Resource Fairness computed directly (pure): progressive filling,
 * one task at a time to the user with the lowest dominant share (ties by
 * name), placed on the first machine it fits; a user whose task fits nowhere
 * is done. The allocation the allocator should converge to for users who
 * want without end (Ghodsi et al., NSDI 2011).
 */
export interface Demand {
  readonly name: string;
  readonly cpus: number;
  readonly mem: number;
}

export interface Allocation {
  readonly tasks: number;
  readonly cpus: number;
  readonly mem: number;
  readonly dominantShare: number;
}

export function drfAllocation(machines: readonly { readonly cpus: number; readonly mem: number }[], users: readonly Demand[]): Map<string, Allocation> {
  const free = machines.map((m) => ({ cpus: m.cpus, mem: m.mem }));
  const total = { cpus: machines.reduce((a, m) => a + m.cpus, 0), mem: machines.reduce((a, m) => a + m.mem, 0) };
  const got = new Map(users.map((u) => [u.name, { tasks: 0, cpus: 0, mem: 0, dominantShare: 0 }]));
  const active = new Set(users.map((u) => u.name));
  const EPS = 1e-9;
  while (active.size > 0) {
    const u = users.filter((x) => active.has(x.name)).sort((a, b) => got.get(a.name)!.dominantShare - got.get(b.name)!.dominantShare || a.name.localeCompare(b.name))[0]!;
    const m = free.find((f) => f.cpus + EPS >= u.cpus && f.mem + EPS >= u.mem);
    if (m === undefined) {
      active.delete(u.name);
      continue;
    }
    m.cpus -= u.cpus;
    m.mem -= u.mem;
    const g = got.get(u.name)!;
    g.tasks++;
    g.cpus += u.cpus;
    g.mem += u.mem;
    g.dominantShare = Math.max(g.cpus / total.cpus, g.mem / total.mem);
  }
  return got;
}

/** A user's dominant share of a cluster. */
export function dominantShare(use: { readonly cpus: number; readonly mem: number }, total: { readonly cpus: number; readonly mem: number }): number {
  return Math.max(use.cpus / total.cpus, use.mem / total.mem);
}
