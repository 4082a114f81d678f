/**
 * High availability: a master that serves only while its replica of the log
 * leads. Each master runtime holds
 *
 *   log        ReplicaProcess (master/log): election, lease, the registry's log
 *   master     StandbyMaster while not leading: answers `not_leader` to
 *              agents and schedulers, 307 (or 503) to HTTP clients;
 *              a fresh MasterProcess (+ `allocator`) for each term it leads
 *
 * On `elected(term)` the registry is rebuilt from the log and a new master
 * starts from it (frameworks, agents and tasks known; agents get
 * `reregisterTimeoutMs` to come back, then they are unreachable). On
 * `demoted(term)` that master tells its agents and schedulers where the leader
 * is and is terminated at once (its offers, timers and streams with it).
 * See master/registrar/README.md.
 */
import { PID, Process, Random, osSeed, type Handlers, type HttpResponse, type Logger, type Runtime } from 'libprocess-ts';
import { newMasterId } from '../protocol/ids.js';
import type { FromNonLeader } from '../protocol/messages/leader.js';
import { Resources } from '../protocol/resources.js';
import { isTerminal } from '../protocol/task-states.js';
import type { Task } from '../protocol/types.js';
import { Agent } from './agent.js';
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
import { Registrar, RegistryWriter } from './registrar/registrar.js';
import { taskKey, type Operation, type RegisteredAgent, type Registry } from './registrar/registry.js';

/** Mesos --agent_reregister_timeout: 10 minutes. */
export const DEFAULT_AGENT_REREGISTER_TIMEOUT_MS = 10 * 60_000;

/** What a MasterProcess gets when it leads a term (see master.ts `MasterOptions.ha`). */
export interface MasterHa {
  readonly term: number;
  /** Wraps the allocator port so that weights and quota are written through. */
  allocator(port: AllocatorPort): AllocatorPort;
  /** Writes the admission of a new agent; resolves once committed. */
  admitAgent(agent: RegisteredAgent): Promise<void>;
  /** At the end of the master's initialize: recovery from the registry and write-through. */
  attach(master: MasterProcess, ctx: MasterContext): void;
}

// ---------------------------------------------------------------- one term

/** The master's side of one term: recovery from the registry, then every change written through. */
export class LeaderTerm implements MasterHa {
  #raw!: AllocatorPort;
  #writer!: RegistryWriter;
  #master!: MasterProcess;
  #ctx!: MasterContext;
  /** Admitted agents that have not re-registered with this leader yet. */
  readonly pendingAgents = new Map<string, RegisteredAgent>();
  /** Tasks touched during the current turn: written with their state at the end of it. */
  readonly #touched = new Map<string, Task>();

