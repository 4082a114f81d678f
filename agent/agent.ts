/**
 * The agent actor (Mesos's src/slave/slave.cpp): registers with the master,
 * runs tasks through the containerizer (playing the command executor itself
 * for tasks given a command, launching custom executors otherwise), sends
 * their status updates reliably, checkpoints what it needs to recover after
 * a restart, and serves its HTTP endpoints. See README.md.
 *
 * This file is the actor's shell: its options, its message table (every body
 * validated, master messages only from the master), its lifecycle, and
 * run/kill/shutdown. The work is the components' (core.ts lists them); the
 * HTTP modules see the agent through view.ts.
 */
import { maxCompletionTimeError } from './completion-time.js';
import { AgentVolumes } from './volumes.js';
import { AgentOperations } from './operations.js';
import { Authorizer } from '../protocol/auth/authorizer.js';
import type { Operation } from '../protocol/operations.js';
import { uuidBytes } from '../protocol/ids.js';
import { Fetcher, type UriFetcher } from './fetcher/fetcher.js';
import { fetcherCacheConfig } from './fetcher/flags.js';
import { AgentReservations } from './resources-checkpoint.js';
import { PID, Process, type Handlers, type Random } from 'libprocess-ts';
import type { AgentToExecutor, ExecutorToAgent } from '../protocol/messages/agent-executor.js';
import type { FromNonLeader } from '../protocol/messages/leader.js';
import type { AgentToMaster, MasterToAgent } from '../protocol/messages/master-agent.js';
import { Resources } from '../protocol/resources.js';
import type { TaskState } from '../protocol/task-states.js';
import type { AgentInfo, Attribute, ExecutorInfo, FrameworkInfo, TaskID, TaskInfo, TaskStatus } from '../protocol/types.js';
import { commandError } from './command-executor.js';
import { containerSpecOf } from './container-info.js';
import type { ContainerConfig, ContainerTermination, Logger } from './containerizer/index.js';
import { nodeDisk, type AgentDisk } from './disk.js';
import { NestedContainers } from './nested-containers.js';
import type { AgentFlags } from './flags.js';
import { healthCheckError } from './health.js';
import { installRoutes } from './http.js';
import { AgentHttpAuth } from './http-auth.js';
import { ExecutorTokens, loadExecutorSecretKey } from './executor-token.js';
import { runningAsRoot } from './task-user.js';
import { installExecutorApi } from './http-executor.js';
import { installOperatorApi } from './http-operator.js';
import { installClassicRoutes } from './http-classic.js';
import { MasterLink } from './master-link.js';
import { AgentCheckpoints } from './agent-checkpoints.js';
import { AgentBooks } from './books.js';
import { TaskUpdates } from './task-updates.js';
import { ContainerLaunch } from './container-launch.js';
import { CommandTasks } from './command-tasks.js';
import { CustomExecutors } from './custom-executors.js';
import { AgentRecovery } from './agent-recovery.js';
import {
  hasCapability,
  newTaskRecord,
  type ContainerHandle,
  type ExecutorChannel,
  type ExecutorRecord,
  type FrameworkRecord,
  type TaskRecord,
} from './state.js';
import { StatusUpdateManager } from './status-updates.js';
import { EXECUTOR_TO_AGENT, FROM_NON_LEADER, MASTER_TO_AGENT } from '../protocol/messages/schemas.js';
import { MessageValidator, validated, type OnInvalid } from '../protocol/messages/validate.js';

export type AgentProtocol = MasterToAgent & ExecutorToAgent & FromNonLeader;

/** The messages only the master sends (a missing or extra name is a compile error). */
const MASTER_MESSAGES = {
  agent_registered: true, agent_reregistered: true, ping: true, not_leader: true, run_task: true, run_task_group: true, kill_task: true,
  status_update_acknowledgement: true, shutdown_framework: true, shutdown_executor: true, framework_to_executor: true, update_framework: true,
  checkpoint_resources: true, acknowledge_operation_status: true, reconcile_tasks: true, agent_lost: true, shutdown: true,
} as const satisfies Record<keyof MasterToAgent | keyof FromNonLeader, true>;

