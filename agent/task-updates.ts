/**
 * Task status updates as the agent makes and routes them (Mesos's
 * Slave::statusUpdate, forward, statusUpdateAcknowledgement): each update is
 * recorded in its task, journaled and sent by the StatusUpdateManager
 * (status-updates.ts: checkpointed before it is sent, retried until
 * acknowledged), forwarded to the master with the task's latest state, and
 * its acknowledgement may complete the task's executor. Also the answer to
 * the master's reconciliation of a task unknown here.
 *
 *   command tasks, executors ─► executorUpdate / agentUpdate / handleUpdate
 *       ─► StatusUpdateManager ─► forward ─► master ─► acknowledgement ─► books
 */
import { uuidBytes } from '../protocol/ids.js';
import type { StatusUpdate } from '../protocol/messages/common.js';
import { isTerminal, type TaskState, type TaskStatusReason, type TaskStatusSource } from '../protocol/task-states.js';
import type { TaskID, TaskStatus } from '../protocol/types.js';
import type { AgentCore } from './core.js';
import { resizeExecutor } from './executor-resize.js';
import { hasCapability, recordStatus, type ExecutorRecord, type FrameworkRecord, type TaskRecord } from './state.js';

export class TaskUpdates {
  constructor(private readonly a: AgentCore) {}

  /** An update the agent itself plays the executor for (source SOURCE_EXECUTOR). */
  executorUpdate(fw: FrameworkRecord, ex: ExecutorRecord, rec: TaskRecord, state: TaskState, extra: Partial<TaskStatus> = {}): void {
    this.#update(fw, ex, rec.info.task_id, state, 'SOURCE_EXECUTOR', extra);
  }

  /** An update the agent generates (source SOURCE_AGENT). */
  agentUpdate(fw: FrameworkRecord, executorId: string, taskId: TaskID, state: TaskState, reason: TaskStatusReason | undefined, message: string): void {
    const ex = fw.executors.get(executorId);
    const extra: Partial<TaskStatus> = { message };
    if (reason) extra.reason = reason;
    this.#update(fw, ex, taskId, state, 'SOURCE_AGENT', extra, executorId);
  }

  #update(fw: FrameworkRecord, ex: ExecutorRecord | undefined, taskId: TaskID, state: TaskState, source: TaskStatusSource, extra: Partial<TaskStatus>, executorId?: string): void {
    const a = this.a;
    if (a.agentId === undefined) return;
    const uuid = uuidBytes(() => a.random.float());
    const exId = ex?.id ?? executorId;
    const status: TaskStatus = { task_id: taskId, state, source, agent_id: { value: a.agentId }, timestamp: a.clock.now() / 1000, uuid, ...extra };
    if (exId !== undefined) status.executor_id = { value: exId };
    const update: StatusUpdate = { framework_id: { value: fw.id }, agent_id: { value: a.agentId }, status, timestamp: status.timestamp!, uuid };
    if (exId !== undefined) update.executor_id = { value: exId };
    this.handleUpdate(fw, ex, update);
  }

  /** Records the status in the task and hands the update to the status update manager (checkpointed first). */
  handleUpdate(fw: FrameworkRecord, ex: ExecutorRecord | undefined, update: StatusUpdate, checkpointed?: () => void): void {
    const taskId = update.status.task_id.value;
    const rec = ex?.tasks.get(taskId);
    const wasTerminal = rec !== undefined && isTerminal(rec.task.state);
    if (rec && !isTerminal(rec.task.state)) recordStatus(rec, update.status);
    if (isTerminal(update.status.state) && !wasTerminal) {
      this.a.count(`slave/${update.status.state.replace(/^TASK_/, 'tasks_').toLowerCase()}`);
      // A custom executor's container shrinks with the task that ended (executor-resize.ts).
      if (ex) resizeExecutor(ex, (m) => this.a.logger.warn(m));
    }
    const place = ex && rec ? this.a.checkpoints.updatesPlace(fw, ex) : undefined;
    this.a.sum.update(update, place, checkpointed);
  }

  /** The StatusUpdateManager sends the head of a task's stream. */
  forward(update: StatusUpdate): void {
    const a = this.a;
    const fw = a.books.frameworks.get(update.framework_id.value);
    const exId = update.executor_id?.value;
    const rec = exId !== undefined ? fw?.executors.get(exId)?.tasks.get(update.status.task_id.value) : undefined;
    if (rec !== undefined) {
      // The update being delivered (Mesos's Slave::forward): what the task reports as its status update state.
      rec.task.status_update_state = update.status.state;
      if (update.uuid !== undefined) rec.task.status_update_uuid = update.uuid;
    }
    const u: StatusUpdate = { ...update, latest_state: rec?.task.state ?? update.status.state };
    a.send(a.master, 'status_update', { update: u, pid: a.pid.toString() });
  }

  acknowledgement(frameworkId: string, taskId: string, uuid: Uint8Array): void {
    const a = this.a;
    const { update, ended } = a.sum.acknowledge(frameworkId, taskId, uuid);
    if (!update) return; // unknown or duplicate
    const fw = a.books.frameworks.get(frameworkId);
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
    a.books.maybeCompleteExecutor(fw, ex);
  }

  /** The master's reconciliation of one task: a task unknown here is reported lost. */
  reconcile(frameworkId: string, taskId: TaskID): void {
    const a = this.a;
    const fw = a.books.frameworks.get(frameworkId);
    if (fw && a.books.findTask(fw, taskId.value)) return; // known: its updates flow as usual
    if (!fw || a.agentId === undefined) {
      // Unknown framework: a one-shot update (nothing to checkpoint it under).
      if (a.agentId === undefined) return;
      const uuid = uuidBytes(() => a.random.float());
      const status: TaskStatus = { task_id: taskId, state: 'TASK_LOST', source: 'SOURCE_AGENT', reason: 'REASON_RECONCILIATION', message: 'Task unknown to the agent', agent_id: { value: a.agentId }, uuid, timestamp: a.clock.now() / 1000 };
      a.send(a.master, 'status_update', { update: { framework_id: { value: frameworkId }, agent_id: { value: a.agentId }, status, timestamp: status.timestamp!, uuid, latest_state: 'TASK_LOST' }, pid: a.pid.toString() });
      return;
    }
    const state: TaskState = hasCapability(fw, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
    this.agentUpdate(fw, taskId.value, taskId, state, 'REASON_RECONCILIATION', 'Task unknown to the agent');
  }
}
