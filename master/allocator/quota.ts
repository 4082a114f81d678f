/**
 * Quota in the allocator: per cycle, what each role with a quota has consumed (allocated plus
 * unallocated reservations, over its subtree), what its guarantee still lacks, the headroom the
 * unsatisfied guarantees need, and the caps a role's limits put on what it may get.
 */
import { Resources, type Resource } from '../../protocol/resources.js';
import type { DRFSorter, QuantityIndex } from './sorter.js';
import { addDense, ancestorsAndSelf, inSubtree, type AgentState, type RoleState } from './state.js';
import type { QuantityInput } from './types.js';

/** What the quota computations read of the core's books. */
export interface QuotaBooks {
  readonly q: QuantityIndex;
  readonly roles: ReadonlyMap<string, RoleState>;
  readonly roleSorter: DRFSorter;
  readonly agents: ReadonlyMap<string, AgentState>;
}

/** Per-cycle quota bookkeeping (only built when some role has a quota). */
export interface QuotaCycle {
  /** role -> consumed (allocated + unallocated reservations, subtree), dense. */
  readonly consumed: Map<string, number[]>;
  /** role -> unsatisfied guarantee, dense, >= 0. */
  readonly unsatisfied: Map<string, number[]>;
  /** Sum of the unsatisfied guarantees of top-level quota roles. */
  readonly required: number[];
  /** Unreserved unallocated quantities over all active agents. */
  readonly available: number[];
}

export function topGuaranteeRole(roles: ReadonlyMap<string, RoleState>, role: string): string | undefined {
  for (const a of ancestorsAndSelf(role)) if (roles.get(a)?.guarantees !== undefined) return a;
  return undefined;
}

/** Per name: how much more unreserved `role` may get before it or an ancestor hits its limit. */
export function limitCaps(books: QuotaBooks, quota: QuotaCycle, role: string): (number | undefined)[] {
  const caps: (number | undefined)[] = [];
  for (const a of ancestorsAndSelf(role)) {
    const limits = books.roles.get(a)?.limits;
    if (limits === undefined) continue;
    const consumed = quota.consumed.get(a) ?? [];
    for (const [name, l] of limits) {
      const k = books.q.indexOf(name);
      const cap = Math.max(0, l - (consumed[k] ?? 0));
      if (caps[k] === undefined || cap < caps[k]!) caps[k] = cap;
    }
  }
  return caps;
}

export function quotaCycle(books: QuotaBooks): QuotaCycle {
  const consumed = new Map<string, number[]>();
  const unsatisfied = new Map<string, number[]>();
  const required: number[] = books.q.names.map(() => 0);
  const available: number[] = books.q.names.map(() => 0);
  const all = [...books.roles.values()];
  for (const r of all) {
    if (r.guarantees === undefined && r.limits === undefined) continue;
    const c: number[] = books.q.names.map(() => 0);
    for (const s of all) {
      if (!inSubtree(s.name, r.name)) continue;
      const alloc = books.roleSorter.has(s.name) ? books.roleSorter.allocation(s.name) : [];
      for (let k = 0; k < c.length; k++) c[k] = c[k]! + (alloc[k] ?? 0) + (s.reserved[k] ?? 0) - (s.reservedAllocated[k] ?? 0);
    }
    consumed.set(r.name, c);
    if (r.guarantees !== undefined) {
      const u: number[] = books.q.names.map(() => 0);
      for (const [name, g] of r.guarantees) {
        const k = books.q.indexOf(name);
        u[k] = Math.max(0, g - c[k]!);
      }
      unsatisfied.set(r.name, u);
    }
  }
  for (const [role, u] of unsatisfied) {
    if (topGuaranteeRole(books.roles, role) !== role) continue;
    for (let k = 0; k < u.length; k++) required[k] = required[k]! + u[k]!;
  }
  if (required.some((x) => x > 0)) {
    for (const agent of books.agents.values()) {
      if (!agent.active) continue;
      const free = agent.hasReserved ? agent.available.unreserved() : agent.available;
      for (const [name, v] of free.quantities()) {
        const k = books.q.indexOf(name);
        while (available.length <= k) available.push(0);
        available[k] = available[k]! + v;
      }
    }
  }
  while (required.length < available.length) required.push(0);
  return { consumed, unsatisfied, required, available };
}

/** Unreserved `sparse` goes to `role`: consumption, unsatisfied guarantees and headroom move. */
export function quotaConsume(roles: ReadonlyMap<string, RoleState>, quota: QuotaCycle, role: string, sparse: readonly number[]): void {
  const top = topGuaranteeRole(roles, role);
  for (const a of ancestorsAndSelf(role)) {
    const c = quota.consumed.get(a);
    if (c !== undefined) addDense(c, sparse, 1);
    const u = quota.unsatisfied.get(a);
    if (u === undefined) continue;
    for (let i = 0; i < sparse.length; i += 2) {
      const k = sparse[i]!;
      const dec = Math.min(u[k] ?? 0, sparse[i + 1]!);
      if (dec <= 0) continue;
      u[k] = u[k]! - dec;
      if (a === top) quota.required[k] = quota.required[k]! - dec;
    }
  }
  addDense(quota.available, sparse, -1);
}

export function toMilliMap(v: QuantityInput): Map<string, number> {
  if (v instanceof Resources) return new Map(v.quantities());
  const out = new Map<string, number>();
  const entries = v instanceof Map ? [...(v as ReadonlyMap<string, number>)] : Object.entries(v as Record<string, number>);
  for (const [k, x] of entries) {
    if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`quota for ${k} must be a non-negative number, got ${x}`);
    out.set(k, Math.round(x * 1000));
  }
  return out;
}

export function milliRecord(m: ReadonlyMap<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (m) for (const [k, v] of m) out[k] = v / 1000;
  return out;
}

/** Does `part` hold something of a name the role still needs? */
export function towardGuarantee(part: Resources, need: readonly number[], q: QuantityIndex): boolean {
  for (const [name, v] of part.quantities()) if (v > 0 && (need[q.indexOf(name)] ?? 0) > 0) return true;
  return false;
}

/**
 * Cuts unreserved resources to per-name caps (thousandths; undefined or
 * Infinity: no cap). Scalars are cut; a range or set that does not fit whole
 * is dropped. Returns `r` itself when nothing is cut.
 */
export function shrink(r: Resources, caps: readonly (number | undefined)[], q: QuantityIndex): Resources {
  let any = false;
  for (const c of caps) if (c !== undefined && c !== Infinity) any = true;
  if (!any) return r;
  const left = caps.slice();
  const out: Resource[] = [];
  let changed = false;
  for (const x of r.toJSON()) {
    const k = q.indexOf(x.name);
    const cap = left[k];
    if (cap === undefined || cap === Infinity) {
      out.push(x);
      continue;
    }
    const qty = Resources.of([x]).quantities().get(x.name) ?? 0;
    if (x.type === 'SCALAR') {
      const take = Math.min(qty, cap);
      left[k] = cap - take;
      if (take < qty) changed = true;
      if (take > 0) out.push({ ...x, scalar: { value: take / 1000 } });
    } else if (qty <= cap) {
      left[k] = cap - qty;
      out.push(x);
    } else changed = true;
  }
  return changed ? Resources.of(out) : r;
}
