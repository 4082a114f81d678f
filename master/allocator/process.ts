/**
 * AllocatorProcess: the allocator as its own libprocess-ts process, around the
 * pure AllocatorCore. It allocates
 *  - in batch, every `allocationIntervalMs` (default 1000, Mesos
 *    --allocation_interval), over all agents;
 *  - right after an event that adds resources or a framework (agent added,
 *    updated or activated, framework added, activated, updated, removed or
 *    revived), over the agents that event touched. Events handled in the same
 *    turn are coalesced: the first schedules one `delay(0)` allocation, later
 *    ones only add agents to it.
 *  - right after resources are freed without a refusal (a task ended, an offer
 *    rescinded or given back by the master), over the agent they came back on:
 *    work waiting for them is offered them within milliseconds, not at the
 *    next batch (Mesos waits for the batch there; MESOS-3078 asks for this).
 * Resources that come back with a refusal (an offer declined, an accept's
 * unused part) wait for the next batch, as in Mesos, and filters expire lazily
 * at the start of an allocation (`AllocatorCore.allocate`), without a wake-up
 * of their own: a decline is not answered at once by an offer to the next
 * framework in line (ten frameworks declining an unusable remainder made an
 * offer and a decline every few milliseconds). A refusal filter lasts at least
 * one interval (Mesos stretches it so too, MESOS-4302): the framework that
 * declined is passed over by the next batch at least.
 * With `allocateOnRecovery` it is the allocator of Mesos 0.x that the Mesos
 * paper measured: recovered resources are allocated at once (over the agent
 * they came back on), and again when a filter expires (`nextFilterExpiry()`);
 * filters last as long as asked. The paper's experiments (experiments/) use it.
 * Every non-empty allocation is one `offers` message to the master.
 *
 * An allocation over more than AGENTS_PER_SLICE agents goes in slices of that
 * many, one per turn of the runtime: the master shares this event loop with
 * its replicated log, and a sweep of 10k agents as one event (335 ms of CPU in
 * a profile, seconds on a loaded machine) kept a leading master from sending
 * heartbeats until a follower took its term. A request that comes while a
 * sliced sweep is under way joins it. A sweep over every agent is a cursor in
 * the core's agent order (an agent id), not a list of them all: at 50k agents
 * the batch allocation every second built and emptied a set of 50k ids.
 */
import { Process, type Handlers, type PID, type Timer } from 'libprocess-ts';
import { Resources } from '../../protocol/resources.js';
import { AllocatorCore, type Allocation, type CoreOptions } from './core.js';
import { TimerMetric, allocatorMetrics } from './metrics.js';
import type { AllocationMessage, AllocatorProtocol, AllocatorToMaster } from './protocol.js';

export const DEFAULT_ALLOCATION_INTERVAL_MS = 1000;

/** Agents allocated per turn at most (see above). */
export const AGENTS_PER_SLICE = 1000;

export interface AllocatorProcessOptions extends CoreOptions {
  readonly master: PID<AllocatorToMaster>;
  readonly allocationIntervalMs?: number;
  /** Allocate right after any resources are recovered, refused ones too, and when a filter expires, as Mesos 0.x (default false: refused resources wait for the next batch, as in Mesos now). */
  readonly allocateOnRecovery?: boolean;
}

export interface AllocatorMetrics {
  batch_allocations: number;
  event_allocations: number;
  offers_sent: number;
  /** Events that could trigger an allocation. */
  events: number;
  /** Wake-ups at a filter's expiry (`allocateOnRecovery` only). */
  filter_wakeups: number;
}

export class AllocatorProcess extends Process<AllocatorProtocol> {
  readonly core: AllocatorCore;
  readonly master: PID<AllocatorToMaster>;
  readonly intervalMs: number;
  readonly allocateOnRecovery: boolean;
  readonly metrics: AllocatorMetrics = { batch_allocations: 0, event_allocations: 0, offers_sent: 0, events: 0, filter_wakeups: 0 };
  /** Agents to allocate at the coming event-triggered allocation ('all': every agent). */
  #pending: Set<string> | 'all' | undefined;
  #filterTimer: Timer | undefined;
  #filterWakeAt: number | undefined;
  /** Mesos's allocation metrics (metrics.ts). */
  readonly #runs = { runs: 0, runMs: new TimerMetric(), latencyMs: new TimerMetric() };
  /**
   * A sliced allocation under way: the agents named by requests still to visit (`left`, in order); for a
   * request of every agent, how many agents the pass over all of them has still to visit from after `cursor`
   * (the last agent it visited; wrapping around the core's order); and when it was due.
   */
  #sweep: { readonly left: Set<string>; all: number; cursor: string | undefined; readonly due: number } | undefined;

