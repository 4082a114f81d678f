/**
 * The executor SDK (Mesos's MesosExecutorDriver, src/exec/exec.cpp): an
 * actor that a custom executor runs in its own OS process. It reads the
 * environment the agent launched it with, registers with the agent, delivers
 * the agent's messages to an `Executor`, and sends status updates reliably
 * (each gets a uuid and a timestamp and is re-sent until the agent
 * acknowledges it).
 *
 *   const driver = new ExecutorDriver(myExecutor);
 *   await driver.start();
 *   ...callbacks: driver.sendStatusUpdate({ task_id, state: 'TASK_RUNNING' })...
 *   await driver.join();            // DRIVER_STOPPED after stop() or a shutdown
 *
 * Environment (set by the agent): MESOS_AGENT_PID (or MESOS_SLAVE_PID),
 * MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_DIRECTORY / MESOS_SANDBOX,
 * MESOS_CHECKPOINT ('1': wait MESOS_RECOVERY_TIMEOUT for a restarted agent),
 * MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD. LIBPROCESS_IP / LIBPROCESS_PORT
 * choose the executor's own address (default 127.0.0.1 and a free port).
 */
import { PID, Process, Random, Runtime, WsTransport, defaultRuntimeOptions, osSeed, realClock, type Handlers, type Timer } from 'libprocess-ts';
import { uuidBytes } from '../../protocol/ids.js';
import { authenticatedRuntime } from '../runtime.js';
import type { AgentToExecutor, ExecutorToAgent } from '../../protocol/messages/agent-executor.js';
import { AGENT_TO_EXECUTOR } from '../../protocol/messages/schemas.js';
import { MessageValidator, validated } from '../../protocol/messages/validate.js';
import type { StatusUpdate } from '../../protocol/messages/common.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, TaskID, TaskInfo, TaskStatus } from '../../protocol/types.js';

export interface Executor {
  registered(driver: ExecutorDriver, executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, agentInfo: AgentInfo): void;
  reregistered(driver: ExecutorDriver, agentInfo: AgentInfo): void;
  disconnected(driver: ExecutorDriver): void;
  launchTask(driver: ExecutorDriver, task: TaskInfo): void;
  killTask(driver: ExecutorDriver, taskId: TaskID): void;
  frameworkMessage(driver: ExecutorDriver, data: Uint8Array): void;
  shutdown(driver: ExecutorDriver): void;
  error(driver: ExecutorDriver, message: string): void;
}

export type DriverStatus = 'DRIVER_NOT_STARTED' | 'DRIVER_RUNNING' | 'DRIVER_STOPPED' | 'DRIVER_ABORTED';

export interface ExecutorDriverOptions {
  /** The environment to read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A runtime to spawn in (default: a new WebSocket runtime on LIBPROCESS_IP:LIBPROCESS_PORT). */
  readonly runtime?: Runtime;
  /** Seeded randomness for update uuids (default from the OS). */
  readonly random?: Random;
  /** Unacknowledged updates are re-sent this often (default 10 s). */
  readonly retryIntervalMs?: number;
  /** A principal and secret for the executor's own runtime's connections (without `runtime`). */
  readonly credential?: { readonly principal: string; readonly secret: string };
}

/** The settings an executor gets from its environment. */
export interface ExecutorEnvironment {
  agentPid: string;
  frameworkId: string;
  executorId: string;
  directory: string;
  checkpoint: boolean;
  recoveryTimeoutMs: number;
  shutdownGracePeriodMs: number;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN: presented in `register` / `reregister` (the agent checks it). */
  token?: string;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, secs: 1000, s: 1000, mins: 60_000, m: 60_000, hrs: 3_600_000, h: 3_600_000, days: 86_400_000, d: 86_400_000, weeks: 604_800_000 };

function duration(name: string, text: string | undefined, dflt: number): number {
  if (text === undefined || text === '') return dflt;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new Error(`${name}=${text}: expected a duration such as 5secs`);
  return Number(m[1]) * unit;
}

