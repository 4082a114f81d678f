/**
 * Custom executors (Mesos's Slave::runTask with an ExecutorInfo,
 * runTaskGroup, registerExecutor, reregisterExecutor, subscribe,
 * statusUpdate, executorTerminated): a framework's own executor program, or
 * the agent's default executor for task groups (default-executor/),
 * launched in a container of its own; tasks wait in its queue until it
 * registers (driver, over libprocess) or subscribes (v1 HTTP API), then go to
 * it one by one (`run_task`) or as a group (`LAUNCH_GROUP`). Its status
 * updates are taken only for its own tasks, from the process that registered
 * as it (or its HTTP stream), and acknowledged once checkpointed. When its
 * container ends, its unfinished tasks fail.
 *
 *   run / runTaskGroup ─► #launch (ContainerLaunch) ─► queued ─┐
 *   register / reregister / subscribeHttpExecutor ─► #flushQueued ─► run_task / LAUNCH_GROUP
 *   statusUpdate / httpExecutorUpdate ─► TaskUpdates (journaled) ─► ack to the executor
 *   container ends ─► terminated ─► TASK_FAILED for the rest, exited_executor to the master
 */
import type { PID } from 'libprocess-ts';
import type { AgentToExecutor, ExecutorToAgent } from '../protocol/messages/agent-executor.js';
import type { StatusUpdate } from '../protocol/messages/common.js';
import { isTerminal, type TaskState, type TaskStatusReason } from '../protocol/task-states.js';
import type { CommandInfo, ExecutorInfo, FrameworkInfo, TaskGroupInfo, TaskInfo, TaskStatus } from '../protocol/types.js';
import { commandSpec } from './command-executor.js';
import { containerSpecOf } from './container-info.js';
import type { ContainerConfig, ContainerTermination } from './containerizer/index.js';
import type { AgentCore } from './core.js';
import { defaultExecutorLaunch } from './default-executor/command.js';
import { executorEnvironment } from './executors.js';
import { hasCapability, newTaskRecord, type ExecutorChannel, type ExecutorRecord, type FrameworkRecord } from './state.js';
import { imageUserApplies, taskUser } from './task-user.js';
import { resizeExecutor } from './executor-resize.js';

export class CustomExecutors {
  constructor(private readonly a: AgentCore) {}

  run(fw: FrameworkRecord, info: ExecutorInfo, task: TaskInfo): void {
    let ex = fw.executors.get(info.executor_id.value);
    if (ex && (ex.state === 'TERMINATING' || ex.state === 'TERMINATED')) {
      this.a.updates.agentUpdate(fw, ex.id, task.task_id, 'TASK_FAILED', 'REASON_EXECUTOR_TERMINATED', `Executor ${ex.id} is terminating`);
      return;
    }
    if (!ex) {
      const problem = containerSpecOf(info.container).error ?? (info.command?.value || info.container?.mesos?.image ? undefined : 'it has no command');
      if (problem) {
        this.a.updates.agentUpdate(fw, info.executor_id.value, task.task_id, 'TASK_ERROR', 'REASON_TASK_INVALID', `Invalid executor: ${problem}`);
        return;
      }
      ex = this.#launch(fw, info);
    }
    if (this.reachable(ex)) {
      this.#sendTask(fw, ex, task);
    } else {
      ex.queued.set(task.task_id.value, task);
      this.a.checkpoints.task(fw, ex, task);
    }
  }