/** Every body the agent receives is checked against its schema (ids that become paths included) before a handler sees it. */
const AGENT_MESSAGES = new MessageValidator<AgentProtocol>({ ...MASTER_TO_AGENT, ...EXECUTOR_TO_AGENT, ...FROM_NON_LEADER });

/** What the agent needs of the containerizer (the real Containerizer, or a fake in tests). */
export interface AgentContainerizer {
  /** `early`: resolve before the container's own checkpoint is written (the handle's `checkpointed`). */
  launch(config: ContainerConfig, early?: boolean): Promise<ContainerHandle>;
  recover(knownContainerIds: Iterable<string>): Promise<{
    recovered: ContainerHandle[];
    vanished: ContainerTermination[];
    terminated: ContainerTermination[];
    orphans: string[];
  }>;
  forget(containerId: string): Promise<void>;
}

export interface AgentOptions {
  readonly flags: AgentFlags;
  /** The agent's total resources (flags + detection, see flags.ts `agentResources`). */
  readonly resources: Resources;
  readonly attributes?: Attribute[];
  readonly containerizer: AgentContainerizer;
  /** Seeded randomness: registration jitter, uuids, container ids. */
  readonly random: Random;
  readonly logger?: Logger;
  /** The endpoint tasks are told about (MESOS_AGENT_ENDPOINT); default the runtime's address. */
  readonly endpoint?: string;
  /** How long a recovered executor has to reregister (Mesos --executor_reregistration_timeout, 2 s). */
  readonly executorReregistrationTimeoutMs?: number;
  /** Executor tokens (default: signed with --executor_secret_key, or a key generated under work_dir). */
  readonly executorTokens?: ExecutorTokens;
  /** Whether the agent runs as root, and so may switch users (default: asked of the OS). */
  readonly runningAsRoot?: boolean;
  /** Checkpoints and sandboxes (default the real disk; `sim/` gives a simulated one). */
  readonly disk?: AgentDisk;
  /** Fetches CommandInfo.uris into sandboxes (default the real fetcher, agent/fetcher/). */
  readonly fetcher?: UriFetcher;
}

export type AgentStateName = 'RECOVERING' | 'DISCONNECTED' | 'RUNNING' | 'TERMINATING';

const quietLogger: Logger = { info: () => {}, warn: () => {} };

export class AgentProcess extends Process<AgentProtocol> {
  readonly flags: AgentFlags;
  readonly resources: Resources;
  readonly attributes: Attribute[];
  readonly cz: AgentContainerizer;
  readonly random: Random;
  readonly logger: Logger;
  readonly disk: AgentDisk;
  /** The master this agent talks to now (the leader, once found among the link's `masters`). */
  master: PID<AgentToMaster>;
  /** Registration, fencing by term, pings: the link to the master (master-link.ts). */
  readonly masterLink: MasterLink;
  /** meta/ checkpoints of frameworks, executors, runs and tasks (agent-checkpoints.ts). */
  readonly checkpoints = new AgentCheckpoints(this);
  /** Frameworks, executors and tasks, and what completed (books.ts). */
  readonly books = new AgentBooks(this);
  /** Status updates: made, journaled, forwarded, acknowledged (task-updates.ts). */
  readonly updates = new TaskUpdates(this);
  /** Sandbox, fetch, volumes, then the containerizer (container-launch.ts). */
  readonly launcher = new ContainerLaunch(this);
  /** Tasks with a command, which the agent executes itself (command-tasks.ts). */
  readonly commands = new CommandTasks(this);
  /** Custom executors and the default executor: launch, queue, registration, their updates (custom-executors.ts). */
  readonly custom = new CustomExecutors(this);
  readonly sum: StatusUpdateManager;
  /** Dynamically reserved resources and persistent volumes, checkpointed (resources-checkpoint.ts); loaded at start. */
  reservations!: AgentReservations;
  /** Operations on its resources, checkpointed until the framework acknowledged them (operations.ts); loaded at start. */
  operations!: AgentOperations;
  /** Persistent volumes: their directories, and how containers see them (volumes.ts). */
  readonly volumes: AgentVolumes;
  /** CommandInfo.uris → the sandbox, before a container starts (agent/fetcher/). */
  readonly fetcher: UriFetcher;

