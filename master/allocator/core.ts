/**
 * AllocatorCore: the allocator's decisions, pure. No I/O, no timers, no clock:
 * time comes in as `now` (ms). The same sequence of calls gives the same
 * allocations (agents in id order, roles and frameworks by share then name).
 *
 * The shape of Mesos's HierarchicalDRF allocator:
 *  - a hierarchical role sorter (weighted DRF over roles, nesting by '/'), and
 *    per role a flat framework sorter (DRF over the frameworks in that role);
 *  - `allocate()` runs two stages over the agents: stage 1 serves roles below
 *    their quota guarantee, up to that guarantee; stage 2 gives the rest by
 *    DRF, never past a role's quota limit, holding back unreserved resources
 *    that other roles' unsatisfied guarantees still need;
 *  - an agent's whole allocatable remainder for a role goes to one framework;
 *  - filters per (framework, role, agent) refuse offers contained in the
 *    resources declined, until they expire.
 *
 * Quantities are integer thousandths (cpus 1.5 = 1500, mem MB x 1000).
 * Quota maps and introspection records use real units (cpus 1.5, mem MB).
 */
import { Resources, type Resource } from '../../protocol/resources.js';
import { DRFSorter, QuantityIndex, dominantShare } from './sorter.js';
import { availableOf, hasRefined, movesAvailable, offerFor, withoutRefined } from './shared.js';

/** Offers smaller than this are not made (Mesos MIN_CPUS / MIN_MEM, the default --min_allocatable_resources=cpus:0.01|mem:32). */
export const MIN_CPUS_MILLI = 10;
export const MIN_MEM_MILLI = 32_000;
/** Mesos caps refuse_seconds at a year. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

export interface Allocation {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  /** Allocated to `role` (allocation_info.role set). */
  readonly resources: Resources;
}

export interface FrameworkOptions {
  readonly roles: readonly string[];
  readonly suppressedRoles?: readonly string[];
  /** Default true. */
  readonly active?: boolean;
  /** The SHARED_RESOURCES capability: it may be offered shared resources, also while in use. Default false. */
  readonly sharedResources?: boolean;
  /** The RESERVATION_REFINEMENT capability: it may be offered refined reservations. Default true (as the master's tests assume). */
  readonly reservationRefinement?: boolean;
}

export interface AgentOptions {
  readonly total: Resources;
  /** Default true. */
  readonly active?: boolean;
}

/** name -> real units, or Resources (their quantities). */
export type QuantityInput = ReadonlyMap<string, number> | Readonly<Record<string, number>> | Resources;

export interface QuotaInput {
  readonly guarantees?: QuantityInput;
  readonly limits?: QuantityInput;
}

export interface CoreOptions {
  /** Resource names left out of share computations (Mesos --fair_sharing_excluded_resource_names). */
  readonly fairnessExcludeResourceNames?: readonly string[];
}

export interface RoleInfo {
  readonly role: string;
  readonly weight: number;
  readonly quota: { guarantees: Record<string, number>; limits: Record<string, number> } | undefined;
  /** Allocated to the role itself (not its subroles). */
  readonly allocated: Record<string, number>;
  /** Weighted dominant share of the role's subtree. */
  readonly share: number;
  readonly frameworks: string[];
}

export interface FrameworkInfoView {
  readonly id: string;
  readonly active: boolean;
  readonly roles: string[];
  readonly suppressedRoles: string[];
  /** role -> name -> real units. */
  readonly allocated: Record<string, Record<string, number>>;
  /** role -> share within the role. */
  readonly shares: Record<string, number>;
  readonly filters: number;
}

export interface AgentInfoView {
  readonly id: string;
  readonly active: boolean;
  readonly total: Resources;
  readonly available: Resources;
  /** framework -> allocated resources. */
  readonly allocated: Map<string, Resources>;
  readonly filters: number;
}

interface Filter {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly key: string;
  readonly resources: Resources;
  readonly expiresAt: number;
  readonly seq: number;
  live: boolean;
}

interface AgentState {
  readonly id: string;
  total: Resources;
  totalSparse: number[];
  /** Unallocated, not offered: total minus everything allocated, with one copy of each shared resource kept (shared.ts). */
  available: Resources;
  /** framework -> resources allocated to it here (allocation_info set). */
  readonly allocated: Map<string, Resources>;
  hasReserved: boolean;
  /** Its total holds shared resources (a shared persistent volume). */
  hasShared: boolean;
  /** Its total holds refined reservations (a reservation stack of more than one role). */
  hasRefined: boolean;
  active: boolean;
  /** Bumped whenever `available` grows or a filter here goes away. */
  version: number;
  /** Skip the agent while (version, epoch) equal these: every eligible pair is filtered for all it could get. */
  skipVersion: number;
  skipEpoch: number;
  /** framework + '\0' + role -> filters. */
  readonly filters: Map<string, Filter[]>;
}

interface FrameworkState {
  readonly id: string;
  /** False for a framework only known through allocations (an agent reported its tasks first). */
  known: boolean;
  active: boolean;
  /** SHARED_RESOURCES: offered shared resources. */
  shared: boolean;
  /** RESERVATION_REFINEMENT: offered refined reservations (without it, as Mesos, never). */
  refinement: boolean;
  roles: Set<string>;
  suppressed: Set<string>;
  /** Roles in which it takes offers now: active, subscribed, not suppressed. */
  eligible: Set<string>;
  /** role -> number of agents with allocations to it in that role (for membership). */
  readonly agents: Set<string>;
  readonly filters: Set<Filter>;
  /** role -> filter key (one string per pair, so map lookups hash it once). */
  readonly keys: Map<string, string>;
}

