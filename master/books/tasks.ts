/**
 * Task transitions: the one place a task enters the books, changes state, or
 * leaves them. Every function changes the framework's and the agent's records
 * (their task maps and what each uses) and returns the effects (resources
 * recovered, statuses forwarded, events); no I/O, time as an argument.
 *
 *   launch ──► active (framework.tasks, agent.tasks, used)
 *   update ──► active, state from the agent; terminal: resources released
 *   end    ──► the master decides the state (agent lost, unknown on
 *              re-registration, framework removed): unreachable or completed
 *   retire ──► a terminal task whose last update was acknowledged: completed
 */
import { Resources } from '../../protocol/resources.js';
import { downgradeForLegacyFramework, isTerminal, type TaskState, type TaskStatusReason } from '../../protocol/task-states.js';
import type { Task, TaskStatus } from '../../protocol/types.js';
import type { Agent } from '../agent.js';
import type { Framework } from '../framework.js';
import type { Effect } from './effects.js';
import { constant, keptStatus } from './kept.js';
import { metricNames } from '../metric-names.js';

const stateName = metricNames('master/task_state/');

/** Statuses kept per task (the latest; /master/state shows them). */
export const STATUSES_KEPT = 16;

/** What the task transitions read of the books. */
export interface TaskBooks {
  readonly agents: ReadonlyMap<string, Agent>;
}

/** A status the master makes itself (no uuid: the scheduler does not acknowledge it). */
export function masterStatus(task: { task_id: { value: string }; agent_id?: { value: string }; executor_id?: { value: string } }, state: TaskState, reason: TaskStatusReason, message: string, nowMs: number): TaskStatus {
  return {
    task_id: { value: task.task_id.value },
    state,
    reason,
    source: 'SOURCE_MASTER',
    message,
    timestamp: nowMs / 1000,
    ...(task.agent_id ? { agent_id: { value: task.agent_id.value } } : {}),
    ...(task.executor_id ? { executor_id: { value: task.executor_id.value } } : {}),
  };
}

/** The status as the framework's scheduler must see it (legacy frameworks get TASK_LOST for the partition-aware states). */
export function forFramework(framework: Framework, status: TaskStatus): TaskStatus {
  const state = framework.partitionAware ? status.state : downgradeForLegacyFramework(status.state);
  return state === status.state ? status : { ...status, state };
}

/** A new task, sent to its agent (TASK_STAGING). */
export function launch(framework: Framework, agent: Agent, task: Task): Effect[] {
  hold(framework, agent, task);
  return [
    { kind: 'count', name: 'master/tasks_launched' },
    { kind: 'event', event: { type: 'TASK_ADDED', task } },
  ];
}

/**
 * A task an agent reports when it re-registers (from unreachable, or to a
 * master that failed over): back in the active books, in the state the agent
 * reports, as the record the master had (its statuses) when it had one.
 */
export function reported(framework: Framework, agent: Agent, task: Task): Task {
  const known = framework.tasks.get(task.task_id.value) ?? framework.unreachableTasks.get(task.task_id.value);
  const record: Task = known ?? { ...task, statuses: task.statuses ?? [] };
  record.state = task.state;
  // The update the agent is delivering (its stream's head): the agent knows it, a master that never forwarded it
  // does not. A reconciliation answer must not jump ahead of it to a terminal state (see Tasks #reconciled).
  if (task.status_update_state !== undefined) {
    record.status_update_state = task.status_update_state;
    if (task.status_update_uuid !== undefined) record.status_update_uuid = task.status_update_uuid;
    else delete record.status_update_uuid;
  }
  record.agent_id = { value: agent.id };
  hold(framework, agent, record);
  return record;
}

function hold(framework: Framework, agent: Agent, task: Task): void {
  framework.tasks.set(task.task_id.value, task);
  framework.unreachableTasks.delete(task.task_id.value);
  const onAgent = agent.tasksOf(framework.id);
  if (onAgent.get(task.task_id.value) !== task) agent.usage?.task(task.state, 1);
  onAgent.set(task.task_id.value, task);
  if (!isTerminal(task.state)) {
    const r = Resources.of(task.resources);
    framework.addUsed(agent.id, r);
    agent.addUsed(framework.id, r);
  }
}

/**
 * A status update from the task's agent: the task takes `latest` (the
 * agent's latest state; the update may be an older one being retried), the
 * status is kept once per uuid and state, resources are released when it
 * turns terminal.
 */
