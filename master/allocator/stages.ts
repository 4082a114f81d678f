/**
 * The two stages of an allocation cycle over a list of agents (the core's allocate() drives them):
 * stage 1 serves roles below their quota guarantee, up to it; stage 2 gives the rest by DRF, role by
 * role in the role sorter's order, then framework by framework in the role's, within quota limits and
 * the headroom unsatisfied guarantees need. Each agent's allocatable remainder for a role goes whole
 * to its first eligible, unfiltered framework.
 */
import { offerForFramework } from './shared.js';
import type { Resources } from '../../protocol/resources.js';
import type { FilterBook } from './filters.js';
import { limitCaps, shrink, topGuaranteeRole, towardGuarantee, type QuotaBooks, type QuotaCycle } from './quota.js';
import { allocatableFor, reservedSparseFor, restSplit, splitAfterGive, splitByReservation, type ReservationSplit } from './reservations.js';
import type { Ordered, SorterNode } from './sorter.js';
import { EMPTY, type AgentState, type FrameworkState, type RoleState } from './state.js';
import { isAllocatable, type Allocation } from './types.js';

/** What the stages read of the core's books, and the core's two moves they make. */
export interface StageBooks extends QuotaBooks {
  readonly filters: FilterBook;
  /** The core's epoch: bumped whenever a (framework, role) pair becomes eligible or quota/weights change. */
  epoch(): number;
  /** The frameworks that may take anything on an agent marked at an older epoch, or undefined: any. */
  onlySince(agent: AgentState, byEpoch: Map<number, Set<FrameworkState> | undefined>): Set<FrameworkState> | undefined;
  /** Allocates `offer` on `agent` to `f` in `role`; `rest`, when known, is what is left there. */
  give(out: Allocation[], agent: AgentState, f: FrameworkState, role: string, offer: Resources, quota: QuotaCycle | undefined, reservedSparse?: readonly number[], rest?: Resources): void;
}

/** What one role's visit in stage 2 came to. */
type Visit = 0 | 1 | 2;
const GAVE: Visit = 0;
const FULL: Visit = 1;
const OPEN: Visit = 2;

/** One agent's pass of stage 2. */
interface AgentPass {
  /** Tells this pass from the others (RoleState.openPass). */
  readonly id: number;
  readonly agent: AgentState;
  readonly quota: QuotaCycle | undefined;
  /** Only these frameworks can take anything here (see #onlySince), or undefined: any. */
  readonly only: Set<FrameworkState> | undefined;
  /** Every role visited was filtered for all it could get (the agent may be marked). */
  allFull: boolean;
  gave: boolean;
  split: ReservationSplit | undefined;
}

export class Stages {
  readonly #b: StageBooks;
  #passSeq = 0;
  /** Splits by reservation role, one per available-resources object (see #splitOf). */
  readonly #splits = new WeakMap<Resources, ReservationSplit>();

  constructor(books: StageBooks) {
    this.#b = books;
  }

  #skippable(agent: AgentState): boolean {
    return !agent.active || agent.available.isEmpty() || (agent.skipVersion === agent.version && agent.skipEpoch === this.#b.epoch());
  }