  #launch(fw: FrameworkRecord, info: ExecutorInfo, builtIn?: { command: CommandInfo; resources: TaskInfo['resources'] }): ExecutorRecord {
    const ex = this.a.books.newExecutor(fw, info, false, builtIn?.resources ?? []);
    this.a.checkpoints.executor(fw, ex);
    const config: ContainerConfig = {
      containerId: ex.containerId,
      sandbox: ex.directory,
      agentId: this.a.agentId!,
      frameworkId: fw.id,
      executorId: ex.id,
      command: commandSpec(builtIn?.command ?? info.command ?? { shell: false }),
      limits: ex.limits,
      agentEnvironment: executorEnvironment(this.a, fw, ex),
    };
    // The default executor runs on the agent's host (its program is there); the master refuses an image for it.
    const container = builtIn === undefined ? containerSpecOf(info.container).spec : undefined;
    if (container) config.container = { ...container, ...(container.image && imageUserApplies(this.a.flags.switch_user, this.a.isRoot, info.command?.user) ? { imageUser: true } : {}) };
    const user = taskUser(this.a.flags.switch_user, this.a.isRoot, info.command?.user, fw.info.user);
    if (user !== undefined) config.user = user;
    ex.registrationTimer = this.a.delay(this.a.flags.executor_registration_timeout, () => {
      if (ex.state !== 'REGISTERING') return;
      this.a.logger.warn(`executor ${ex.id} of ${fw.id} did not register within ${this.a.flags.executor_registration_timeout} ms; destroying it`);
      this.terminate(fw, ex, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', 'Executor did not register in time');
    });
    this.a.launcher.launch(fw, ex, config, (c) => {
      ex.container = c;
      c.wait()
        .then(this.a.defer((t: ContainerTermination) => this.terminated(fw, ex, t)))
        .catch((err: unknown) => this.a.logger.warn(`waiting on the container of executor ${ex.id}: ${(err as Error).message}`));
      if (ex.state === 'TERMINATING') void this.a.destroyContainer(c, `executor ${ex.id}`);
    });
    return ex;
  }

  #failReason = new WeakMap<ExecutorRecord, { reason: TaskStatusReason; message: string }>();

  /** Destroys an executor's container; its tasks fail with `reason` when it exits. */
  terminate(fw: FrameworkRecord, ex: ExecutorRecord, reason: TaskStatusReason, message: string): void {
    if (ex.state === 'TERMINATED') return;
    this.#failReason.set(ex, { reason, message });
    ex.state = 'TERMINATING';
    ex.registrationTimer?.cancel();
    if (ex.container) void this.a.destroyContainer(ex.container, `executor ${ex.id}`);
  }

  #sendTask(fw: FrameworkRecord, ex: ExecutorRecord, task: TaskInfo): void {
    const rec = newTaskRecord(task, fw.id, ex.id, this.a.agentId!);
    ex.tasks.set(task.task_id.value, rec);
    this.a.checkpoints.task(fw, ex, task);
    resizeExecutor(ex, (m) => this.a.logger.warn(m));
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
    if (frameworkId === undefined || this.a.agentId === undefined || this.a.state === 'TERMINATING' || this.a.state === 'RECOVERING') {
      this.a.logger.warn(`ignoring run_task_group of ${group.tasks.length} task(s): ${frameworkId === undefined ? 'no framework id' : `the agent is ${this.a.state}`}`);
      return;
    }
    const fw = this.a.books.framework(frameworkId, framework, undefined);
    const executorId = executor.executor_id.value;
    const fail = (state: TaskState, reason: TaskStatusReason, why: string): void => {
      for (const t of group.tasks) this.a.updates.agentUpdate(fw, executorId, t.task_id, state, reason, why);
    };
    if (group.tasks.length === 0) return;
    const duplicate = group.tasks.find((t) => this.a.books.findTask(fw, t.task_id.value));
    if (duplicate) return this.a.logger.warn(`ignoring run_task_group of ${frameworkId}: task ${duplicate.task_id.value} is already on this agent`);
    // A DEFAULT executor is the agent's own program (default-executor/); its ExecutorInfo stays as the framework gave it.
    const builtIn = executor.type === 'DEFAULT' && executor.command === undefined ? defaultExecutorLaunch(group) : undefined;
    if (builtIn instanceof Error) return fail('TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Cannot launch the default executor: ${builtIn.message}`);
    if (builtIn === undefined && !executor.command?.value) return fail('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', 'Invalid task group: its executor has no command and is not of type DEFAULT');
    let ex = fw.executors.get(executorId);
    if (ex && (ex.state === 'TERMINATING' || ex.state === 'TERMINATED')) return fail('TASK_FAILED', 'REASON_EXECUTOR_TERMINATED', `Executor ${executorId} is terminating`);
    if (ex && ex.command) return fail('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Invalid task group: ${executorId} is the id of a command task's executor`);
    if (ex && ex.pid !== undefined && ex.http === undefined) return fail('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Task groups need an executor subscribed over the v1 HTTP API; ${executorId} uses the driver`);
    ex ??= this.#launch(fw, { ...executor, framework_id: { value: frameworkId } }, builtIn);
    if (this.reachable(ex)) return this.#sendGroup(fw, ex, group.tasks);
    for (const t of group.tasks) {
      ex.queued.set(t.task_id.value, t);
      this.a.checkpoints.task(fw, ex, t);
    }
    (ex.queuedGroups ??= []).push(group.tasks.map((t) => t.task_id.value));
  }