/** Reads and checks the executor's environment; throws naming the missing or bad variable. */
export function executorEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): ExecutorEnvironment {
  const need = (name: string, alt?: string): string => {
    const v = env[name] ?? (alt !== undefined ? env[alt] : undefined);
    if (v === undefined || v === '') throw new Error(`Expecting '${name}' to be set in the environment (is this process launched by an agent?)`);
    return v;
  };
  const agentPid = need('MESOS_AGENT_PID', 'MESOS_SLAVE_PID');
  PID.parse(agentPid); // throws a clear error when malformed
  return {
    agentPid,
    frameworkId: need('MESOS_FRAMEWORK_ID'),
    executorId: need('MESOS_EXECUTOR_ID'),
    directory: need('MESOS_DIRECTORY', 'MESOS_SANDBOX'),
    checkpoint: env.MESOS_CHECKPOINT === '1',
    recoveryTimeoutMs: duration('MESOS_RECOVERY_TIMEOUT', env.MESOS_RECOVERY_TIMEOUT, 15 * 60_000),
    shutdownGracePeriodMs: duration('MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, 5000),
    ...(env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN ? { token: env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN } : {}),
  };
}

function hex(u: Uint8Array | undefined): string {
  return u ? Buffer.from(u).toString('hex') : '';
}

/** Every body from the agent is checked against its schema before the executor sees it. */
const EXECUTOR_MESSAGES = new MessageValidator<AgentToExecutor>(AGENT_TO_EXECUTOR);

class ExecutorProcess extends Process<AgentToExecutor> {
  /** Messages refused because their body did not match the protocol. */
  invalidMessages = 0;
  /** The agent: from MESOS_AGENT_PID, then whoever sends `reconnect` (a restarted agent, maybe at a new address). */
  agent: PID<ExecutorToAgent>;
  agentId: string | undefined;
  connected = false;
  /** Launched tasks not yet known terminal. */
  readonly tasks = new Map<string, TaskInfo>();
  /** Updates sent and not yet acknowledged, by uuid. */
  readonly unacked = new Map<string, StatusUpdate>();
  #recoveryTimer: Timer | undefined;
  #retryTimer: Timer | undefined;

  constructor(
    private readonly driver: ExecutorDriver,
    private readonly executor: Executor,
    readonly env: ExecutorEnvironment,
    private readonly retryIntervalMs: number,
  ) {
    super();
    this.agent = PID.parse<ExecutorToAgent>(env.agentPid);
  }

  override initialize(): void {
    this.link(this.agent);
    this.send(this.agent, 'register', { framework_id: { value: this.env.frameworkId }, executor_id: { value: this.env.executorId }, ...this.#token() });
  }

  #token(): { token?: string } {
    return this.env.token !== undefined ? { token: this.env.token } : {};
  }

  override finalize(): void {
    this.#recoveryTimer?.cancel();
    this.#retryTimer?.cancel();
  }

  protected handlers(): Handlers<AgentToExecutor> {
    return validated<AgentToExecutor, PID>({
      registered: (b) => {
        this.agentId = b.agent_id.value;
        this.connected = true;
        this.#call(() => this.executor.registered(this.driver, b.executor_info, b.framework_info, b.agent_info));
      },
      reregistered: (b) => {
        this.agentId = b.agent_id.value;
        this.connected = true;
        this.#recoveryTimer?.cancel();
        this.#call(() => this.executor.reregistered(this.driver, b.agent_info));
      },
      reconnect: (b, from) => {
        this.agentId = b.agent_id.value;
        this.agent = from as PID<ExecutorToAgent>; // as Mesos's executor driver: the agent may come back elsewhere
        this.link(from);
        this.send(this.agent, 'reregister', {
          framework_id: { value: this.env.frameworkId },
          executor_id: { value: this.env.executorId },
          tasks: [...this.tasks.values()],
          updates: [...this.unacked.values()],
          ...this.#token(),
        });
      },
      run_task: (b) => {
        this.tasks.set(b.task.task_id.value, b.task);
        this.#call(() => this.executor.launchTask(this.driver, b.task));
      },
      run_task_group: () => this.#call(() => this.executor.error(this.driver, 'task groups are not supported by this executor driver')),
      kill_task: (b) => this.#call(() => this.executor.killTask(this.driver, b.task_id)),
      ack: (b) => {
        const u = this.unacked.get(hex(b.uuid));
        if (!u) return;
        this.unacked.delete(hex(b.uuid));
        if (isTerminal(u.status.state)) this.tasks.delete(u.status.task_id.value);
      },
      framework_message: (b) => this.#call(() => this.executor.frameworkMessage(this.driver, b.data)),
      shutdown: () => {
        this.#call(() => this.executor.shutdown(this.driver));
        void this.driver.stop();
      },
    }, EXECUTOR_MESSAGES, { count: () => this.invalidMessages++, warn: (m) => this.runtime.logger.warn(m) });
  }

  override exited(pid: PID): void {
    if (!pid.equals(this.agent)) return;
    this.connected = false;
    if (!this.env.checkpoint) {
      // Mesos: without checkpointing an executor cannot outlive its agent.
      this.#call(() => this.executor.shutdown(this.driver));
      void this.driver.abort('the agent exited and the framework does not checkpoint');
      return;
    }
    this.#call(() => this.executor.disconnected(this.driver));
    this.#recoveryTimer?.cancel();
    this.#recoveryTimer = this.delay(this.env.recoveryTimeoutMs, () => {
      if (this.connected) return;
      this.#call(() => this.executor.shutdown(this.driver));
      void this.driver.abort(`the agent did not come back within ${this.env.recoveryTimeoutMs} ms`);
    });
  }

  sendUpdate(status: TaskStatus, random: Random): void {
    if (status.state === 'TASK_STAGING') throw new Error('Executor is not allowed to send TASK_STAGING status updates');
    const uuid = uuidBytes(() => random.float());
    const timestamp = this.clock.now() / 1000;
    const s: TaskStatus = { ...status, uuid, timestamp, executor_id: { value: this.env.executorId }, source: 'SOURCE_EXECUTOR' };
    if (this.agentId !== undefined) s.agent_id = { value: this.agentId };
    const update: StatusUpdate = { framework_id: { value: this.env.frameworkId }, executor_id: { value: this.env.executorId }, status: s, timestamp, uuid };
    if (this.agentId !== undefined) update.agent_id = { value: this.agentId };
    this.unacked.set(hex(uuid), update);
    this.send(this.agent, 'status_update', { update });
    this.#scheduleRetry();
  }

  sendMessage(data: Uint8Array): void {
    this.send(this.agent, 'executor_to_framework', {
      agent_id: { value: this.agentId ?? '' },
      framework_id: { value: this.env.frameworkId },
      executor_id: { value: this.env.executorId },
      data,
    });
  }

  #scheduleRetry(): void {
    if (this.#retryTimer) return;
    this.#retryTimer = this.delay(this.retryIntervalMs, () => {
      this.#retryTimer = undefined;
      if (this.connected) for (const u of this.unacked.values()) this.send(this.agent, 'status_update', { update: u });
      if (this.unacked.size > 0) this.#scheduleRetry();
    });
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      console.error(`executor callback threw: ${(e as Error).stack ?? e}`);
    }
  }
}

