/**
 * High availability: a master that serves only while its replica of the log
 * leads. Each master runtime holds
 *
 *   log        ReplicaProcess (master/log): election, lease, the registry's log
 *   master     StandbyMaster while not leading: answers `not_leader` to
 *              agents and schedulers, 307 (or 503) to HTTP clients;
 *              a fresh MasterProcess (+ `allocator`) for each term it leads
 *
 * On `elected(term)` the registry is caught up with the log and a new master
 * starts from it (frameworks and agents known, tasks as their agents come
 * back; agents get `reregisterTimeoutMs` to come back, then they are
 * unreachable). On `demoted(term)`, a registry write that fails, or a replica
 * that stops, that master tells its agents and schedulers where the leader
 * is and is terminated at once (its offers, timers and streams with it).
 * See master/registrar/README.md.
 */
import { PID, Process, Random, osSeed, type Handlers, type HttpRequest, type HttpResponse, type Logger, type Runtime, type Timer } from 'libprocess-ts';
import { newMasterId } from '../protocol/ids.js';
import type { FromNonLeader } from '../protocol/messages/leader.js';
import { Resources } from '../protocol/resources.js';
import { Agent } from './agent.js';
import * as agentBooks from './books/agents.js';
import * as frameworkBooks from './books/frameworks.js';
import * as operationBooks from './books/operations.js';
import * as recovery from './books/recovery.js';
import type { AllocatorPort } from './allocator-port.js';
import { AllocatorProcess } from './allocator/process.js';
import type { AllocatorToMaster } from './allocator/protocol.js';
import type { MasterContext } from './context.js';
import { masterFlags, type MasterFlags } from './flags.js';
import { Framework } from './framework.js';
import { ReplicaProcess, type ReplicaOptions } from './log/replica.js';
import type { LogStorage } from './log/storage.js';
import type { Timing } from './log/types.js';
import { MasterProcess, type MasterProtocol } from './master.js';
import { Registrar, RegistryWriter, WRITE_TIMEOUT_MS } from './registrar/registrar.js';
import type { Operation, RegisteredAgent, RegisteredFramework, Registry } from './registrar/registry.js';

/** Mesos --agent_reregister_timeout: 10 minutes. */
export const DEFAULT_AGENT_REREGISTER_TIMEOUT_MS = 10 * 60_000;

/** What a MasterProcess gets when it leads a term (see master.ts `MasterOptions.ha`). */
export interface MasterHa {
  readonly term: number;
  /** Wraps the allocator port so that weights and quota are written through. */
  allocator(port: AllocatorPort): AllocatorPort;
  /** Writes the admission of a new agent; resolves once committed. */
  admitAgent(agent: RegisteredAgent): Promise<void>;
  /** At the end of the master's initialize: recovery from the registry. */
  attach(master: MasterProcess, ctx: MasterContext): void;
  /** A registry operation that follows from a transition of the books (books/): written in this turn's batch. */
  persist(op: Operation): void;
  /** Agents known from the registry that have not re-registered yet (GET_AGENTS `recovered_agents`). */
  readonly pendingAgents: ReadonlyMap<string, RegisteredAgent>;
  /** Frameworks known from the registry whose scheduler has not resubscribed yet (`recovered: true`). */
  isRecovered(frameworkId: string): boolean;
  /** `registrar/*` metrics. */
  metrics(): Record<string, number>;
}

/** Recovery works in slices of at most this long (or this many records), so the new leader's loop serves its peers in between. */
const RECOVERY_SLICE_MS = 20;
export const DEFAULT_RECOVERY_SLICE_RECORDS = 2_000;

// ---------------------------------------------------------------- one term

/**
 * The master's side of one term: recovery from the registry (in slices of
 * the event loop), then every registry operation the books' transitions
 * produce, written in one batch per turn. A write that fails steps the
 * master down (`writeFailed`).
 */
