/**
 * Validation of a LAUNCH_GROUP operation (Mesos's task group rules), pure
 * like validation.ts: the group runs under one executor of type DEFAULT (the
 * agent supplies its program, so it has no command of its own) with its own
 * resources; the group has tasks, each with a unique id, a command and no
 * executor of its own, and each valid as a task of a LAUNCH; the whole group
 * (plus the executor, when it is new on the agent) fits in what is left of
 * the offers. The group is all or nothing: one error refuses every task.
 */
import { idError } from '../protocol/ids.js';
import { Resources } from '../protocol/resources.js';
import type { ExecutorInfo, OfferOperation, TaskInfo } from '../protocol/types.js';
import { allocated, checkTask, sameExecutor, type TaskContext } from './validation.js';
import { TaskIdsInUse } from './task-ids.js';

export type GroupCheck =
  | {
      readonly ok: true;
      readonly executor: ExecutorInfo;
      /** The tasks as checkTask normalizes them (agent_id set, resources allocated to the role). */
      readonly tasks: readonly { readonly task: TaskInfo; readonly resources: Resources }[];
      /** What the executor itself takes: empty when it already runs on the agent. */
      readonly executorResources: Resources;
      /** Set when the executor is not on the agent yet (the master books it). */
      readonly newExecutor: ExecutorInfo | undefined;
    }
  | { readonly ok: false; readonly error: string };

/** The task ids a LAUNCH_GROUP names, for answering every one of them (a malformed entry named ''). */
export function groupTaskIds(op: OfferOperation | undefined): { value: string }[] {
  const tasks = op?.launch_group?.task_group?.tasks;
  if (!Array.isArray(tasks)) return [];
  return tasks.map((t) => ({ value: typeof t?.task_id?.value === 'string' ? t.task_id.value : '' }));
}

/** Checks one LAUNCH_GROUP against the framework's view of the agent (`ctx`), for the framework `frameworkId`. */
export function checkTaskGroup(op: OfferOperation, frameworkId: string, ctx: TaskContext): GroupCheck {
  const launch = op.launch_group;
  if (launch === undefined || launch === null || typeof launch !== 'object') return { ok: false, error: "LAUNCH_GROUP needs 'launch_group'" };
  const group = launch.task_group;
  if (group === undefined || group === null || !Array.isArray(group.tasks)) return { ok: false, error: "'launch_group.task_group.tasks' must be a list" };
  if (group.tasks.length === 0) return { ok: false, error: 'the task group is empty' };

  const executorCheck = checkExecutor(launch.executor, frameworkId, ctx);
  if (!executorCheck.ok) return executorCheck;
  const { executor, known } = executorCheck;

  const seen = new Set<string>();
  for (const t of group.tasks) {
    const id = t?.task_id?.value;
    if (typeof id !== 'string') continue; // checkTask names it below
    if (seen.has(id)) return { ok: false, error: `task ${id} appears more than once in the group` };
    seen.add(id);
  }

  const taskIds = new TaskIdsInUse(ctx.taskIds);
  const tasks: { task: TaskInfo; resources: Resources }[] = [];
  let needed = Resources.empty();
  for (const raw of group.tasks) {
    if (raw !== null && typeof raw === 'object' && raw.executor !== undefined && raw.executor !== null) {
      return { ok: false, error: `task ${raw.task_id?.value ?? '(no id)'}: a task of a group must not name an executor (the group's executor runs it)` };
    }
    const containerType = raw?.container?.type;
    if (containerType !== undefined && containerType !== 'MESOS') return { ok: false, error: `task ${raw.task_id?.value ?? '(no id)'}: container type ${containerType} is not supported in a task group (only MESOS)` };
    // Each task on its own, against everything (so a duplicate of a running task is named); the sum is checked below.
    const result = checkTask(raw, { ...ctx, taskIds, available: ctx.available });
    if (!result.ok) return { ok: false, error: result.error };
    taskIds.add(result.task.task_id.value);
    tasks.push({ task: result.task, resources: result.taskResources });
    needed = needed.add(result.taskResources);
  }

  const executorResources = known ? Resources.empty() : executorCheck.resources;
  needed = needed.add(executorResources);
  if (!ctx.available.contains(needed)) {
    return { ok: false, error: `the task group${known ? '' : ' and its executor'} need ${needed.toString()} but the offers have ${ctx.available.toString()} left` };
  }
  return { ok: true, executor, tasks, executorResources, newExecutor: known ? undefined : executor };
}

type ExecutorCheck = { ok: true; executor: ExecutorInfo; resources: Resources; known: boolean } | { ok: false; error: string };

function checkExecutor(raw: ExecutorInfo | undefined, frameworkId: string, ctx: TaskContext): ExecutorCheck {
  if (raw === undefined || raw === null || typeof raw !== 'object') return { ok: false, error: "LAUNCH_GROUP needs 'launch_group.executor'" };
  const why = idError(raw.executor_id?.value);
  if (why !== undefined) return { ok: false, error: `executor_id ${why}` };
  const id = raw.executor_id.value;
  if (raw.type !== 'DEFAULT') return { ok: false, error: `executor ${id}: the executor of a task group must be of type DEFAULT (it is ${raw.type ?? 'unset'})` };
  if (raw.command !== undefined && raw.command !== null) return { ok: false, error: `executor ${id}: a DEFAULT executor must not have a command (the agent runs its own)` };
  if (raw.container?.mesos?.image !== undefined) return { ok: false, error: `executor ${id}: a DEFAULT executor runs on the agent's host: container.mesos.image is not supported (give the tasks their images)` };
  if (raw.framework_id !== undefined && raw.framework_id?.value !== frameworkId) {
    return { ok: false, error: `executor ${id}: framework_id ${raw.framework_id?.value} is not this framework (${frameworkId})` };
  }
  let resources: Resources;
  try {
    resources = allocated(Resources.fromJSON(raw.resources ?? [], 'executor.resources'), ctx.role);
  } catch (err) {
    return { ok: false, error: `executor ${id}: ${(err as Error).message}` };
  }
  if (resources.isEmpty()) return { ok: false, error: `executor ${id}: a DEFAULT executor needs resources of its own (cpus and mem)` };
  const wrongRole = resources.toJSON().find((r) => r.allocation_info?.role !== ctx.role);
  if (wrongRole !== undefined) return { ok: false, error: `executor ${id}: resources are allocated to role ${wrongRole.allocation_info?.role}, but the offers are for role ${ctx.role}` };
  const executor: ExecutorInfo = { ...raw, framework_id: { value: frameworkId }, resources: resources.toJSON() };
  const known = ctx.executors.get(id);
  if (known !== undefined && !sameExecutor(known, executor)) return { ok: false, error: `executor ${id} differs from the executor of that id already on agent ${ctx.agentId}` };
  return { ok: true, executor, resources, known: known !== undefined };
}
