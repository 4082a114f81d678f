// `execute --task_group`, the pure part: the TaskGroupInfo file checked through the schema with
// errors naming the field, and an offer turned into one LAUNCH_GROUP (or not, when too small).
import { describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import type { Offer } from '../../protocol/types.js';
import { launchGroupOperation, readTaskGroup, withEnvironment } from '../task-group.js';

const file = (json: unknown) => () => JSON.stringify(json);
const task = (id: string, r = 'cpus:0.5;mem:64') => ({ name: id, task_id: { value: id }, resources: Resources.parse(r).toJSON(), command: { value: 'true' } });
const offer = (r: string): Offer => ({ id: { value: 'O1' }, framework_id: { value: 'F1' }, agent_id: { value: 'S1' }, hostname: 'h', resources: Resources.parse(r).allocate('*').toJSON() });

describe('readTaskGroup', () => {
  test('reads Mesos TaskGroupInfo JSON; agent_id comes later', () => {
    const g = readTaskGroup('pod.json', file({ tasks: [task('a'), task('b')] }));
    expect(g.tasks.map((t) => t.task_id.value)).toEqual(['a', 'b']);
  });

  test('errors name the file and what is wrong', () => {
    expect(() => readTaskGroup('x.json', () => { throw new Error('ENOENT'); })).toThrow('--task_group=x.json: cannot be read (ENOENT)');
    expect(() => readTaskGroup('x.json', () => '{')).toThrow(/^--task_group=x\.json: not JSON/);
    expect(() => readTaskGroup('x.json', file({ tasks: [] }))).toThrow("--task_group=x.json: 'tasks' is empty");
    expect(() => readTaskGroup('x.json', file({ tasks: [{ name: 'a', command: { value: 'true' } }] }))).toThrow(/^--task_group=x\.json: tasks\[0\]\.task_id: missing required field/);
    expect(() => readTaskGroup('x.json', file({ tasks: [{ ...task('a'), command: undefined }] }))).toThrow("--task_group=x.json: tasks[0] (a) has no 'command'");
    expect(() => readTaskGroup('x.json', file({ tasks: [task('a'), task('a')] }))).toThrow("--task_group=x.json: task id 'a' appears twice");
    expect(() => readTaskGroup('x.json', file({ tasks: [{ ...task('a'), executor: { executor_id: { value: 'e' } } }] }))).toThrow(/must not have an 'executor'/);
  });
});

describe('launchGroupOperation', () => {
  test('every task and the executor taken from the offer, or undefined when it is too small', () => {
    const g = readTaskGroup('pod.json', file({ tasks: [task('a'), task('b')] }));
    const op = launchGroupOperation(g, offer('cpus:2;mem:256'), 'pod-executor', 'cpus:0.1;mem:32')!;
    expect(op.type).toBe('LAUNCH_GROUP');
    expect(op.launch_group!.executor).toMatchObject({ type: 'DEFAULT', executor_id: { value: 'pod-executor' } });
    expect(op.launch_group!.task_group.tasks.map((t) => [t.task_id.value, t.agent_id.value])).toEqual([['a', 'S1'], ['b', 'S1']]);
    expect(op.launch_group!.task_group.tasks[0]!.resources!.every((r) => r.allocation_info?.role === '*')).toBe(true);
    expect(launchGroupOperation(g, offer('cpus:1;mem:256'), 'pod-executor', 'cpus:0.1;mem:32')).toBeUndefined();
  });
});

describe('withEnvironment', () => {
  test("--env reaches every task; a task's own variable of the same name wins", () => {
    const g = readTaskGroup('pod.json', file({ tasks: [task('a'), { ...task('b'), command: { value: 'true', environment: { variables: [{ name: 'WHO', value: 'b itself' }] } } }] }));
    const out = withEnvironment(g, { WHO: 'the group', N: '1' });
    expect(out.tasks[0]!.command!.environment!.variables).toEqual([{ name: 'WHO', value: 'the group' }, { name: 'N', value: '1' }]);
    expect(out.tasks[1]!.command!.environment!.variables).toEqual([{ name: 'N', value: '1' }, { name: 'WHO', value: 'b itself' }]);
    expect(withEnvironment(g, {})).toBe(g);
  });
});
