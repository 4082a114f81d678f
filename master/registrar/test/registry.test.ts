import { describe, test, expect } from '@jest/globals';
import { apply, decodeEntry, decodeSnapshot, emptyRegistry, encodeEntry, encodeSnapshot, rebuild, type Operation, type Skipped } from '../registry.js';

const agent = (id: string) => ({ id, info: { hostname: `h-${id}`, resources: [] }, pid: `slave(1)@10.0.0.1:${id.length + 5000}`, registeredAt: 1 });
const framework = (id: string) => ({ id, info: { user: 'u', name: id, id: { value: id } }, registeredAt: 2 });
/** What earlier versions wrote: tasks, now read and ignored. */
const legacyTasks = (fw: string, id: string): Operation => ({ op: 'tasks', tasks: [{ task_id: { value: id }, framework_id: { value: fw }, state: 'TASK_RUNNING' }] });

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
    apply(r, { op: 'agent_gone', id: 'a2', at: 20 });
    expect(r.agents.has('a2')).toBe(false);
    expect(r.gone.get('a2')).toBe(20);
    apply(r, { op: 'admit_agent', agent: agent('a2') });
    expect(r.agents.has('a2')).toBe(false);
    // Unknown ids are no-ops.
    apply(r, { op: 'agent_unreachable', id: 'nope', at: 1 });
    expect(r.unreachable.size).toBe(0);
  });

  test('frameworks: added, info replaced, removal is final; tasks are not kept (legacy task operations are ignored)', () => {
    const r = emptyRegistry();
    apply(r, { op: 'add_framework', framework: framework('f1') });
    apply(r, legacyTasks('f1', 't1'));
    apply(r, { op: 'add_framework', framework: { ...framework('f1'), info: { user: 'u', name: 'renamed', id: { value: 'f1' } } } });
    expect(r.frameworks.get('f1')?.info.name).toBe('renamed');
    apply(r, { op: 'remove_framework', id: 'f1', at: 5 });
    expect(r.frameworks.size).toBe(0);
    expect(r.removedFrameworks.get('f1')).toBe(5);
    apply(r, { op: 'add_framework', framework: framework('f1') });
    expect(r.frameworks.size).toBe(0);
    expect(Object.keys(r).sort()).toEqual(['agentMaintenance', 'agents', 'frameworks', 'gone', 'index', 'maintenance', 'operations', 'quotas', 'removedFrameworks', 'unreachable', 'weights']);
  });

  test('operations: kept as they are now until acknowledged; forgotten with their framework or agent; in snapshots and entries', () => {
    const r = emptyRegistry();
    const op = (id: string, fw: string, ag: string, state: 'OPERATION_PENDING' | 'OPERATION_FINISHED') => ({
      frameworkId: fw,
      agentId: ag,
      info: { type: 'RESERVE' as const, id: { value: id } },
      statuses: [{ operation_id: { value: id }, state }],
      uuid: new Uint8Array(16).fill(id.charCodeAt(0)),
    });
    apply(r, { op: 'operation', operation: op('a', 'f1', 'a1', 'OPERATION_PENDING') });
    apply(r, { op: 'operation', operation: op('a', 'f1', 'a1', 'OPERATION_FINISHED') });
    apply(r, { op: 'operation', operation: op('b', 'f2', 'a1', 'OPERATION_PENDING') });
    apply(r, { op: 'operation', operation: op('c', 'f1', 'a2', 'OPERATION_PENDING') });
    expect(r.operations.size).toBe(3);
    expect([...r.operations.values()].find((o) => o.info.id?.value === 'a')?.statuses[0]?.state).toBe('OPERATION_FINISHED');
    const back = decodeSnapshot(encodeSnapshot(r));
    expect([...back.operations.values()]).toEqual([...r.operations.values()]);
    expect(decodeEntry(encodeEntry([{ op: 'operation_done', uuid: op('a', 'f1', 'a1', 'OPERATION_PENDING').uuid }]))).toEqual([{ op: 'operation_done', uuid: op('a', 'f1', 'a1', 'OPERATION_PENDING').uuid }]);
    apply(r, { op: 'operation_done', uuid: op('a', 'f1', 'a1', 'OPERATION_PENDING').uuid });
    apply(r, { op: 'remove_framework', id: 'f2', at: 1 });
    expect([...r.operations.values()].map((o) => o.info.id?.value)).toEqual(['c']);
    apply(r, { op: 'agent_gone', id: 'a2', at: 2 });
    expect(r.operations.size).toBe(0);
    // Not kept for a removed framework or a gone agent.
    apply(r, { op: 'operation', operation: op('d', 'f2', 'a3', 'OPERATION_PENDING') });
    apply(r, { op: 'operation', operation: op('e', 'f3', 'a2', 'OPERATION_PENDING') });
    expect(r.operations.size).toBe(0);
  });

  test('maintenance: the schedule and down machines replaced whole; agents deactivated, drained, reactivated, forgotten once gone; snapshots keep both', () => {
    const r = emptyRegistry();
    const windows = [{ machine_ids: [{ hostname: 'a' }, { ip: '10.0.0.2' }], unavailability: { start: { nanoseconds: 1e18 }, duration: { nanoseconds: 3600e9 } } }];
    apply(r, { op: 'maintenance', maintenance: { windows, down: [{ hostname: 'a' }] } });
    apply(r, { op: 'agent_maintenance', id: 'a1', state: { deactivated: true } });
    apply(r, { op: 'agent_maintenance', id: 'a2', state: { deactivated: true, drain: { state: 'DRAINING', config: { mark_gone: false, max_grace_period: { nanoseconds: 1e9 } } } } });
    apply(r, { op: 'agent_maintenance', id: 'a3', state: { deactivated: true } });
    apply(r, { op: 'agent_maintenance', id: 'a1', state: { deactivated: false } });
    apply(r, { op: 'agent_gone', id: 'a3', at: 5 });
    apply(r, { op: 'agent_maintenance', id: 'a3', state: { deactivated: true } });
    expect([...r.agentMaintenance.keys()]).toEqual(['a2']);
    const back = decodeSnapshot(encodeSnapshot(r));
    expect(back.maintenance).toEqual({ windows, down: [{ hostname: 'a' }] });
    expect([...back.agentMaintenance]).toEqual([...r.agentMaintenance]);
    expect(decodeEntry(encodeEntry([{ op: 'maintenance', maintenance: { windows: [], down: [] } }]))).toEqual([{ op: 'maintenance', maintenance: { windows: [], down: [] } }]);
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
      [legacyTasks('f1', 't1'), { op: 'weights', weights: { eng: 2 } }],
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
    expect(back.agents.get('a1')?.info.hostname).toBe('h-a1');
    expect(back.weights.get('eng')).toBe(2);
    expect(() => decodeEntry(encodeEntry([{ op: 'explode' } as unknown as Operation]))).toThrow(/unknown operation "explode"/);
  });

  test('a bad entry or operation is skipped and reported; the entries around it still apply', () => {
    const good = (i: number, ops: Operation[]) => ({ index: i, data: encodeEntry(ops) });
    const entries = [
      good(2, [{ op: 'admit_agent', agent: agent('a1') }]),
      { index: 3, data: new Uint8Array([0xc1, 0xff, 0x00]) },
      good(4, [{ op: 'explode' } as unknown as Operation]),
      good(5, [{ op: 'admit_agent' } as unknown as Operation, { op: 'admit_agent', agent: agent('a2') }]),
    ];
    const skipped: Skipped[] = [];
    const r = rebuild(null, entries, (s) => skipped.push(s));
    expect([...r.agents.keys()]).toEqual(['a1', 'a2']);
    expect(r.index).toBe(5);
    expect(skipped.map((s) => s.index)).toEqual([3, 4, 5]);
    expect(skipped[1]!.error).toMatch(/unknown operation "explode"/);
    expect(skipped[2]!.error).toMatch(/^operation admit_agent:/);
  });
});
