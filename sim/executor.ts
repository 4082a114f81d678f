/**
 * Custom executors in the simulation: the real SDK `ExecutorDriver`, in its
 * own runtime on the agent's host (loopback to the agent: no loss, no
 * partition between them), launched by the simulated containerizer for a task
 * whose ExecutorInfo's command is `sim-executor run=<ms> exit=<code>` (or
 * `sim-executor forever`). The executor runs its one task for that long,
 * reports TASK_RUNNING then TASK_FINISHED or TASK_FAILED (TASK_KILLED when
 * killed), and ends its process once its terminal update is acknowledged, as
 * a one-task executor does. Like an OS process it outlives a crash of its
 * agent (the driver waits for the agent to come back) and dies with its
 * machine.
 *
 * With custom executors the executor, not the agent, is the source of a
 * task's updates: once the agent acknowledges one, the executor forgets it,
 * and only the agent's checkpoint still has it.
 */
import { MemoryTransport, Runtime, createLogger, type Clock, type Random, type SimulatedNetwork } from 'libprocess-ts';
import { ExecutorDriver, type Executor } from '../framework/executor/driver.js';
import type { ContainerConfig } from '../agent/containerizer/types.js';
import type { TaskID, TaskInfo, TaskState } from '../protocol/types.js';

/** `sim-executor run=<ms> exit=<code>` or `sim-executor forever`: what a simulated custom executor does with its task. */
export function parseExecutorPlan(command: string): { runMs: number; exit: number } | 'forever' | undefined {
  if (command === 'sim-executor forever') return 'forever';
  const m = /^sim-executor run=(\d+) exit=(\d+)$/.exec(command);
  return m ? { runMs: Number(m[1]), exit: Number(m[2]) } : undefined;
}

export function executorCommand(runMs: number | 'forever', exit = 0): string {
  return runMs === 'forever' ? 'sim-executor forever' : `sim-executor run=${runMs} exit=${exit}`;
}

/** A running simulated executor: its runtime, to stop when its process ends. */
export interface SimExecutorHandle {
  stop(): Promise<void>;
  /** The task it runs now: none before its run_task arrives (it may never: lost on the way) and none once it ended. */
  task(): string | undefined;
}

const silent = createLogger('executor', 'silent');

/**
 * Starts the executor of `config` on `host` (the agent's machine) at a fresh port; `exited(code)` is called when the
 * executor ends on its own (its task over and acknowledged, or shut down by the agent, or given up on its agent).
 */
export async function startExecutor(
  network: SimulatedNetwork,
  clock: Clock,
  random: Random,
  host: string,
  port: number,
  config: ContainerConfig,
  exited: (code: number) => void,
): Promise<SimExecutorHandle> {
  const plan = parseExecutorPlan(config.command.value ?? '');
  if (plan === undefined) throw new Error(`not a simulated executor: '${config.command.value ?? ''}'`);
  const runtime = await new Runtime({ transport: new MemoryTransport(network, host, port), clock, name: `${host}:${port}`, logger: silent }).start();
  const env: Record<string, string> = { ...(config.agentEnvironment ?? {}) };
  if (config.executorId !== undefined) env.MESOS_EXECUTOR_ID = config.executorId;
  if (config.frameworkId !== undefined) env.MESOS_FRAMEWORK_ID = config.frameworkId;
  env.MESOS_DIRECTORY ??= config.sandbox;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await runtime.stop();
  };
  const executor = new OneTaskExecutor(clock, plan);
  const driver = new ExecutorDriver(executor, { env, runtime, random: random.fork(), retryIntervalMs: 2_000 });
  executor.driver = driver;
  void driver.join().then((status) => {
    if (stopped) return;
    exited(status === 'DRIVER_STOPPED' ? 0 : 1);
  });
  await driver.start();
  return { stop, task: () => executor.task() };
}

/** Runs its one task for the planned time; ends once the task's terminal update is acknowledged. */
class OneTaskExecutor implements Executor {
  driver!: ExecutorDriver;
  #task: TaskID | undefined;
  #timer: { cancel(): void } | undefined;
  #over = false;

  constructor(
    readonly clock: Clock,
    readonly plan: { runMs: number; exit: number } | 'forever',
  ) {}

  /** The task it runs now, if any. */
  task(): string | undefined {
    return this.#over ? undefined : this.#task?.value;
  }

  registered(): void {}
  reregistered(): void {
    this.#endIfDone();
  }
  disconnected(): void {}
  frameworkMessage(): void {}
  error(): void {}
  shutdown(): void {
    this.#timer?.cancel();
  }

  launchTask(d: ExecutorDriver, task: TaskInfo): void {
    if (this.#task !== undefined) {
      d.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_ERROR', message: 'this executor runs one task' });
      return;
    }
    this.#task = task.task_id;
    d.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
    if (this.plan === 'forever') return;
    const { runMs, exit } = this.plan;
    this.#timer = this.clock.timer(runMs, () => this.#finish(exit === 0 ? 'TASK_FINISHED' : 'TASK_FAILED', exit === 0 ? undefined : `Command exited with status ${exit}`));
  }

  killTask(_d: ExecutorDriver, taskId: TaskID): void {
    if (this.#task?.value !== taskId.value) return;
    this.#timer?.cancel();
    this.#finish('TASK_KILLED', 'killed by the framework');
  }

  #finish(state: TaskState, message: string | undefined): void {
    if (this.#over || this.#task === undefined) return;
    this.#over = true;
    this.driver.sendStatusUpdate({ task_id: this.#task, state, ...(message !== undefined ? { message } : {}) });
    this.#watchAck();
  }

  /** Ends the executor once nothing is left unacknowledged (checked as the driver's acknowledgements come in). */
  #watchAck(): void {
    const check = (): void => {
      if (!this.#endIfDone()) this.clock.timer(50, check);
    };
    this.clock.timer(50, check);
  }

  #endIfDone(): boolean {
    if (!this.#over || this.driver.unacknowledged().length > 0) return false;
    void this.driver.stop();
    return true;
  }
}