export class LeaderTerm implements MasterHa {
  #raw!: AllocatorPort;
  #writer!: RegistryWriter;
  #master!: MasterProcess;
  #ctx!: MasterContext;
  /** Admitted agents that have not re-registered with this leader yet. */
  readonly pendingAgents = new Map<string, RegisteredAgent>();
  /** Frameworks from the registry whose scheduler has not come back yet. */
  readonly #recoveredFrameworks = new Set<string>();
  /** Recovery finished (every registry record is in the books). */
  recovered = false;
  /** How long the recovery took in all, and its longest slice (ms of the clock). */
  recoveryMs = 0;
  recoverySliceMaxMs = 0;
  recoverySlices = 0;

  constructor(
    readonly term: number,
    readonly registry: Registry,
    private readonly registrar: Registrar,
    private readonly reregisterTimeoutMs: number,
    private readonly logger: Logger,
    /** Called once when a registry write fails or does not commit in time: the master must stop serving. */
    private readonly writeFailed: (err: Error) => void = () => {},
    /** Registry records restored per slice of the recovery at most. */
    private readonly sliceRecords = DEFAULT_RECOVERY_SLICE_RECORDS,
  ) {}

  allocator(port: AllocatorPort): AllocatorPort {
    this.#raw = port;
    const write = (op: Operation): void => this.persist(op);
    return Object.assign(Object.create(port) as AllocatorPort, {
      setWeights: (weights: Record<string, number>) => {
        port.setWeights(weights);
        write({ op: 'weights', weights: { ...weights } });
      },
      setQuota: (role: string, guarantees: Record<string, number>, limits: Record<string, number>) => {
        port.setQuota(role, guarantees, limits);
        write({ op: 'quota', role, quota: { guarantees: { ...guarantees }, limits: { ...limits } } });
      },
    });
  }

  admitAgent(agent: RegisteredAgent): Promise<void> {
    return this.#writer.add({ op: 'admit_agent', agent });
  }

  persist(op: Operation): void {
    if (this.#writer === undefined) return;
    // An agent re-registering from where the registry has it already: nothing new to keep.
    if (op.op === 'admit_agent' && this.registrar.registry.agents.get(op.agent.id)?.pid === op.agent.pid) return;
    void this.#writer.add(op);
  }

  isRecovered(frameworkId: string): boolean {
    return this.#recoveredFrameworks.has(frameworkId);
  }

  metrics(): Record<string, number> {
    return {
      ...this.registrar.metrics(),
      'registrar/queued_operations': this.#writer?.queued ?? 0,
      'registrar/writes_in_flight': this.#writer?.inFlight ?? 0,
      'registrar/recovery_ms': this.recoveryMs,
      'registrar/recovery_slice_max_ms': this.recoverySliceMaxMs,
      'registrar/recovery_slices': this.recoverySlices,
      'master/recovered_agents': this.pendingAgents.size,
      'master/recovered_frameworks': this.#recoveredFrameworks.size,
    };
  }

  /** Writes go through the registrar; a failed write means this master may no longer lead: it steps down. */
  #makeWriter(master: MasterProcess): RegistryWriter {
    let failed = false;
    return new RegistryWriter(
      (ops) => this.registrar.write(ops),
      (fn) => master.defer(fn)(),
      (err) => {
        this.logger.error(`registry write of term ${this.term} failed: ${err.message}; this master steps down`);
        if (failed) return;
        failed = true;
        this.writeFailed(err);
      },
      { timeoutMs: WRITE_TIMEOUT_MS, delay: (ms, fn) => master.delay(ms, fn) },
    );
  }

  attach(master: MasterProcess, ctx: MasterContext): void {
    this.#master = master;
    this.#ctx = ctx;
    this.#writer = this.#makeWriter(master);
    ctx.state.events.listen((e) => {
      if (e.type === 'AGENT_ADDED') this.pendingAgents.delete(e.agent.id);
      else if (e.type === 'FRAMEWORK_UPDATED' && e.framework.connected) this.#recoveredFrameworks.delete(e.framework.id);
    });
    this.#recover();
  }