  state: AgentStateName = 'RECOVERING';
  agentId: string | undefined;
  startedAt = 0;
  /** Counters for /metrics/snapshot (`slave/tasks_finished`, `slave/valid_status_updates`, ...). */
  readonly counters = new Map<string, number>();

  readonly ready: Promise<void>;
  readonly terminated: Promise<string>;
  #readyResolve!: () => void;
  #readyReject!: (e: Error) => void;
  #terminatedResolve!: (why: string) => void;
  readonly #options: AgentOptions;
  /** HTTP Basic authentication of the agent's endpoints (--http_credentials, --authenticate_http_*). */
  readonly httpAuth: AgentHttpAuth;
  /** --acls: operators' nested containers (http-nested.ts). */
  readonly authorizer: Authorizer;
  #tokens: ExecutorTokens | undefined;
  /** Root may run tasks as their users (--switch_user). */
  readonly #isRoot: boolean;
  /** Containers executors launch under their own (the default executor's tasks): nested-containers.ts. */
  readonly nested = new NestedContainers(this);

  constructor(options: AgentOptions) {
    super();
    this.#options = options;
    this.flags = options.flags;
    this.httpAuth = new AgentHttpAuth(options.flags);
    this.authorizer = new Authorizer(options.flags.acls);
    this.#isRoot = options.runningAsRoot ?? runningAsRoot();
    this.resources = options.resources;
    this.attributes = options.attributes ?? [];
    this.cz = options.containerizer;
    this.random = options.random;
    this.logger = options.logger ?? quietLogger;
    this.disk = options.disk ?? nodeDisk;
    this.volumes = new AgentVolumes(options.flags.work_dir, this.logger, this.disk);
    const cache = fetcherCacheConfig(options.flags);
    this.fetcher = options.fetcher ?? new Fetcher({ cacheDir: cache.dir, cacheSizeBytes: cache.sizeBytes, maxExtractedBytes: cache.maxExtractedBytes, now: () => this.clock.now() });
    this.masterLink = new MasterLink(this);
    this.master = this.masterLink.firstMaster();
    this.sum = new StatusUpdateManager(
      { forward: (u) => this.updates.forward(u), delay: (ms, fn) => this.delay(ms, fn), run: (fn) => this.defer(fn)(), log: (m) => this.logger.warn(m) },
      {
        retryMinMs: options.flags.status_update_retry_interval_min,
        retryMaxMs: options.flags.status_update_retry_interval_max,
        fsync: options.flags.fsync,
        disk: this.disk,
        beforeCompaction: () => this.checkpoints.syncDiscarded(),
      },
    );
    this.ready = new Promise<void>((res, rej) => {
      this.#readyResolve = res;
      this.#readyReject = rej;
    });
    this.ready.catch(() => {});
    this.terminated = new Promise<string>((res) => (this.#terminatedResolve = res));
  }

  // ------------------------------------------------------------------ lifecycle

  override async initialize(): Promise<void> {
    this.startedAt = this.clock.now();
    installRoutes(this);
    installExecutorApi(this);
    installOperatorApi(this);
    installClassicRoutes(this);
    try {
      this.reservations = AgentReservations.load(this.resources, this.flags.work_dir, this.flags.fsync, this.disk);
      this.operations = AgentOperations.load(this.flags.work_dir, this.flags.fsync, this.disk);
      await new AgentRecovery(this, this.#options.executorReregistrationTimeoutMs ?? 2000).recover();
    } catch (e) {
      this.#readyReject(e as Error);
      throw e;
    }
    this.state = 'DISCONNECTED';
    this.#readyResolve();
    this.logger.info(`agent ${this.pid} started; registering with ${this.master}`);
    this.masterLink.startRegistration();
  }

  override finalize(): void {
    this.masterLink.stop();
    for (const fw of this.frameworks.values()) for (const ex of fw.executors.values()) for (const t of ex.tasks.values()) t.health?.stop();
    this.#terminatedResolve(this.state === 'TERMINATING' ? 'shutdown' : 'stopped');
  }

  protected handlers(): Handlers<AgentProtocol> {
    const table: Handlers<AgentProtocol> = {
      agent_registered: (b, from) => this.masterLink.agentRegistered(b, from),
      agent_reregistered: (b, from) => this.masterLink.agentReregistered(b, from),
      ping: (b, from) => this.masterLink.ping(b, from),
      not_leader: (b, from) => this.masterLink.notLeader(b, from),
      run_task: (b) => {
        this.logger.debug?.(`run_task ${b.task.task_id.value} of framework ${b.framework_id.value}`);
        this.runTask(b.framework, b.framework_id.value, b.task, b.pid, b.executor);
      },
      run_task_group: (b) => this.custom.runTaskGroup(b.framework, b.executor, b.task_group),
      kill_task: (b) => {
        this.logger.debug?.(`kill_task ${b.task_id.value} of framework ${b.framework_id.value}`);
        this.killTask(b.framework_id.value, b.task_id, b.kill_policy);
      },
      status_update_acknowledgement: (b) => this.updates.acknowledgement(b.framework_id.value, b.task_id.value, b.uuid),
      shutdown_framework: (b) => this.shutdownFramework(b.framework_id.value),
      shutdown_executor: (b) => {
        const ex = this.frameworks.get(b.framework_id.value)?.executors.get(b.executor_id.value);
        if (ex) this.shutdownExecutor(ex);
      },
      framework_to_executor: (b) => {
        const ex = this.frameworks.get(b.framework_id.value)?.executors.get(b.executor_id.value);
        if (!ex || !this.custom.reachable(ex)) {
          this.count('slave/invalid_framework_messages');
          this.logger.warn(`dropping framework message for executor ${b.executor_id.value} of ${b.framework_id.value}: not running`);
          return;
        }
        this.count('slave/valid_framework_messages');
        this.custom.sendToExecutor(ex, 'framework_message', { agent_id: { value: this.agentId! }, framework_id: b.framework_id, executor_id: b.executor_id, data: b.data });
      },
      update_framework: (b) => {
        const fw = this.frameworks.get(b.framework_id.value);
        if (!fw) return;
        fw.info = { ...b.framework_info, id: b.framework_id };
        if (b.pid !== undefined) fw.pid = b.pid;
        this.checkpoints.framework(fw);
      },
      checkpoint_resources: (b) => {
        const before = this.reservations.checkpointed;
        const why = this.reservations.update(b.resources);
        if (why !== undefined) this.logger.warn(`refusing the master's checkpoint_resources: ${why}`);
        else {
          // The volumes' directories first (off the event loop), then the operations are answered: applied means usable.
          const answer = this.defer(() => this.#operationsApplied(b.operations ?? []));
          this.volumes.sync(before, this.reservations.checkpointed, this.launcher.volumesInUse()).then(answer, this.defer((e: Error) => {
            this.logger.warn(`persistent volumes of the new checkpointed resources: ${e.message}`);
            answer();
          }));
        }
      },
      acknowledge_operation_status: (b) => void this.operations.acknowledged(b.operation_uuid.value),
      reconcile_tasks: (b) => {
        for (const t of b.tasks) this.updates.reconcile(b.framework_id.value, t.task_id);
      },
      agent_lost: (b) => {
        this.logger.warn(`the master removed this agent${b.message ? `: ${b.message}` : ''}; re-registering`);
        this.masterLink.masterLost('the master removed this agent');
      },
      shutdown: (b) => this.shutdown(b.message),
      // executors
      register: (b, from) => this.custom.register(b.framework_id.value, b.executor_id.value, b.token, from as PID<AgentToExecutor>),
      reregister: (b, from) => this.custom.reregister(b, from as PID<AgentToExecutor>),
      status_update: (b, from) => this.custom.statusUpdate(b.update, from as PID<AgentToExecutor>),
      executor_to_framework: (b, from) => {
        // Only the executor's registered process speaks for it.
        const ex = this.frameworks.get(b.framework_id?.value)?.executors.get(b.executor_id?.value);
        if (ex?.pid === undefined || !ex.pid.equals(from)) {
          this.count('slave/invalid_framework_messages');
          this.logger.warn(`dropping a framework message from ${from} claiming to be executor ${b.executor_id?.value} of ${b.framework_id?.value}`);
          return;
        }
        this.executorMessage(b.framework_id.value, b.executor_id.value, b.data);
      },
    };
    // Every body is checked against its schema; what only the master may say goes through one check first.
    const guarded = validated<AgentProtocol, PID>(table, AGENT_MESSAGES, this.#onInvalid) as unknown as Record<string, (body: unknown, from: PID) => void>;
    for (const name of Object.keys(MASTER_MESSAGES)) {
      const handler = guarded[name]!;
      guarded[name] = (body, from) => {
        if (this.masterLink.fromOther(name, body, from)) return;
        if (this.masterLink.fromMaster(name, from)) handler(body, from);
        else if (name === 'ping') this.masterLink.pingFromOther(body as MasterToAgent['ping'], from);
      };
    }
    return guarded as unknown as Handlers<AgentProtocol>;
  }

  /** A message whose body does not match its schema (validated above): counted, logged, dropped. */
  readonly #onInvalid: OnInvalid<PID> = {
    count: () => this.count('slave/invalid_messages'),
    warn: (message) => this.logger.warn(message),
  };

  /** The master's operations that came with the checkpoint just written: each pending one answered (operations.ts). */
  #operationsApplied(operations: readonly Operation[]): void {
    if (this.agentId === undefined) return;
    for (const { operation, status } of this.operations.applied(operations, this.agentId, () => uuidBytes(() => this.random.float()))) {
      this.send(this.master, 'update_operation_status', { agent_id: { value: this.agentId }, ...(operation.framework_id !== undefined ? { framework_id: operation.framework_id } : {}), operation_uuid: operation.uuid, status });
    }
  }

  override exited(pid: PID): void {
    if (pid.equals(this.master)) {
      this.masterLink.linkBroke(pid);
      return;
    }
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        if (ex.pid?.equals(pid)) this.logger.warn(`executor ${ex.id} of framework ${fw.id} (${pid}) disconnected`);
      }
    }
  }

  /** The frameworks this agent runs something for (books.ts). */
  get frameworks(): Map<string, FrameworkRecord> {
    return this.books.frameworks;
  }

  /** A few frameworks that are done, for /state. */
  get completedFrameworks(): FrameworkRecord[] {
    return this.books.completedFrameworks;
  }

  /** Sandboxes scheduled for removal and not removed yet (`gc/path_removals_pending`). */
  get gcPending(): number {
    return this.books.gcPending;
  }

  /** Every live executor (for tests and /state). */
  executors(): ExecutorRecord[] {
    return this.books.executors();
  }

  /** For tests: the record of a task, wherever it is. */
  task(frameworkId: string, taskId: string): TaskRecord | undefined {
    return this.books.task(frameworkId, taskId);
  }

  /** Registrations and re-registrations completed (for tests, /state and the simulator's fencing invariant). */
  get registrations(): number {
    return this.masterLink.registrations;
  }

  /** Whether the agent runs as root (and so may switch users). */
  get isRoot(): boolean {
    return this.#isRoot;
  }

  /** Signs and checks executor tokens; the key is loaded (or generated under work_dir) on first use. */
  get executorTokens(): ExecutorTokens {
    this.#tokens ??= this.#options.executorTokens ?? new ExecutorTokens(loadExecutorSecretKey(this.flags.work_dir, this.flags.executor_secret_key));
    return this.#tokens;
  }

  /** The AgentInfo sent to the master. */
  agentInfo(): AgentInfo {
    const info: AgentInfo = { hostname: this.flags.hostname, port: this.pid.port, resources: this.resources.toJSON(), attributes: this.attributes };
    if (this.agentId) info.id = { value: this.agentId };
    return info;
  }

  endpoint(): string {
    return this.#options.endpoint ?? this.pid.address;
  }

  // ------------------------------------------------------------------ run_task

  /** Mesos's Slave::runTask: a command task runs under the agent itself; otherwise its executor is launched or reused. */
  runTask(framework: FrameworkInfo, frameworkId: string, task: TaskInfo, pid?: string, executor?: ExecutorInfo): void {
    if (this.agentId === undefined || this.state === 'TERMINATING' || this.state === 'RECOVERING') {
      this.logger.warn(`ignoring run_task ${task.task_id.value}: the agent is ${this.state}`);
      return;
    }
    const fw = this.books.framework(frameworkId, framework, pid);
    if (this.books.findTask(fw, task.task_id.value)) {
      this.logger.warn(`ignoring run_task ${task.task_id.value} of ${frameworkId}: a task with that id is already on this agent`);
      return;
    }
    const execInfo = executor ?? task.executor;
    if (execInfo) return this.custom.run(fw, { ...execInfo, framework_id: { value: frameworkId } }, task);
    const container = containerSpecOf(task.container);
    const problem = container.error ?? (task.command ? commandError(task.command, container.spec?.image !== undefined) : 'the task has neither a command nor an executor') ?? maxCompletionTimeError(task);
    const health = task.health_check ? healthCheckError(task.health_check) : undefined;
    if (problem || health) {
      this.updates.agentUpdate(fw, task.task_id.value, task.task_id, 'TASK_ERROR', 'REASON_TASK_INVALID', `Invalid task: ${problem ?? health}`);
      return;
    }
    this.commands.run(fw, task);
  }

  // ------------------------------------------------------------------ kill and shutdown

  /** A message to a custom executor: over libprocess to its PID, or as an event on its HTTP stream. */
  sendToExecutor<N extends keyof AgentToExecutor & string>(ex: ExecutorRecord, name: N, body: AgentToExecutor[N]): void {
    this.custom.sendToExecutor(ex, name, body);
  }

  /** A SUBSCRIBE call of the v1 executor API, checked by http-executor.ts (custom-executors.ts). */
  subscribeHttpExecutor(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel, unackedTasks: readonly TaskInfo[], unackedUpdates: readonly TaskStatus[]): void {
    this.custom.subscribeHttpExecutor(fw, ex, channel, unackedTasks, unackedUpdates);
  }

  /** An UPDATE call of the v1 executor API. */
  httpExecutorUpdate(fw: FrameworkRecord, ex: ExecutorRecord, status: TaskStatus): void {
    this.custom.httpExecutorUpdate(fw, ex, status);
  }

  /** The HTTP stream of a subscribed executor closed. */
  httpExecutorDisconnected(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel): void {
    this.custom.httpExecutorDisconnected(fw, ex, channel);
  }

  /** Whether `ex` may report on task `taskId`. */
  executorOwns(ex: ExecutorRecord, taskId: string): boolean {
    return this.custom.executorOwns(ex, taskId);
  }

  /** Bumps a counter of /metrics/snapshot. */
  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Opaque bytes from an executor to its scheduler (driver message or v1 MESSAGE call), through the master. */
  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    this.masterLink.executorToFramework(frameworkId, executorId, data);
  }


