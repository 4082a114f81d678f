/**
 * The agent actor (Mesos's src/slave/slave.cpp): registers with the master,
 * runs tasks through the containerizer (playing the command executor itself
 * for tasks given a command, launching custom executors otherwise), sends
 * their status updates reliably, checkpoints what it needs to recover after
 * a restart, and serves its HTTP endpoints. See README.md.
 *
 *   master ◄──AgentToMaster / MasterToAgent──► AgentProcess ◄──► executors
 *                                               │  │   │
 *                 StatusUpdateManager ◄─────────┘  │   └──► Containerizer
 *                 (task.updates checkpoints)   checkpoint.ts / recovery.ts
 */
import { completionTimeStatus, launchedAtMs, maxCompletionMs, maxCompletionTimeError } from './completion-time.js';
import { AgentVolumes, volumeKeys } from './volumes.js';
import { Fetcher, type UriFetcher } from './fetcher/fetcher.js';
import { fetcherCacheConfig } from './fetcher/flags.js';
import { fetchForLaunch, type LaunchFetch } from './fetcher/launch-fetch.js';
import { AgentReservations } from './resources-checkpoint.js';
import { PID, Process, type Handlers, type Random, type Timer } from 'libprocess-ts';
import { uuidBytes, uuidString } from '../protocol/ids.js';
import type { AgentToExecutor, ExecutorToAgent } from '../protocol/messages/agent-executor.js';
import type { StatusUpdate } from '../protocol/messages/common.js';
import type { FromNonLeader } from '../protocol/messages/leader.js';
import type { AgentToMaster, MasterToAgent } from '../protocol/messages/master-agent.js';
import { Resources, type Resource } from '../protocol/resources.js';
import { isTerminal, type TaskState, type TaskStatusReason, type TaskStatusSource } from '../protocol/task-states.js';
import type { AgentInfo, Attribute, CommandInfo, ExecutorInfo, FrameworkInfo, TaskGroupInfo, TaskID, TaskInfo, TaskStatus } from '../protocol/types.js';
import {
  agentInfoPath,
  agentMetaDir,
  executorInfoPath,
  executorMetaDir,
  frameworkInfoPath,
  frameworkMetaDir,
  latestAgentPath,
  discardCheckpointDir,
  removeCheckpointDir,
  runInfoPath,
  taskInfoPath,
  taskUpdatesPath,
  writeAtomic,
  writeJSONAtomic,
  writeJSONAtomicAsync,
} from './checkpoint.js';
import { commandError, commandSpec, killGraceMs, limitsOf, terminalStatus } from './command-executor.js';
import { containerSpecOf } from './container-info.js';
import type { ContainerConfig, ContainerTermination, Logger } from './containerizer/index.js';
import { sandboxPath } from './containerizer/index.js';
import { nodeDisk, type AgentDisk } from './disk.js';
import { defaultExecutorLaunch } from './default-executor/command.js';
import { NestedContainers } from './nested-containers.js';
import { executorEnvironment } from './executors.js';
import { formatDuration, masterPidTexts, type AgentFlags } from './flags.js';
import { HealthChecker, healthCheckError } from './health.js';
import { installRoutes } from './http.js';
import { AgentHttpAuth } from './http-auth.js';
import { ExecutorTokens, loadExecutorSecretKey } from './executor-token.js';
import { runningAsRoot, taskUser } from './task-user.js';
import { installExecutorApi } from './http-executor.js';
import { installOperatorApi } from './http-operator.js';
import { installClassicRoutes } from './http-classic.js';
import { readAgentState, type RecoveredAgentState, type RunInfo } from './recovery.js';
import { RegistrationBackoff, registerMessage, reregisterMessage } from './registration.js';
import {
  checkpointing,
  executorTasks,
  hasCapability,
  newTaskRecord,
  recordStatus,
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
  checkpoint_resources: true, reconcile_tasks: true, agent_lost: true, shutdown: true,
} as const satisfies Record<keyof MasterToAgent | keyof FromNonLeader, true>;

/** Every body the agent receives is checked against its schema (ids that become paths included) before a handler sees it. */
const AGENT_MESSAGES = new MessageValidator<AgentProtocol>({ ...MASTER_TO_AGENT, ...EXECUTOR_TO_AGENT, ...FROM_NON_LEADER });

/** What the agent needs of the containerizer (the real Containerizer, or a fake in tests). */
export interface AgentContainerizer {
  launch(config: ContainerConfig): Promise<ContainerHandle>;
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

/** Kept for /state: a few completed frameworks and executors. */
const MAX_COMPLETED_FRAMEWORKS = 50;
const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;

const quietLogger: Logger = { info: () => {}, warn: () => {} };

export class AgentProcess extends Process<AgentProtocol> {
  readonly flags: AgentFlags;
  readonly resources: Resources;
  readonly attributes: Attribute[];
  readonly cz: AgentContainerizer;
  readonly random: Random;
  readonly logger: Logger;
  readonly disk: AgentDisk;
  /** The master this agent talks to now (the leader, once found among `masters`). */
  master: PID<AgentToMaster>;
  /** Every master given (--master=a,b,c): tried in turn until one leads. */
  readonly masters: readonly string[];
  readonly sum: StatusUpdateManager;
  /** Dynamically reserved resources and persistent volumes, checkpointed (resources-checkpoint.ts); loaded at start. */
  reservations!: AgentReservations;
  /** Persistent volumes: their directories, and how containers see them (volumes.ts). */
  readonly volumes: AgentVolumes;
  /** CommandInfo.uris → the sandbox, before a container starts (agent/fetcher/). */
  readonly fetcher: UriFetcher;
  /** Fetches under way, by executor: aborted when the container is given up. */
  readonly #fetches = new WeakMap<ExecutorRecord, LaunchFetch>();

  state: AgentStateName = 'RECOVERING';
  agentId: string | undefined;
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  startedAt = 0;
  /** Registrations and re-registrations completed (for tests and /state). */
  registrations = 0;
  /** The master's ping timeout x max missed pings, once registered. */
  pingWatchdogMs = 75_000;
  /** Counters for /metrics/snapshot (`slave/tasks_finished`, `slave/valid_status_updates`, ...). */
  readonly counters = new Map<string, number>();

  readonly ready: Promise<void>;
  readonly terminated: Promise<string>;
  #readyResolve!: () => void;
  #readyReject!: (e: Error) => void;
  #terminatedResolve!: (why: string) => void;
  #backoff: RegistrationBackoff;
  #regTimer: Timer | undefined;
  #pingTimer: Timer | undefined;
  /** The highest leader term heard (the fencing token): a master of an older term is ignored. */
  #masterTerm = 0;
  readonly #options: AgentOptions;
  /** HTTP Basic authentication of the agent's endpoints (--http_credentials, --authenticate_http_*). */
  readonly httpAuth: AgentHttpAuth;
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
    this.#isRoot = options.runningAsRoot ?? runningAsRoot();
    this.resources = options.resources;
    this.attributes = options.attributes ?? [];
    this.cz = options.containerizer;
    this.random = options.random;
    this.logger = options.logger ?? quietLogger;
    this.disk = options.disk ?? nodeDisk;
    this.volumes = new AgentVolumes(options.flags.work_dir, this.logger);
    const cache = fetcherCacheConfig(options.flags);
    this.fetcher = options.fetcher ?? new Fetcher({ cacheDir: cache.dir, cacheSizeBytes: cache.sizeBytes, now: () => this.clock.now() });
    this.masters = masterPidTexts(options.flags.master);
    this.master = PID.parse<AgentToMaster>(this.masters[0]!);
    this.#backoff = new RegistrationBackoff(options.flags.registration_backoff_factor, options.random);
    this.sum = new StatusUpdateManager(
      { forward: (u) => this.#forward(u), delay: (ms, fn) => this.delay(ms, fn), run: (fn) => this.defer(fn)() },
      { retryMinMs: options.flags.status_update_retry_interval_min, retryMaxMs: options.flags.status_update_retry_interval_max, fsync: options.flags.fsync, disk: this.disk },
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
      await this.#recover();
    } catch (e) {
      this.#readyReject(e as Error);
      throw e;
    }
    this.state = 'DISCONNECTED';
    this.#readyResolve();
    this.logger.info(`agent ${this.pid} started; registering with ${this.master}`);
    this.#startRegistration();
  }

  override finalize(): void {
    this.#regTimer?.cancel();
    this.#pingTimer?.cancel();
    for (const fw of this.frameworks.values()) for (const ex of fw.executors.values()) for (const t of ex.tasks.values()) t.health?.stop();
    this.#terminatedResolve(this.state === 'TERMINATING' ? 'shutdown' : 'stopped');
  }

