/**
 * LAUNCH_GROUP carried out (Mesos's Master::_accept for task groups): the
 * group is checked (validation-group.ts) and authorized as a whole; a group
 * refused answers TASK_ERROR for every one of its tasks (its resources stay
 * with the offers and go back to the allocator with what is unused). An
 * accepted group books its executor (when new on the agent) and its tasks
 * through the books, then goes to the agent as one `run_task_group`.
 *
 *   ACCEPT ─► checkTaskGroup ─► authorize ─► books: executor, tasks (STAGING) ─► agent: run_task_group
 *                 │ invalid          │ refused
 *                 └────────► TASK_ERROR for every task ◄┘
 */
import type { Resources } from '../protocol/resources.js';
import type { TaskStatusReason } from '../protocol/task-states.js';
import type { ExecutorInfo, OfferOperation } from '../protocol/types.js';
import type { Agent } from './agent.js';
import * as executorBooks from './books/executors.js';
import type { MasterContext } from './context.js';
import type { Framework } from './framework.js';
import type { Tasks } from './tasks.js';
import type { TaskIdsInUse } from './task-ids.js';
import { checkTaskGroup, groupTaskIds } from './validation-group.js';

export interface GroupLaunchScope {
  readonly role: string;
  /** Task ids in use (the framework's, plus those launched earlier in this ACCEPT): the group's are added. */
  readonly taskIds: TaskIdsInUse;
  /** The framework's executors on the agent (plus those launched earlier in this ACCEPT): a new one is added. */
  readonly executors: Map<string, ExecutorInfo>;
}

/** Carries out one LAUNCH_GROUP; returns what is left of the offers' resources. */
export function launchGroup(ctx: MasterContext, tasks: Tasks, framework: Framework, agent: Agent, op: OfferOperation, scope: GroupLaunchScope, available: Resources): Resources {
  const refuse = (reason: TaskStatusReason, message: string): Resources => {
    for (const taskId of groupTaskIds(op)) {
      tasks.send(framework, tasks.masterStatus({ task_id: taskId, agent_id: { value: agent.id } }, 'TASK_ERROR', reason, message));
    }
    return available;
  };
  const check = checkTaskGroup(op, framework.id, { agentId: agent.id, role: scope.role, taskIds: scope.taskIds, executors: scope.executors, available });
  if (!check.ok) {
    ctx.state.count('master/invalid_task_groups');
    return refuse('REASON_TASK_GROUP_INVALID', `Invalid task group: ${check.error}`);
  }
  // run_tasks: the framework's principal may run each task as its user (CommandInfo.user, else FrameworkInfo.user).
  for (const { task } of check.tasks) {
    const user = task.command?.user ?? framework.info.user;
    const allowed = ctx.authorizer.authorize('run_tasks', framework.info.principal, user);
    if (!allowed.allowed) {
      ctx.state.count('master/unauthorized_task_groups');
      return refuse('REASON_TASK_GROUP_UNAUTHORIZED', `Task group not authorized: task ${task.task_id.value}: ${allowed.message}`);
    }
  }
  let left = available.subtract(check.executorResources);
  if (check.newExecutor !== undefined) {
    scope.executors.set(check.newExecutor.executor_id.value, check.newExecutor);
    ctx.apply(executorBooks.launch(framework, agent, check.newExecutor, check.executorResources));
  }
  for (const { task, resources } of check.tasks) {
    left = left.subtract(resources);
    scope.taskIds.add(task.task_id.value);
    tasks.launched(framework, agent, { ...task, executor: check.executor }, resources);
  }
  ctx.state.count('master/task_groups_launched');
  ctx.toAgent(agent, 'run_task_group', {
    framework: { ...framework.info, id: { value: framework.id } },
    executor: check.executor,
    task_group: { tasks: check.tasks.map((t) => t.task) },
  });
  return left;
}
