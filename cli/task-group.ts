/**
 * `mesos-ts execute --task_group=<file.json>`, the pure part: the file is
 * Mesos's TaskGroupInfo JSON (`{"tasks": [{"name", "task_id", "resources",
 * "command"}, ...]}`, as mesos-execute reads it), checked through the
 * protocol's schema (errors name the field); an offer that holds every
 * task's resources plus the default executor's becomes one LAUNCH_GROUP.
 */
import { readFileSync } from 'node:fs';
import { take, toResources } from '../framework/scheduler/index.js';
import { decode } from '../protocol/json/index.js';
import { Resources } from '../protocol/resources.js';
import type { Offer, OfferOperation, TaskGroupInfo, TaskInfo } from '../protocol/types.js';

/** Reads and checks the task group file (`file://` allowed). The tasks' agent_id is filled in at launch. */
export function readTaskGroup(path: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): TaskGroupInfo {
  const file = path.replace(/^file:\/\//, '');
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    throw new Error(`--task_group=${path}: cannot be read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`--task_group=${path}: not JSON (${(e as Error).message})`);
  }
  // agent_id is required by TaskInfo's schema but is the offer's to give: a placeholder until then.
  const tasks = (json as { tasks?: unknown } | null)?.tasks;
  const withAgent = Array.isArray(tasks) ? { ...(json as object), tasks: tasks.map((t: unknown) => (t !== null && typeof t === 'object' && !('agent_id' in t) ? { ...t, agent_id: { value: '' } } : t)) } : json;
  let group: TaskGroupInfo;
  try {
    group = decode('TaskGroupInfo', withAgent);
  } catch (e) {
    throw new Error(`--task_group=${path}: ${(e as Error).message}`);
  }
  if (group.tasks.length === 0) throw new Error(`--task_group=${path}: 'tasks' is empty`);
  const ids = new Set<string>();
  for (const [i, t] of group.tasks.entries()) {
    if (t.command === undefined) throw new Error(`--task_group=${path}: tasks[${i}] (${t.task_id.value}) has no 'command'`);
    if (t.executor !== undefined) throw new Error(`--task_group=${path}: tasks[${i}] (${t.task_id.value}) must not have an 'executor' (the group runs under the default executor)`);
    if (ids.has(t.task_id.value)) throw new Error(`--task_group=${path}: task id '${t.task_id.value}' appears twice`);
    ids.add(t.task_id.value);
  }
  return group;
}

/** --env for every task of the group (a task's own variables of the same name win). */
export function withEnvironment(group: TaskGroupInfo, env: Readonly<Record<string, string>>): TaskGroupInfo {
  if (Object.keys(env).length === 0) return group;
  return {
    tasks: group.tasks.map((t) => {
      const own = t.command?.environment?.variables ?? [];
      const names = new Set(own.map((v) => v.name));
      const added = Object.entries(env).filter(([name]) => !names.has(name)).map(([name, value]) => ({ name, value }));
      return { ...t, command: { ...t.command, environment: { variables: [...added, ...own] } } };
    }),
  };
}

/** The LAUNCH_GROUP for `offer`, or undefined when the offer cannot hold the group and its executor. */
export function launchGroupOperation(group: TaskGroupInfo, offer: Offer, executorId: string, executorResources: string): OfferOperation | undefined {
  let left = toResources(offer.resources);
  const take1 = (wanted: Resources): Resources | undefined => {
    const got = take(left, wanted);
    if (got !== undefined) left = left.subtract(got);
    return got;
  };
  const executorTaken = take1(toResources(executorResources));
  if (executorTaken === undefined) return undefined;
  const tasks: TaskInfo[] = [];
  for (const t of group.tasks) {
    const got = take1(Resources.of(t.resources ?? []));
    if (got === undefined) return undefined;
    tasks.push({ ...t, agent_id: offer.agent_id, resources: got.toJSON() });
  }
  return { type: 'LAUNCH_GROUP', launch_group: { executor: { type: 'DEFAULT', executor_id: { value: executorId }, resources: executorTaken.toJSON() }, task_group: { tasks } } };
}
