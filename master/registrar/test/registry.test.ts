import { describe, test, expect } from '@jest/globals';
import { apply, decodeEntry, decodeSnapshot, emptyRegistry, encodeEntry, encodeSnapshot, rebuild, COMPLETED_TASKS_KEPT, type Operation } from '../registry.js';
import type { Task } from '../../../protocol/types.js';

const agent = (id: string) => ({ id, info: { hostname: `h-${id}`, resources: [] }, pid: `slave(1)@10.0.0.1:${id.length + 5000}`, registeredAt: 1 });
const framework = (id: string) => ({ id, info: { user: 'u', name: id, id: { value: id } }, registeredAt: 2 });
const task = (fw: string, id: string, state: Task['state'], agentId = 'a1'): Task => ({ name: id, task_id: { value: id }, framework_id: { value: fw }, agent_id: { value: agentId }, state, resources: [], statuses: [{ task_id: { value: id }, state, uuid: new Uint8Array([1, 2, 3]) }] });

describe('the registry state machine', () => {
  test('agents: admitted, unreachable, back, gone (and refused once gone)', () => {
    const r = emptyRegistry();
    apply(r, { op: 'admit_agent', agent: agent('a1') });
    apply(r, { op: 'admit_agent', agent: agent('a2') });
    expect([...r.agents.keys()]).toEqual(['a1', 'a2']);
    apply(r, { op: 'agent_unreachable', id: 'a1', at: 10 });
    expect(r.agents.has('a1')).toBe(false);
    expect(r.unreachable.get('a1')?.at).toBe(10);
    apply(r, { op: 'admit_agent', agent: agent('a1') });
    expect(r.agents.has('a1')).toBe(true);
    expect(r.unreachable.size).toBe(0);
    apply(r, { op: 'tasks', tasks: [task('f1', 't1', 'TASK_RUNNING', 'a2')] });
    apply(r, { op: 'agent_gone', id: 'a2', at: 20 });
    expect(r.agents.has('a2')).toBe(false);
    expect(r.gone.get('a2')).toBe(20);
    expect(r.tasks.size).toBe(0);
    apply(r, { op: 'admit_agent', agent: agent('a2') });
    expect(r.agents.has('a2')).toBe(false);
    // Unknown ids are no-ops.
    apply(r, { op: 'agent_unreachable', id: 'nope', at: 1 });
    expect(r.unreachable.size).toBe(0);
  });

  test('frameworks and tasks: running kept, terminal moved to a bounded completed list, removal drops both and is final', () => {
    const r = emptyRegistry();
    apply(r, { op: 'add_framework', framework: framework('f1') });
    apply(r, { op: 'tasks', tasks: [task('f1', 't1', 'TASK_STAGING'), task('f1', 't2', 'TASK_RUNNING')] });
    apply(r, { op: 'tasks', tasks: [task('f1', 't1', 'TASK_RUNNING')] });
    expect(r.tasks.get('f1/t1')?.state).toBe('TASK_RUNNING');
    apply(r, { op: 'tasks', tasks: [task('f1', 't1', 'TASK_FINISHED')] });
    expect(r.tasks.has('f1/t1')).toBe(false);
    expect(r.completed.get('f1')?.map((t) => t.task_id.value)).toEqual(['t1']);
    for (let i = 0; i < COMPLETED_TASKS_KEPT + 5; i++) apply(r, { op: 'tasks', tasks: [task('f1', `c${i}`, 'TASK_FAILED')] });
    expect(r.completed.get('f1')).toHaveLength(COMPLETED_TASKS_KEPT);
    apply(r, { op: 'remove_framework', id: 'f1', at: 5 });
    expect(r.frameworks.size + r.tasks.size + r.completed.size).toBe(0);
    apply(r, { op: 'add_framework', framework: framework('f1') });
    apply(r, { op: 'tasks', tasks: [task('f1', 't9', 'TASK_RUNNING')] });
    expect(r.frameworks.size + r.tasks.size).toBe(0);
  });

  test('weights and quota', () => {
    const r = emptyRegistry();
    apply(r, { op: 'weights', weights: { eng: 2, ads: 1 } });
    apply(r, { op: 'weights', weights: { eng: 3 } });
    expect(Object.fromEntries(r.weights)).toEqual({ eng: 3, ads: 1 });
    apply(r, { op: 'quota', role: 'eng', quota: { guarantees: { cpus: 2 }, limits: {} } });
    expect(r.quotas.get('eng')?.guarantees).toEqual({ cpus: 2 });
    apply(r, { op: 'quota', role: 'eng', quota: { guarantees: {}, limits: {} } });
    expect(r.quotas.size).toBe(0);
  });

  test('entries and snapshots round-trip; rebuild = snapshot + entries after it; bad entries are named', () => {
    const ops: Operation[][] = [
      [{ op: 'admit_agent', agent: agent('a1') }, { op: 'add_framework', framework: framework('f1') }],
      [{ op: 'tasks', tasks: [task('f1', 't1', 'TASK_RUNNING')] }, { op: 'weights', weights: { eng: 2 } }],
      [{ op: 'agent_gone', id: 'zz', at: 3 }],
    ];
    const entries = ops.map((o, i) => ({ index: i + 2, term: 1, data: encodeEntry(o) }));
    expect(decodeEntry(entries[1]!.data)).toEqual(ops[1]);
    const all = rebuild(null, entries);
    expect(all.index).toBe(4);
    const half = rebuild(null, entries.slice(0, 2));
    const snap = { index: 3, data: encodeSnapshot(half) };
    const resumed = rebuild(snap, entries);
    expect(encodeSnapshot(resumed)).toEqual(encodeSnapshot(all));
    const back = decodeSnapshot(encodeSnapshot(all));
    expect(back.tasks.get('f1/t1')?.statuses[0]?.uuid).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => decodeEntry(encodeEntry([{ op: 'explode' } as unknown as Operation]))).toThrow(/unknown operation "explode"/);
  });
});