  killTask(frameworkId: string, taskId: TaskID, policy?: TaskInfo['kill_policy']): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) {
      this.logger.warn(`ignoring kill_task ${taskId.value}: no framework ${frameworkId} on this agent`);
      return;
    }
    const found = this.books.findTask(fw, taskId.value);
    if (!found) {
      const done = [...fw.executors.values(), ...fw.completedExecutors].some((e) => e.completed.some((r) => r.info.task_id.value === taskId.value));
      if (done) return;
      const state: TaskState = hasCapability(fw, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      this.updates.agentUpdate(fw, taskId.value, taskId, state, 'REASON_TASK_UNKNOWN', 'Cannot kill a task unknown to this agent');
      return;
    }
    const { ex, rec, queued } = found;
    if (queued) {
      ex.queued.delete(taskId.value);
      const r = newTaskRecord(queued, fw.id, ex.id, this.agentId!);
      ex.tasks.set(taskId.value, r);
      this.updates.agentUpdate(fw, ex.id, taskId, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before the executor registered');
      return;
    }
    if (ex.command) return this.commands.kill(fw, ex, rec!, policy);
    if (this.custom.reachable(ex)) {
      const body: AgentToExecutor['kill_task'] = { framework_id: { value: fw.id }, task_id: taskId };
      if (policy) body.kill_policy = policy;
      this.custom.sendToExecutor(ex, 'kill_task', body);
    }
  }

  /** Mesos's Slave::shutdownExecutor: a command task is killed; a custom executor is asked to shut down, then destroyed after the grace period. */
  shutdownExecutor(ex: ExecutorRecord): void {
    const fw = this.frameworks.get(ex.frameworkId);
    if (!fw || ex.state === 'TERMINATED' || ex.state === 'TERMINATING') return;
    if (ex.command) {
      for (const rec of ex.tasks.values()) this.commands.kill(fw, ex, rec);
      return;
    }
    this.custom.shutdown(fw, ex);
  }

  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.logger.info(`shutting down framework ${frameworkId}`);
    fw.shutdown = true;
    for (const ex of [...fw.executors.values()]) this.shutdownExecutor(ex);
    // Executors already over that only waited for acknowledgements: none will come (Mesos's Slave::removeFramework).
    for (const ex of [...fw.executors.values()]) this.books.maybeCompleteExecutor(fw, ex);
    // So are the streams no executor holds (the answer to a reconciliation about a task this agent never had): Mesos
    // cleans up every stream of a removed framework. Kept, one was resent to the masters forever (sim seed 13 of
    // --chaos-ms=30000 --pauses=15: TASK_DROPPED of a launch lost on the wire, its framework torn down meanwhile).
    for (const st of [...this.sum.streams.values()]) {
      if (st.frameworkId !== frameworkId || [...fw.executors.values()].some((ex) => ex.tasks.has(st.taskId))) continue;
      this.sum.cleanup(frameworkId, st.taskId);
    }
  }

  /** The master asked this agent to shut down: every executor is destroyed, the checkpoints dropped, the process ends. */
  shutdown(message: string): void {
    if (this.state === 'TERMINATING') return;
    this.logger.warn(`shutting down: ${message}`);
    this.state = 'TERMINATING';
    this.masterLink.stop();
    this.sum.pause();
    const waits: Promise<unknown>[] = [];
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        for (const t of ex.tasks.values()) t.health?.stop();
        if (this.custom.reachable(ex)) this.custom.sendToExecutor(ex, 'shutdown', {});
        if (ex.container) waits.push(this.destroyContainer(ex.container, `executor ${ex.id}`));
      }
    }
    // Like Mesos, a shut-down agent does not recover its old self: a new start registers afresh.
    this.checkpoints.forgetAgent();
    void Promise.all(waits).then(this.defer(() => this.terminate()));
  }

  /** Destroys a container; a failure is counted (`containerizer/mesos/container_destroy_errors`) and logged. */
  destroyContainer(c: { destroy(): Promise<unknown> }, why: string): Promise<void> {
    const failed = this.defer((e: Error) => {
      this.count('containerizer/mesos/container_destroy_errors');
      this.logger.warn(`destroying the container of ${why} failed: ${e.message}`);
    });
    return c.destroy().then(() => undefined, (e: Error) => failed(e));
  }
}
