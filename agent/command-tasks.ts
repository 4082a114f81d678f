/**
 * Command tasks: the agent plays the command executor itself (Mesos runs
 * mesos-executor; here no process but the task's own). A task given a
 * command gets an executor record of its own (its id the task's), its
 * container runs the command, and the agent reports TASK_STARTING and
 * TASK_RUNNING once launched, runs its health checks (health.ts) and
 * max_completion_time (completion-time.ts), kills it on request (after
 * TASK_KILLING for frameworks that take it, within its kill policy's grace),
 * and turns its termination into the final update (command-executor.ts).
 *
 *   run ─► ContainerLaunch ─► launched ─► TASK_STARTING, TASK_RUNNING, health, completion timer
 *                                 └─ wait ─► terminated ─► TASK_FINISHED / FAILED / KILLED
 */
import { isTerminal } from '../protocol/task-states.js';
import type { ExecutorInfo, TaskInfo, TaskStatus } from '../protocol/types.js';
import { commandSpec, killGraceMs, terminalStatus } from './command-executor.js';
import { completionTimeStatus, maxCompletionMs } from './completion-time.js';
import { containerSpecOf } from './container-info.js';
import type { ContainerConfig, ContainerTermination } from './containerizer/index.js';
import type { AgentCore } from './core.js';
import { executorEnvironment } from './executors.js';
import { HealthChecker } from './health.js';
import { checkpointing, hasCapability, newTaskRecord, type ContainerHandle, type ExecutorRecord, type FrameworkRecord, type TaskRecord } from './state.js';
import { imageUserApplies, taskUser } from './task-user.js';

export class CommandTasks {
  constructor(private readonly a: AgentCore) {}

  /** A valid task with a command (agent.ts runTask checked it): its own executor record and container. */
  run(fw: FrameworkRecord, task: TaskInfo): void {
    const a = this.a;
    const exId = task.task_id.value;
    const info: ExecutorInfo = {
      executor_id: { value: exId },
      framework_id: { value: fw.id },
      name: `Command Executor (Task: ${exId})`,
      command: task.command!,
      resources: task.resources ?? [],
    };
    const ex = a.books.newExecutor(fw, info, true, []);
    const rec = newTaskRecord(task, fw.id, ex.id, a.agentId!);
    ex.tasks.set(exId, rec);
    const checkpointed = a.checkpoints.commandTask(fw, ex, task);
    const config: ContainerConfig = {
      containerId: ex.containerId,
      sandbox: ex.directory,
      agentId: a.agentId!,
      frameworkId: fw.id,
      executorId: ex.id,
      taskId: exId,
      command: commandSpec(task.command!),
      limits: ex.limits,
      agentEnvironment: executorEnvironment(a, fw, ex),
    };
    const container = containerSpecOf(task.container).spec;
    if (container) config.container = { ...container, ...(container.image && imageUserApplies(a.flags.switch_user, a.isRoot, task.command!.user) ? { imageUser: true } : {}) };
    const user = taskUser(a.flags.switch_user, a.isRoot, task.command!.user, fw.info.user);
    if (user !== undefined) config.user = user;
    // With asynchronous (fsync'ed) update records, TASK_STARTING waits for the container's checkpoint (below), not the launch.
    const early = checkpointing(fw) && a.flags.fsync;
    a.launcher.launch(fw, ex, config, (c) => this.#launched(fw, ex, rec, c), checkpointed, early);
  }

  #launched(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, c: ContainerHandle): void {
    const a = this.a;
    ex.container = c;
    this.watch(fw, ex, rec, c);
    if (ex.state === 'TERMINATING' || rec.killRequested) {
      void a.destroyContainer(c, `task ${rec.task.task_id.value}`);
      return;
    }
    ex.state = 'RUNNING';
    ex.launchedAt = a.clock.now();
    // TASK_STARTING goes out once the container's checkpoint is written too (an early launch): a restarted agent
    // that was heard to start the task knows its container.
    const place = a.checkpoints.updatesPlace(fw, ex);
    if (c.checkpointed !== undefined && place !== undefined) a.sum.after(fw.id, rec.info.task_id.value, place, c.checkpointed);
    a.updates.executorUpdate(fw, ex, rec, 'TASK_STARTING');
    a.updates.executorUpdate(fw, ex, rec, 'TASK_RUNNING', { container_status: { container_id: { value: ex.containerId } }, ...a.volumes.message(ex.containerId) });
    this.resume(fw, ex, rec, a.clock.now());
  }