  constructor(options: AllocatorProcessOptions) {
    super();
    this.core = new AllocatorCore(options);
    this.master = options.master;
    this.intervalMs = options.allocationIntervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS;
    this.allocateOnRecovery = options.allocateOnRecovery === true;
  }

  override initialize(): void {
    this.#scheduleBatch();
  }

  /** Only the master of its own runtime talks to the allocator. */
  protected override localOnly(): boolean {
    return true;
  }

  protected handlers(): Handlers<AllocatorProtocol> {
    const core = this.core;
    return {
      add_framework: (b) => {
        core.addFramework(
          b.framework_id,
          { roles: b.roles ?? [], suppressedRoles: b.suppressed_roles ?? [], active: b.active ?? true, sharedResources: b.shared_resources === true, reservationRefinement: b.reservation_refinement !== false, gpuResources: b.gpu_resources === true },
          (b.used ?? []).map((u) => ({ agentId: u.agent_id, resources: Resources.of(u.resources) })),
        );
        this.#touch('all');
      },
      remove_framework: (b) => this.#touch(core.removeFramework(b.framework_id)),
      activate_framework: (b) => {
        core.activateFramework(b.framework_id);
        this.#touch('all');
      },
      deactivate_framework: (b) => core.deactivateFramework(b.framework_id),
      update_framework: (b) => {
        core.updateFramework(b.framework_id, { roles: b.roles ?? [], suppressedRoles: b.suppressed_roles ?? [], ...(b.shared_resources !== undefined ? { sharedResources: b.shared_resources } : {}), ...(b.reservation_refinement !== undefined ? { reservationRefinement: b.reservation_refinement } : {}), ...(b.gpu_resources !== undefined ? { gpuResources: b.gpu_resources } : {}) });
        this.#touch('all');
      },
      add_agent: (b) => {
        core.addAgent(
          b.agent_id,
          { total: Resources.of(b.total) },
          (b.used ?? []).map((u) => ({ frameworkId: u.framework_id, resources: Resources.of(u.resources) })),
        );
        this.#touch([b.agent_id]);
      },
      remove_agent: (b) => core.removeAgent(b.agent_id),
      update_agent: (b) => {
        core.updateAgentTotal(b.agent_id, Resources.of(b.total));
        this.#touch([b.agent_id]);
      },
      update_allocation: (b) => {
        core.updateAllocation(b.framework_id, b.agent_id, Resources.of(b.from), Resources.of(b.to));
        this.#touch([b.agent_id]);
      },
      update_available: (b) => {
        const ok = core.updateAvailable(b.agent_id, Resources.of(b.from), Resources.of(b.to));
        if (ok) this.#touch([b.agent_id]);
        this.send(this.master, 'available_updated', { request_id: b.request_id, ok });
      },
      activate_agent: (b) => {
        core.activateAgent(b.agent_id);
        this.#touch([b.agent_id]);
      },
      deactivate_agent: (b) => core.deactivateAgent(b.agent_id),
      recover_resources: (b) => {
        const asked = b.refuse_seconds ?? undefined;
        // Mesos 0.x keeps a filter as long as asked; otherwise it lasts at least one interval (MESOS-4302).
        const refuse = this.allocateOnRecovery || asked === undefined || asked <= 0 ? asked : Math.max(asked, this.intervalMs / 1000);
        core.recoverResources(b.framework_id, b.agent_id, Resources.of(b.resources), refuse, this.clock.now());
        // Freed without a refusal: offered again at once. A refusal (even of 0 s) waits for the batch, unless Mesos 0.x.
        if (this.allocateOnRecovery || asked === undefined) this.#touch([b.agent_id]);
        if (this.allocateOnRecovery) this.#armFilterWake();
      },
      suppress_offers: (b) => core.suppress(b.framework_id, b.roles ?? undefined),
      revive_offers: (b) => {
        core.revive(b.framework_id, b.roles ?? undefined);
        this.#touch('all');
      },
      update_weights: (b) => core.setWeights(b.weights ?? {}),
      update_quota: (b) => core.setQuota(b.role, { guarantees: b.guarantees ?? {}, limits: b.limits ?? {} }),
    };
  }