export class ExecutorDriver {
  #status: DriverStatus = 'DRIVER_NOT_STARTED';
  #process: ExecutorProcess | undefined;
  #runtime: Runtime | undefined;
  #ownRuntime = false;
  #random: Random;
  #joined: Promise<DriverStatus>;
  #resolveJoin!: (s: DriverStatus) => void;
  readonly environment: ExecutorEnvironment;

  constructor(
    private readonly executor: Executor,
    private readonly opts: ExecutorDriverOptions = {},
  ) {
    this.environment = executorEnvironment(opts.env ?? process.env);
    this.#random = opts.random ?? new Random(osSeed());
    this.#joined = new Promise((res) => (this.#resolveJoin = res));
  }

  get status(): DriverStatus {
    return this.#status;
  }

  /** The executor's own PID (once started). */
  get pid(): PID | undefined {
    return this.#process?.pid;
  }

  /** Messages from the agent refused because their body did not match the protocol (counted, logged, dropped). */
  get invalidMessages(): number {
    return this.#process?.invalidMessages ?? 0;
  }

  async start(): Promise<DriverStatus> {
    if (this.#status !== 'DRIVER_NOT_STARTED') return this.#status;
    const env = this.opts.env ?? process.env;
    if (this.opts.runtime) {
      this.#runtime = this.opts.runtime;
    } else {
      if (this.opts.credential !== undefined) this.#runtime = await authenticatedRuntime(this.opts.credential, 'executor', env);
      else {
        // LIBPROCESS_IP / LIBPROCESS_PORT, and TLS from LIBPROCESS_SSL_* when the agent runs with it.
        const transport = new WsTransport({ ...defaultRuntimeOptions(env as NodeJS.ProcessEnv), clock: realClock });
        this.#runtime = await new Runtime({ transport, clock: realClock, name: 'executor' }).start();
      }
      this.#ownRuntime = true;
    }
    this.#process = new ExecutorProcess(this, this.executor, this.environment, this.opts.retryIntervalMs ?? 10_000);
    this.#runtime.spawn(this.#process, 'executor(1)');
    this.#status = 'DRIVER_RUNNING';
    return this.#status;
  }

  /** Sends a status update (uuid and timestamp filled in), re-sent until the agent acknowledges it. */
  sendStatusUpdate(status: TaskStatus): DriverStatus {
    if (this.#status !== 'DRIVER_RUNNING' || !this.#process) return this.#status;
    this.#process.sendUpdate(status, this.#random);
    return this.#status;
  }

  /** Opaque bytes to the framework's scheduler, through the agent and the master. */
  sendFrameworkMessage(data: Uint8Array): DriverStatus {
    if (this.#status !== 'DRIVER_RUNNING' || !this.#process) return this.#status;
    this.#process.sendMessage(data);
    return this.#status;
  }

  /** Updates not yet acknowledged by the agent. */
  unacknowledged(): StatusUpdate[] {
    return [...(this.#process?.unacked.values() ?? [])];
  }

  async stop(): Promise<DriverStatus> {
    return this.#end('DRIVER_STOPPED');
  }

  async abort(reason?: string): Promise<DriverStatus> {
    if (reason) console.error(`executor driver aborted: ${reason}`);
    return this.#end('DRIVER_ABORTED');
  }

  join(): Promise<DriverStatus> {
    return this.#joined;
  }

  async #end(status: DriverStatus): Promise<DriverStatus> {
    if (this.#status !== 'DRIVER_RUNNING') return this.#status;
    this.#status = status;
    const rt = this.#runtime!;
    if (this.#process?.alive) {
      // Let queued messages (final updates) go out before the runtime closes.
      const p = this.#process;
      await new Promise<void>((res) => p.delay(50, res));
      if (p.alive) rt.terminate(p.pid);
    }
    if (this.#ownRuntime) await rt.stop();
    this.#resolveJoin(status);
    return status;
  }
}