  /** Waits on the task's container (launched now, or recovered after a restart): its end is the task's. */
  watch(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, c: ContainerHandle): void {
    const a = this.a;
    c.wait()
      // The stderr tail only goes into a failure's message (terminalStatus): a task that exited 0 reads no file.
      .then(async (t) => ({ t, tail: t.status?.code === 0 ? '' : await a.disk.stderrTail(ex.directory) }))
      .then(a.defer(({ t, tail }: { t: ContainerTermination; tail: string }) => this.terminated(fw, ex, rec, t, tail)))
      .catch((err: unknown) => a.logger.warn(`waiting on the container of task ${rec.task.task_id.value}: ${(err as Error).message}`));
  }

  /** Health checks and the completion timer of a running task (launched at `launchedAt`). */
  resume(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, launchedAt: number): void {
    this.#startHealthChecks(fw, ex, rec);
    this.#armCompletionTime(ex, rec, launchedAt);
  }

  /** max_completion_time (completion-time.ts): the task is killed at once when it has run that long since `launchedAt`. */
  #armCompletionTime(ex: ExecutorRecord, rec: TaskRecord, launchedAt: number): void {
    const a = this.a;
    const ms = maxCompletionMs(rec.info);
    if (ms === undefined) return;
    rec.completionTimer = a.delay(Math.max(0, launchedAt + ms - a.clock.now()), () => {
      if (isTerminal(rec.task.state) || rec.killRequested || !ex.container) return;
      a.logger.info(`task ${rec.info.task_id.value} exceeded its maximum completion time of ${ms} ms; killing it`);
      rec.killedByCompletionTime = true;
      rec.health?.stop();
      void ex.container.kill({ gracePeriodMs: 0 }).catch((e: Error) => a.logger.warn(`kill of ${ex.containerId} failed: ${e.message}`));
    });
  }

  #startHealthChecks(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord): void {
    const a = this.a;
    const check = rec.info.health_check;
    if (!check) return;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, { MESOS_SANDBOX: ex.directory, MESOS_TASK_ID: rec.info.task_id.value }, commandSpec(rec.info.command ?? {}).environment ?? {});
    rec.health = new HealthChecker(
      check,
      { delay: (ms, fn) => a.delay(ms, fn), defer: (fn) => a.defer(fn), now: () => a.clock.now(), env, cwd: ex.directory },
      (r) => {
        if (isTerminal(rec.task.state) || rec.killRequested) return;
        a.updates.executorUpdate(fw, ex, rec, 'TASK_RUNNING', { healthy: r.healthy, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', message: r.message });
        if (r.kill) {
          a.logger.warn(`task ${rec.info.task_id.value} failed ${r.consecutiveFailures} health checks in a row; killing it`);
          rec.killedByHealth = true;
          this.kill(fw, ex, rec);
        }
      },
    );
    rec.health.start();
  }

  /** The task's container ended (`tail`: the end of its stderr): its final update, unless it already has one. */
  terminated(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, t: ContainerTermination, tail: string): void {
    const a = this.a;
    rec.health?.stop();
    rec.completionTimer?.cancel();
    ex.termination = t;
    ex.state = 'TERMINATED';
    a.count('slave/executors_terminated');
    if (!isTerminal(rec.task.state)) {
      const s = rec.killedByCompletionTime && !rec.killRequested ? completionTimeStatus(maxCompletionMs(rec.info) ?? 0) : terminalStatus(t, rec.killRequested === true, tail);
      const extra: Partial<TaskStatus> = {};
      if (s.reason) extra.reason = s.reason;
      if (rec.killedByHealth) {
        extra.healthy = false;
        extra.reason = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';
      }
      a.updates.executorUpdate(fw, ex, rec, s.state, { message: s.message, ...extra });
    }
    a.books.maybeCompleteExecutor(fw, ex);
  }

  /** Kills the task (once): before its container exists it ends at once; otherwise its container is killed within the grace. */
  kill(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, requestPolicy?: TaskInfo['kill_policy']): void {
    const a = this.a;
    if (rec.killRequested || isTerminal(rec.task.state)) return;
    rec.killRequested = true;
    rec.health?.stop();
    if (!ex.container) {
      // Still launching: the task is killed now; the container is destroyed once launched.
      ex.state = 'TERMINATING';
      a.launcher.abortFetch(ex, 'the task was killed while its URIs were fetched');
      a.updates.agentUpdate(fw, ex.id, rec.info.task_id, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before it was launched');
      return;
    }
    if (hasCapability(fw, 'TASK_KILLING_STATE')) a.updates.executorUpdate(fw, ex, rec, 'TASK_KILLING');
    void ex.container.kill({ gracePeriodMs: killGraceMs(rec.info.kill_policy, requestPolicy) }).catch((e: Error) => a.logger.warn(`kill of ${ex.containerId} failed: ${e.message}`));
  }
}