  /**
   * The master's books from the registry: weights, quota, agents (gone,
   * unreachable, admitted: they have `reregisterTimeoutMs` to come back) and
   * frameworks (disconnected until their scheduler resubscribes). Tasks are
   * not in the registry: they come back with their agents. Done in slices of
   * at most RECOVERY_SLICE_MS, so a registry of 50k agents does not hold the
   * loop; an agent or framework that comes back before its slice is already
   * in the books and its record is skipped.
   */
  #recover(): void {
    const r = this.registry;
    const s = this.#ctx.state;
    const clock = this.#ctx.clock;
    const started = clock.now();
    if (r.weights.size > 0) {
      for (const [role, w] of r.weights) s.weights.set(role, w);
      this.#raw.setWeights(Object.fromEntries(s.weights));
    }
    for (const [role, q] of r.quotas) {
      s.quotas.set(role, { guarantees: { ...q.guarantees }, limits: { ...q.limits } });
      this.#raw.setQuota(role, q.guarantees, q.limits);
    }
    recovery.tombstones(s, r);
    recovery.maintenance(s, r);
    // Operations not yet acknowledged: answered for (pending, finished, dropped), not OPERATION_UNKNOWN.
    for (const o of r.operations.values()) operationBooks.recovered(s, o);
    const steps: (() => void)[] = [
      ...[...r.frameworks.values()].map((f) => () => this.#recoverFramework(f)),
      ...[...r.unreachable].map(([id, u]) => () => {
        if (s.agents.has(id) || s.unreachableAgents.has(id)) return;
        const agent = this.#agentRecord(u.agent);
        if (agent !== undefined) recovery.unreachableAgent(s, agent, u.at);
      }),
      ...[...r.agents].map(([id, a]) => () => {
        if (!s.agents.has(id)) this.pendingAgents.set(id, a);
      }),
    ];
    const counts = `${r.frameworks.size} framework(s), ${r.agents.size} agent(s) (${r.unreachable.size} unreachable, ${r.gone.size} gone)`;
    let next = 0;
    const slice = (): void => {
      const t0 = clock.now();
      const end = Math.min(steps.length, next + this.sliceRecords);
      this.recoverySlices++;
      while (next < end) {
        steps[next++]!();
        if ((next & 127) === 0 && clock.now() - t0 >= RECOVERY_SLICE_MS) break;
      }
      this.recoverySliceMaxMs = Math.max(this.recoverySliceMaxMs, clock.now() - t0);
      if (next < steps.length) {
        this.#ctx.delay(0, slice);
        return;
      }
      this.recovered = true;
      this.recoveryMs = clock.now() - started;
      this.logger.info(`term ${this.term}: recovered ${counts} from the registry (index ${r.index}) in ${this.recoveryMs} ms; agents have ${this.reregisterTimeoutMs} ms to re-register`);
      if (this.pendingAgents.size > 0) this.#ctx.delay(this.reregisterTimeoutMs, () => this.#reregisterTimeout());
    };
    slice();
  }

  #recoverFramework(f: RegisteredFramework): void {
    const s = this.#ctx.state;
    const framework = new Framework(f.id, { ...f.info, id: { value: f.id } }, f.registeredAt, this.#ctx.flags.maxCompletedTasksPerFramework);
    if (f.principal !== undefined) framework.principal = f.principal;
    if (!recovery.framework(s, framework, this.#ctx.clock.now())) return;
    this.#recoveredFrameworks.add(f.id);
    this.#raw.addFramework(f.id, framework.roles, [], [], false, frameworkBooks.allocatorCapabilities(framework));
    // A framework that does not come back is removed once agents had their chance and its own failover timeout ran out.
    const wait = Math.max(this.reregisterTimeoutMs, framework.failoverTimeoutMs);
    framework.failoverTimer = this.#ctx.delay(wait, () => {
      framework.failoverTimer = undefined;
      if (!framework.connected && s.frameworks.get(f.id) === framework) {
        this.logger.info(`framework ${f.id} did not resubscribe within ${wait} ms of the failover: removing it`);
        this.#master.frameworks.remove(framework, 'it did not resubscribe after the master failed over');
      }
    });
  }

