// checkTaskGroup as a pure function: Mesos's task group rules against a
// framework's view of an agent (executors already there, task ids in use,
// what is left of the offers), each refusal naming what was wrong.
import { describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import type { ExecutorInfo, OfferOperation, TaskInfo } from '../../protocol/types.js';
import { checkTaskGroup, groupTaskIds } from '../validation-group.js';
import type { TaskContext } from '../validation.js';

const R = (text: string) => Resources.parse(text).toJSON();
const executor: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'pod' }, resources: R('cpus:0.1;mem:32') };
const task = (id: string, r = 'cpus:1;mem:64', extra: Partial<TaskInfo> = {}): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'S0' }, resources: R(r), command: { value: 'true' }, ...extra });
const op = (tasks: TaskInfo[], ex: ExecutorInfo = executor): OfferOperation => ({ type: 'LAUNCH_GROUP', launch_group: { executor: ex, task_group: { tasks } } });
const ctx = (extra: Partial<TaskContext> = {}): TaskContext => ({ agentId: 'S0', role: '*', taskIds: new Set(), executors: new Map(), available: Resources.parse('cpus:4;mem:1024').allocate('*'), ...extra });
const error = (o: OfferOperation, c: TaskContext = ctx()): string => {
  const r = checkTaskGroup(o, 'F1', c);
  return r.ok ? 'ok' : r.error;
};

describe('checkTaskGroup', () => {
  test('a valid group: tasks normalized, the executor booked once with its framework id', () => {
    const r = checkTaskGroup(op([task('a'), task('b')]), 'F1', ctx());
    if (!r.ok) throw new Error(r.error);
    expect(r.tasks.map((t) => t.task.task_id.value)).toEqual(['a', 'b']);
    expect(r.tasks.every((t) => t.task.resources!.every((x) => x.allocation_info?.role === '*'))).toBe(true);
    expect(r.newExecutor?.framework_id).toEqual({ value: 'F1' });
    expect(r.executorResources.unallocate().equals(Resources.parse('cpus:0.1;mem:32'))).toBe(true);
    // The same executor already on the agent: reused, nothing more taken for it.
    const again = checkTaskGroup(op([task('c')]), 'F1', ctx({ executors: new Map([['pod', r.newExecutor!]]) }));
    expect(again.ok && again.newExecutor === undefined && again.executorResources.isEmpty()).toBe(true);
  });

  test('the executor: DEFAULT, no command, its own resources, this framework, the same as one of its id on the agent', () => {
    expect(error(op([task('a')], { ...executor, type: undefined }))).toBe('executor pod: the executor of a task group must be of type DEFAULT (it is unset)');
    expect(error(op([task('a')], { ...executor, framework_id: { value: 'F2' } }))).toBe('executor pod: framework_id F2 is not this framework (F1)');
    expect(error(op([task('a')], { ...executor, container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' } } } } }))).toMatch(/^executor pod: a DEFAULT executor runs on the agent's host: container\.mesos\.image is not supported/);
    expect(error(op([task('a')], { ...executor, executor_id: { value: '' } }))).toMatch(/^executor_id /);
    expect(error(op([task('a')], { ...executor, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }))).toMatch(/^executor pod: /);
    const other = { ...executor, name: 'other', framework_id: { value: 'F1' } };
    expect(error(op([task('a')]), ctx({ executors: new Map([['pod', other]]) }))).toBe('executor pod differs from the executor of that id already on agent S0');
    const { executor: _dropped, ...noExecutor } = op([task('a')]).launch_group!;
    expect(error({ type: 'LAUNCH_GROUP', launch_group: noExecutor as never })).toBe("LAUNCH_GROUP needs 'launch_group.executor'");
    expect(error({ type: 'LAUNCH_GROUP' })).toBe("LAUNCH_GROUP needs 'launch_group'");
  });

  test('the tasks: ids in use, other roles, other container types, the sum of the group', () => {
    expect(error(op([task('a')]), ctx({ taskIds: new Set(['a']) }))).toBe('task a: the task id is already in use');
    expect(error(op([task('a', 'cpus:1', { container: { type: 'DOCKER' } })]))).toBe('task a: container type DOCKER is not supported in a task group (only MESOS)');
    expect(error(op([task('a', 'cpus:1', { agent_id: { value: 'S9' } })]))).toBe('task a: agent_id S9 is not the agent of the offers (S0)');
    // Each task fits alone, the group with its executor does not.
    expect(error(op([task('a', 'cpus:2'), task('b', 'cpus:2')]))).toMatch(/^the task group and its executor need cpus.*:4\.1.* but the offers have /);
    const offered = Resources.parse('cpus:1;mem:64').allocate('web');
    // Bare resources take the offers' role; an executor allocated to another role is refused.
    expect(error(op([task('a', 'cpus:0.5;mem:16')]), ctx({ role: 'web', available: offered }))).toBe('ok');
    expect(error(op([task('a', 'cpus:0.5;mem:16')], { ...executor, resources: Resources.parse('cpus:0.1').allocate('db').toJSON() }), ctx({ role: 'web', available: offered }))).toBe('executor pod: resources are allocated to role db, but the offers are for role web');
  });

  test('groupTaskIds names every task, a malformed one as the empty id', () => {
    expect(groupTaskIds(op([task('a'), { name: 'x' } as TaskInfo]))).toEqual([{ value: 'a' }, { value: '' }]);
    expect(groupTaskIds(undefined)).toEqual([]);
    expect(groupTaskIds({ type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: 'no' as never } } })).toEqual([]);
  });
});