export function update(books: TaskBooks, framework: Framework | undefined, agent: Agent, task: Task, status: TaskStatus, latest: TaskState): Effect[] {
  const effects: Effect[] = [];
  const wasTerminal = isTerminal(task.state);
  const changed = task.state !== latest;
  if (changed && agent.tasks.get(task.framework_id.value)?.get(task.task_id.value) === task) {
    agent.usage?.task(task.state, -1);
    agent.usage?.task(latest, 1);
  }
  task.state = constant(latest);
  if (changed) {
    effects.push({ kind: 'count', name: stateName(latest) });
    effects.push({ kind: 'event', event: { type: 'TASK_UPDATED', task, status } });
  }
  // Kept in a copy of its own: the decoded update holds on to the message it came in (kept.ts).
  const kept = keptStatus(task, status);
  task.status_update_state = kept.state;
  if (kept.uuid !== undefined) task.status_update_uuid = kept.uuid;
  if (!task.statuses.some((s) => sameUuid(s.uuid, status.uuid) && s.state === status.state)) {
    task.statuses.push(kept);
    if (task.statuses.length > STATUSES_KEPT) task.statuses.splice(0, task.statuses.length - STATUSES_KEPT);
  }
  if (!wasTerminal && isTerminal(latest)) release(books, framework, agent, task, effects);
  return effects;
}

export interface Ending {
  readonly state: TaskState;
  readonly reason: TaskStatusReason;
  readonly message: string;
  readonly nowMs: number;
  /** Tell the framework (when connected). Default true. */
  readonly forward?: boolean;
  /** Give the task's resources back to the allocator (when its agent is registered). Default true; false when the allocator drops them itself (framework removed). */
  readonly recover?: boolean;
}

/**
 * The master ends a task itself: it takes `to.state` with a status of the
 * master's, releases its resources, leaves the agent's books and moves to the
 * framework's unreachable tasks (TASK_UNREACHABLE) or completed ones.
 */
export function end(books: TaskBooks, framework: Framework | undefined, agent: Agent | undefined, task: Task, to: Ending): Effect[] {
  const effects: Effect[] = [];
  const status = masterStatus(task, to.state, to.reason, to.message, to.nowMs);
  if (to.state === 'TASK_UNREACHABLE') status.unreachable_time = { nanoseconds: to.nowMs * 1e6 };
  if (!isTerminal(task.state) && agent !== undefined) release(books, framework, agent, task, effects, to.recover ?? true);
  if (agent !== undefined) leaveAgent(agent, task);
  task.state = to.state;
  task.statuses.push(status);
  if (task.statuses.length > STATUSES_KEPT) task.statuses.splice(0, task.statuses.length - STATUSES_KEPT);
  effects.push({ kind: 'event', event: { type: 'TASK_UPDATED', task, status } });
  if (framework !== undefined && framework.tasks.get(task.task_id.value) === task) {
    framework.tasks.delete(task.task_id.value);
    if (to.state === 'TASK_UNREACHABLE') framework.unreachableTasks.set(task.task_id.value, task);
    else framework.completedTasks.push(task);
  }
  if (framework !== undefined && framework.connected && (to.forward ?? true)) effects.push({ kind: 'forward', framework, status });
  return effects;
}

/** A task leaves the active books for the completed list (its terminal update was acknowledged, or needs none). */
export function retire(books: TaskBooks, framework: Framework | undefined, agent: Agent, task: Task): Effect[] {
  const effects: Effect[] = [];
  if (!isTerminal(task.state)) release(books, framework, agent, task, effects);
  leaveAgent(agent, task);
  if (framework !== undefined && framework.tasks.get(task.task_id.value) === task) {
    framework.tasks.delete(task.task_id.value);
    framework.completedTasks.push(task);
  }
  return effects;
}

function leaveAgent(agent: Agent, task: Task): void {
  const frameworkId = task.framework_id.value;
  const tasks = agent.tasks.get(frameworkId);
  if (tasks === undefined) return;
  const held = tasks.get(task.task_id.value);
  if (held !== undefined) agent.usage?.task(held.state, -1);
  tasks.delete(task.task_id.value);
  if (tasks.size === 0) agent.tasks.delete(frameworkId);
}

/** The task stopped holding resources: out of what the framework and the agent use; back to the allocator while the agent is registered. */
function release(books: TaskBooks, framework: Framework | undefined, agent: Agent, task: Task, effects: Effect[], recover = true): void {
  const resources = Resources.of(task.resources);
  framework?.removeUsed(agent.id, resources);
  agent.removeUsed(task.framework_id.value, resources);
  if (recover && (agent.active || books.agents.has(agent.id))) {
    effects.push({ kind: 'recover', frameworkId: task.framework_id.value, agentId: agent.id, resources: task.resources });
  }
}

export function sameUuid(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