  #agentRecord(a: RegisteredAgent): Agent | undefined {
    try {
      const total = Resources.fromJSON(a.info.resources ?? [], 'agent.resources');
      return new Agent(a.id, { ...a.info, id: { value: a.id } }, a.pid, total, '', a.registeredAt);
    } catch (err) {
      this.logger.error(`registry: agent ${a.id} skipped, its resources do not parse: ${(err as Error).message}`);
      this.registrar.skipped++;
      return undefined;
    }
  }

  /** Agents that did not re-register in time are unreachable (as Mesos after agent_reregister_timeout); frameworks hear `agent_lost` and reconcile. */
  #reregisterTimeout(): void {
    const s = this.#ctx.state;
    const now = this.#ctx.clock.now();
    for (const [id, a] of [...this.pendingAgents]) {
      this.pendingAgents.delete(id);
      if (s.agents.has(id)) continue;
      const agent = this.#agentRecord(a);
      if (agent === undefined) continue;
      this.logger.warn(`agent ${id} did not re-register within ${this.reregisterTimeoutMs} ms of the failover: unreachable`);
      this.#ctx.apply(agentBooks.lose(s, agent, { as: 'unreachable', taskState: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED', message: `Agent ${id} did not re-register after the master failed over`, nowMs: now, maxUnreachable: this.#ctx.flags.maxUnreachableAgents, uuid: () => this.#ctx.uuid() }));
    }
  }
}

// ---------------------------------------------------------------- not leading

/** Askers a standby remembers between two changes of leader at most (the rest poll as before). */
const MAX_WAITING = 100_000;

/** The master's HTTP paths (as installed by http-state.ts, http-scheduler.ts, http-operator.ts, http-webui.ts) a standby redirects. */
export const MASTER_PATHS = ['/state', '/metrics/snapshot', '/health', '/frameworks', '/slaves', '/tasks', '/state-summary', '/roles', '/flags', '/redirect', '/version', '/metrics', '/api/v1', '/api/v1/scheduler', '/', '/webui', '/teardown', '/quota', '/weights', '/maintenance/schedule', '/maintenance/status', '/machine/down', '/machine/up'];
const CLASSIC_PATHS = ['/teardown', '/quota', '/weights'];
/** The read-only JSON paths also served with `.json` (http-classic.ts). */
const JSON_PATHS = ['/state', '/state-summary', '/frameworks', '/slaves', '/tasks', '/roles', '/flags'];

/**
 * The `master` process of a runtime whose replica does not lead: every
 * message is answered with `not_leader` (the leader's PID when known), every
 * HTTP request with 307 to the same path on the leader (503 without one).
 */
export class StandbyMaster extends Process<MasterProtocol> {
  answered = 0;
  /** Who was answered since the leader last changed: told when it changes (a detector's push, instead of their polling). */
  readonly #asked = new Set<string>();
  /** The leader the last answers named. */
  #named: string | undefined;

  constructor(private readonly leader: () => { leader: string | undefined; term: number }) {
    super();
  }

