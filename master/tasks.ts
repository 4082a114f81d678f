/**
 * Tasks at the master: launches booked, status updates from agents forwarded
 * to schedulers and their acknowledgements sent back, KILL, and
 * reconciliation with Mesos's answers. The transitions themselves are
 * books/tasks.ts; this class does their I/O.
 */
import type { StatusUpdate } from '../protocol/messages/common.js';
import type { CallKill, CallReconcile, CallAcknowledge } from '../protocol/scheduler.js';
import type { Resources } from '../protocol/resources.js';
import { isTerminal, type TaskState, type TaskStatusReason } from '../protocol/task-states.js';
import type { Task, TaskInfo, TaskStatus } from '../protocol/types.js';
import type { Agent } from './agent.js';
import * as books from './books/tasks.js';
import * as frameworkBooks from './books/frameworks.js';
import { sameUuid } from './books/tasks.js';
import type { MasterContext } from './context.js';
import type { Framework } from './framework.js';

export class Tasks {
  constructor(private readonly ctx: MasterContext) {}

  /** Books a task the master has just sent to an agent (TASK_STAGING). */
  launched(framework: Framework, agent: Agent, info: TaskInfo, resources: Resources): Task {
    const task: Task = {
      name: info.name,
      task_id: info.task_id,
      framework_id: { value: framework.id },
      ...(info.executor ? { executor_id: info.executor.executor_id } : {}),
      agent_id: { value: agent.id },
      state: 'TASK_STAGING',
      // Shared with the books and the allocator: recovered at the task's end without being parsed again.
      resources: resources.json(),
      statuses: [],
      ...(info.labels ? { labels: info.labels } : {}),
      ...(info.container ? { container: info.container } : {}),
      ...(info.health_check ? { health_check: info.health_check } : {}),
      ...(info.kill_policy ? { kill_policy: info.kill_policy } : {}),
      user: info.command?.user ?? framework.info.user,
    };
    this.ctx.apply(books.launch(framework, agent, task));
    return task;
  }

  /** A status the master makes itself (no uuid: the scheduler does not acknowledge it). */
  masterStatus(task: { task_id: { value: string }; agent_id?: { value: string }; executor_id?: { value: string } }, state: TaskState, reason: TaskStatusReason, message: string): TaskStatus {
    return books.masterStatus(task, state, reason, message, this.ctx.clock.now());
  }

  /** Sends a status to the framework's scheduler, in the states it understands. */
  send(framework: Framework, status: TaskStatus): void {
    this.ctx.toFramework(framework, 'status_update', { status: books.forFramework(framework, status) });
    this.ctx.state.count('master/status_updates_forwarded');
  }

  /** A status update from an agent: book the new state, forward it (at least once: the agent retries until acknowledged). */
  statusUpdate(update: StatusUpdate, agent: Agent | undefined): void {
    const frameworkId = update.framework_id?.value;
    const status = update.status;
    if (typeof frameworkId !== 'string' || status === undefined || typeof status.task_id?.value !== 'string') {
      this.ctx.logger.warn(`dropping a malformed status update from ${agent?.pid ?? 'an unknown agent'}`);
      this.ctx.state.count('master/invalid_status_updates');
      return;
    }
    this.ctx.state.count('master/status_updates_received');
    const framework = this.ctx.state.frameworks.get(frameworkId);
    const taskId = status.task_id.value;
    const task = framework?.tasks.get(taskId) ?? (agent ? agent.tasks.get(frameworkId)?.get(taskId) : undefined);
    // Only the agent that runs a task reports on it (and only about itself).
    const claimed = update.agent_id?.value;
    const owner = task?.agent_id?.value;
    if (agent !== undefined && ((claimed !== undefined && claimed !== agent.id) || (owner !== undefined && owner !== agent.id))) {
      this.ctx.logger.warn(`dropping a status update for task ${taskId} of ${frameworkId} from agent ${agent.id} (${agent.pid}): the task runs on agent ${owner ?? claimed}`);
      this.ctx.state.count('master/status_updates_from_wrong_agent');
      return;
    }
    if (task !== undefined && agent !== undefined) this.ctx.apply(books.update(this.ctx.state, framework, agent, task, status, update.latest_state ?? status.state));
    if (framework === undefined) {
      this.ctx.logger.warn(`status update for task ${taskId} of unknown framework ${frameworkId}`);
      // A removed framework: the agent missed (or has not acted on) its shutdown and would resend this forever.
      if (agent !== undefined && this.ctx.state.removedFrameworkIds.has(frameworkId)) this.ctx.apply(frameworkBooks.removedReported(agent, frameworkId));
      return;
    }
    if (task === undefined && agent !== undefined && status.uuid !== undefined && framework.completedTasks.someWithKey(taskId, (t) => t.agent_id.value === agent.id)) {
      // The task ended and its terminal update was acknowledged: this is an older update the agent resends because it
      // lost an acknowledgement in a crash (its ACK records are not fsync'ed). Forwarded, it would show the framework
      // the task going back from its terminal state: acknowledged here instead.
      this.ctx.toAgent(agent, 'status_update_acknowledgement', { agent_id: { value: agent.id }, framework_id: { value: frameworkId }, task_id: status.task_id, uuid: status.uuid });
      this.ctx.state.count('master/stale_updates_acknowledged');
      return;
    }
    if (!framework.connected) return; // the agent retries until the framework is back
    this.send(framework, status.uuid !== undefined ? status : { ...status });
    // A terminal update without uuid needs no acknowledgement: done.
    if (task !== undefined && agent !== undefined && status.uuid === undefined && isTerminal(task.state)) this.remove(framework, agent, task);
  }