  /** Stage 1: roles below their guarantee get up to it. */
  stage1(out: Allocation[], agents: readonly AgentState[], quota: QuotaCycle): void {
    for (const agent of agents) {
      if (this.#skippable(agent)) continue;
      const roles = this.#b.roleSorter.sort();
      for (let i = 0; i < roles.length; i++) {
        const role = roles.at(i)!.client!;
        const need = quota.unsatisfied.get(role);
        if (need === undefined || !need.some((x) => x > 0)) continue;
        const r = this.#b.roles.get(role)!;
        if (r.eligible === 0) continue;
        const full = agent.hasReserved ? agent.available.allocatableTo(role) : agent.available;
        if (full.isEmpty()) continue;
        const reserved = agent.hasReserved ? full.reserved() : EMPTY;
        const unreserved = agent.hasReserved ? full.unreserved() : full;
        // Guaranteed names up to the unsatisfied guarantee; other names only from the surplus headroom.
        const caps = limitCaps(this.#b, quota, role);
        for (let k = 0; k < this.#b.q.names.length; k++) {
          const g = need[k] ?? 0;
          const cap = g > 0 ? g : quota.required[k]! > 0 ? Math.max(0, quota.available[k]! - quota.required[k]!) : Infinity;
          if (cap < (caps[k] ?? Infinity)) caps[k] = cap;
        }
        const part = shrink(unreserved, caps, this.#b.q);
        if (!towardGuarantee(part, need, this.#b.q) && reserved.isEmpty()) continue;
        const offer = reserved.isEmpty() ? part : reserved.add(part);
        if (!isAllocatable(offer)) continue;
        const fws = r.frameworks.sort();
        for (let i = 0; i < fws.length; i++) {
          const f = fws.at(i)!.data as FrameworkState;
          if (!f.eligible.has(role)) continue;
          const give = offerForFramework(agent, f, offer);
          if (give !== offer && !isAllocatable(give)) continue;
          if (this.#b.filters.filtered(agent, f, role, give, give === offer ? full : give) !== 0) continue;
          this.#b.give(out, agent, f, role, give, quota);
          break;
        }
        if (agent.available.isEmpty()) break;
      }
    }
  }

  /**
   * The split of `available`, made once per object: agents of one shape whose resources are all back
   * have the same (interned) total as their available resources, so they share its split and what the
   * split makes once (a role's part with the unreserved one, the remainder after a give), and through
   * those the offers' allocated forms. A split only ever fills its memo fields, from its own content.
   */
  #splitOf(available: Resources): ReservationSplit {
    let split = this.#splits.get(available);
    if (split === undefined) this.#splits.set(available, (split = splitByReservation(available, this.#b.q)));
    return split;
  }

  /** Stage 2: everything else by DRF, within limits, keeping the headroom other guarantees need. */
  stage2(out: Allocation[], agents: readonly AgentState[], quota: QuotaCycle | undefined): void {
    const byEpoch = new Map<number, Set<FrameworkState> | undefined>();
    for (const agent of agents) {
      if (this.#skippable(agent)) continue;
      // A new framework must not cost a scan of every framework on every agent
      // (a full sweep over 50k agents × 200 frameworks stalled the master for seconds).
      const only = quota === undefined ? this.#b.onlySince(agent, byEpoch) : undefined;
      // Nothing worth an offer left here (say, ports and disk once the cpus and
      // mem are in use): skip the agent until what is available grows.
      if (!isAllocatable(agent.available)) {
        agent.skipVersion = agent.version;
        agent.skipEpoch = this.#b.epoch();
        continue;
      }
      const pass: AgentPass = { id: ++this.#passSeq, agent, quota, only, allFull: true, gave: false, split: undefined };
      const roles = this.#b.roleSorter.sort();
      // With reservations, what each role may get is the unreserved part plus the reservations to it or an
      // ancestor: the available resources are split by reservation role once (kept on the agent), and a give
      // narrows the split rather than recomputing it. Once the unreserved part is not worth an offer, only
      // the roles under a reservation role can get anything: those alone are visited, not every role.
      if (agent.hasReserved) pass.split = agent.split?.of === agent.available ? agent.split : (agent.split = this.#splitOf(agent.available));
      let i = 0;
      for (; i < roles.length && (pass.split === undefined || pass.split.unreservedAllocatable); i++) {
        if (this.#visitRole(out, pass, roles.at(i)!.client!) === GAVE && agent.available.isEmpty()) break;
      }
      if (i < roles.length && pass.split !== undefined && !agent.available.isEmpty()) this.#visitReservedRest(out, pass, roles, i);
      if (!pass.gave && pass.allFull) {
        agent.skipVersion = agent.version;
        agent.skipEpoch = this.#b.epoch();
      }
    }
  }

  /**
   * Stage 2 on an agent whose unreserved part is not worth an offer, from `roles[from]` on: only the roles
   * under one of the reservations left can get something, so those alone are visited, in order. When none
   * can (every eligible framework of theirs filtered for it all), the remainder is marked, and the next
   * pass that leaves the same remainder (the same object: see restSplit) stops here in O(1) while no
   * filter on the agent went and no pair became eligible.
   */
  #visitReservedRest(out: Allocation[], pass: AgentPass, roles: Ordered, from: number): void {
    const { agent, quota } = pass;
    const rest = agent.available;
    if (agent.restMark === rest && agent.restMarkFilterVersion === agent.filterVersion && agent.restMarkEpoch === this.#b.epoch() && quota === undefined) return;
    let full = quota === undefined;
    const lone = this.#loneReservationRole(pass.split!);
    if (lone !== undefined) {
      // The common case (one reservation, to a role without subroles): its position alone, no list built.
      const i = roles.indexOf(lone);
      if (i >= 0 && this.#visitRest(out, pass, roles, i, from) !== FULL) full = false;
    } else {
      const at = this.#reservationRolesAt(roles, pass.split!);
      for (let j = 0; j < at.length; j++) {
        const visit = this.#visitRest(out, pass, roles, at[j]!, from);
        if (visit !== FULL) full = false;
        if (visit === GAVE && agent.available.isEmpty()) break;
      }
    }
    agent.restMark = full ? rest : undefined;
    agent.restMarkFilterVersion = agent.filterVersion;
    agent.restMarkEpoch = this.#b.epoch();
  }

  /** The role at `roles[i]` for the remainder: visited now, or, when visited before it (`i < from`), OPEN if it was open then. */
  #visitRest(out: Allocation[], pass: AgentPass, roles: Ordered, i: number, from: number): Visit {
    const role = roles.at(i)!.client!;
    // Visited before the remainder was what it is: filtered then for more than is left now, or open.
    if (i < from) return this.#b.roles.get(role)?.openPass === pass.id ? OPEN : FULL;
    return this.#visitRole(out, pass, role);
  }

  /** The sorter's node of the split's only reservation role when that role has no subroles (it alone can get the remainder). */
  #loneReservationRole(split: ReservationSplit): SorterNode | undefined {
    if (split.reserved.length !== 1) return undefined;
    const node = this.#b.roleSorter.node(split.reserved[0]!.role);
    return node !== undefined && node.name !== '.' && node.children.length === 0 ? node : undefined;
  }

  /**
   * The positions in `roles` (the agent's order, fixed for its pass) of the roles under one of the split's
   * reservation roles, ascending: the only roles that can get something once the unreserved part is not
   * worth an offer on its own.
   */
  #reservationRolesAt(roles: Ordered, split: ReservationSplit): number[] {
    const at: number[] = [];
    const parts = split.reserved;
    for (let p = 0; p < parts.length; p++) {
      const nodes = this.#b.roleSorter.subtreeClients(parts[p]!.role);
      for (let n = 0; n < nodes.length; n++) {
        const i = roles.indexOf(nodes[n]!);
        if (i >= 0 && !at.includes(i)) at.push(i);
      }
    }
    if (at.length > 1) at.sort((a, b) => a - b);
    return at;
  }

  /**
   * One role of stage 2 on the pass's agent: the agent's allocatable remainder for the role (cut by quota)
   * goes to its first eligible, unfiltered framework. GAVE; FULL when nothing could go (no eligible
   * framework, nothing for the role, or every framework filtered for all of it); OPEN otherwise.
   */
  #visitRole(out: Allocation[], pass: AgentPass, role: string): Visit {
    const { agent, quota, only } = pass;
    const r = this.#b.roles.get(role)!;
    if (r.eligible === 0) return FULL;
    let split = pass.split;
    if (split !== undefined && split.of !== agent.available) split = pass.split = this.#splitOf(agent.available);
    const full = split !== undefined ? allocatableFor(split, role) : agent.available;
    if (full === undefined || full.isEmpty()) return FULL;
    let offer = full;
    if (quota !== undefined) {
      const caps = limitCaps(this.#b, quota, role);
      const top = topGuaranteeRole(this.#b.roles, role);
      const own = top === undefined ? undefined : quota.unsatisfied.get(top);
      for (let k = 0; k < this.#b.q.names.length; k++) {
        const req = quota.required[k]!;
        if (req <= 0) continue;
        const cap = Math.max(0, quota.available[k]! - (req - (own?.[k] ?? 0)));
        if (cap < (caps[k] ?? Infinity)) caps[k] = cap;
      }
      if (caps.some((c) => c !== undefined && c !== Infinity)) {
        const reserved = agent.hasReserved ? full.reserved() : EMPTY;
        const unreserved = agent.hasReserved ? full.unreserved() : full;
        const part = shrink(unreserved, caps, this.#b.q);
        if (part !== unreserved) offer = reserved.isEmpty() ? part : reserved.add(part);
      }
    }
    // The split's unreserved part is offered on its own only when worth an offer (allocatableFor): known, not recounted.
    if ((split === undefined || offer !== split.unreserved) && !isAllocatable(offer)) return this.#open(pass, r);
    let visit: Visit = FULL;
    const fws = r.frameworks.sort();
    for (let i = 0; i < fws.length; i++) {
      const f = fws.at(i)!.data as FrameworkState;
      if (!f.eligible.has(role)) continue;
      if (only !== undefined && !only.has(f)) continue; // filtered for all of it at the mark, and still
      // Without SHARED_RESOURCES or RESERVATION_REFINEMENT, the offer without what it may not get (shared.ts).
      const give = offerForFramework(agent, f, offer);
      if (give !== offer && !isAllocatable(give)) continue;
      const filtered = this.#b.filters.filtered(agent, f, role, give, give === offer ? full : give);
      if (filtered === 2) continue;
      visit = this.#open(pass, r);
      if (filtered === 1) continue;
      // The whole remainder for the role: what is left is known from the split, without subtracting.
      const whole = split !== undefined && give === full && !agent.hasShared;
      const after = split !== undefined && whole ? restSplit(split, role) : undefined;
      this.#b.give(out, agent, f, role, give, quota, split !== undefined && whole ? reservedSparseFor(split, role) : undefined, after?.of);
      pass.gave = true;
      if (split !== undefined) pass.split = after ?? (whole ? splitAfterGive(split, role, agent.available) : splitByReservation(agent.available, this.#b.q));
      return GAVE;
    }
    return visit;
  }

  #open(pass: AgentPass, r: RoleState): Visit {
    pass.allFull = false;
    r.openPass = pass.id;
    return OPEN;
  }
}