  #sendGroup(fw: FrameworkRecord, ex: ExecutorRecord, tasks: readonly TaskInfo[]): void {
    for (const t of tasks) {
      ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.a.agentId!));
      this.a.checkpoints.task(fw, ex, t);
    }
    resizeExecutor(ex, (m) => this.a.logger.warn(m));
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
        this.#sendGroup(fw, ex, tasks);
        continue;
      }
      for (const t of tasks) {
        ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.a.agentId!));
        this.a.updates.agentUpdate(fw, ex.id, t.task_id, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', `Task groups need an executor subscribed over the v1 HTTP API; ${ex.id} registered with the driver`);
      }
    }
    const queued = [...ex.queued.values()];
    ex.queued.clear();
    for (const t of queued) this.#sendTask(fw, ex, t);
  }

  /** The agent can send to this executor: it registered (a PID) or is subscribed (an open HTTP stream). */
  reachable(ex: ExecutorRecord): boolean {
    return ex.state === 'RUNNING' && (ex.http !== undefined ? !ex.http.closed : ex.pid !== undefined);
  }

  /** A message to a custom executor: over libprocess to its PID, or as an event on its HTTP stream. */
  sendToExecutor<N extends keyof AgentToExecutor & string>(ex: ExecutorRecord, name: N, body: AgentToExecutor[N]): void {
    if (ex.http !== undefined) ex.http.send(name, body);
    else if (ex.pid !== undefined) this.a.send(ex.pid, name, body);
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
    if (ex.command || this.a.agentId === undefined || ex.state === 'TERMINATING' || ex.state === 'TERMINATED') {
      this.a.logger.warn(`executor ${ex.id} of ${fw.id} subscribed while ${ex.state}; asking it to shut down`);
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
    this.a.checkpoints.run(fw, ex);
    channel.send('registered', { executor_info: ex.info, framework_id: { value: fw.id }, framework_info: fw.info, agent_id: { value: this.a.agentId }, agent_info: this.a.agentInfo() });
    if (resubscribe) {
      const held = new Set(unackedTasks.map((t) => t.task_id.value));
      for (const t of unackedTasks) {
        if (!ex.tasks.has(t.task_id.value) && !ex.queued.has(t.task_id.value)) ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.a.agentId));
      }
      for (const u of unackedUpdates) held.add(u.task_id.value);
      this.#lostOnTheWay(fw, ex, held);
      for (const status of unackedUpdates) this.httpExecutorUpdate(fw, ex, status);
    }
    this.#flushQueued(fw, ex);
  }

  /** An UPDATE call of the v1 executor API (validated by http-executor.ts: a uuid, source SOURCE_EXECUTOR, not TASK_STAGING). */
  httpExecutorUpdate(fw: FrameworkRecord, ex: ExecutorRecord, status: TaskStatus): void {
    const update: StatusUpdate = { framework_id: { value: fw.id }, executor_id: { value: ex.id }, status, timestamp: status.timestamp ?? this.a.clock.now() / 1000 };
    if (status.uuid !== undefined) update.uuid = status.uuid;
    this.statusUpdate(update, undefined);
  }

  /** The HTTP stream of a subscribed executor closed: it may subscribe again; meanwhile new tasks wait in its queue. */
  httpExecutorDisconnected(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel): void {
    if (ex.http !== channel) return;
    if (ex.state !== 'RUNNING' && ex.state !== 'TERMINATING') return;
    // An executor whose tasks all ended closes it as it exits: not worth a warning.
    const idle = [...ex.tasks.values()].every((r) => isTerminal(r.task.state)) && ex.queued.size === 0;
    (idle ? this.a.logger.info : this.a.logger.warn).call(this.a.logger, `executor ${ex.id} of framework ${fw.id} closed its HTTP connection`);
  }

  /** Whether `ex` may report on task `taskId`: only tasks the agent gave it (or it holds after a resubscription). */
  executorOwns(ex: ExecutorRecord, taskId: string): boolean {
    return ex.tasks.has(taskId);
  }

  /** Why an actor executor's (re)registration is refused by its token, or undefined (executor-token.ts). */
  #tokenRefused(fw: FrameworkRecord, ex: ExecutorRecord, token: string | undefined, from: PID): string | undefined {
    if (!this.a.flags.authenticate_http_executors) return undefined;
    const refused = this.a.executorTokens.refuse(token, { fid: fw.id, eid: ex.id, cid: ex.containerId });
    if (refused === undefined) return undefined;
    this.a.count('slave/executor_authentication_failures');
    this.a.logger.warn(`executor registration from ${from} as ${ex.id} of ${fw.id} refused: ${refused.error}`);
    return refused.error;
  }

  register(frameworkId: string, executorId: string, token: string | undefined, from: PID<AgentToExecutor>): void {
    const fw = this.a.books.frameworks.get(frameworkId);
    const ex = fw?.executors.get(executorId);
    if (!fw || !ex || ex.command || ex.state !== 'REGISTERING' || this.a.agentId === undefined) {
      this.a.logger.warn(`executor ${executorId} of ${frameworkId} at ${from} registered unexpectedly (state ${ex?.state ?? 'unknown'}); asking it to shut down`);
      this.a.send(from, 'shutdown', {});
      return;
    }
    // Refused without a shutdown: the sender is not the executor, which may still register.
    if (this.#tokenRefused(fw, ex, token, from) !== undefined) return;
    ex.pid = from;
    ex.state = 'RUNNING';
    ex.registrationTimer?.cancel();
    this.a.link(from);
    this.a.checkpoints.run(fw, ex);
    this.a.send(from, 'registered', { executor_info: ex.info, framework_id: { value: fw.id }, framework_info: fw.info, agent_id: { value: this.a.agentId }, agent_info: this.a.agentInfo() });
    this.#flushQueued(fw, ex);
  }

  reregister(b: ExecutorToAgent['reregister'], from: PID<AgentToExecutor>): void {
    const fw = this.a.books.frameworks.get(b.framework_id.value);
    const ex = fw?.executors.get(b.executor_id.value);
    if (!fw || !ex || ex.command || this.a.agentId === undefined || ex.state === 'TERMINATING' || ex.state === 'TERMINATED') {
      this.a.send(from, 'shutdown', {});
      return;
    }
    if (this.#tokenRefused(fw, ex, b.token, from) !== undefined) return;
    ex.pid = from;
    ex.state = 'RUNNING';
    ex.registrationTimer?.cancel();
    this.a.link(from);
    this.a.checkpoints.run(fw, ex);
    for (const t of b.tasks) {
      if (!ex.tasks.has(t.task_id.value)) ex.tasks.set(t.task_id.value, newTaskRecord(t, fw.id, ex.id, this.a.agentId));
    }
    this.a.send(from, 'reregistered', { agent_id: { value: this.a.agentId }, agent_info: this.a.agentInfo() });
    this.#lostOnTheWay(fw, ex, new Set([...b.tasks.map((t) => t.task_id.value), ...b.updates.map((u) => u.status.task_id.value)]));
    for (const u of b.updates) this.statusUpdate(u, from);
  }

  /**
   * Tasks sent to a re-registering executor that it neither holds nor reports (still staging): the run_task was
   * lost on the way, as when the agent restarted before delivering it. Mesos's agent ends them the same way
   * (TASK_DROPPED, or TASK_LOST for a framework that is not partition-aware); left alone they stay STAGING for ever.
   */
  #lostOnTheWay(fw: FrameworkRecord, ex: ExecutorRecord, held: ReadonlySet<string>): void {
    for (const rec of [...ex.tasks.values()]) {
      if (rec.task.state !== 'TASK_STAGING' || held.has(rec.info.task_id.value)) continue;
      const state: TaskState = hasCapability(fw, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      this.a.updates.agentUpdate(fw, ex.id, rec.info.task_id, state, ex.recovered ? 'REASON_AGENT_RESTARTED' : 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'Task was not received by the executor before it re-registered');
    }
  }

  statusUpdate(update: StatusUpdate, from: PID<AgentToExecutor> | undefined): void {
    const fw = this.a.books.frameworks.get(update.framework_id.value);
    const exId = update.executor_id?.value ?? update.status.executor_id?.value;
    const ex = exId !== undefined ? fw?.executors.get(exId) : undefined;
    if (!fw || !ex || this.a.agentId === undefined || !update.uuid) {
      this.a.count('slave/invalid_status_updates');
      this.a.logger.warn(`dropping a status update from ${from?.toString() ?? 'an HTTP executor'} for an unknown executor or without a uuid`);
      return;
    }
    // Over the actor path the sender must be the executor's registered process, reporting one of its own tasks.
    if (from !== undefined && (ex.pid === undefined || !ex.pid.equals(from))) {
      this.a.count('slave/invalid_status_updates');
      this.a.logger.warn(`dropping a status update from ${from} claiming to be executor ${ex.id} of ${fw.id} (registered as ${ex.pid?.toString() ?? 'nobody'})`);
      return;
    }
    if (!this.executorOwns(ex, update.status.task_id.value)) {
      this.a.count('slave/invalid_status_updates');
      this.a.logger.warn(`dropping a status update from executor ${ex.id} of ${fw.id} for task ${update.status.task_id.value}, which is not its own`);
      return;
    }
    this.a.count('slave/valid_status_updates');
    const status: TaskStatus = { ...update.status, agent_id: { value: this.a.agentId }, executor_id: { value: ex.id }, uuid: update.uuid };
    if (status.source === undefined) status.source = 'SOURCE_EXECUTOR';
    const u: StatusUpdate = { ...update, executor_id: { value: ex.id }, agent_id: { value: this.a.agentId }, status };
    const ack: AgentToExecutor['ack'] = { agent_id: { value: this.a.agentId }, framework_id: u.framework_id, task_id: status.task_id, uuid: update.uuid };
    // Acknowledged to the executor only once checkpointed: the executor then forgets the update, so a crash before
    // the record is on disk would lose it (Mesos's Slave::___statusUpdate acknowledges after the update manager).
    this.a.updates.handleUpdate(fw, ex, u, () => {
      if (from !== undefined) this.a.send(from, 'ack', ack);
      else this.sendToExecutor(ex, 'ack', ack);
    });
  }

  terminated(fw: FrameworkRecord, ex: ExecutorRecord, t: ContainerTermination): void {
    ex.termination = t;
    ex.state = 'TERMINATED';
    ex.http?.close();
    this.a.nested.destroyChildren(ex.containerId);
    this.a.count('slave/executors_terminated');
    ex.registrationTimer?.cancel();
    ex.shutdownTimer?.cancel();
    const given = this.#failReason.get(ex);
    const reason: TaskStatusReason = t.limitation?.reason ?? given?.reason ?? 'REASON_EXECUTOR_TERMINATED';
    const message = t.limitation?.message ?? `${given?.message ?? 'Executor terminated'}: ${t.message}`;
    for (const info of ex.queued.values()) ex.tasks.set(info.task_id.value, newTaskRecord(info, fw.id, ex.id, this.a.agentId!));
    ex.queued.clear();
    for (const rec of ex.tasks.values()) {
      if (isTerminal(rec.task.state)) continue;
      this.a.updates.agentUpdate(fw, ex.id, rec.info.task_id, 'TASK_FAILED', reason, message);
    }
    this.a.masterLink.exitedExecutor(fw, ex, t.status?.code ?? undefined);
    this.a.books.maybeCompleteExecutor(fw, ex);
  }

  /** Mesos's Slave::shutdownExecutor for a custom executor: asked to shut down, destroyed after its grace period; one not registered yet is destroyed now. */
  shutdown(fw: FrameworkRecord, ex: ExecutorRecord): void {
    const grace = ex.info.shutdown_grace_period ? ex.info.shutdown_grace_period.nanoseconds / 1e6 : this.a.flags.executor_shutdown_grace_period;
    if (this.reachable(ex)) {
      this.sendToExecutor(ex, 'shutdown', { grace_period_seconds: grace / 1000 });
      ex.state = 'TERMINATING';
      this.#failReason.set(ex, { reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor shut down' });
      ex.shutdownTimer = this.a.delay(grace, () => {
        if (ex.state === 'TERMINATED') return;
        if (ex.container) void this.a.destroyContainer(ex.container, `executor ${ex.id}`);
      });
    } else {
      this.terminate(fw, ex, 'REASON_EXECUTOR_TERMINATED', 'Executor shut down before it registered');
    }
  }
}
