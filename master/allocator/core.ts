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
 *
 * This file holds the books and the calls that change them, and drives a
 * cycle; its parts: the stages (stages.ts), reservation splits
 * (reservations.ts), filters (filters.ts), quota (quota.ts), the records
 * (state.ts) and the public shapes (types.ts).
 */
import { Resources } from '../../protocol/resources.js';
import { internResources } from '../../protocol/resources-intern.js';
import { FilterBook } from './filters.js';
import { availableOf, hasRefined, movesAvailable } from './shared.js';
import { milliRecord, quotaConsume, quotaCycle, toMilliMap, type QuotaBooks, type QuotaCycle } from './quota.js';
import { DRFSorter, QuantityIndex, dominantShare } from './sorter.js';
import { Stages } from './stages.js';
import { EMPTY, addDense, allocationRoles, negate, onlyRole, type AgentState, type FrameworkState, type RoleState } from './state.js';
import { MAX_REFUSE_SECONDS, type AgentInfoView, type AgentOptions, type Allocation, type CoreOptions, type FrameworkInfoView, type FrameworkOptions, type QuotaInput, type RoleInfo } from './types.js';

export * from './types.js';

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
  readonly #filters = new FilterBook(this.#agents, this.#frameworks);
  readonly #books: QuotaBooks;
  readonly #stages: Stages;
  #quotaRoles = 0;
  readonly #allocatedCache = new WeakMap<Resources, Map<string, Resources>>();
  /** An allocated form made by #allocated -> the offer it was made from (its unallocated form, the same content). */
  readonly #offeredAs = new WeakMap<Resources, Resources>();
  readonly #vectors = new WeakMap<Resources, readonly number[]>();
  readonly #filterGpus: boolean;
  /**
   * Shared resources offered in the running cycle, by agent: kept out of the agent's available resources
   * until the cycle ends, so one cycle offers an agent's shared copy to one framework at most (Mesos's
   * offeredSharedResources in HierarchicalAllocatorProcess::__allocate).
   */
  readonly #sharedOffered = new Map<AgentState, Resources>();

  constructor(options: CoreOptions = {}) {
    this.q = new QuantityIndex(new Set(options.fairnessExcludeResourceNames ?? []));
    this.#filterGpus = options.filterGpuResources ?? true;
    this.#roleSorter = new DRFSorter(this.q, { hierarchical: true, weightOf: (path) => this.#roles.get(path)?.weight ?? 1 });
    this.#books = { q: this.q, roles: this.#roles, roleSorter: this.#roleSorter, agents: this.#agents };
    this.#stages = new Stages({
      ...this.#books,
      filters: this.#filters,
      epoch: () => this.#epoch,
      onlySince: (agent, byEpoch) => this.#onlySince(agent, byEpoch),
      give: (out, agent, f, role, offer, quota, reservedSparse, rest) => this.#give(out, agent, f, role, offer, quota, reservedSparse, rest),
    });
  }

  // --- roles ---------------------------------------------------------------

  #role(name: string): RoleState {
    let r = this.#roles.get(name);
    if (r === undefined) {
      r = { name, weight: 1, guarantees: undefined, limits: undefined, frameworks: new DRFSorter(this.q), eligible: 0, reserved: [], reservedAllocated: [], openPass: 0 };
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
      f = { id, known: false, active: false, shared: false, refinement: true, gpus: false, roles: new Set(), suppressed: new Set(), eligible: new Set(), agents: new Set(), filters: new Set(), keys: new Map() };
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
    f.gpus = options.gpuResources ?? false;
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
        this.#filters.removeFor(f, r);
        this.#untrackIfIdle(f, r);
      }
    }
  }

  updateFramework(id: string, options: { roles: readonly string[]; suppressedRoles?: readonly string[]; sharedResources?: boolean; reservationRefinement?: boolean; gpuResources?: boolean }): void {
    const f = this.#frameworks.get(id);
    if (f === undefined) return;
    if (options.gpuResources !== undefined) f.gpus = options.gpuResources;
    if (options.sharedResources !== undefined) f.shared = options.sharedResources;
    if (options.reservationRefinement !== undefined) f.refinement = options.reservationRefinement;
    this.#setRoles(f, options.roles, options.suppressedRoles ?? []);
    this.#refreshEligibility(f);
  }

  /** Frees everything the framework holds and forgets it; returns the agents where resources were freed. */
  removeFramework(id: string): string[] {
    const f = this.#frameworks.get(id);
    if (f === undefined) return [];
    this.#filters.removeFor(f);
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
    this.#filters.removeFor(f);
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
    if (roles === undefined) this.#filters.removeFor(f);
    else for (const r of roles) this.#filters.removeFor(f, r);
    this.#refreshEligibility(f);
    this.#bump(f);
  }

  // --- agents --------------------------------------------------------------

  /** An agent with its total; `used`: what frameworks already hold there (allocation_info says the role). */
  addAgent(id: string, options: AgentOptions, used: readonly { frameworkId: string; resources: Resources }[] = []): void {
    if (this.#agents.has(id)) this.removeAgent(id);
    // Alike agents share one total: what the cycles derive from it (its allocated form, its vector) is made once per shape.
    const total = internResources(options.total.unallocate());
    const agent: AgentState = {
      id,
      total,
      totalSparse: this.#vectorOf(total),
      available: total,
      allocated: new Map(),
      hasReserved: !total.reserved().isEmpty(),
      hasShared: total.hasShared(),
      hasRefined: hasRefined(total),
      gpuOnly: this.#filterGpus && total.scalar('gpus') > 0,
      split: undefined,
      filterVersion: 0,
      restMark: undefined,
      restMarkFilterVersion: 0,
      restMarkEpoch: 0,
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
    for (const list of agent.filters.values()) for (const flt of list) this.#filters.drop(flt, false);
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
    agent.total = internResources(total.unallocate());
    agent.totalSparse = this.#vectorOf(agent.total);
    agent.hasReserved = !agent.total.reserved().isEmpty();
    agent.hasShared = agent.total.hasShared();
    agent.hasRefined = hasRefined(agent.total);
    agent.gpuOnly = this.#filterGpus && agent.total.scalar('gpus') > 0;
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

  /** Sorter and reservation accounting of `part` (allocated to `role`) for f; `reservedSparse`: its reserved quantities, when known. */
  #account(agent: AgentState, f: FrameworkState, role: string, part: Resources, sign: 1 | -1, reservedSparse?: readonly number[]): void {
    const sparse = this.#vectorOf(part);
    const delta = sign === 1 ? sparse : negate(sparse);
    const r = this.#track(f, role);
    r.frameworks.update(f.id, delta);
    this.#roleSorter.update(role, delta);
    if (reservedSparse !== undefined) addDense(r.reservedAllocated, reservedSparse, sign);
    else if (agent.hasReserved) {
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
    // Everything back: the total itself, so what was computed from it (the reservation split) still holds.
    agent.available = agent.allocated.size === 0 ? agent.total : agent.available.add(movesAvailable(this.#unallocated(freed)));
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
        const declined = this.#unallocated(r.allocatedTo(role));
        if (!declined.isEmpty()) this.#filters.add(agent, f, role, declined, now + seconds * 1000);
      }
    }
  }

  // --- filters -------------------------------------------------------------

  /** Drops expired filters (expiresAt <= now); returns the agents that lost one (what they hold may now be offered). */
  expireFilters(now: number): Set<string> {
    return this.#filters.expire(now);
  }

  /** When the earliest live filter expires (ms), if any. */
  nextFilterExpiry(): number | undefined {
    return this.#filters.nextExpiry();
  }

  // --- allocation ----------------------------------------------------------

  /** How many agents it knows. */
  get agentCount(): number {
    return this.#agents.size;
  }

  #sortedAgents(): AgentState[] {
    if (this.#agentOrder === undefined) {
      this.#agentOrder = [...this.#agents.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return this.#agentOrder;
  }

  /**
   * `offer.allocate(role)`, made once per offer object and role: an agent whose resources all come back
   * offers the same object (its total) cycle after cycle, so the give builds nothing new.
   */
  #allocated(offer: Resources, role: string): Resources {
    let byRole = this.#allocatedCache.get(offer);
    if (byRole === undefined) this.#allocatedCache.set(offer, (byRole = new Map()));
    let out = byRole.get(role);
    if (out === undefined) {
      byRole.set(role, (out = offer.allocate(role)));
      this.#offeredAs.set(out, offer);
    }
    return out;
  }

  /**
   * `r.unallocate()`; for an offer as made (declined or freed whole), the very object offered: a filter then
   * holds that shared object rather than a copy of its own (100k filters at 10k agents were 100k copies),
   * and the filter check of the same remainder offered again is `===` (Resources.contains).
   */
  #unallocated(r: Resources): Resources {
    return this.#offeredAs.get(r) ?? r.unallocate();
  }

  /** The quantities of `r` as a sparse vector, made once per Resources object (they do not change). */
  #vectorOf(r: Resources): readonly number[] {
    let v = this.#vectors.get(r);
    if (v === undefined) this.#vectors.set(r, (v = this.q.vector(r.quantities())));
    return v;
  }

  #give(out: Allocation[], agent: AgentState, f: FrameworkState, role: string, offer: Resources, quota: QuotaCycle | undefined, reservedSparse?: readonly number[], rest?: Resources): void {
    const allocated = this.#allocated(offer, role);
    agent.available = rest ?? (offer === agent.available ? EMPTY : agent.available.subtract(offer));
    // A shared resource stays available while offered or used (shared.ts): its copy comes back, once this
    // cycle is over (one framework per agent and cycle gets it).
    if (agent.hasShared && offer.hasShared()) this.#sharedOffered.set(agent, (this.#sharedOffered.get(agent) ?? EMPTY).add(offer.shared()));
    const cur = agent.allocated.get(f.id);
    agent.allocated.set(f.id, cur === undefined ? allocated : cur.add(allocated));
    f.agents.add(agent.id);
    this.#account(agent, f, role, allocated, 1, reservedSparse);
    if (quota !== undefined) {
      const unreserved = agent.hasReserved ? offer.unreserved() : offer;
      if (!unreserved.isEmpty()) quotaConsume(this.#roles, quota, role, this.q.vector(unreserved.quantities()));
    }
    out.push({ frameworkId: f.id, role, agentId: agent.id, resources: allocated });
  }

  /**
   * Allocates free resources on `agentIds` (all agents when undefined) and
   * returns the decisions. Expires filters due at `now` first.
   */
  allocate(now: number, agentIds?: Iterable<string>): Allocation[] {
    this.#filters.expire(now);
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
    const quota = this.#quotaRoles > 0 ? quotaCycle(this.#books) : undefined;
    try {
      if (quota !== undefined && [...quota.unsatisfied.values()].some((v) => v.some((x) => x > 0))) this.#stages.stage1(out, agents, quota);
      this.#stages.stage2(out, agents, quota);
    } finally {
      this.#returnSharedOffered();
    }
    return out;
  }

  /** The cycle is over: the shared copies it offered are available again (for the next cycle's offers). */
  #returnSharedOffered(): void {
    if (this.#sharedOffered.size === 0) return;
    for (const [agent, shared] of this.#sharedOffered) {
      agent.available = agent.available.add(shared);
      agent.version++;
    }
    this.#sharedOffered.clear();
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
    // Skipped by a sweep while its mark holds (stages.ts #skippable); with a mark of an older epoch, only the frameworks bumped since are looked at.
    const mark = a.skipVersion !== a.version ? 'none' : a.skipEpoch === this.#epoch ? 'skipped' : `older epoch (${a.skipEpoch} < ${this.#epoch})`;
    return { id, active: a.active, total: a.total, available: a.available, allocated: new Map(a.allocated), filters, mark };
  }

  /**
   * Up to `count` agent ids in sweep order after `after` (from the first when undefined), wrapping around
   * at the end; a sweep over all agents goes through them this way in slices, without a list of them all.
   */
  agentIdsAfter(after: string | undefined, count: number): string[] {
    const order = this.#sortedAgents();
    const n = order.length;
    const out: string[] = [];
    if (n === 0) return out;
    // The first agent whose id sorts after `after` (binary search: the order is by id).
    let lo = 0;
    let hi = n;
    if (after !== undefined) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (order[mid]!.id <= after) lo = mid + 1;
        else hi = mid;
      }
    }
    for (let i = 0; i < Math.min(count, n); i++) out.push(order[(lo + i) % n]!.id);
    return out;
  }

  /** Every agent's id, in the order a sweep over all agents visits them. */
  agentIds(): string[] {
    return this.#sortedAgents().map((a) => a.id);
  }

  /** Live filters in total. */
  get filterCount(): number {
    return this.#filters.count;
  }
}