  /** The framework acknowledged an update: tell the agent; a terminal task whose last update it was is removed. */
  acknowledge(framework: Framework, call: CallAcknowledge): string | undefined {
    const agentId = call.agent_id?.value;
    const taskId = call.task_id?.value;
    if (typeof agentId !== 'string' || typeof taskId !== 'string' || !(call.uuid instanceof Uint8Array)) {
      return 'ACKNOWLEDGE needs agent_id, task_id and uuid';
    }
    const agent = this.ctx.state.agents.get(agentId);
    if (agent === undefined) return `ACKNOWLEDGE for task ${taskId}: agent ${agentId} is not registered`;
    this.ctx.toAgent(agent, 'status_update_acknowledgement', { agent_id: { value: agentId }, framework_id: { value: framework.id }, task_id: { value: taskId }, uuid: call.uuid });
    this.ctx.state.count('master/status_update_acknowledgements');
    const task = framework.tasks.get(taskId);
    if (task !== undefined && sameUuid(task.status_update_uuid, call.uuid) && task.status_update_state !== undefined && isTerminal(task.status_update_state)) {
      this.remove(framework, agent, task);
    }
    return undefined;
  }

  kill(framework: Framework, call: CallKill): void {
    const taskId = call.task_id?.value;
    if (typeof taskId !== 'string') {
      this.ctx.toFramework(framework, 'error', { message: 'KILL needs task_id' });
      return;
    }
    const task = framework.tasks.get(taskId);
    if (task === undefined) {
      // Unknown here: answer with what reconciliation knows (Mesos does the same).
      this.reconcile(framework, { tasks: [{ task_id: { value: taskId }, ...(call.agent_id ? { agent_id: call.agent_id } : {}) }] });
      return;
    }
    const agent = this.ctx.state.agents.get(task.agent_id.value);
    if (agent === undefined || !agent.connected) {
      this.ctx.logger.warn(`cannot kill task ${taskId} of ${framework.id} now: agent ${task.agent_id.value} is not connected`);
      return;
    }
    this.ctx.toAgent(agent, 'kill_task', { framework_id: { value: framework.id }, task_id: { value: taskId }, ...(call.kill_policy ? { kill_policy: call.kill_policy } : task.kill_policy ? { kill_policy: task.kill_policy } : {}) });
    this.ctx.state.count('master/tasks_kill_requested');
  }

  /**
   * A reconciliation answer: the latest state, with the latest health check result as Mesos gives it (a restarted
   * scheduler needs it). But while the agent still delivers older updates of a task that has ended (its update stream
   * is at a non-terminal one), the answer is the state of the update being delivered: answering the terminal state
   * now would have the framework see the task go back from it when the older updates arrive.
   */
  #reconciled(task: Task): TaskStatus {
    const healthy = task.statuses.findLast((s) => s.healthy !== undefined)?.healthy;
    const delivering = task.status_update_state;
    const state = isTerminal(task.state) && delivering !== undefined && !isTerminal(delivering) ? delivering : task.state;
    return { ...this.masterStatus(task, state, 'REASON_RECONCILIATION', 'Reconciliation: latest task state'), ...(healthy !== undefined ? { healthy } : {}) };
  }

  /** Explicit (tasks named) or implicit (none named: every task's latest state) reconciliation. */
  reconcile(framework: Framework, call: CallReconcile): void {
    const named = call.tasks ?? [];
    this.ctx.state.count('master/reconciliations');
    if (named.length === 0) {
      for (const task of framework.tasks.values()) this.send(framework, this.#reconciled(task));
      for (const task of framework.unreachableTasks.values()) this.send(framework, this.#unreachable(task));
      return;
    }
    for (const { task_id, agent_id } of named) {
      const taskId = task_id?.value;
      if (typeof taskId !== 'string') continue;
      const agentId = agent_id?.value;
      const task = framework.tasks.get(taskId);
      if (task !== undefined) {
        this.send(framework, this.#reconciled(task));
        continue;
      }
      const unreachable = framework.unreachableTasks.get(taskId);
      if (unreachable !== undefined) {
        this.send(framework, this.#unreachable(unreachable));
        continue;
      }
      // Its agent is known from the registry but has not re-registered with this leader yet (a failover): it may
      // well run the task, so no answer now (Mesos does the same); the framework asks again, the agent tells.
      if (agentId !== undefined && this.ctx.pendingAgent?.(agentId) === true) continue;
      const ids = { task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) };
      let state: TaskState;
      let message: string;
      if (agentId === undefined) {
        state = 'TASK_UNKNOWN';
        message = 'Reconciliation: task is unknown';
      } else if (this.ctx.state.agents.has(agentId)) {
        state = 'TASK_GONE';
        message = 'Reconciliation: task is unknown to the agent';
      } else if (this.ctx.state.unreachableAgents.has(agentId)) {
        state = 'TASK_UNREACHABLE';
        message = 'Reconciliation: task is on an unreachable agent';
      } else if (this.ctx.state.goneAgents.has(agentId)) {
        state = 'TASK_GONE';
        message = 'Reconciliation: the agent is gone';
      } else {
        state = 'TASK_UNKNOWN';
        message = 'Reconciliation: task is unknown';
      }
      this.send(framework, this.masterStatus(ids, state, 'REASON_RECONCILIATION', message));
    }
  }

  /** Moves a terminal task out of the active books into the completed list. */
  remove(framework: Framework | undefined, agent: Agent, task: Task): void {
    this.ctx.apply(books.retire(this.ctx.state, framework, agent, task));
  }

  #unreachable(task: Task): TaskStatus {
    return this.masterStatus(task, 'TASK_UNREACHABLE', 'REASON_RECONCILIATION', 'Reconciliation: task is on an unreachable agent');
  }
}