  constructor(
    readonly term: number,
    readonly registry: Registry,
    private readonly registrar: Registrar,
    private readonly reregisterTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  allocator(port: AllocatorPort): AllocatorPort {
    this.#raw = port;
    const write = (op: Operation): void => void this.#writer?.add(op);
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

  /** Writes go through the registrar; a failed write means the leadership is being lost (demoted follows). */
  #makeWriter(master: MasterProcess): RegistryWriter {
    return new RegistryWriter(
      (ops) => this.registrar.write(ops),
      (fn) => master.defer(fn)(),
      (err) => this.logger.warn(`registry write of term ${this.term} failed: ${err.message}`),
    );
  }

  attach(master: MasterProcess, ctx: MasterContext): void {
    this.#master = master;
    this.#ctx = ctx;
    this.#writer = this.#makeWriter(master);
    this.#recover();
    ctx.state.events.listen((e) => {
      switch (e.type) {
        case 'TASK_ADDED':
        case 'TASK_UPDATED':
          this.#touch(e.task);
          return;
        case 'AGENT_ADDED': {
          const a = e.agent;
          void this.#writer.add({ op: 'admit_agent', agent: { id: a.id, info: a.info, pid: a.pid, registeredAt: a.registeredAt } });
          for (const tasks of a.tasks.values()) for (const t of tasks.values()) this.#touch(t);
          if (this.pendingAgents.delete(a.id)) master.defer(() => this.#reconcileRecovered(a.id))();
          return;
        }
        case 'AGENT_REMOVED':
          if (ctx.state.goneAgents.has(e.agentId)) void this.#writer.add({ op: 'agent_gone', id: e.agentId, at: ctx.clock.now() });
          else if (ctx.state.unreachableAgents.has(e.agentId)) void this.#writer.add({ op: 'agent_unreachable', id: e.agentId, at: ctx.clock.now() });
          return;
        case 'FRAMEWORK_ADDED':
        case 'FRAMEWORK_UPDATED': {
          const f = e.framework;
          void this.#writer.add({ op: 'add_framework', framework: { id: f.id, info: { ...f.info, id: { value: f.id } }, registeredAt: f.registeredAt } });
          return;
        }
        case 'FRAMEWORK_REMOVED':
          void this.#writer.add({ op: 'remove_framework', id: e.framework.id, at: ctx.clock.now() });
          return;
      }
    });
  }

  #touch(task: Task): void {
    const first = this.#touched.size === 0;
    this.#touched.set(taskKey(task.framework_id.value, task.task_id.value), task);
    if (first) this.#writer.later(() => this.#touchedOps());
  }

  #touchedOps(): Operation[] {
    const tasks = [...this.#touched.values()];
    this.#touched.clear();
    const ops: Operation[] = [];
    // Frameworks the registry does not know yet (taken back from a re-registering agent).
    const seen = new Set<string>();
    for (const t of tasks) {
      const id = t.framework_id.value;
      if (seen.has(id) || this.registrar.registry.frameworks.has(id)) continue;
      seen.add(id);
      const f = this.#ctx.state.frameworks.get(id);
      if (f !== undefined) ops.push({ op: 'add_framework', framework: { id, info: { ...f.info, id: { value: id } }, registeredAt: f.registeredAt } });
    }
    ops.push({ op: 'tasks', tasks: tasks.map((t) => ({ ...t, statuses: t.statuses.slice(-4) })) });
    return ops;
  }

  /** The master's books from the registry: what a new leader knows at once. */
  #recover(): void {
    const r = this.registry;
    const s = this.#ctx.state;
    const now = this.#ctx.clock.now();
    if (r.weights.size > 0) {
      for (const [role, w] of r.weights) s.weights.set(role, w);
      this.#raw.setWeights(Object.fromEntries(s.weights));
    }
    for (const [role, q] of r.quotas) {
      s.quotas.set(role, { guarantees: { ...q.guarantees }, limits: { ...q.limits } });
      this.#raw.setQuota(role, q.guarantees, q.limits);
    }
    for (const id of r.gone.keys()) s.goneAgents.add(id);
    for (const id of r.removedFrameworks.keys()) s.removedFrameworkIds.add(id);
    for (const [id, u] of r.unreachable) {
      const agent = this.#agentRecord(u.agent);
      if (agent !== undefined) s.unreachableAgents.set(id, { agent, at: u.at });
    }
    for (const f of r.frameworks.values()) {
      const framework = new Framework(f.id, { ...f.info, id: { value: f.id } }, f.registeredAt, this.#ctx.flags.maxCompletedTasksPerFramework);
      framework.disconnectedAt = now;
      s.frameworks.set(f.id, framework);
      this.#raw.addFramework(f.id, framework.roles, [], [], false);
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
    for (const t of r.tasks.values()) {
      const framework = s.frameworks.get(t.framework_id.value);
      if (framework === undefined) continue;
      const task: Task = { ...t, statuses: [...(t.statuses ?? [])] };
      if (r.unreachable.has(t.agent_id.value) || t.state === 'TASK_UNREACHABLE') framework.unreachableTasks.set(t.task_id.value, task);
      else framework.tasks.set(t.task_id.value, task);
    }
    for (const [id, list] of r.completed) {
      const framework = s.frameworks.get(id);
      if (framework !== undefined) for (const t of list) framework.completedTasks.push({ ...t });
    }
    for (const [id, a] of r.agents) this.pendingAgents.set(id, a);
    this.logger.info(
      `term ${this.term}: recovered ${r.frameworks.size} framework(s), ${r.agents.size} agent(s) (${r.unreachable.size} unreachable, ${r.gone.size} gone) and ${r.tasks.size} task(s) from the registry (index ${r.index}); agents have ${this.reregisterTimeoutMs} ms to re-register`,
    );
    if (this.pendingAgents.size > 0) this.#ctx.delay(this.reregisterTimeoutMs, () => this.#reregisterTimeout());
  }

  #agentRecord(a: RegisteredAgent): Agent | undefined {
    try {
      const total = Resources.fromJSON(a.info.resources ?? [], 'agent.resources');
      return new Agent(a.id, { ...a.info, id: { value: a.id } }, a.pid, total, '', a.registeredAt);
    } catch (err) {
      this.logger.warn(`registry: agent ${a.id} has bad resources: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** A recovered agent re-registered: the tasks the registry had on it that it did not report are gone. */
  #reconcileRecovered(agentId: string): void {
    const s = this.#ctx.state;
    const agent = s.agents.get(agentId);
    if (agent === undefined) return;
    for (const framework of s.frameworks.values()) {
      for (const task of [...framework.tasks.values()]) {
        if (task.agent_id.value !== agentId || isTerminal(task.state) || agent.tasks.get(framework.id)?.get(task.task_id.value) === task) continue;
        const state = framework.partitionAware ? 'TASK_GONE' : 'TASK_LOST';
        const status = this.#master.tasks.masterStatus(task, state, 'REASON_AGENT_REREGISTERED', 'Task is unknown to the agent that re-registered');
        task.state = state;
        task.statuses.push(status);
        framework.tasks.delete(task.task_id.value);
        framework.completedTasks.push(task);
        s.events.emit({ type: 'TASK_UPDATED', task, status });
        if (framework.connected) this.#master.tasks.send(framework, status);
      }
    }
  }

  /** Agents that did not re-register in time are unreachable (as Mesos after agent_reregister_timeout). */
  #reregisterTimeout(): void {
    const s = this.#ctx.state;
    const now = this.#ctx.clock.now();
    for (const [id, a] of [...this.pendingAgents]) {
      this.pendingAgents.delete(id);
      if (s.agents.has(id)) continue;
      const agent = this.#agentRecord(a);
      if (agent !== undefined) s.unreachableAgents.set(id, { agent, at: now });
      this.logger.warn(`agent ${id} did not re-register within ${this.reregisterTimeoutMs} ms of the failover: unreachable`);
      for (const framework of s.frameworks.values()) {
        for (const task of [...framework.tasks.values()]) {
          if (task.agent_id.value !== id || isTerminal(task.state)) continue;
          const status = this.#master.tasks.masterStatus(task, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', `Agent ${id} did not re-register after the master failed over`);
          status.unreachable_time = { nanoseconds: now * 1e6 };
          task.state = 'TASK_UNREACHABLE';
          task.statuses.push(status);
          framework.tasks.delete(task.task_id.value);
          framework.unreachableTasks.set(task.task_id.value, task);
          s.events.emit({ type: 'TASK_UPDATED', task, status });
          if (framework.connected) this.#master.tasks.send(framework, status);
        }
        if (framework.connected) this.#ctx.toFramework(framework, 'agent_lost', { agent_id: { value: id } });
      }
      void this.#writer.add({ op: 'agent_unreachable', id, at: now });
    }
  }
}

// ---------------------------------------------------------------- not leading

/** The master's HTTP paths (as installed by http-state.ts, http-scheduler.ts, http-operator.ts, http-webui.ts) a standby redirects. */
export const MASTER_PATHS = ['/state', '/metrics/snapshot', '/health', '/frameworks', '/slaves', '/tasks', '/state-summary', '/roles', '/flags', '/redirect', '/version', '/metrics', '/api/v1', '/api/v1/scheduler', '/', '/webui'];

/**
 * The `master` process of a runtime whose replica does not lead: every
 * message is answered with `not_leader` (the leader's PID when known), every
 * HTTP request with 307 to the same path on the leader (503 without one).
 */
export class StandbyMaster extends Process<MasterProtocol> {
  answered = 0;

  constructor(private readonly leader: () => { leader: string | undefined; term: number }) {
    super();
  }

  protected handlers(): Handlers<MasterProtocol> {
    const answer = (_body: unknown, from: PID): void => {
      // The allocator of a previous term may still say something: nothing to answer.
      if (from.address === this.pid.address && from.id === 'allocator') return;
      const { leader, term } = this.leader();
      this.answered++;
      this.send(PID.parse<FromNonLeader>(from.toString()), 'not_leader', {
        ...(leader !== undefined ? { leader } : {}),
        term,
        message: leader !== undefined ? `this master does not lead; the leader is ${leader}` : 'this master does not lead and no leader is elected at the moment',
      });
    };
    return new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? answer : undefined) }) as Handlers<MasterProtocol>;
  }

  override initialize(): void {
    for (const path of MASTER_PATHS) {
      this.runtime.http.alias(path, `/${this.pid.id}${path}`);
      this.route(path, (req): HttpResponse => {
        const { leader } = this.leader();
        if (leader === undefined) return { status: 503, headers: { 'retry-after': '1' }, body: 'This master is not the leader, and no leader is elected at the moment\n' };
        const address = PID.parse(leader).address;
        const query = req.query.toString();
        return { status: 307, headers: { location: `http://${address}${req.path}${query ? `?${query}` : ''}` }, body: `This master is not the leader; the leader is ${leader}\n` };
      });
    }
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
    this.#standBy();
    this.replica.subscribe({
      elected: (term) => this.#elected(term),
      demoted: (term) => this.#demoted(term),
    });
  }