interface RoleState {
  readonly name: string;
  weight: number;
  guarantees: Map<string, number> | undefined;
  limits: Map<string, number> | undefined;
  readonly frameworks: DRFSorter;
  /** Number of frameworks eligible in this role. */
  eligible: number;
  /** Reservations to exactly this role on the agents (dense). */
  readonly reserved: number[];
  /** The reserved part of what is allocated to this role (dense). */
  readonly reservedAllocated: number[];
}

/** Per-cycle quota bookkeeping (only built when some role has a quota). */
interface QuotaCycle {
  /** role -> consumed (allocated + unallocated reservations, subtree), dense. */
  readonly consumed: Map<string, number[]>;
  /** role -> unsatisfied guarantee, dense, >= 0. */
  readonly unsatisfied: Map<string, number[]>;
  /** Sum of the unsatisfied guarantees of top-level quota roles. */
  readonly required: number[];
  /** Unreserved unallocated quantities over all active agents. */
  readonly available: number[];
}

const EMPTY = Resources.empty();
const KEY_SEP = '\u0000';

function addDense(into: number[], sparse: readonly number[], sign: number): void {
  for (let i = 0; i < sparse.length; i += 2) {
    const k = sparse[i]!;
    while (into.length <= k) into.push(0);
    into[k] = into[k]! + sign * sparse[i + 1]!;
  }
}

function negate(sparse: readonly number[]): number[] {
  const out = sparse.slice();
  for (let i = 1; i < out.length; i += 2) out[i] = -out[i]!;
  return out;
}

function ancestorsAndSelf(role: string): string[] {
  const out: string[] = [];
  let i = role.indexOf('/');
  while (i !== -1) {
    out.push(role.slice(0, i));
    i = role.indexOf('/', i + 1);
  }
  out.push(role);
  return out;
}

function inSubtree(role: string, root: string): boolean {
  return role === root || (role.length > root.length && role.startsWith(root) && role.charCodeAt(root.length) === 47);
}

/**
 * Mesos's minimum offer: cpus >= 0.01 or mem >= 32 MB. Ports or disk alone are
 * not worth an offer: nothing can run on them (offering them was measured to
 * cost a decline per agent per framework every refuse period).
 */
/** Available resources split by reservation role, for one agent's pass of stage 2. */
interface ReservationSplit {
  readonly of: Resources;
  readonly unreserved: Resources;
  /** Whether the unreserved part is worth an offer on its own. */
  readonly unreservedAllocatable: boolean;
  /** Per reservation role: the role, `role + '/'` (its subroles start so), what is reserved to it. */
  readonly reserved: readonly { readonly role: string; readonly prefix: string; readonly part: Resources }[];
}

function splitByReservation(available: Resources): ReservationSplit {
  const reserved: { role: string; prefix: string; part: Resources }[] = [];
  for (const role of available.reservationRoles()) if (role !== '*') reserved.push({ role, prefix: `${role}/`, part: available.reserved(role) });
  const unreserved = available.unreserved();
  return { of: available, unreserved, unreservedAllocatable: isAllocatable(unreserved), reserved };
}

/**
 * `available.allocatableTo(role)` from the split: the unreserved part itself when nothing here is reserved to
 * the role or an ancestor (isStrictSubrole(role, r) is role.startsWith(r + '/')); undefined when that is not
 * worth an offer, so a role that cannot use what is left costs a string compare or two.
 */
function allocatableFor(split: ReservationSplit, role: string): Resources | undefined {
  let out: Resources | undefined;
  for (const r of split.reserved) if (role === r.role || role.startsWith(r.prefix)) out = (out ?? split.unreserved).add(r.part);
  return out ?? (split.unreservedAllocatable ? split.unreserved : undefined);
}

export function isAllocatable(r: Resources): boolean {
  if (r.isEmpty()) return false;
  return r.milli('cpus') >= MIN_CPUS_MILLI || r.milli('mem') >= MIN_MEM_MILLI;
}

/** Roles of allocated resources (allocation_info.role); `likely`: the role to try first. */
function allocationRoles(r: Resources, likely?: string): string[] {
  if (likely !== undefined && r.allocatedTo(likely).size === r.size) return [likely];
  const out: string[] = [];
  for (const x of r.toJSON()) {
    const role = x.allocation_info?.role;
    if (role !== undefined && !out.includes(role)) out.push(role);
  }
  return out;
}

export class AllocatorCore {
  readonly q: QuantityIndex;
  readonly #roleSorter: DRFSorter;
  readonly #roles = new Map<string, RoleState>();
  readonly #frameworks = new Map<string, FrameworkState>();
  readonly #agents = new Map<string, AgentState>();
  #agentOrder: AgentState[] | undefined;
  /** Bumped whenever a (framework, role) pair becomes eligible or quota/weights change. */
  #epoch = 1;
  /**
   * What each recent epoch bump was for: the framework that became eligible
   * (or was revived), or null for a change that concerns everyone (weights,
   * quota). `#bumps[i]` made epoch `#bumpBase + i`.
   */
  #bumps: (FrameworkState | null)[] = [];
  #bumpBase = 2;
  readonly #heap: Filter[] = [];
  #filterSeq = 0;
  #filterCount = 0;
  #quotaRoles = 0;

  constructor(options: CoreOptions = {}) {
    this.q = new QuantityIndex(new Set(options.fairnessExcludeResourceNames ?? []));
    this.#roleSorter = new DRFSorter(this.q, { hierarchical: true, weightOf: (path) => this.#roles.get(path)?.weight ?? 1 });
  }

  // --- roles ---------------------------------------------------------------