  /** Mesos's allocator metrics (`allocator/mesos/...`, metrics.ts), read by the master of this runtime for its /metrics/snapshot. */
  mesosMetrics(): Record<string, number> {
    const q = this.runtime.queued(this.pid);
    return allocatorMetrics(this.core, { ...this.#runs, queued: q.dispatches + q.messages });
  }

  #scheduleBatch(): void {
    const due = this.clock.now() + this.intervalMs;
    this.delay(this.intervalMs, () => {
      this.metrics.batch_allocations++;
      this.#allocate(undefined, due);
      this.#scheduleBatch();
    });
  }

  /** Coalesces event-triggered allocations: one per turn, over the union of the touched agents. */
  #touch(agents: readonly string[] | 'all'): void {
    this.metrics.events++;
    if (agents !== 'all' && agents.length === 0) return;
    const first = this.#pending === undefined;
    if (agents === 'all' || this.#pending === 'all') this.#pending = 'all';
    else {
      this.#pending ??= new Set();
      for (const a of agents) (this.#pending as Set<string>).add(a);
    }
    if (first) {
      const due = this.clock.now();
      this.delay(0, () => {
        const pending = this.#pending;
        this.#pending = undefined;
        if (pending === undefined) return;
        this.metrics.event_allocations++;
        this.#allocate(pending === 'all' ? undefined : pending, due);
      });
    }
  }

  #allocate(agents: Iterable<string> | undefined, due: number): void {
    const ids = agents === undefined ? undefined : [...agents];
    const sweep = this.#sweep;
    if (sweep !== undefined) {
      // Every agent: a whole pass from where the sweep is (the agents it visited come again, after the others).
      if (ids === undefined) sweep.all = this.core.agentCount;
      else for (const id of ids) sweep.left.add(id);
      return;
    }
    const count = ids?.length ?? this.core.agentCount;
    if (count <= AGENTS_PER_SLICE) return this.#run(ids, due);
    this.#sweep = ids === undefined ? { left: new Set(), all: count, cursor: undefined, due } : { left: new Set(ids), all: 0, cursor: undefined, due };
    this.#nextSlice();
  }

  /**
   * The next AGENTS_PER_SLICE agents of the sweep, the rest on a later turn: those named by requests first
   * (the agents of an event wait for no pass over every agent), at most half a slice of them while a pass
   * over all is under way, so that pass goes on however many are named.
   */
  #nextSlice(): void {
    const sweep = this.#sweep;
    if (sweep === undefined) return;
    const slice: string[] = [];
    const named = sweep.all > 0 ? AGENTS_PER_SLICE >>> 1 : AGENTS_PER_SLICE;
    for (const id of sweep.left) {
      if (slice.length === named) break;
      slice.push(id);
      sweep.left.delete(id);
    }
    if (slice.length < AGENTS_PER_SLICE && sweep.all > 0) {
      const more = this.core.agentIdsAfter(sweep.cursor, Math.min(sweep.all, AGENTS_PER_SLICE - slice.length));
      for (const id of more) slice.push(id);
      sweep.all = more.length === 0 ? 0 : sweep.all - more.length;
      sweep.cursor = more.at(-1) ?? sweep.cursor;
    }
    this.#run(slice, sweep.due);
    if (sweep.left.size > 0 || sweep.all > 0) this.delay(0, () => this.#nextSlice());
    else this.#sweep = undefined;
  }

  #run(agents: readonly string[] | undefined, due: number): void {
    const start = this.clock.now();
    const out = this.core.allocate(start, agents);
    this.#runs.runs++;
    this.#runs.runMs.record(this.clock.now() - start);
    this.#runs.latencyMs.record(Math.max(0, start - due));
    if (out.length > 0) {
      this.metrics.offers_sent += out.length;
      this.send(this.master, 'offers', { allocations: out.map(toMessage) });
    }
    if (this.allocateOnRecovery) this.#armFilterWake();
  }

  /** `allocateOnRecovery`: wakes at the earliest filter expiry, if that is sooner than any wake already set. */
  #armFilterWake(): void {
    const next = this.core.nextFilterExpiry();
    if (next === undefined) return;
    if (this.#filterWakeAt !== undefined && this.#filterWakeAt <= next) return;
    this.#filterTimer?.cancel();
    this.#filterWakeAt = next;
    const due = Math.max(next, this.clock.now());
    this.#filterTimer = this.delay(Math.max(0, next - this.clock.now()), () => {
      this.#filterWakeAt = undefined;
      this.#filterTimer = undefined;
      this.metrics.filter_wakeups++;
      // Only the agents whose filters expired: a full sweep per expiry cost a
      // scan of every agent each few ms at 10k agents (bench-offers profile).
      this.#allocate(this.core.expireFilters(this.clock.now()), due);
    });
  }
}

export function toMessage(a: Allocation): AllocationMessage {
  return { framework_id: a.frameworkId, agent_id: a.agentId, role: a.role, resources: a.resources.json() };
}