  /** The leading master's PID text, as this runtime knows it (itself when it leads). */
  leader(): string | undefined {
    const status = this.replica.status();
    if (status.role === 'leader') return this.master !== undefined ? this.master.pid.toString() : undefined;
    return status.leader !== undefined ? `master@${PID.parse(status.leader).address}` : undefined;
  }

  get leading(): boolean {
    return this.master !== undefined;
  }

  #standBy(): void {
    this.standby = new StandbyMaster(() => ({ leader: this.leader(), term: this.replica.status().term }));
    this.runtime.spawn(this.standby, 'master');
  }

  #elected(term: number): void {
    if (this.master !== undefined) this.#stepDown(this.term?.term ?? term);
    const registry = this.registrar.recover();
    if (this.standby !== undefined) {
      this.runtime.terminate(this.standby.pid);
      this.standby = undefined;
    }
    const masterPid = PID.parse<MasterProtocol>(`master@${this.runtime.address}`);
    this.allocator = new AllocatorProcess({ master: masterPid as unknown as PID<AllocatorToMaster>, allocationIntervalMs: this.flags.allocationIntervalMs });
    const allocatorPid = this.runtime.spawn(this.allocator, 'allocator');
    this.term = new LeaderTerm(term, registry, this.registrar, this.#reregisterTimeoutMs, this.#logger);
    const random = new Random(this.#random.int(2 ** 31 - 1));
    this.master = new MasterProcess({ flags: this.flags, masterId: newMasterId(() => random.float()), allocator: allocatorPid, random, ha: this.term });
    this.runtime.spawn(this.master, 'master');
    this.terms.push(term);
    this.#logger.info(`master ${masterPid} leads term ${term}`);
  }

  #demoted(term: number): void {
    if (this.master === undefined) return;
    this.#stepDown(term);
    this.#standBy();
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