  protected handlers(): Handlers<AgentProtocol> {
    const table: Handlers<AgentProtocol> = {
      agent_registered: (b, from) => this.#fresh(b.term, from) && this.#registered(b.agent_id.value, false, from, b.ping_timeout_seconds, b.max_missed_pings),
      agent_reregistered: (b, from) => {
        if (!this.#fresh(b.term, from)) return;
        this.#registered(b.agent_id.value, true, from, b.ping_timeout_seconds, b.max_missed_pings);
        for (const r of b.reconciliations ?? []) this.#reconcile(r.framework_id.value, r.task_id);
      },
      ping: (b, from) => this.#fresh(b.term, from) && this.#ping(b, from),
      not_leader: (b, from) => this.#notLeader(b, from),
      run_task: (b) => {
        this.logger.debug?.(`run_task ${b.task.task_id.value} of framework ${b.framework_id.value}`);
        this.runTask(b.framework, b.framework_id.value, b.task, b.pid, b.executor);
      },
      run_task_group: (b) => this.runTaskGroup(b.framework, b.executor, b.task_group),
      kill_task: (b) => {
        this.logger.debug?.(`kill_task ${b.task_id.value} of framework ${b.framework_id.value}`);
        this.killTask(b.framework_id.value, b.task_id, b.kill_policy);
      },
      status_update_acknowledgement: (b) => this.#acknowledgement(b.framework_id.value, b.task_id.value, b.uuid),
      shutdown_framework: (b) => this.shutdownFramework(b.framework_id.value),
      shutdown_executor: (b) => {
        const ex = this.frameworks.get(b.framework_id.value)?.executors.get(b.executor_id.value);
        if (ex) this.shutdownExecutor(ex);
      },
      framework_to_executor: (b) => {
        const ex = this.frameworks.get(b.framework_id.value)?.executors.get(b.executor_id.value);
        if (!ex || !this.#reachable(ex)) {
          this.count('slave/invalid_framework_messages');
          this.logger.warn(`dropping framework message for executor ${b.executor_id.value} of ${b.framework_id.value}: not running`);
          return;
        }
        this.count('slave/valid_framework_messages');
        this.sendToExecutor(ex, 'framework_message', { agent_id: { value: this.agentId! }, framework_id: b.framework_id, executor_id: b.executor_id, data: b.data });
      },
      update_framework: (b) => {
        const fw = this.frameworks.get(b.framework_id.value);
        if (!fw) return;
        fw.info = { ...b.framework_info, id: b.framework_id };
        if (b.pid !== undefined) fw.pid = b.pid;
        this.#checkpointFramework(fw);
      },
      checkpoint_resources: (b) => {
        const before = this.reservations.checkpointed;
        const why = this.reservations.update(b.resources, b.operations ?? []);
        if (why !== undefined) this.logger.warn(`refusing the master's checkpoint_resources: ${why}`);
        else this.volumes.sync(before, this.reservations.checkpointed, this.#volumesInUse());
      },
      reconcile_tasks: (b) => {
        for (const t of b.tasks) this.#reconcile(b.framework_id.value, t.task_id);
      },
      agent_lost: (b) => {
        this.logger.warn(`the master removed this agent${b.message ? `: ${b.message}` : ''}; re-registering`);
        this.#masterLost('the master removed this agent');
      },
      shutdown: (b) => this.shutdown(b.message),
      // executors
      register: (b, from) => this.#executorRegister(b.framework_id.value, b.executor_id.value, b.token, from as PID<AgentToExecutor>),
      reregister: (b, from) => this.#executorReregister(b, from as PID<AgentToExecutor>),
      status_update: (b, from) => this.#executorStatusUpdate(b.update, from as PID<AgentToExecutor>),
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
        this.#answeredByOther(name, body, from);
        if (this.#fromMaster(name, from)) handler(body, from);
        else if (name === 'ping') this.#pingFromOther(body as MasterToAgent['ping'], from);
      };
    }
    return guarded as unknown as Handlers<AgentProtocol>;
  }

  /**
   * A master message is taken only from the master this agent talks to (the
   * leader it registered with, or is registering with), and, when the agent
   * authenticates its connections, only over an authenticated one: its
   * `from` is then bound to a runtime that proved the agent's own secret.
   */
  #fromMaster(name: string, from: PID): boolean {
    let why: string | undefined;
    if (!from.equals(this.master)) why = `it is not the master ${this.master}`;
    else if (this.runtime.principal !== undefined && this.principalOf(from) === undefined) why = 'its connection is not authenticated';
    if (why === undefined) return true;
    this.count('slave/messages_from_non_master');
    const n = this.counters.get('slave/messages_from_non_master')!;
    if (n <= 10 || (n & (n - 1)) === 0) this.logger.warn(`ignoring '${name}' from ${from}: ${why} (${n} so far)`);
    return false;
  }

  /** A message whose body does not match its schema (validated above): counted, logged, dropped. */
  readonly #onInvalid: OnInvalid<PID> = {
    count: () => this.count('slave/invalid_messages'),
    warn: (message) => this.logger.warn(message),
  };

  override exited(pid: PID): void {
    if (pid.equals(this.master)) {
      this.#masterLost('the connection to the master broke');
      return;
    }
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        if (ex.pid?.equals(pid)) this.logger.warn(`executor ${ex.id} of framework ${fw.id} (${pid}) disconnected`);
      }
    }
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

  // ------------------------------------------------------------------ registration