  protected handlers(): Handlers<MasterProtocol> {
    const answer = (_body: unknown, from: PID): void => {
      // The allocator of a previous term may still say something: nothing to answer.
      if (from.address === this.pid.address && from.id === 'allocator') return;
      const { leader, term } = this.leader();
      this.answered++;
      if (this.#asked.size < MAX_WAITING) this.#asked.add(from.toString());
      this.send(PID.parse<FromNonLeader>(from.toString()), 'not_leader', {
        ...(leader !== undefined ? { leader } : {}),
        term,
        message: leader !== undefined ? `this master does not lead; the leader is ${leader}` : 'this master does not lead and no leader is elected at the moment',
      });
    };
    return new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? answer : undefined) }) as Handlers<MasterProtocol>;
  }

  /**
   * The leader may have changed (`leader`: the one now known; this master's
   * own PID when it was just elected): everyone answered since the last
   * change hears it, once, rather than asking every master in turn until
   * one knows (10k agents polling two standbys starved their elections).
   */
  leaderChanged(leader: string | undefined, term: number): void {
    if (leader === undefined || leader === this.#named) return;
    this.#named = leader;
    const asked = [...this.#asked];
    this.#asked.clear();
    for (const to of asked) this.send(PID.parse<FromNonLeader>(to), 'not_leader', { leader, term, message: leader === this.pid.toString() ? 'this master leads now' : `the leader is ${leader}` });
  }

  override initialize(): void {
    const redirect = (req: HttpRequest): HttpResponse => {
      const { leader } = this.leader();
      if (leader === undefined) return { status: 503, headers: { 'retry-after': '1' }, body: 'This master is not the leader, and no leader is elected at the moment\n' };
      const address = PID.parse(leader).address;
      // /master/redirect itself: the leader's protocol-relative base, as Mesos answers.
      if (req.path.endsWith('/redirect')) return { status: 307, headers: { location: `//${address}` }, body: '' };
      const query = req.query.toString();
      return { status: 307, headers: { location: `http://${address}${req.path}${query ? `?${query}` : ''}` }, body: `This master is not the leader; the leader is ${leader}\n` };
    };
    for (const path of MASTER_PATHS) {
      // The classic update endpoints are served under /master only, as Mesos serves them.
      if (!CLASSIC_PATHS.includes(path)) this.runtime.http.alias(path, `/${this.pid.id}${path}`);
      this.route(path, redirect, path === '/quota' ? { prefix: true } : {});
    }
    for (const path of JSON_PATHS) this.route(`${path}.json`, redirect);
  }
}

// ---------------------------------------------------------------- the master runtime

export interface HaMasterOptions {
  readonly storage: LogStorage;
  /** PID texts of the replicas of every master (`log@host:port`), this one's included. */
  readonly replicas: readonly string[];
  readonly quorum?: number;
  readonly flags?: Partial<MasterFlags>;
  readonly seed?: number;
  readonly timing?: Partial<Timing>;
  /** How long recovered agents have to re-register before they are unreachable (default 10 min, Mesos --agent_reregister_timeout). */
  readonly reregisterTimeoutMs?: number;
  /** Registry entries between two snapshots of the log (default 1000). */
  readonly snapshotEvery?: number;
  /** Registry records a new leader restores per turn of its loop at most (default 2,000; each slice also stops after 20 ms). */
  readonly recoverySliceRecords?: number;
  readonly batchAppends?: ReplicaOptions['batchAppends'];
  readonly logger?: Logger;
  /** Principals the other masters' replicas authenticate as (default: this runtime's own, when it has one). */
  readonly replicaPrincipals?: readonly string[];
}

/** A master runtime with high availability: `log`, and `master` (standby or leading) with its `allocator`. */
export class HaMaster {
  readonly replica: ReplicaProcess;
  readonly registrar: Registrar;
  readonly flags: MasterFlags;
  master: MasterProcess | undefined;
  allocator: AllocatorProcess | undefined;
  standby: StandbyMaster | undefined;
  /** The term being led, if any. */
  term: LeaderTerm | undefined;
  /** Terms this runtime led, in order (tests, metrics). */
  readonly terms: number[] = [];
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #reregisterTimeoutMs: number;
  /** The last leader's log PID text and its master's PID text. */
  #leaderText: { readonly log: string; readonly master: string } | undefined;

  constructor(readonly runtime: Runtime, readonly options: HaMasterOptions) {
    this.flags = masterFlags(options.flags);
    this.#random = new Random(options.seed ?? osSeed());
    this.#logger = options.logger ?? runtime.logger;
    const reregister = options.reregisterTimeoutMs ?? DEFAULT_AGENT_REREGISTER_TIMEOUT_MS;
    if (!(Number.isFinite(reregister) && reregister > 0)) throw new Error(`agent re-register timeout must be a positive number of ms, got ${String(reregister)}`);
    this.#reregisterTimeoutMs = reregister;
    const self = `log@${runtime.address}`;
    if (!options.replicas.includes(self)) throw new Error(`the replicas (${options.replicas.join(', ')}) must include this master's own, ${self}`);
    this.replica = new ReplicaProcess({
      storage: options.storage,
      replicas: options.replicas,
      random: new Random(this.#random.int(2 ** 31 - 1)),
      logger: this.#logger,
      ...(options.quorum !== undefined ? { quorum: options.quorum } : {}),
      ...(options.timing !== undefined ? { timing: options.timing } : {}),
      ...(options.batchAppends !== undefined ? { batchAppends: options.batchAppends } : {}),
      ...(options.replicaPrincipals !== undefined ? { peerPrincipals: options.replicaPrincipals } : {}),
    });
    runtime.spawn(this.replica, 'log');
    this.registrar = new Registrar({ runtime, replica: this.replica, logger: this.#logger, ...(options.snapshotEvery !== undefined ? { snapshotEvery: options.snapshotEvery } : {}) });
    // Catch up with what the replica recovered from its files now, at start, rather than on the election's path.
    try {
      this.registrar.recover();
    } catch (err) {
      this.#logger.warn(`registrar: nothing to catch up with at start: ${(err as Error).message}`);
    }
    this.#standBy();
    this.replica.subscribe({
      elected: (term) => this.#elected(term),
      demoted: (term) => this.#demoted(term),
      role: (state) => {
        if (state.role !== 'leader') this.standby?.leaderChanged(this.leader(), state.term);
      },
    });
    // A replica whose storage fails (a full disk) stops at once, without a demotion: its master must stop serving too.
    void runtime.wait(this.replica.pid).then(() => {
      if (this.master === undefined || !runtime.isAlive(this.master.pid)) return;
      this.#logger.error(`the replica of this master stopped: master ${this.master.pid} stops serving`);
      this.#writeFailed(this.term?.term ?? 0);
    });
  }

  /** The leading master's PID text, as this runtime knows it (itself when it leads). */
  leader(): string | undefined {
    const { role, leader } = this.replica.leadership();
    if (role === 'leader') return this.master !== undefined ? this.master.pid.toString() : undefined;
    if (leader === undefined) return undefined;
    // The leader's log PID (log@host:port) names its master (master@host:port): derived once per leader.
    if (this.#leaderText?.log !== leader) this.#leaderText = { log: leader, master: `master@${PID.parse(leader).address}` };
    return this.#leaderText.master;
  }

  get leading(): boolean {
    return this.master !== undefined;
  }

  #standBy(): void {
    this.standby = new StandbyMaster(() => ({ leader: this.leader(), term: this.replica.leadership().term }));
    this.runtime.spawn(this.standby, 'master');
  }

  #elected(term: number): void {
    if (this.master !== undefined) this.#stepDown(this.term?.term ?? term);
    const registry = this.registrar.recover();
    if (this.standby !== undefined) {
      // Those who asked this master while no one led: it leads now (the new master takes the same PID).
      this.standby.leaderChanged(this.standby.pid.toString(), term);
      this.runtime.terminate(this.standby.pid);
      this.standby = undefined;
    }
    const masterPid = PID.parse<MasterProtocol>(`master@${this.runtime.address}`);
    this.allocator = new AllocatorProcess({ master: masterPid as unknown as PID<AllocatorToMaster>, allocationIntervalMs: this.flags.allocationIntervalMs, filterGpuResources: this.flags.filterGpuResources, allocateOnRecovery: this.flags.allocateOnRecovery, fairnessExcludeResourceNames: this.flags.fairSharingExcludedResourceNames });
    const allocatorPid = this.runtime.spawn(this.allocator, 'allocator');
    this.term = new LeaderTerm(term, registry, this.registrar, this.#reregisterTimeoutMs, this.#logger, () => this.#writeFailed(term), this.options.recoverySliceRecords);
    const random = new Random(this.#random.int(2 ** 31 - 1));
    const allocator = this.allocator;
    this.master = new MasterProcess({ flags: this.flags, masterId: newMasterId(() => random.float()), allocator: allocatorPid, random, ha: this.term, allocatorMetrics: () => allocator.mesosMetrics() });
    this.runtime.spawn(this.master, 'master');
    this.terms.push(term);
    this.#logger.info(`master ${masterPid} leads term ${term}`);
  }

  /**
   * A registry write of `term` failed or did not commit: never serve on books the others may
   * not have (a split brain). The replica gives up the log's leadership too: a replica that
   * kept leading (and heartbeating) would keep any other from being elected, with no master
   * serving. It stays a voter, electable again (a new term, a new master, if it wins).
   */
  #writeFailed(term: number): void {
    if (this.master === undefined || this.term?.term !== term) return;
    this.#stepDown(term);
    // A write that fails because the runtime is being stopped (a shutdown, a crash): nothing to stand by in.
    if (this.runtime.stopped) return;
    this.#standBy();
    if (this.runtime.isAlive(this.replica.pid)) this.replica.resign();
  }

  /**
   * Before a graceful stop: a leading master stops serving (agents and schedulers hear
   * `not_leader`) and its replica hands the log's leadership to the most caught-up peer, which
   * campaigns at once: the cluster has a new leader in a few round trips rather than after an
   * election timeout (1-2 s). Resolves once the hand-over has left, or after `limitMs`.
   */
  async handOver(limitMs = 1000): Promise<void> {
    if (this.master === undefined || this.runtime.stopped || !this.runtime.isAlive(this.replica.pid)) return;
    this.#stepDown(this.term?.term ?? 0);
    let timer: Timer | undefined;
    await Promise.race([this.replica.handOver(), new Promise<void>((r) => (timer = this.runtime.clock.timer(limitMs, r)))]);
    timer?.cancel();
  }

  #demoted(term: number): void {
    if (this.master === undefined) return;
    this.#stepDown(term);
    if (!this.runtime.stopped) this.#standBy();
  }

  /** Stops serving at once: agents and schedulers hear where the leader is; offers, timers and streams end with the processes. */
  #stepDown(term: number): void {
    const master = this.master!;
    this.#logger.warn(`master ${master.pid} stops leading (term ${term})`);
    const leader = this.leader();
    const tell = (to: string): void => this.runtime.post(master.pid, to, 'not_leader', { ...(leader !== undefined && leader !== master.pid.toString() ? { leader } : {}), term, message: `the master of term ${term} stepped down` });
    for (const agent of master.state.agents.values()) tell(agent.pid);
    for (const framework of master.state.frameworks.values()) {
      const c = framework.connection;
      if (c === undefined) continue;
      if (c.kind === 'actor') tell(c.id);
      else c.close();
    }
    this.runtime.terminate(master.pid);
    if (this.allocator !== undefined) this.runtime.terminate(this.allocator.pid);
    this.master = undefined;
    this.allocator = undefined;
    this.term = undefined;
  }
}

/** Starts the processes of an HA master in `runtime` (tests use the simulated network). */
export function startHaMasterIn(runtime: Runtime, options: HaMasterOptions): HaMaster {
  return new HaMaster(runtime, options);
}