  #role(name: string): RoleState {
    let r = this.#roles.get(name);
    if (r === undefined) {
      r = { name, weight: 1, guarantees: undefined, limits: undefined, frameworks: new DRFSorter(this.q), eligible: 0, reserved: [], reservedAllocated: [] };
      this.#roles.set(name, r);
    }
    return r;
  }

  /** Puts framework `f` into role `role`'s sorter (and the role into the role sorter). */
  #track(f: FrameworkState, role: string): RoleState {
    const r = this.#role(role);
    if (!r.frameworks.has(f.id)) {
      r.frameworks.add(f.id).data = f;
      if (!this.#roleSorter.has(role)) this.#roleSorter.add(role);
    }
    return r;
  }

  /** Drops framework from role's sorter when it is neither subscribed nor holding anything there. */
  #untrackIfIdle(f: FrameworkState, role: string): void {
    const r = this.#roles.get(role);
    if (r === undefined || !r.frameworks.has(f.id)) return;
    if (f.roles.has(role)) return;
    if (r.frameworks.allocation(f.id).some((v) => v !== 0)) return;
    r.frameworks.remove(f.id);
    if (r.frameworks.size === 0) this.#roleSorter.remove(role);
  }

  setWeight(role: string, weight: number): void {
    if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError(`weight of role ${role} must be a positive number, got ${weight}`);
    this.#role(role).weight = weight;
    this.#roleSorter.weightsChanged();
    this.#bump(null);
  }

  setWeights(weights: Readonly<Record<string, number>>): void {
    for (const [role, w] of Object.entries(weights)) this.setWeight(role, w);
  }

  /** Sets (or, with both empty, removes) a role's quota. Quantities in real units. */
  setQuota(role: string, quota: QuotaInput): void {
    const r = this.#role(role);
    const had = r.guarantees !== undefined || r.limits !== undefined;
    const g = quota.guarantees === undefined ? undefined : toMilliMap(quota.guarantees);
    const l = quota.limits === undefined ? undefined : toMilliMap(quota.limits);
    r.guarantees = g && g.size > 0 ? g : undefined;
    r.limits = l && l.size > 0 ? l : undefined;
    for (const k of [...(g?.keys() ?? []), ...(l?.keys() ?? [])]) this.q.indexOf(k);
    const has = r.guarantees !== undefined || r.limits !== undefined;
    this.#quotaRoles += (has ? 1 : 0) - (had ? 1 : 0);
    this.#bump(null);
  }

  // --- frameworks ----------------------------------------------------------

  #framework(id: string): FrameworkState {
    let f = this.#frameworks.get(id);
    if (f === undefined) {
      f = { id, known: false, active: false, shared: false, refinement: true, roles: new Set(), suppressed: new Set(), eligible: new Set(), agents: new Set(), filters: new Set(), keys: new Map() };
      this.#frameworks.set(id, f);
    }
    return f;
  }

  /** Recomputes where `f` takes offers; a newly eligible pair makes every agent worth a look again. */
  #refreshEligibility(f: FrameworkState): void {
    const next = new Set<string>();
    if (f.known && f.active) for (const r of f.roles) if (!f.suppressed.has(r)) next.add(r);
    for (const r of f.eligible) if (!next.has(r)) this.#role(r).eligible--;
    let grew = false;
    for (const r of next) {
      if (!f.eligible.has(r)) {
        this.#role(r).eligible++;
        grew = true;
      }
    }
    f.eligible = next;
    if (grew) this.#bump(f);
  }

  /**
   * A framework subscribed to `roles`. `used`: resources it already holds on
   * known agents (added to what the allocator tracks). Adding a known
   * framework updates it.
   */
  addFramework(id: string, options: FrameworkOptions, used: readonly { agentId: string; resources: Resources }[] = []): void {
    const f = this.#framework(id);
    f.known = true;
    f.active = options.active ?? true;
    f.shared = options.sharedResources ?? false;
    f.refinement = options.reservationRefinement ?? true;
    this.#setRoles(f, options.roles, options.suppressedRoles ?? []);
    for (const u of used) {
      const agent = this.#agents.get(u.agentId);
      if (agent !== undefined) this.#track_used(agent, f, u.resources);
    }
    this.#refreshEligibility(f);
  }

  #setRoles(f: FrameworkState, roles: readonly string[], suppressed: readonly string[]): void {
    const old = f.roles;
    f.roles = new Set(roles);
    f.suppressed = new Set(suppressed.filter((r) => f.roles.has(r)));
    for (const r of f.roles) this.#track(f, r);
    for (const r of old) {
      if (!f.roles.has(r)) {
        this.#removeFilters(f, r);
        this.#untrackIfIdle(f, r);
      }
    }
  }

  updateFramework(id: string, options: { roles: readonly string[]; suppressedRoles?: readonly string[]; sharedResources?: boolean; reservationRefinement?: boolean }): void {
    const f = this.#frameworks.get(id);
    if (f === undefined) return;
    if (options.sharedResources !== undefined) f.shared = options.sharedResources;
    if (options.reservationRefinement !== undefined) f.refinement = options.reservationRefinement;
    this.#setRoles(f, options.roles, options.suppressedRoles ?? []);
    this.#refreshEligibility(f);
  }

  /** Frees everything the framework holds and forgets it; returns the agents where resources were freed. */
  removeFramework(id: string): string[] {
    const f = this.#frameworks.get(id);
    if (f === undefined) return [];
    this.#removeFilters(f);
    const freedOn = [...f.agents];
    for (const agentId of freedOn) {
      const agent = this.#agents.get(agentId);
      const held = agent?.allocated.get(id);
      if (agent !== undefined && held !== undefined) this.#free(agent, f, held);
    }
    f.known = false;
    f.active = false;
    this.#refreshEligibility(f);
    const roles = [...f.roles];
    f.roles = new Set();
    for (const r of roles) this.#untrackIfIdle(f, r);
    for (const [, r] of this.#roles) if (r.frameworks.has(id)) this.#untrackIfIdle(f, r.name);
    this.#frameworks.delete(id);
    return freedOn;
  }

  activateFramework(id: string): void {
    const f = this.#frameworks.get(id);
    if (f === undefined) return;
    f.active = true;
    this.#refreshEligibility(f);
  }

  /** Stops offers to it; its filters go (as in Mesos), so a reactivated framework starts clean. */
  deactivateFramework(id: string): void {
    const f = this.#frameworks.get(id);
    if (f === undefined) return;
    f.active = false;
    this.#removeFilters(f);
    this.#refreshEligibility(f);
  }

  /** No offers for these roles (all its roles when undefined) until REVIVE. */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const f = this.#frameworks.get(frameworkId);
    if (f === undefined) return;
    for (const r of roles ?? [...f.roles]) if (f.roles.has(r)) f.suppressed.add(r);
    this.#refreshEligibility(f);
  }

  /** Unsuppresses these roles (all when undefined) and clears the framework's filters for them. */
  revive(frameworkId: string, roles?: readonly string[]): void {
    const f = this.#frameworks.get(frameworkId);
    if (f === undefined) return;
    const list = roles ?? [...f.roles];
    for (const r of list) f.suppressed.delete(r);
    if (roles === undefined) this.#removeFilters(f);
    else for (const r of roles) this.#removeFilters(f, r);
    this.#refreshEligibility(f);
    this.#bump(f);
  }

  // --- agents --------------------------------------------------------------

  /** An agent with its total; `used`: what frameworks already hold there (allocation_info says the role). */
  addAgent(id: string, options: AgentOptions, used: readonly { frameworkId: string; resources: Resources }[] = []): void {
    if (this.#agents.has(id)) this.removeAgent(id);
    const total = options.total.unallocate();
    const agent: AgentState = {
      id,
      total,
      totalSparse: this.q.vector(total.quantities()),
      available: total,
      allocated: new Map(),
      hasReserved: !total.reserved().isEmpty(),
      hasShared: total.hasShared(),
      hasRefined: hasRefined(total),
      active: options.active ?? true,
      version: 1,
      skipVersion: 0,
      skipEpoch: 0,
      filters: new Map(),
    };
    this.#agents.set(id, agent);
    this.#agentOrder = undefined;
    this.q.addTotals(agent.totalSparse, 1);
    this.#addReservations(agent, 1);
    for (const u of used) this.#track_used(agent, this.#framework(u.frameworkId), u.resources);
  }

  removeAgent(id: string): void {
    const agent = this.#agents.get(id);
    if (agent === undefined) return;
    for (const [fid, held] of [...agent.allocated]) {
      const f = this.#frameworks.get(fid);
      if (f !== undefined) this.#free(agent, f, held);
    }
    for (const list of agent.filters.values()) for (const flt of list) this.#dropFilter(flt, false);
    agent.filters.clear();
    this.#addReservations(agent, -1);
    this.q.addTotals(agent.totalSparse, -1);
    this.#agents.delete(id);
    this.#agentOrder = undefined;
  }

  /** A new total (e.g. after a reservation change); allocations stay. */
  updateAgentTotal(id: string, total: Resources): void {
    const agent = this.#agents.get(id);
    if (agent === undefined) return;
    this.#addReservations(agent, -1);
    this.q.addTotals(agent.totalSparse, -1);
    agent.total = total.unallocate();
    agent.totalSparse = this.q.vector(agent.total.quantities());
    agent.hasReserved = !agent.total.reserved().isEmpty();
    agent.hasShared = agent.total.hasShared();
    agent.hasRefined = hasRefined(agent.total);
    this.q.addTotals(agent.totalSparse, 1);
    this.#addReservations(agent, 1);
    let allocated = EMPTY;
    for (const r of agent.allocated.values()) allocated = allocated.add(r.unallocate());
    agent.available = availableOf(agent.total, allocated);
    agent.version++;
  }

  /**
   * A framework's offer operation changed what it holds here (RESERVE,
   * UNRESERVE, CREATE, DESTROY in an ACCEPT): `from` (allocated, as
   * offered) became `to`; the agent's total changes alike.
   */
  updateAllocation(frameworkId: string, agentId: string, from: Resources, to: Resources): void {
    const agent = this.#agents.get(agentId);
    const f = this.#frameworks.get(frameworkId);
    if (agent === undefined || f === undefined) return;
    if (from.isEmpty() && !to.isEmpty() && to.nonShared().isEmpty()) {
      // More copies of shared resources than were offered (two tasks of one ACCEPT on one shared volume): allocated, the total unchanged.
      this.#track_used(agent, f, to);
      return;
    }
    const held = this.#withAllocation(f, from);
    this.#free(agent, f, held);
    this.updateAgentTotal(agentId, agent.total.subtract(held.unallocate()).add(to.unallocate()));
    this.#track_used(agent, f, this.#withAllocation(f, to));
  }

  /**
   * An operator's operation on an agent's unallocated resources (the
   * operator API's RESERVE_RESOURCES ...): false, changing nothing, when
   * `from` is not all available here (allocated or offered meanwhile).
   */
  updateAvailable(agentId: string, from: Resources, to: Resources): boolean {
    const agent = this.#agents.get(agentId);
    const need = from.unallocate();
    if (agent === undefined || !agent.available.contains(need)) return false;
    this.updateAgentTotal(agentId, agent.total.subtract(need).add(to.unallocate()));
    return true;
  }

  activateAgent(id: string): void {
    const agent = this.#agents.get(id);
    if (agent === undefined) return;
    agent.active = true;
    agent.version++;
  }

  deactivateAgent(id: string): void {
    const agent = this.#agents.get(id);
    if (agent !== undefined) agent.active = false;
  }

  #addReservations(agent: AgentState, sign: 1 | -1): void {
    if (!agent.hasReserved) return;
    for (const x of agent.total.reserved().toJSON()) {
      const role = Resources.reservationRole(x);
      addDense(this.#role(role).reserved, this.q.vector(Resources.of([x]).quantities()), sign);
    }
  }

  // --- allocation bookkeeping ---------------------------------------------

  /** Resources with no allocation_info get the framework's only role (or '*'). */
  #withAllocation(f: FrameworkState, r: Resources): Resources {
    if (r.allocatedTo().size === r.size) return r;
    const bare = r.filter((x) => x.allocation_info === undefined);
    if (bare.isEmpty()) return r;
    const role = f.roles.size > 0 ? f.roles.values().next().value! : '*';
    return r.subtract(bare).add(bare.allocate(role));
  }

  #track_used(agent: AgentState, f: FrameworkState, resources: Resources): void {
    const r = this.#withAllocation(f, resources);
    if (r.isEmpty()) return;
    for (const role of allocationRoles(r, onlyRole(f))) this.#account(agent, f, role, r.allocatedTo(role), 1);
    agent.allocated.set(f.id, (agent.allocated.get(f.id) ?? EMPTY).add(r));
    agent.available = agent.available.subtract(movesAvailable(r.unallocate()));
    f.agents.add(agent.id);
  }

  /** Sorter and reservation accounting of `part` (allocated to `role`) for f. */
  #account(agent: AgentState, f: FrameworkState, role: string, part: Resources, sign: 1 | -1): void {
    const sparse = this.q.vector(part.quantities());
    const delta = sign === 1 ? sparse : negate(sparse);
    const r = this.#track(f, role);
    r.frameworks.update(f.id, delta);
    this.#roleSorter.update(role, delta);
    if (agent.hasReserved) {
      const reserved = part.reserved();
      if (!reserved.isEmpty()) addDense(r.reservedAllocated, this.q.vector(reserved.quantities()), sign);
    }
  }

  /** Gives back what `f` holds of `resources` on `agent` (clamped to what it holds); returns what was freed. */
  #free(agent: AgentState, f: FrameworkState, resources: Resources): Resources {
    const cur = agent.allocated.get(f.id);
    if (cur === undefined) return EMPTY;
    const next = cur.subtract(resources);
    const freed = next === cur ? EMPTY : cur.subtract(next);
    if (freed.isEmpty()) return EMPTY;
    if (next.isEmpty()) {
      agent.allocated.delete(f.id);
      f.agents.delete(agent.id);
    } else agent.allocated.set(f.id, next);
    agent.available = agent.available.add(movesAvailable(freed.unallocate()));
    agent.version++;
    for (const role of allocationRoles(freed, onlyRole(f))) {
      this.#account(agent, f, role, freed.allocatedTo(role), -1);
      this.#untrackIfIdle(f, role);
    }
    return freed;
  }

  /**
   * Resources offered or used that are free again. With `refuseSeconds` > 0
   * the framework will not be offered them on this agent (in that role) again
   * before `now + refuseSeconds` s, unless it revives.
   */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number | undefined, now: number): void {
    const agent = this.#agents.get(agentId);
    const f = this.#frameworks.get(frameworkId);
    if (agent === undefined || f === undefined) return;
    const r = this.#withAllocation(f, resources);
    this.#free(agent, f, r);
    if (refuseSeconds !== undefined && refuseSeconds > 0 && f.known) {
      const seconds = Math.min(refuseSeconds, MAX_REFUSE_SECONDS);
      for (const role of allocationRoles(r, onlyRole(f))) {
        const declined = r.allocatedTo(role).unallocate();
        if (!declined.isEmpty()) this.#addFilter(agent, f, role, declined, now + seconds * 1000);
      }
    }
  }

  // --- filters -------------------------------------------------------------

  #addFilter(agent: AgentState, f: FrameworkState, role: string, resources: Resources, expiresAt: number): void {
    const key = filterKey(f, role);
    const flt: Filter = { frameworkId: f.id, role, agentId: agent.id, key, resources, expiresAt, seq: this.#filterSeq++, live: true };
    const list = agent.filters.get(key);
    if (list === undefined) agent.filters.set(key, [flt]);
    else list.push(flt);
    f.filters.add(flt);
    this.#filterCount++;
    this.#heapPush(flt);
  }

  /** Drops a filter from its agent and framework (the heap drops it lazily). */
  #dropFilter(flt: Filter, fromAgent: boolean): void {
    if (!flt.live) return;
    flt.live = false;
    this.#filterCount--;
    this.#frameworks.get(flt.frameworkId)?.filters.delete(flt);
    const agent = this.#agents.get(flt.agentId);
    if (agent === undefined) return;
    agent.version++;
    if (!fromAgent) return;
    const key = flt.key;
    const list = agent.filters.get(key);
    if (list === undefined) return;
    const i = list.indexOf(flt);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) agent.filters.delete(key);
  }

  #removeFilters(f: FrameworkState, role?: string): void {
    for (const flt of [...f.filters]) if (role === undefined || flt.role === role) this.#dropFilter(flt, true);
  }

  #heapPush(flt: Filter): void {
    const h = this.#heap;
    h.push(flt);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!filterBefore(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #heapPop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && filterBefore(h[l]!, h[m]!)) m = l;
      if (r < h.length && filterBefore(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  /** Drops expired filters (expiresAt <= now); returns the agents that lost one (what they hold may now be offered). */
  expireFilters(now: number): Set<string> {
    const h = this.#heap;
    const agents = new Set<string>();
    while (h.length > 0 && (!h[0]!.live || h[0]!.expiresAt <= now)) {
      const top = h[0]!;
      this.#heapPop();
      if (top.live) {
        this.#dropFilter(top, true);
        agents.add(top.agentId);
      }
    }
    return agents;
  }

  /** When the earliest live filter expires (ms), if any. */
  nextFilterExpiry(): number | undefined {
    const h = this.#heap;
    while (h.length > 0 && !h[0]!.live) this.#heapPop();
    return h.length > 0 ? h[0]!.expiresAt : undefined;
  }

  /** 0: not filtered; 1: filtered for `offer` only; 2: filtered for all of `full` (hence for any offer from it). */
  #filtered(agent: AgentState, f: FrameworkState, role: string, offer: Resources, full: Resources): 0 | 1 | 2 {
    if (agent.filters.size === 0) return 0;
    const list = agent.filters.get(filterKey(f, role));
    if (list === undefined) return 0;
    let result: 0 | 1 | 2 = 0;
    for (const flt of list) {
      if (flt.resources.contains(full)) return 2;
      if (result === 0 && offer !== full && flt.resources.contains(offer)) result = 1;
    }
    return result;
  }

  // --- allocation ----------------------------------------------------------

  #sortedAgents(): AgentState[] {
    if (this.#agentOrder === undefined) {
      this.#agentOrder = [...this.#agents.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return this.#agentOrder;
  }

  #give(out: Allocation[], agent: AgentState, f: FrameworkState, role: string, offer: Resources, quota: QuotaCycle | undefined): void {
    const allocated = offer.allocate(role);
    agent.available = agent.available.subtract(movesAvailable(offer));
    const cur = agent.allocated.get(f.id);
    agent.allocated.set(f.id, cur === undefined ? allocated : cur.add(allocated));
    f.agents.add(agent.id);
    this.#account(agent, f, role, allocated, 1);
    if (quota !== undefined) {
      const unreserved = agent.hasReserved ? offer.unreserved() : offer;
      if (!unreserved.isEmpty()) this.#quotaConsume(quota, role, this.q.vector(unreserved.quantities()));
    }
    out.push({ frameworkId: f.id, role, agentId: agent.id, resources: allocated });
  }

  /**
   * Allocates free resources on `agentIds` (all agents when undefined) and
   * returns the decisions. Expires filters due at `now` first.
   */
  allocate(now: number, agentIds?: Iterable<string>): Allocation[] {
    this.expireFilters(now);
    let agents: AgentState[];
    if (agentIds === undefined) agents = this.#sortedAgents();
    else {
      const set = new Set(agentIds);
      agents = [];
      for (const id of set) {
        const a = this.#agents.get(id);
        if (a !== undefined) agents.push(a);
      }
      agents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const out: Allocation[] = [];
    if (this.#roleSorter.size === 0 || agents.length === 0) return out;
    const quota = this.#quotaRoles > 0 ? this.#quotaCycle() : undefined;
    if (quota !== undefined && [...quota.unsatisfied.values()].some((v) => v.some((x) => x > 0))) this.#stage1(out, agents, quota);
    this.#stage2(out, agents, quota);
    return out;
  }

  #bump(f: FrameworkState | null): void {
    this.#epoch++;
    this.#bumps.push(f);
    if (this.#bumps.length > 1024) {
      this.#bumps = this.#bumps.slice(512);
      this.#bumpBase += 512;
    }
  }

  /**
   * An agent marked "every eligible framework is filtered for all it holds"
   * at (its current version, an older epoch) can only go to frameworks that
   * became eligible or were revived since: the others' filters still cover it
   * (what it holds has not grown, or its version would have moved). Those
   * frameworks, or undefined when the scan must consider everyone.
   */
  #onlySince(agent: AgentState, byEpoch: Map<number, Set<FrameworkState> | undefined>): Set<FrameworkState> | undefined {
    if (agent.skipVersion !== agent.version || agent.skipEpoch < this.#bumpBase - 1) return undefined;
    // Many agents share a mark's epoch: the set is built once per epoch and cycle.
    if (byEpoch.has(agent.skipEpoch)) return byEpoch.get(agent.skipEpoch);
    const only = this.#bumpedSince(agent.skipEpoch);
    byEpoch.set(agent.skipEpoch, only);
    return only;
  }

  #bumpedSince(epoch: number): Set<FrameworkState> | undefined {
    const only = new Set<FrameworkState>();
    for (let e = epoch + 1; e <= this.#epoch; e++) {
      const f = this.#bumps[e - this.#bumpBase];
      if (f === undefined || f === null) return undefined;
      only.add(f);
    }
    return only;
  }

  #skippable(agent: AgentState): boolean {
    return !agent.active || agent.available.isEmpty() || (agent.skipVersion === agent.version && agent.skipEpoch === this.#epoch);
  }

  /** Stage 1: roles below their guarantee get up to it. */
  #stage1(out: Allocation[], agents: readonly AgentState[], quota: QuotaCycle): void {
    for (const agent of agents) {
      if (this.#skippable(agent)) continue;
      const roles = this.#roleSorter.sort();
      for (const node of roles) {
        const role = node.client!;
        const need = quota.unsatisfied.get(role);
        if (need === undefined || !need.some((x) => x > 0)) continue;
        const r = this.#roles.get(role)!;
        if (r.eligible === 0) continue;
        const full = agent.hasReserved ? agent.available.allocatableTo(role) : agent.available;
        if (full.isEmpty()) continue;
        const reserved = agent.hasReserved ? full.reserved() : EMPTY;
        const unreserved = agent.hasReserved ? full.unreserved() : full;
        // Guaranteed names up to the unsatisfied guarantee; other names only from the surplus headroom.
        const caps = this.#limitCaps(quota, role);
        for (let k = 0; k < this.q.names.length; k++) {
          const g = need[k] ?? 0;
          const cap = g > 0 ? g : quota.required[k]! > 0 ? Math.max(0, quota.available[k]! - quota.required[k]!) : Infinity;
          if (cap < (caps[k] ?? Infinity)) caps[k] = cap;
        }
        const part = shrink(unreserved, caps, this.q);
        if (!towardGuarantee(part, need, this.q) && reserved.isEmpty()) continue;
        const offer = reserved.isEmpty() ? part : reserved.add(part);
        if (!isAllocatable(offer)) continue;
        for (const fnode of r.frameworks.sort()) {
          const f = fnode.data as FrameworkState;
          if (!f.eligible.has(role)) continue;
          if (this.#filtered(agent, f, role, offer, full) !== 0) continue;
          this.#give(out, agent, f, role, offer, quota);
          break;
        }
        if (agent.available.isEmpty()) break;
      }
    }
  }

  /** Stage 2: everything else by DRF, within limits, keeping the headroom other guarantees need. */
  #stage2(out: Allocation[], agents: readonly AgentState[], quota: QuotaCycle | undefined): void {
    const byEpoch = new Map<number, Set<FrameworkState> | undefined>();
    for (const agent of agents) {
      if (this.#skippable(agent)) continue;
      // A new framework must not cost a scan of every framework on every agent
      // (a full sweep over 50k agents × 200 frameworks stalled the master for seconds).
      const only = quota === undefined ? this.#onlySince(agent, byEpoch) : undefined;
      // Nothing worth an offer left here (say, ports and disk once the cpus and
      // mem are in use): skip the agent until what is available grows.
      if (!isAllocatable(agent.available)) {
        agent.skipVersion = agent.version;
        agent.skipEpoch = this.#epoch;
        continue;
      }
      let allFull = true;
      let gave = false;
      // An agent's shared resources go to one framework with SHARED_RESOURCES per cycle (they stay available).
      let sharedGiven = false;
      const roles = this.#roleSorter.sort();
      // With reservations, what each role may get is the unreserved part plus the reservations to it or an
      // ancestor: the available resources are split by reservation role once (again after a give), not
      // filtered anew for each of the roles (100 roles x every agent made that the cycle's cost).
      let split: ReservationSplit | undefined;
      for (const node of roles) {
        const role = node.client!;
        const r = this.#roles.get(role)!;
        if (r.eligible === 0) continue;
        if (agent.hasReserved && split?.of !== agent.available) split = splitByReservation(agent.available);
        const full = split !== undefined ? allocatableFor(split, role) : agent.available;
        if (full === undefined || full.isEmpty()) continue;
        let offer = full;
        if (quota !== undefined) {
          const caps = this.#limitCaps(quota, role);
          const top = this.#topGuaranteeRole(role);
          const own = top === undefined ? undefined : quota.unsatisfied.get(top);
          for (let k = 0; k < this.q.names.length; k++) {
            const req = quota.required[k]!;
            if (req <= 0) continue;
            const cap = Math.max(0, quota.available[k]! - (req - (own?.[k] ?? 0)));
            if (cap < (caps[k] ?? Infinity)) caps[k] = cap;
          }
          if (caps.some((c) => c !== undefined && c !== Infinity)) {
            const reserved = agent.hasReserved ? full.reserved() : EMPTY;
            const unreserved = agent.hasReserved ? full.unreserved() : full;
            const part = shrink(unreserved, caps, this.q);
            if (part !== unreserved) offer = reserved.isEmpty() ? part : reserved.add(part);
          }
        }
        if (!isAllocatable(offer)) {
          allFull = false;
          continue;
        }
        const fws = r.frameworks.sort();
        for (let i = 0; i < fws.length; i++) {
          const f = fws[i]!.data as FrameworkState;
          if (!f.eligible.has(role)) continue;
          if (only !== undefined && !only.has(f)) continue; // filtered for all of it at the mark, and still
          let give = agent.hasShared ? offerFor(offer, f.shared, sharedGiven) : offer;
          if (agent.hasRefined && !f.refinement) give = withoutRefined(give);
          if (give !== offer && !isAllocatable(give)) continue;
          const filtered = this.#filtered(agent, f, role, give, give === offer ? full : give);
          if (filtered === 2) continue;
          allFull = false;
          if (filtered === 1) continue;
          this.#give(out, agent, f, role, give, quota);
          if (give.hasShared()) sharedGiven = true;
          gave = true;
          break;
        }
        if (agent.available.isEmpty()) break;
      }
      if (!gave && allFull) {
        agent.skipVersion = agent.version;
        agent.skipEpoch = this.#epoch;
      }
    }
  }

  // --- quota ---------------------------------------------------------------

  #topGuaranteeRole(role: string): string | undefined {
    for (const a of ancestorsAndSelf(role)) if (this.#roles.get(a)?.guarantees !== undefined) return a;
    return undefined;
  }

  /** Per name: how much more unreserved `role` may get before it or an ancestor hits its limit. */
  #limitCaps(quota: QuotaCycle, role: string): (number | undefined)[] {
    const caps: (number | undefined)[] = [];
    for (const a of ancestorsAndSelf(role)) {
      const limits = this.#roles.get(a)?.limits;
      if (limits === undefined) continue;
      const consumed = quota.consumed.get(a) ?? [];
      for (const [name, l] of limits) {
        const k = this.q.indexOf(name);
        const cap = Math.max(0, l - (consumed[k] ?? 0));
        if (caps[k] === undefined || cap < caps[k]!) caps[k] = cap;
      }
    }
    return caps;
  }

  #quotaCycle(): QuotaCycle {
    const consumed = new Map<string, number[]>();
    const unsatisfied = new Map<string, number[]>();
    const required: number[] = this.q.names.map(() => 0);
    const available: number[] = this.q.names.map(() => 0);
    const all = [...this.#roles.values()];
    for (const r of all) {
      if (r.guarantees === undefined && r.limits === undefined) continue;
      const c: number[] = this.q.names.map(() => 0);
      for (const s of all) {
        if (!inSubtree(s.name, r.name)) continue;
        const alloc = this.#roleSorter.has(s.name) ? this.#roleSorter.allocation(s.name) : [];
        for (let k = 0; k < c.length; k++) c[k] = c[k]! + (alloc[k] ?? 0) + (s.reserved[k] ?? 0) - (s.reservedAllocated[k] ?? 0);
      }
      consumed.set(r.name, c);
      if (r.guarantees !== undefined) {
        const u: number[] = this.q.names.map(() => 0);
        for (const [name, g] of r.guarantees) {
          const k = this.q.indexOf(name);
          u[k] = Math.max(0, g - c[k]!);
        }
        unsatisfied.set(r.name, u);
      }
    }
    for (const [role, u] of unsatisfied) {
      if (this.#topGuaranteeRole(role) !== role) continue;
      for (let k = 0; k < u.length; k++) required[k] = required[k]! + u[k]!;
    }
    if (required.some((x) => x > 0)) {
      for (const agent of this.#agents.values()) {
        if (!agent.active) continue;
        const free = agent.hasReserved ? agent.available.unreserved() : agent.available;
        for (const [name, v] of free.quantities()) {
          const k = this.q.indexOf(name);
          while (available.length <= k) available.push(0);
          available[k] = available[k]! + v;
        }
      }
    }
    while (required.length < available.length) required.push(0);
    return { consumed, unsatisfied, required, available };
  }

  /** Unreserved `sparse` goes to `role`: consumption, unsatisfied guarantees and headroom move. */
  #quotaConsume(quota: QuotaCycle, role: string, sparse: readonly number[]): void {
    const top = this.#topGuaranteeRole(role);
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

  // --- introspection -------------------------------------------------------

  /** Cluster totals, real units. */
  totals(): Record<string, number> {
    return this.q.toRecord(this.q.totals);
  }

  roleInfo(): RoleInfo[] {
    const names = new Set<string>([...this.#roles.keys()]);
    return [...names].sort().map((name) => {
      const r = this.#roles.get(name)!;
      const quota = r.guarantees === undefined && r.limits === undefined ? undefined : { guarantees: milliRecord(r.guarantees), limits: milliRecord(r.limits) };
      const own = this.#roleSorter.has(name) ? this.#roleSorter.allocation(name) : [];
      const subtree = this.#roleSorter.subtreeAllocation(name);
      return {
        role: name,
        weight: r.weight,
        quota,
        allocated: this.q.toRecord(own),
        share: dominantShare(subtree, this.q, r.weight),
        frameworks: [...r.frameworks.clients()].sort(),
      };
    });
  }

  frameworkInfo(id: string): FrameworkInfoView | undefined {
    const f = this.#frameworks.get(id);
    if (f === undefined) return undefined;
    const allocated: Record<string, Record<string, number>> = {};
    const shares: Record<string, number> = {};
    for (const [name, r] of this.#roles) {
      if (!r.frameworks.has(id)) continue;
      allocated[name] = this.q.toRecord(r.frameworks.allocation(id));
      shares[name] = r.frameworks.share(id);
    }
    return { id, active: f.active, roles: [...f.roles], suppressedRoles: [...f.suppressed], allocated, shares, filters: f.filters.size };
  }

  /** Live filters per role (`allocator/mesos/offer_filters/roles/<role>/active`). */
  filtersByRole(): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of this.#frameworks.values()) for (const flt of f.filters) if (flt.live) out.set(flt.role, (out.get(flt.role) ?? 0) + 1);
    return out;
  }

  frameworkIds(): string[] {
    return [...this.#frameworks.keys()].sort();
  }

  agentInfo(id: string): AgentInfoView | undefined {
    const a = this.#agents.get(id);
    if (a === undefined) return undefined;
    let filters = 0;
    for (const l of a.filters.values()) filters += l.length;
    return { id, active: a.active, total: a.total, available: a.available, allocated: new Map(a.allocated), filters };
  }

  agentIds(): string[] {
    return this.#sortedAgents().map((a) => a.id);
  }

  /** Live filters in total. */
  get filterCount(): number {
    return this.#filterCount;
  }
}

function filterKey(f: FrameworkState, role: string): string {
  let k = f.keys.get(role);
  if (k === undefined) {
    k = f.id + KEY_SEP + role;
    f.keys.set(role, k);
  }
  return k;
}

function onlyRole(f: FrameworkState): string | undefined {
  return f.roles.size === 1 ? f.roles.values().next().value : undefined;
}

function filterBefore(a: Filter, b: Filter): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.seq < b.seq);
}

function toMilliMap(v: QuantityInput): Map<string, number> {
  if (v instanceof Resources) return new Map(v.quantities());
  const out = new Map<string, number>();
  const entries = v instanceof Map ? [...(v as ReadonlyMap<string, number>)] : Object.entries(v as Record<string, number>);
  for (const [k, x] of entries) {
    if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`quota for ${k} must be a non-negative number, got ${x}`);
    out.set(k, Math.round(x * 1000));
  }
  return out;
}

function milliRecord(m: ReadonlyMap<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (m) for (const [k, v] of m) out[k] = v / 1000;
  return out;
}

/** Does `part` hold something of a name the role still needs? */
function towardGuarantee(part: Resources, need: readonly number[], q: QuantityIndex): boolean {
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