  #startRegistration(): void {
    this.#regTimer?.cancel();
    this.#regTimer = this.delay(this.#backoff.first(), () => this.#doRegistration());
  }

  #doRegistration(): void {
    this.#regTimer = undefined;
    if (this.state !== 'DISCONNECTED') return;
    this.link(this.master);
    if (this.agentId === undefined) {
      this.send(this.master, 'register_agent', registerMessage(this.agentInfo(), this.reservations.checkpointed.toJSON()));
    } else {
      const executors: ExecutorInfo[] = [];
      const tasks = [];
      const frameworks: FrameworkInfo[] = [];
      for (const fw of this.frameworks.values()) {
        frameworks.push(fw.info);
        for (const ex of fw.executors.values()) {
          if (!ex.command) executors.push(ex.info);
          for (const t of executorTasks(ex, this.agentId)) {
            // The update the agent is delivering (the head of the task's stream), as Mesos reports it: a master
            // must not answer a reconciliation with a terminal state while older updates are still on their way.
            const head = this.sum.stream(fw.id, t.task_id.value)?.head;
            if (head !== undefined) {
              t.status_update_state = head.status.state;
              if (head.uuid !== undefined) t.status_update_uuid = head.uuid;
            }
            tasks.push(t);
          }
        }
      }
      this.send(this.master, 'reregister_agent', reregisterMessage(this.agentInfo(), executors, tasks, frameworks, this.reservations.checkpointed.toJSON()));
    }
    this.#regTimer = this.delay(this.#backoff.next(), () => {
      this.#nextMaster(); // not answered: perhaps not the leader, or gone
      this.#doRegistration();
    });
  }

  #registered(agentId: string, re: boolean, from: PID, pingTimeoutSeconds?: number, maxMissedPings?: number): void {
    if (!from.equals(this.master)) {
      this.logger.warn(`ignoring ${re ? 'agent_reregistered' : 'agent_registered'} from ${from}, which is not the master ${this.master}`);
      return;
    }
    if (this.state === 'TERMINATING' || this.state === 'RECOVERING') return;
    if (this.agentId !== undefined && this.agentId !== agentId) {
      // Mesos: a master that changed our id means we are a different agent now; refuse.
      this.logger.warn(`the master ${re ? 're' : ''}registered this agent as ${agentId}, but it is ${this.agentId}; shutting down`);
      this.shutdown(`registered with a different agent id ${agentId}`);
      return;
    }
    if (this.state === 'RUNNING') return; // a duplicate answer to a retry
    if (this.agentId === undefined) {
      this.agentId = agentId;
      writeJSONAtomic(agentInfoPath(this.flags.work_dir, agentId), this.agentInfo(), this.flags.fsync, this.disk);
      writeAtomic(latestAgentPath(this.flags.work_dir), agentId + '\n', this.flags.fsync, this.disk);
    }
    this.state = 'RUNNING';
    this.registrations++;
    this.#regTimer?.cancel();
    this.#regTimer = undefined;
    this.link(this.master);
    if (pingTimeoutSeconds !== undefined && maxMissedPings !== undefined) this.pingWatchdogMs = pingTimeoutSeconds * 1000 * maxMissedPings;
    this.#resetPingWatchdog();
    this.logger.info(`${re ? 're-registered' : 'registered'} with ${this.master} as ${agentId}`);
    this.sum.resume();
  }

  /** False for a message of a master of an older term than one already heard (an old leader that has not stepped down yet). */
  #fresh(term: number | undefined, from: PID): boolean {
    if (term === undefined) return true;
    if (typeof term !== 'number' || term < this.#masterTerm) {
      this.logger.warn(`ignoring a message of ${from}, a master of term ${String(term)}: the leader's term is at least ${this.#masterTerm}`);
      return false;
    }
    this.#masterTerm = term;
    return true;
  }

  /** The master we talk to does not lead: go to the leader it names, or on to the next master. */
  #notLeader(b: FromNonLeader['not_leader'], from: PID): void {
    if (!from.equals(this.master) || this.state === 'TERMINATING' || this.state === 'RECOVERING') return;
    let leader: string | undefined;
    if (typeof b?.leader === 'string') {
      try {
        leader = masterPidTexts(b.leader)[0];
      } catch {
        this.logger.warn(`${from} named a bad leader ${JSON.stringify(b.leader)}; ignoring it`);
      }
    }
    this.logger.info(`${from} does not lead; ${leader !== undefined ? `the leader is ${leader}` : 'no leader known yet'}`);
    if (this.state === 'RUNNING') this.#masterLost('the master does not lead any more');
    if (leader === undefined || leader === this.master.toString()) return; // the registration retries go on
    this.master = PID.parse<AgentToMaster>(leader);
    this.#regTimer?.cancel();
    this.#regTimer = this.delay(this.#backoff.first(), () => this.#doRegistration());
  }

  /** With several masters: the next one in the list (a registration that was not answered). */
  #nextMaster(): void {
    if (this.masters.length < 2) return;
    const i = this.masters.indexOf(this.master.toString());
    this.master = PID.parse<AgentToMaster>(this.masters[(i + 1) % this.masters.length]!);
  }

  #ping(b: MasterToAgent['ping'], from: PID): void {
    if (!from.equals(this.master)) return;
    if (this.state === 'RUNNING' && !b.connected) {
      this.logger.warn('the master considers this agent disconnected; re-registering');
      this.#masterLost('the master says this agent is not connected');
    } else if (this.state === 'RUNNING') {
      this.#resetPingWatchdog();
    }
    this.send(this.master, 'pong', b.seq !== undefined ? { seq: b.seq } : {});
  }

  /**
   * A registration answered by another of our masters than the one this agent is trying now (its retry timer moved
   * it on before the answer came): that master leads and has admitted the agent, so the agent talks to it from now
   * on, as Mesos's agent follows the leader its detector names. Otherwise the agent would drop the answer and the
   * tasks the leader launches on it next, and register again later: the leader keeps the id and the tasks it had
   * launched stay TASK_STAGING for good (sim seed 42 after losses reset connections). Only while registering, from
   * a master of its list over an authenticated connection (when it authenticates), and not of an older term.
   */
  #answeredByOther(name: string, body: unknown, from: PID): void {
    if (name !== 'agent_registered' && name !== 'agent_reregistered') return;
    if (this.state !== 'DISCONNECTED' || from.equals(this.master) || !this.masters.includes(from.toString())) return;
    if (this.runtime.principal !== undefined && this.principalOf(from) === undefined) return;
    const term = (body as { term?: unknown } | null)?.term;
    if (term !== undefined && (typeof term !== 'number' || term < this.#masterTerm)) return;
    this.logger.info(`${from} answered the registration sent to it before ${this.master}: following it`);
    this.master = from as PID<AgentToMaster>;
  }

  /**
   * A ping from one of our masters other than the one this agent talks to now (it is trying the others while that
   * one still has it registered): answered, and nothing more, as Mesos's agent answers every ping. Without the
   * pong, the master that has it counts missed pings and marks it unreachable just after it re-registers there
   * (sim seed 904 at cf69fad: the agent's tasks launched in between went UNREACHABLE and came back).
   */
  #pingFromOther(b: MasterToAgent['ping'], from: PID): void {
    if (!this.masters.includes(from.toString())) return;
    if (this.runtime.principal !== undefined && this.principalOf(from) === undefined) return;
    this.send(from as PID<AgentToMaster>, 'pong', b.seq !== undefined ? { seq: b.seq } : {});
  }

  #resetPingWatchdog(): void {
    this.#pingTimer?.cancel();
    this.#pingTimer = this.delay(this.pingWatchdogMs, () => {
      this.#pingTimer = undefined;
      if (this.state !== 'RUNNING') return;
      this.logger.warn(`no ping from the master in ${this.pingWatchdogMs} ms; re-registering`);
      this.#masterLost('no pings from the master');
    });
  }

  #masterLost(why: string): void {
    if (this.state !== 'RUNNING') return; // already (re)registering, recovering or terminating
    this.logger.warn(`master ${this.master} lost (${why})`);
    this.state = 'DISCONNECTED';
    this.#nextMaster();
    this.#pingTimer?.cancel();
    this.sum.pause();
    this.#startRegistration();
  }

  // ------------------------------------------------------------------ frameworks

  #framework(frameworkId: string, info: FrameworkInfo, pid: string | undefined): FrameworkRecord {
    let fw = this.frameworks.get(frameworkId);
    if (!fw) {
      fw = { id: frameworkId, info: { ...info, id: { value: frameworkId } }, executors: new Map(), completedExecutors: [] };
      if (pid !== undefined) fw.pid = pid;
      this.frameworks.set(frameworkId, fw);
      const i = this.completedFrameworks.findIndex((f) => f.id === frameworkId);
      if (i >= 0) this.completedFrameworks.splice(i, 1);
      this.#checkpointFramework(fw);
    } else if (pid !== undefined && pid !== fw.pid) {
      fw.pid = pid;
      this.#checkpointFramework(fw);
    }
    return fw;
  }

  #checkpointFramework(fw: FrameworkRecord): void {
    if (!checkpointing(fw) || !this.agentId) return;
    writeJSONAtomic(frameworkInfoPath(this.flags.work_dir, this.agentId, fw.id), { info: fw.info, ...(fw.pid !== undefined ? { pid: fw.pid } : {}) }, this.flags.fsync, this.disk);
  }

  #checkpointExecutor(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (!checkpointing(fw) || !this.agentId) return;
    const w = this.flags.work_dir;
    writeJSONAtomic(executorInfoPath(w, this.agentId, fw.id, ex.id), { info: ex.info, command: ex.command }, this.flags.fsync, this.disk);
    this.#checkpointRun(fw, ex);
  }

  #checkpointRun(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (!checkpointing(fw) || !this.agentId) return;
    const run: RunInfo = { containerId: ex.containerId, directory: ex.directory };
    if (ex.pid) run.pid = ex.pid.toString();
    writeJSONAtomic(runInfoPath(this.flags.work_dir, this.agentId, fw.id, ex.id, ex.containerId), run, this.flags.fsync, this.disk);
  }

  #checkpointTask(fw: FrameworkRecord, ex: ExecutorRecord, task: TaskInfo): void {
    if (!checkpointing(fw) || !this.agentId) return;
    writeJSONAtomic(taskInfoPath(this.flags.work_dir, this.agentId, fw.id, ex.id, ex.containerId, task.task_id.value), task, this.flags.fsync, this.disk);
  }

  // ------------------------------------------------------------------ run_task

  /** Mesos's Slave::runTask: a command task runs under the agent itself; otherwise its executor is launched or reused. */
  runTask(framework: FrameworkInfo, frameworkId: string, task: TaskInfo, pid?: string, executor?: ExecutorInfo): void {
    if (this.agentId === undefined || this.state === 'TERMINATING' || this.state === 'RECOVERING') {
      this.logger.warn(`ignoring run_task ${task.task_id.value}: the agent is ${this.state}`);
      return;
    }
    const fw = this.#framework(frameworkId, framework, pid);
    if (this.#findTask(fw, task.task_id.value)) {
      this.logger.warn(`ignoring run_task ${task.task_id.value} of ${frameworkId}: a task with that id is already on this agent`);
      return;
    }
    const execInfo = executor ?? task.executor;
    if (execInfo) return this.#runOnExecutor(fw, { ...execInfo, framework_id: { value: frameworkId } }, task);
    const container = containerSpecOf(task.container);
    const problem = container.error ?? (task.command ? commandError(task.command, container.spec?.image !== undefined) : 'the task has neither a command nor an executor') ?? maxCompletionTimeError(task);
    const health = task.health_check ? healthCheckError(task.health_check) : undefined;
    if (problem || health) {
      this.#agentUpdate(fw, task.task_id.value, task.task_id, 'TASK_ERROR', 'REASON_TASK_INVALID', `Invalid task: ${problem ?? health}`);
      return;
    }
    this.#runCommandTask(fw, task);
  }

  #findTask(fw: FrameworkRecord, taskId: string): { ex: ExecutorRecord; rec?: TaskRecord; queued?: TaskInfo } | undefined {
    for (const ex of fw.executors.values()) {
      const rec = ex.tasks.get(taskId);
      if (rec) return { ex, rec };
      const q = ex.queued.get(taskId);
      if (q) return { ex, queued: q };
    }
    return undefined;
  }

  #newExecutor(fw: FrameworkRecord, info: ExecutorInfo, command: boolean, resources: TaskInfo['resources']): ExecutorRecord {
    const containerId = uuidString(() => this.random.float());
    const ids = { agentId: this.agentId!, frameworkId: fw.id, executorId: info.executor_id.value, containerId };
    const ex: ExecutorRecord = {
      id: info.executor_id.value,
      frameworkId: fw.id,
      info,
      command,
      containerId,
      directory: sandboxPath(this.flags.work_dir, ids),
      state: 'REGISTERING',
      limits: limitsOf([...(info.resources ?? []), ...(resources ?? [])]),
      queued: new Map(),
      tasks: new Map(),
      completed: [],
      launchedAt: this.clock.now(),
    };
    fw.executors.set(ex.id, ex);
    return ex;
  }

  // ------------------------------------------------------------------ the command executor

  #runCommandTask(fw: FrameworkRecord, task: TaskInfo): void {
    const exId = task.task_id.value;
    const info: ExecutorInfo = {
      executor_id: { value: exId },
      framework_id: { value: fw.id },
      name: `Command Executor (Task: ${exId})`,
      command: task.command!,
      resources: task.resources ?? [],
    };
    const ex = this.#newExecutor(fw, info, true, []);
    const rec = newTaskRecord(task, fw.id, ex.id, this.agentId!);
    ex.tasks.set(exId, rec);
    const checkpointed = this.#checkpointCommandTask(fw, ex, task);
    const config: ContainerConfig = {
      containerId: ex.containerId,
      sandbox: ex.directory,
      agentId: this.agentId!,
      frameworkId: fw.id,
      executorId: ex.id,
      taskId: exId,
      command: commandSpec(task.command!),
      limits: ex.limits,
      agentEnvironment: executorEnvironment(this, fw, ex),
    };
    const container = containerSpecOf(task.container).spec;
    if (container) config.container = container;
    const user = taskUser(this.flags.switch_user, this.#isRoot, task.command!.user, fw.info.user);
    if (user !== undefined) config.user = user;
    this.#launch(fw, ex, config, (c) => this.#commandLaunched(fw, ex, rec, c), checkpointed);
  }

  /**
   * A command task's executor.info, run.info and task.info, written off the
   * event loop (fsync'ed in libuv's thread pool) while other tasks launch;
   * the container is launched only once they are on disk.
   */
  #checkpointCommandTask(fw: FrameworkRecord, ex: ExecutorRecord, task: TaskInfo): Promise<unknown> {
    if (!checkpointing(fw) || !this.agentId) return Promise.resolve();
    const w = this.flags.work_dir;
    const run: RunInfo = { containerId: ex.containerId, directory: ex.directory };
    return Promise.all([
      writeJSONAtomicAsync(executorInfoPath(w, this.agentId, fw.id, ex.id), { info: ex.info, command: ex.command }, this.flags.fsync, this.disk),
      writeJSONAtomicAsync(runInfoPath(w, this.agentId, fw.id, ex.id, ex.containerId), run, this.flags.fsync, this.disk),
      writeJSONAtomicAsync(taskInfoPath(w, this.agentId, fw.id, ex.id, ex.containerId, task.task_id.value), task, this.flags.fsync, this.disk),
    ]);
  }

  /** Creates the sandbox and launches; `then` runs inside the process, a failure fails the executor's tasks. */
  #launch(fw: FrameworkRecord, ex: ExecutorRecord, config: ContainerConfig, then: (c: ContainerHandle) => void, checkpointed: Promise<unknown> = Promise.resolve()): void {
    const ok = this.defer(then);
    const failed = this.defer((e: Error) => this.#launchFailed(fw, ex, e));
    Promise.all([checkpointed, this.disk.createSandbox(this.flags.work_dir, { agentId: this.agentId!, frameworkId: fw.id, executorId: ex.id, containerId: ex.containerId })])
      .then(() => this.#fetchUris(ex, config))
      .then(() => this.volumes.attach(config, [...(ex.info.resources ?? []), ...[...ex.queued.values()].flatMap((t) => t.resources ?? [])]))
      .then((attached) => this.cz.launch(attached))
      .then(ok, failed);
  }

  /** The executor's (a command task's) URIs into its sandbox, bounded by --executor_registration_timeout. */
  #fetchUris(ex: ExecutorRecord, config: ContainerConfig): Promise<void> {
    const timeout = { ms: this.flags.executor_registration_timeout, text: formatDuration(this.flags.executor_registration_timeout), delay: (ms: number, fn: () => void) => this.delay(ms, fn) };
    const f = fetchForLaunch(this.fetcher, ex.info.command?.uris, { sandbox: config.sandbox, user: config.user }, timeout);
    this.#fetches.set(ex, f);
    return f.done.finally(() => this.#fetches.delete(ex));
  }

  /** The persistent volumes live tasks and executors hold (their data is never removed). */
  #volumesInUse(): Set<string> {
    const held: (readonly Resource[])[] = [];
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        if (ex.state !== 'TERMINATED') held.push(ex.info.resources ?? []);
        for (const t of ex.queued.values()) held.push(t.resources ?? []);
        for (const r of ex.tasks.values()) if (!isTerminal(r.task.state)) held.push(r.info.resources ?? []);
      }
    }
    return volumeKeys(held);
  }

  #launchFailed(fw: FrameworkRecord, ex: ExecutorRecord, e: Error): void {
    this.logger.warn(`launching executor ${ex.id} of ${fw.id} failed: ${e.message}`);
    ex.state = 'TERMINATED';
    ex.registrationTimer?.cancel();
    const termination: ContainerTermination = { containerId: ex.containerId, status: null, killed: false, message: e.message };
    ex.termination = termination;
    for (const info of ex.queued.values()) ex.tasks.set(info.task_id.value, newTaskRecord(info, fw.id, ex.id, this.agentId!));
    ex.queued.clear();
    for (const rec of ex.tasks.values()) {
      if (isTerminal(rec.task.state)) continue;
      this.#agentUpdate(fw, ex.id, rec.info.task_id, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to launch container: ${e.message}`);
    }
    if (!ex.command) this.#sendExitedExecutor(fw, ex, undefined);
    this.#maybeCompleteExecutor(fw, ex);
  }

  #commandLaunched(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, c: ContainerHandle): void {
    ex.container = c;
    c.wait()
      .then(async (t) => ({ t, tail: await this.disk.stderrTail(ex.directory) }))
      .then(this.defer(({ t, tail }: { t: ContainerTermination; tail: string }) => this.#commandTerminated(fw, ex, rec, t, tail)))
      .catch((err: unknown) => this.logger.warn(`waiting on the container of task ${rec.task.task_id.value}: ${(err as Error).message}`));
    if (ex.state === 'TERMINATING' || rec.killRequested) {
      void this.destroyContainer(c, `task ${rec.task.task_id.value}`);
      return;
    }
    ex.state = 'RUNNING';
    ex.launchedAt = this.clock.now();
    this.#executorUpdate(fw, ex, rec, 'TASK_STARTING');
    this.#executorUpdate(fw, ex, rec, 'TASK_RUNNING', { container_status: { container_id: { value: ex.containerId } }, ...this.volumes.message(ex.containerId) });
    this.#startHealthChecks(fw, ex, rec);
    this.#armCompletionTime(ex, rec, this.clock.now());
  }

  /** max_completion_time (completion-time.ts): the task is killed at once when it has run that long since `launchedAt`. */
  #armCompletionTime(ex: ExecutorRecord, rec: TaskRecord, launchedAt: number): void {
    const ms = maxCompletionMs(rec.info);
    if (ms === undefined) return;
    rec.completionTimer = this.delay(Math.max(0, launchedAt + ms - this.clock.now()), () => {
      if (isTerminal(rec.task.state) || rec.killRequested || !ex.container) return;
      this.logger.info(`task ${rec.info.task_id.value} exceeded its maximum completion time of ${ms} ms; killing it`);
      rec.killedByCompletionTime = true;
      rec.health?.stop();
      void ex.container.kill({ gracePeriodMs: 0 }).catch((e: Error) => this.logger.warn(`kill of ${ex.containerId} failed: ${e.message}`));
    });
  }

  #startHealthChecks(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord): void {
    const check = rec.info.health_check;
    if (!check) return;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, { MESOS_SANDBOX: ex.directory, MESOS_TASK_ID: rec.info.task_id.value }, commandSpec(rec.info.command ?? {}).environment ?? {});
    rec.health = new HealthChecker(
      check,
      { delay: (ms, fn) => this.delay(ms, fn), defer: (fn) => this.defer(fn), now: () => this.clock.now(), env, cwd: ex.directory },
      (r) => {
        if (isTerminal(rec.task.state) || rec.killRequested) return;
        this.#executorUpdate(fw, ex, rec, 'TASK_RUNNING', { healthy: r.healthy, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', message: r.message });
        if (r.kill) {
          this.logger.warn(`task ${rec.info.task_id.value} failed ${r.consecutiveFailures} health checks in a row; killing it`);
          rec.killedByHealth = true;
          this.#killCommandTask(fw, ex, rec);
        }
      },
    );
    rec.health.start();
  }

  #commandTerminated(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, t: ContainerTermination, tail: string): void {
    rec.health?.stop();
    rec.completionTimer?.cancel();
    ex.termination = t;
    ex.state = 'TERMINATED';
    this.count('slave/executors_terminated');
    if (!isTerminal(rec.task.state)) {
      const s = rec.killedByCompletionTime && !rec.killRequested ? completionTimeStatus(maxCompletionMs(rec.info) ?? 0) : terminalStatus(t, rec.killRequested === true, tail);
      const extra: Partial<TaskStatus> = {};
      if (s.reason) extra.reason = s.reason;
      if (rec.killedByHealth) {
        extra.healthy = false;
        extra.reason = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';
      }
      this.#executorUpdate(fw, ex, rec, s.state, { message: s.message, ...extra });
    }
    this.#maybeCompleteExecutor(fw, ex);
  }

  #killCommandTask(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, requestPolicy?: TaskInfo['kill_policy']): void {
    if (rec.killRequested || isTerminal(rec.task.state)) return;
    rec.killRequested = true;
    rec.health?.stop();
    if (!ex.container) {
      // Still launching: the task is killed now; the container is destroyed once launched.
      ex.state = 'TERMINATING';
      this.#fetches.get(ex)?.abort('the task was killed while its URIs were fetched');
      this.#agentUpdate(fw, ex.id, rec.info.task_id, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before it was launched');
      return;
    }
    if (hasCapability(fw, 'TASK_KILLING_STATE')) this.#executorUpdate(fw, ex, rec, 'TASK_KILLING');
    void ex.container.kill({ gracePeriodMs: killGraceMs(rec.info.kill_policy, requestPolicy) }).catch((e: Error) => this.logger.warn(`kill of ${ex.containerId} failed: ${e.message}`));
  }

  // ------------------------------------------------------------------ custom executors

  #runOnExecutor(fw: FrameworkRecord, info: ExecutorInfo, task: TaskInfo): void {
    let ex = fw.executors.get(info.executor_id.value);
    if (ex && (ex.state === 'TERMINATING' || ex.state === 'TERMINATED')) {
      this.#agentUpdate(fw, ex.id, task.task_id, 'TASK_FAILED', 'REASON_EXECUTOR_TERMINATED', `Executor ${ex.id} is terminating`);
      return;
    }
    if (!ex) {
      const problem = containerSpecOf(info.container).error ?? (info.command?.value || info.container?.mesos?.image ? undefined : 'it has no command');
      if (problem) {
        this.#agentUpdate(fw, info.executor_id.value, task.task_id, 'TASK_ERROR', 'REASON_TASK_INVALID', `Invalid executor: ${problem}`);
        return;
      }
      ex = this.#launchExecutor(fw, info);
    }
    if (this.#reachable(ex)) {
      this.#sendTaskToExecutor(fw, ex, task);
    } else {
      ex.queued.set(task.task_id.value, task);
      this.#checkpointTask(fw, ex, task);
    }
  }

  #launchExecutor(fw: FrameworkRecord, info: ExecutorInfo, builtIn?: { command: CommandInfo; resources: TaskInfo['resources'] }): ExecutorRecord {
    const ex = this.#newExecutor(fw, info, false, builtIn?.resources ?? []);
    this.#checkpointExecutor(fw, ex);
    const config: ContainerConfig = {
      containerId: ex.containerId,
      sandbox: ex.directory,
      agentId: this.agentId!,
      frameworkId: fw.id,
      executorId: ex.id,
      command: commandSpec(builtIn?.command ?? info.command ?? { shell: false }),
      limits: ex.limits,
      agentEnvironment: executorEnvironment(this, fw, ex),
    };
    // The default executor runs on the agent's host (its program is there); the master refuses an image for it.
    const container = builtIn === undefined ? containerSpecOf(info.container).spec : undefined;
    if (container) config.container = container;
    const user = taskUser(this.flags.switch_user, this.#isRoot, info.command?.user, fw.info.user);
    if (user !== undefined) config.user = user;
    ex.registrationTimer = this.delay(this.flags.executor_registration_timeout, () => {
      if (ex.state !== 'REGISTERING') return;
      this.logger.warn(`executor ${ex.id} of ${fw.id} did not register within ${this.flags.executor_registration_timeout} ms; destroying it`);
      this.#terminateExecutor(fw, ex, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', 'Executor did not register in time');
    });
    this.#launch(fw, ex, config, (c) => {
      ex.container = c;
      c.wait()
        .then(this.defer((t: ContainerTermination) => this.#executorTerminated(fw, ex, t)))
        .catch((err: unknown) => this.logger.warn(`waiting on the container of executor ${ex.id}: ${(err as Error).message}`));
      if (ex.state === 'TERMINATING') void this.destroyContainer(c, `executor ${ex.id}`);
    });
    return ex;
  }

  #failReason = new WeakMap<ExecutorRecord, { reason: TaskStatusReason; message: string }>();

  /** Destroys an executor's container; its tasks fail with `reason` when it exits. */
  #terminateExecutor(fw: FrameworkRecord, ex: ExecutorRecord, reason: TaskStatusReason, message: string): void {
    if (ex.state === 'TERMINATED') return;
    this.#failReason.set(ex, { reason, message });
    ex.state = 'TERMINATING';
    ex.registrationTimer?.cancel();
    if (ex.container) void this.destroyContainer(ex.container, `executor ${ex.id}`);
  }

  #sendTaskToExecutor(fw: FrameworkRecord, ex: ExecutorRecord, task: TaskInfo): void {
    const rec = newTaskRecord(task, fw.id, ex.id, this.agentId!);
    ex.tasks.set(task.task_id.value, rec);
    this.#checkpointTask(fw, ex, task);
    this.sendToExecutor(ex, 'run_task', { framework_id: { value: fw.id }, framework: fw.info, task });
  }

  /**
   * Mesos's Slave::runTaskGroup: the tasks of a group go to their custom
   * executor together, as one LAUNCH_GROUP event. Only an executor
   * subscribed over the v1 HTTP API can take them (the driver has no task
   * groups). An executor of type DEFAULT without a command is the agent's
   * default executor (default-executor/), which runs each task in a nested
   * container; its container's limits are its own resources plus its first
   * group's tasks' (each task also has its own).
   */
  runTaskGroup(framework: FrameworkInfo, executor: ExecutorInfo, group: TaskGroupInfo): void {
    const frameworkId = framework.id?.value ?? executor.framework_id?.value;
    if (frameworkId === undefined || this.agentId === undefined || this.state === 'TERMINATING' || this.state === 'RECOVERING') {
      this.logger.warn(`ignoring run_task_group of ${group.tasks.length} task(s): ${frameworkId === undefined ? 'no framework id' : `the agent is ${this.state}`}`);
      return;
    }
    const fw = this.#framework(frameworkId, framework, undefined);
    const executorId = executor.executor_id.value;
    const fail = (state: TaskState, reason: TaskStatusReason, why: string): void => {
      for (const t of group.tasks) this.#agentUpdate(fw, executorId, t.task_id, state, reason, why);
    };
    if (group.tasks.length === 0) return;
    const duplicate = group.tasks.find((t) => this.#findTask(fw, t.task_id.value));
    if (duplicate) return this.logger.warn(`ignoring run_task_group of ${frameworkId}: task ${duplicate.task_id.value} is already on this agent`);
    // A DEFAULT executor is the agent's own program (default-executor/); its ExecutorInfo stays as the framework gave it.
    const builtIn = executor.type === 'DEFAULT' && executor.command === undefined ? defaultExecutorLaunch(group) : undefined;
    if (builtIn instanceof Error) return fail('TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Cannot launch the default executor: ${builtIn.message}`);
    if (builtIn === undefined && !executor.command?.value) return fail('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', 'Invalid task group: its executor has no command and is not of type DEFAULT');
    let ex = fw.executors.get(executorId);
    if (ex && (ex.state === 'TERMINATING' || ex.state === 'TERMINATED')) return fail('TASK_FAILED', 'REASON_EXECUTOR_TERMINATED', `Executor ${executorId} is terminating`);
    if (ex && ex.command) return fail('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Invalid task group: ${executorId} is the id of a command task's executor`);
    if (ex && ex.pid !== undefined && ex.http === undefined) return fail('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Task groups need an executor subscribed over the v1 HTTP API; ${executorId} uses the driver`);
    ex ??= this.#launchExecutor(fw, { ...executor, framework_id: { value: frameworkId } }, builtIn);
    if (this.#reachable(ex)) return this.#sendGroupToExecutor(fw, ex, group.tasks);
    for (const t of group.tasks) {
      ex.queued.set(t.task_id.value, t);
      this.#checkpointTask(fw, ex, t);
    }
    (ex.queuedGroups ??= []).push(group.tasks.map((t) => t.task_id.value));
  }

  #sendGroupToExecutor(fw: FrameworkRecord, ex: ExecutorRecord, tasks: readonly TaskInfo[]): void {
    for (const t of tasks) {
      ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.agentId!));
      this.#checkpointTask(fw, ex, t);
    }
    this.sendToExecutor(ex, 'run_task_group', { framework: fw.info, executor: ex.info, task_group: { tasks: [...tasks] } });
  }

  /** The tasks that waited for the executor: groups as LAUNCH_GROUP (HTTP executors only), the others one by one. */
  #flushQueued(fw: FrameworkRecord, ex: ExecutorRecord): void {
    const groups = ex.queuedGroups ?? [];
    delete ex.queuedGroups;
    for (const ids of groups) {
      const tasks = ids.flatMap((id) => ex.queued.get(id) ?? []); // a task killed meanwhile has left the queue
      for (const id of ids) ex.queued.delete(id);
      if (tasks.length === 0) continue;
      if (ex.http !== undefined) {
        this.#sendGroupToExecutor(fw, ex, tasks);
        continue;
      }
      for (const t of tasks) {
        ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.agentId!));
        this.#agentUpdate(fw, ex.id, t.task_id, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Task groups need an executor subscribed over the v1 HTTP API; ${ex.id} registered with the driver`);
      }
    }
    const queued = [...ex.queued.values()];
    ex.queued.clear();
    for (const t of queued) this.#sendTaskToExecutor(fw, ex, t);
  }

  /** The agent can send to this executor: it registered (a PID) or is subscribed (an open HTTP stream). */
  #reachable(ex: ExecutorRecord): boolean {
    return ex.state === 'RUNNING' && (ex.http !== undefined ? !ex.http.closed : ex.pid !== undefined);
  }

  /** A message to a custom executor: over libprocess to its PID, or as an event on its HTTP stream. */
  sendToExecutor<N extends keyof AgentToExecutor & string>(ex: ExecutorRecord, name: N, body: AgentToExecutor[N]): void {
    if (ex.http !== undefined) ex.http.send(name, body);
    else if (ex.pid !== undefined) this.send(ex.pid, name, body);
  }

  /** Bumps a counter of /metrics/snapshot. */
  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Opaque bytes from an executor to its scheduler (driver message or v1 MESSAGE call), through the master. */
  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    if (!this.agentId) return;
    this.send(this.master, 'executor_to_framework', { agent_id: { value: this.agentId }, framework_id: { value: frameworkId }, executor_id: { value: executorId }, data });
  }

  /**
   * A SUBSCRIBE call of the v1 executor API, already checked by
   * http-executor.ts (Mesos's Slave::subscribe): the first subscription of a
   * launched executor, or a resubscription (after its connection broke, or
   * after an agent restart) carrying the tasks and updates the executor
   * holds unacknowledged. SUBSCRIBED goes out first, then the replayed
   * updates are handled (each ACKNOWLEDGED), then the queued tasks launch.
   */
  subscribeHttpExecutor(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel, unackedTasks: readonly TaskInfo[], unackedUpdates: readonly TaskStatus[]): void {
    if (ex.command || this.agentId === undefined || ex.state === 'TERMINATING' || ex.state === 'TERMINATED') {
      this.logger.warn(`executor ${ex.id} of ${fw.id} subscribed while ${ex.state}; asking it to shut down`);
      channel.send('shutdown', {});
      channel.close();
      return;
    }
    const resubscribe = ex.state === 'RUNNING' || ex.recovered === true;
    if (ex.http !== undefined && ex.http !== channel) ex.http.close();
    ex.http = channel;
    delete ex.pid;
    ex.state = 'RUNNING';
    ex.registrationTimer?.cancel();
    this.#checkpointRun(fw, ex);
    channel.send('registered', { executor_info: ex.info, framework_id: { value: fw.id }, framework_info: fw.info, agent_id: { value: this.agentId }, agent_info: this.agentInfo() });
    if (resubscribe) {
      const held = new Set(unackedTasks.map((t) => t.task_id.value));
      for (const t of unackedTasks) {
        if (!ex.tasks.has(t.task_id.value) && !ex.queued.has(t.task_id.value)) ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.agentId));
      }
      // Sent to the executor but never seen by it (still staging, not held): lost on the way.
      for (const rec of [...ex.tasks.values()]) {
        if (rec.task.state !== 'TASK_STAGING' || held.has(rec.info.task_id.value) || unackedUpdates.some((u) => u.task_id.value === rec.info.task_id.value)) continue;
        const state: TaskState = hasCapability(fw, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
        this.#agentUpdate(fw, ex.id, rec.info.task_id, state, ex.recovered ? 'REASON_AGENT_RESTARTED' : 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'Task was not received by the executor before it resubscribed');
      }
      for (const status of unackedUpdates) this.httpExecutorUpdate(fw, ex, status);
    }
    this.#flushQueued(fw, ex);
  }

  /** An UPDATE call of the v1 executor API (validated by http-executor.ts: a uuid, source SOURCE_EXECUTOR, not TASK_STAGING). */
  httpExecutorUpdate(fw: FrameworkRecord, ex: ExecutorRecord, status: TaskStatus): void {
    const update: StatusUpdate = { framework_id: { value: fw.id }, executor_id: { value: ex.id }, status, timestamp: status.timestamp ?? this.clock.now() / 1000 };
    if (status.uuid !== undefined) update.uuid = status.uuid;
    this.#executorStatusUpdate(update, undefined);
  }

  /** The HTTP stream of a subscribed executor closed: it may subscribe again; meanwhile new tasks wait in its queue. */
  httpExecutorDisconnected(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel): void {
    if (ex.http !== channel) return;
    if (ex.state !== 'RUNNING' && ex.state !== 'TERMINATING') return;
    // An executor whose tasks all ended closes it as it exits: not worth a warning.
    const idle = [...ex.tasks.values()].every((r) => isTerminal(r.task.state)) && ex.queued.size === 0;
    (idle ? this.logger.info : this.logger.warn).call(this.logger, `executor ${ex.id} of framework ${fw.id} closed its HTTP connection`);
  }

  /** Whether `ex` may report on task `taskId`: only tasks the agent gave it (or it holds after a resubscription). */
  executorOwns(ex: ExecutorRecord, taskId: string): boolean {
    return ex.tasks.has(taskId);
  }

  /** Why an actor executor's (re)registration is refused by its token, or undefined (executor-token.ts). */
  #tokenRefused(fw: FrameworkRecord, ex: ExecutorRecord, token: string | undefined, from: PID): string | undefined {
    if (!this.flags.authenticate_http_executors) return undefined;
    const refused = this.executorTokens.refuse(token, { fid: fw.id, eid: ex.id, cid: ex.containerId });
    if (refused === undefined) return undefined;
    this.count('slave/executor_authentication_failures');
    this.logger.warn(`executor registration from ${from} as ${ex.id} of ${fw.id} refused: ${refused.error}`);
    return refused.error;
  }

  #executorRegister(frameworkId: string, executorId: string, token: string | undefined, from: PID<AgentToExecutor>): void {
    const fw = this.frameworks.get(frameworkId);
    const ex = fw?.executors.get(executorId);
    if (!fw || !ex || ex.command || ex.state !== 'REGISTERING' || this.agentId === undefined) {
      this.logger.warn(`executor ${executorId} of ${frameworkId} at ${from} registered unexpectedly (state ${ex?.state ?? 'unknown'}); asking it to shut down`);
      this.send(from, 'shutdown', {});
      return;
    }
    // Refused without a shutdown: the sender is not the executor, which may still register.
    if (this.#tokenRefused(fw, ex, token, from) !== undefined) return;
    ex.pid = from;
    ex.state = 'RUNNING';
    ex.registrationTimer?.cancel();
    this.link(from);
    this.#checkpointRun(fw, ex);
    this.send(from, 'registered', { executor_info: ex.info, framework_id: { value: fw.id }, framework_info: fw.info, agent_id: { value: this.agentId }, agent_info: this.agentInfo() });
    this.#flushQueued(fw, ex);
  }

  #executorReregister(b: ExecutorToAgent['reregister'], from: PID<AgentToExecutor>): void {
    const fw = this.frameworks.get(b.framework_id.value);
    const ex = fw?.executors.get(b.executor_id.value);
    if (!fw || !ex || ex.command || this.agentId === undefined || ex.state === 'TERMINATING' || ex.state === 'TERMINATED') {
      this.send(from, 'shutdown', {});
      return;
    }
    if (this.#tokenRefused(fw, ex, b.token, from) !== undefined) return;
    ex.pid = from;
    ex.state = 'RUNNING';
    ex.registrationTimer?.cancel();
    this.link(from);
    this.#checkpointRun(fw, ex);
    for (const t of b.tasks) {
      if (!ex.tasks.has(t.task_id.value)) ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.agentId));
    }
    this.send(from, 'reregistered', { agent_id: { value: this.agentId }, agent_info: this.agentInfo() });
    for (const u of b.updates) this.#executorStatusUpdate(u, from);
  }

  #executorStatusUpdate(update: StatusUpdate, from: PID<AgentToExecutor> | undefined): void {
    const fw = this.frameworks.get(update.framework_id.value);
    const exId = update.executor_id?.value ?? update.status.executor_id?.value;
    const ex = exId !== undefined ? fw?.executors.get(exId) : undefined;
    if (!fw || !ex || this.agentId === undefined || !update.uuid) {
      this.count('slave/invalid_status_updates');
      this.logger.warn(`dropping a status update from ${from?.toString() ?? 'an HTTP executor'} for an unknown executor or without a uuid`);
      return;
    }
    // Over the actor path the sender must be the executor's registered process, reporting one of its own tasks.
    if (from !== undefined && (ex.pid === undefined || !ex.pid.equals(from))) {
      this.count('slave/invalid_status_updates');
      this.logger.warn(`dropping a status update from ${from} claiming to be executor ${ex.id} of ${fw.id} (registered as ${ex.pid?.toString() ?? 'nobody'})`);
      return;
    }
    if (!this.executorOwns(ex, update.status.task_id.value)) {
      this.count('slave/invalid_status_updates');
      this.logger.warn(`dropping a status update from executor ${ex.id} of ${fw.id} for task ${update.status.task_id.value}, which is not its own`);
      return;
    }
    this.count('slave/valid_status_updates');
    const status: TaskStatus = { ...update.status, agent_id: { value: this.agentId }, executor_id: { value: ex.id }, uuid: update.uuid };
    if (status.source === undefined) status.source = 'SOURCE_EXECUTOR';
    const u: StatusUpdate = { ...update, executor_id: { value: ex.id }, agent_id: { value: this.agentId }, status };
    const ack: AgentToExecutor['ack'] = { agent_id: { value: this.agentId }, framework_id: u.framework_id, task_id: status.task_id, uuid: update.uuid };
    // Acknowledged to the executor only once checkpointed: the executor then forgets the update, so a crash before
    // the record is on disk would lose it (Mesos's Slave::___statusUpdate acknowledges after the update manager).
    this.#handleUpdate(fw, ex, u, () => {
      if (from !== undefined) this.send(from, 'ack', ack);
      else this.sendToExecutor(ex, 'ack', ack);
    });
  }

  #executorTerminated(fw: FrameworkRecord, ex: ExecutorRecord, t: ContainerTermination): void {
    ex.termination = t;
    ex.state = 'TERMINATED';
    ex.http?.close();
    this.nested.destroyChildren(ex.containerId);
    this.count('slave/executors_terminated');
    ex.registrationTimer?.cancel();
    ex.shutdownTimer?.cancel();
    const given = this.#failReason.get(ex);
    const reason: TaskStatusReason = t.limitation?.reason ?? given?.reason ?? 'REASON_EXECUTOR_TERMINATED';
    const message = t.limitation?.message ?? `${given?.message ?? 'Executor terminated'}: ${t.message}`;
    for (const info of ex.queued.values()) ex.tasks.set(info.task_id.value, newTaskRecord(info, fw.id, ex.id, this.agentId!));
    ex.queued.clear();
    for (const rec of ex.tasks.values()) {
      if (isTerminal(rec.task.state)) continue;
      this.#agentUpdate(fw, ex.id, rec.info.task_id, 'TASK_FAILED', reason, message);
    }
    this.#sendExitedExecutor(fw, ex, t.status?.code ?? undefined);
    this.#maybeCompleteExecutor(fw, ex);
  }

  #sendExitedExecutor(fw: FrameworkRecord, ex: ExecutorRecord, status: number | undefined): void {
    if (this.agentId === undefined) return;
    const body: AgentToMaster['exited_executor'] = { agent_id: { value: this.agentId }, framework_id: { value: fw.id }, executor_id: { value: ex.id } };
    if (status !== undefined) body.status = status;
    this.send(this.master, 'exited_executor', body);
  }

  // ------------------------------------------------------------------ kill and shutdown

  killTask(frameworkId: string, taskId: TaskID, policy?: TaskInfo['kill_policy']): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) {
      this.logger.warn(`ignoring kill_task ${taskId.value}: no framework ${frameworkId} on this agent`);
      return;
    }
    const found = this.#findTask(fw, taskId.value);
    if (!found) {
      const done = [...fw.executors.values(), ...fw.completedExecutors].some((e) => e.completed.some((r) => r.info.task_id.value === taskId.value));
      if (done) return;
      const state: TaskState = hasCapability(fw, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      this.#agentUpdate(fw, taskId.value, taskId, state, 'REASON_TASK_UNKNOWN', 'Cannot kill a task unknown to this agent');
      return;
    }
    const { ex, rec, queued } = found;
    if (queued) {
      ex.queued.delete(taskId.value);
      const r = newTaskRecord(queued, fw.id, ex.id, this.agentId!);
      ex.tasks.set(taskId.value, r);
      this.#agentUpdate(fw, ex.id, taskId, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before the executor registered');
      return;
    }
    if (ex.command) return this.#killCommandTask(fw, ex, rec!, policy);
    if (this.#reachable(ex)) {
      const body: AgentToExecutor['kill_task'] = { framework_id: { value: fw.id }, task_id: taskId };
      if (policy) body.kill_policy = policy;
      this.sendToExecutor(ex, 'kill_task', body);
    }
  }

  /** Mesos's Slave::shutdownExecutor: a command task is killed; a custom executor is asked to shut down, then destroyed after the grace period. */
  shutdownExecutor(ex: ExecutorRecord): void {
    const fw = this.frameworks.get(ex.frameworkId);
    if (!fw || ex.state === 'TERMINATED' || ex.state === 'TERMINATING') return;
    if (ex.command) {
      for (const rec of ex.tasks.values()) this.#killCommandTask(fw, ex, rec);
      return;
    }
    const grace = ex.info.shutdown_grace_period ? ex.info.shutdown_grace_period.nanoseconds / 1e6 : this.flags.executor_shutdown_grace_period;
    if (this.#reachable(ex)) {
      this.sendToExecutor(ex, 'shutdown', { grace_period_seconds: grace / 1000 });
      ex.state = 'TERMINATING';
      this.#failReason.set(ex, { reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor shut down' });
      ex.shutdownTimer = this.delay(grace, () => {
        if (ex.state === 'TERMINATED') return;
        if (ex.container) void this.destroyContainer(ex.container, `executor ${ex.id}`);
      });
    } else {
      this.#terminateExecutor(fw, ex, 'REASON_EXECUTOR_TERMINATED', 'Executor shut down before it registered');
    }
  }

  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.logger.info(`shutting down framework ${frameworkId}`);
    fw.shutdown = true;
    for (const ex of [...fw.executors.values()]) this.shutdownExecutor(ex);
    // Executors already over that only waited for acknowledgements: none will come (Mesos's Slave::removeFramework).
    for (const ex of [...fw.executors.values()]) this.#maybeCompleteExecutor(fw, ex);
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
    this.#regTimer?.cancel();
    this.#pingTimer?.cancel();
    this.sum.pause();
    const waits: Promise<unknown>[] = [];
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        for (const t of ex.tasks.values()) t.health?.stop();
        if (this.#reachable(ex)) this.sendToExecutor(ex, 'shutdown', {});
        if (ex.container) waits.push(this.destroyContainer(ex.container, `executor ${ex.id}`));
      }
    }
    // Like Mesos, a shut-down agent does not recover its old self: a new start registers afresh.
    removeCheckpointDir(latestAgentPath(this.flags.work_dir), this.disk);
    void Promise.all(waits).then(this.defer(() => this.terminate()));
  }

  // ------------------------------------------------------------------ status updates

  /** An update the agent itself plays the executor for (source SOURCE_EXECUTOR). */
  #executorUpdate(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, state: TaskState, extra: Partial<TaskStatus> = {}): void {
    this.#update(fw, ex, rec.info.task_id, state, 'SOURCE_EXECUTOR', extra);
  }

  /** An update the agent generates (source SOURCE_AGENT). */
  #agentUpdate(fw: FrameworkRecord, executorId: string, taskId: TaskID, state: TaskState, reason: TaskStatusReason | undefined, message: string): void {
    const ex = fw.executors.get(executorId);
    const extra: Partial<TaskStatus> = { message };
    if (reason) extra.reason = reason;
    this.#update(fw, ex, taskId, state, 'SOURCE_AGENT', extra, executorId);
  }

  #update(fw: FrameworkRecord, ex: ExecutorRecord | undefined, taskId: TaskID, state: TaskState, source: TaskStatusSource, extra: Partial<TaskStatus>, executorId?: string): void {
    if (this.agentId === undefined) return;
    const uuid = uuidBytes(() => this.random.float());
    const exId = ex?.id ?? executorId;
    const status: TaskStatus = { task_id: taskId, state, source, agent_id: { value: this.agentId }, timestamp: this.clock.now() / 1000, uuid, ...extra };
    if (exId !== undefined) status.executor_id = { value: exId };
    const update: StatusUpdate = { framework_id: { value: fw.id }, agent_id: { value: this.agentId }, status, timestamp: status.timestamp!, uuid };
    if (exId !== undefined) update.executor_id = { value: exId };
    this.#handleUpdate(fw, ex, update);
  }

  /** Records the status in the task and hands the update to the status update manager (checkpointed first). */
  #handleUpdate(fw: FrameworkRecord, ex: ExecutorRecord | undefined, update: StatusUpdate, checkpointed?: () => void): void {
    const taskId = update.status.task_id.value;
    const rec = ex?.tasks.get(taskId);
    const wasTerminal = rec !== undefined && isTerminal(rec.task.state);
    if (rec && !isTerminal(rec.task.state)) recordStatus(rec, update.status);
    if (isTerminal(update.status.state) && !wasTerminal) this.count(`slave/${update.status.state.replace(/^TASK_/, 'tasks_').toLowerCase()}`);
    const path = ex && rec && checkpointing(fw) && this.agentId ? taskUpdatesPath(this.flags.work_dir, this.agentId, fw.id, ex.id, ex.containerId, taskId) : undefined;
    this.sum.update(update, path, checkpointed);
  }

  #forward(update: StatusUpdate): void {
    const fw = this.frameworks.get(update.framework_id.value);
    const exId = update.executor_id?.value;
    const rec = exId !== undefined ? fw?.executors.get(exId)?.tasks.get(update.status.task_id.value) : undefined;
    if (rec !== undefined) {
      // The update being delivered (Mesos's Slave::forward): what the task reports as its status update state.
      rec.task.status_update_state = update.status.state;
      if (update.uuid !== undefined) rec.task.status_update_uuid = update.uuid;
    }
    const u: StatusUpdate = { ...update, latest_state: rec?.task.state ?? update.status.state };
    this.send(this.master, 'status_update', { update: u, pid: this.pid.toString() });
  }

  #acknowledgement(frameworkId: string, taskId: string, uuid: Uint8Array): void {
    const { update, ended } = this.sum.acknowledge(frameworkId, taskId, uuid);
    if (!update) return; // unknown or duplicate
    const fw = this.frameworks.get(frameworkId);
    const ex = update.executor_id ? fw?.executors.get(update.executor_id.value) : undefined;
    const rec = ex?.tasks.get(taskId);
    if (rec) {
      rec.task.status_update_state = update.status.state;
      rec.task.status_update_uuid = uuid;
    }
    if (!ended || !fw || !ex || !rec) return;
    ex.tasks.delete(taskId);
    ex.completed.push(rec);
    if (ex.completed.length > 1000) ex.completed.shift();
    this.#maybeCompleteExecutor(fw, ex);
  }

  /** An executor whose container ended and whose tasks' terminal updates were all acknowledged is done. */
  #maybeCompleteExecutor(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (ex.state !== 'TERMINATED') return;
    for (const rec of ex.tasks.values()) {
      if (!isTerminal(rec.task.state)) return;
      if (this.sum.stream(fw.id, rec.info.task_id.value) && !fw.shutdown) return;
    }
    if (fw.shutdown) for (const rec of ex.tasks.values()) this.sum.cleanup(fw.id, rec.info.task_id.value);
    for (const rec of ex.tasks.values()) ex.completed.push(rec);
    ex.tasks.clear();
    if (fw.executors.get(ex.id) !== ex) return;
    fw.executors.delete(ex.id);
    fw.completedExecutors.push(ex);
    if (fw.completedExecutors.length > MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK) fw.completedExecutors.shift();
    void this.cz.forget(ex.containerId).catch((e: Error) => this.logger.warn(`forgetting container ${ex.containerId}: ${e.message}`));
    this.volumes.forget(ex.containerId);
    if (this.agentId) discardCheckpointDir(executorMetaDir(this.flags.work_dir, this.agentId, fw.id, ex.id), this.flags.work_dir, this.disk);
    this.#scheduleGc(ex.directory);
    if (fw.executors.size === 0) {
      this.frameworks.delete(fw.id);
      this.completedFrameworks.push(fw);
      if (this.completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) this.completedFrameworks.shift();
      if (this.agentId) discardCheckpointDir(frameworkMetaDir(this.flags.work_dir, this.agentId, fw.id), this.flags.work_dir, this.disk);
    }
  }

  /** Sandboxes scheduled for removal and not removed yet (`gc/path_removals_pending`). */
  gcPending = 0;

  #scheduleGc(directory: string): void {
    this.gcPending++;
    this.delay(this.flags.gc_delay, () => {
      const done = this.defer((ok: boolean) => {
        this.gcPending--;
        this.count(ok ? 'gc/path_removals_succeeded' : 'gc/path_removals_failed');
        if (!ok) this.logger.warn(`could not remove the sandbox ${directory}`);
      });
      this.disk.removeLater(directory).then(() => done(true), () => done(false));
    });
  }

  /** Destroys a container; a failure is counted (`containerizer/mesos/container_destroy_errors`) and logged. */
  destroyContainer(c: { destroy(): Promise<unknown> }, why: string): Promise<void> {
    const failed = this.defer((e: Error) => {
      this.count('containerizer/mesos/container_destroy_errors');
      this.logger.warn(`destroying the container of ${why} failed: ${e.message}`);
    });
    return c.destroy().then(() => undefined, (e: Error) => failed(e));
  }

  #reconcile(frameworkId: string, taskId: TaskID): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw && this.#findTask(fw, taskId.value)) return; // known: its updates flow as usual
    if (!fw || this.agentId === undefined) {
      // Unknown framework: a one-shot update (nothing to checkpoint it under).
      if (this.agentId === undefined) return;
      const uuid = uuidBytes(() => this.random.float());
      const status: TaskStatus = { task_id: taskId, state: 'TASK_LOST', source: 'SOURCE_AGENT', reason: 'REASON_RECONCILIATION', message: 'Task unknown to the agent', agent_id: { value: this.agentId }, uuid, timestamp: this.clock.now() / 1000 };
      this.send(this.master, 'status_update', { update: { framework_id: { value: frameworkId }, agent_id: { value: this.agentId }, status, timestamp: status.timestamp!, uuid, latest_state: 'TASK_LOST' }, pid: this.pid.toString() });
      return;
    }
    const state: TaskState = hasCapability(fw, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
    this.#agentUpdate(fw, taskId.value, taskId, state, 'REASON_RECONCILIATION', 'Task unknown to the agent');
  }

  // ------------------------------------------------------------------ recovery

  async #recover(): Promise<void> {
    const w = this.flags.work_dir;
    const state = readAgentState(w, this.disk);
    if (!state) {
      await this.cz.recover([]); // destroys leftover containers of an agent that never registered
      return;
    }
    if (this.flags.recover === 'cleanup') {
      this.logger.info(`--recover=cleanup: killing the executors of agent ${state.agentId} and starting afresh`);
      await this.cz.recover([]);
      removeCheckpointDir(agentMetaDir(w, state.agentId), this.disk);
      removeCheckpointDir(latestAgentPath(w), this.disk);
      return;
    }
    const running = state.frameworks.reduce((n, f) => n + f.executors.filter((e) => !e.run.completed).length, 0);
    const old = Resources.fromJSON(state.info.resources ?? []);
    if (!old.equals(this.resources)) {
      if (running > 0) {
        throw new Error(
          `Incompatible agent info detected: the agent's resources changed from '${old.toString()}' (checkpointed in ${agentInfoPath(w, state.agentId)}) to '${this.resources.toString()}' while ${running} executor(s) are checkpointed. ` +
            `Restart with the old --resources, or with --recover=cleanup to kill them and register as a new agent.`,
        );
      }
      this.logger.warn(`the agent's resources changed and nothing runs: registering as a new agent`);
      await this.cz.recover([]);
      removeCheckpointDir(latestAgentPath(w), this.disk);
      return;
    }
    this.agentId = state.agentId;
    await this.#recoverExecutors(state);
  }

  async #recoverExecutors(state: RecoveredAgentState): Promise<void> {
    const known: string[] = [];
    for (const f of state.frameworks) for (const e of f.executors) known.push(e.run.containerId, ...this.nested.checkpointed({ id: e.info.executor_id.value, frameworkId: f.id, containerId: e.run.containerId }));
    // Streams first: a corrupt updates file stops the agent before anything is touched.
    const streams = new Map<string, ReturnType<StatusUpdateManager['recover']>>();
    for (const f of state.frameworks) for (const e of f.executors) for (const t of e.tasks) streams.set(`${f.id}/${t.info.task_id.value}`, this.sum.recover(f.id, t.info.task_id.value, t.updatesPath));
    const result = await this.cz.recover(known);
    const recovered = new Map(result.recovered.map((c) => [c.id, c]));
    const ended = new Map([...result.vanished, ...result.terminated].map((t) => [t.containerId, t]));

    for (const f of state.frameworks) {
      const fw: FrameworkRecord = { id: f.id, info: f.info, executors: new Map(), completedExecutors: [] };
      if (f.pid !== undefined) fw.pid = f.pid;
      this.frameworks.set(f.id, fw);
      for (const e of f.executors) {
        const ex: ExecutorRecord = {
          id: e.info.executor_id.value,
          frameworkId: f.id,
          info: e.info,
          command: e.command,
          containerId: e.run.containerId,
          directory: e.run.directory,
          state: 'RUNNING',
          limits: limitsOf(e.info.resources),
          queued: new Map(),
          tasks: new Map(),
          completed: [],
          launchedAt: this.clock.now(),
          recovered: true,
        };
        if (e.run.pid) ex.pid = PID.parse<AgentToExecutor>(e.run.pid);
        fw.executors.set(ex.id, ex);
        if (!e.command) this.nested.adopt(ex, recovered, ended);
        for (const t of e.tasks) {
          const rec = newTaskRecord(t.info, f.id, ex.id, state.agentId);
          const s = streams.get(`${f.id}/${t.info.task_id.value}`);
          if (s?.latest) recordStatus(rec, s.latest.status);
          if (s?.terminated) {
            ex.completed.push(rec);
            continue;
          }
          ex.tasks.set(t.info.task_id.value, rec);
        }
        const c = recovered.get(ex.containerId);
        if (c) {
          ex.container = c;
          if (e.command) {
            const rec = ex.tasks.get(ex.id);
            if (rec) {
              c.wait()
                .then(async (t) => ({ t, tail: await this.disk.stderrTail(ex.directory) }))
                .then(this.defer(({ t, tail }: { t: ContainerTermination; tail: string }) => this.#commandTerminated(fw, ex, rec, t, tail)))
                .catch((err: unknown) => this.logger.warn(`waiting on the container of task ${rec.task.task_id.value}: ${(err as Error).message}`));
              if (!isTerminal(rec.task.state)) {
                this.#startHealthChecks(fw, ex, rec);
                this.#armCompletionTime(ex, rec, launchedAtMs(rec.task.statuses, this.clock.now()));
              }
            } else {
              void this.destroyContainer(c, `executor ${ex.id}`);
            }
          } else {
            ex.state = 'REGISTERING';
            c.wait()
              .then(this.defer((t: ContainerTermination) => this.#executorTerminated(fw, ex, t)))
              .catch((err: unknown) => this.logger.warn(`waiting on the container of executor ${ex.id}: ${(err as Error).message}`));
            if (ex.pid) this.send(ex.pid, 'reconnect', { agent_id: { value: state.agentId } });
            const timeout = this.#options.executorReregistrationTimeoutMs ?? 2000;
            ex.registrationTimer = this.delay(timeout, () => {
              if (ex.state !== 'REGISTERING') return;
              this.logger.warn(`recovered executor ${ex.id} did not reregister within ${timeout} ms; destroying it`);
              this.#terminateExecutor(fw, ex, 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'Executor did not reregister after the agent restarted');
            });
          }
          continue;
        }
        // Gone while the agent was down (or terminated before it went down).
        const t = ended.get(ex.containerId) ?? { containerId: ex.containerId, status: null, killed: false, message: 'Container vanished while the agent was down' };
        if (e.command) {
          const rec = ex.tasks.get(ex.id);
          if (rec) {
            // Deferred: the updates go out once the agent is registered again (the stream is paused until then).
            const tail = await this.disk.stderrTail(ex.directory);
            this.#commandTerminated(fw, ex, rec, t, tail);
          } else {
            ex.state = 'TERMINATED';
            this.#maybeCompleteExecutor(fw, ex);
          }
        } else {
          this.#executorTerminated(fw, ex, t);
        }
      }
    }
    this.logger.info(`recovered agent ${state.agentId}: ${this.frameworks.size} framework(s), ${result.recovered.length} running container(s), ${result.vanished.length} vanished`);
  }

  /** For tests and /state: every live executor. */
  executors(): ExecutorRecord[] {
    const out: ExecutorRecord[] = [];
    for (const fw of this.frameworks.values()) out.push(...fw.executors.values());
    return out;
  }

  /** For tests: the record of a task, wherever it is. */
  task(frameworkId: string, taskId: string): TaskRecord | undefined {
    const fw = this.frameworks.get(frameworkId) ?? this.completedFrameworks.find((f) => f.id === frameworkId);
    if (!fw) return undefined;
    for (const ex of [...fw.executors.values(), ...fw.completedExecutors]) {
      const r = ex.tasks.get(taskId) ?? ex.completed.find((c) => c.info.task_id.value === taskId);
      if (r) return r;
    }
    return undefined;
  }

  /** The shutdown grace period text executors get (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD). */
  shutdownGraceText(ex: ExecutorRecord): string {
    return formatDuration(ex.info.shutdown_grace_period ? Math.round(ex.info.shutdown_grace_period.nanoseconds / 1e6) : this.flags.executor_shutdown_grace_period);
  }
}
