import { describe, expect, test } from '@jest/globals';
import { end, forFramework, launch, reported, retire, update } from '../tasks.js';
import { agent, books, framework, kinds, status, task, used } from './fixtures.js';

describe('task transitions', () => {
  test('launch: in the framework and agent books, its resources used by both; TASK_ADDED, counted, nothing for the registry', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1');
    b.agents.set(a.id, a);
    const t = task('f1', 'a1', 't1');
    const effects = launch(f, a, t);
    expect(kinds(effects)).toEqual(['count:master/tasks_launched', 'event:TASK_ADDED']);
    expect(f.tasks.get('t1')).toBe(t);
    expect(a.tasks.get('f1')?.get('t1')).toBe(t);
    expect(used(f.used.get('a1'))).toBe('cpus:1;mem:128');
    expect(used(a.used.get('f1'))).toBe('cpus:1;mem:128');
  });

  test('update: the agent state is taken, a retried status kept once; terminal releases resources once; retire moves it to completed', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1');
    b.agents.set(a.id, a);
    const t = task('f1', 'a1', 't1');
    launch(f, a, t);
    const running = status(t, 'TASK_RUNNING');
    expect(kinds(update(b, f, a, t, running, 'TASK_RUNNING'))).toEqual(['count:master/task_state/TASK_RUNNING', 'event:TASK_UPDATED']);
    // The agent retries the same update: no new event, the status is not kept twice.
    expect(update(b, f, a, t, running, 'TASK_RUNNING')).toEqual([]);
    expect(t.statuses).toHaveLength(1);
    const finished = status(t, 'TASK_FINISHED');
    const effects = update(b, f, a, t, finished, 'TASK_FINISHED');
    expect(kinds(effects)).toEqual(['count:master/task_state/TASK_FINISHED', 'event:TASK_UPDATED', 'recover']);
    expect(effects.at(-1)).toMatchObject({ kind: 'recover', frameworkId: 'f1', agentId: 'a1' });
    expect(used(f.used.get('a1')) + used(a.used.get('f1'))).toBe('');
    expect(t.status_update_uuid).toEqual(finished.uuid);
    // Still in the books until the update is acknowledged; a retry of it releases nothing again.
    expect(f.tasks.has('t1')).toBe(true);
    expect(kinds(update(b, f, a, t, finished, 'TASK_FINISHED'))).toEqual([]);
    expect(retire(b, f, a, t)).toEqual([]);
    expect(f.tasks.has('t1')).toBe(false);
    expect(a.tasks.size).toBe(0);
    expect(f.completedTasks.items()).toEqual([t]);
  });

  test('an older update retried after a newer one: the latest state stays, the status is kept', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1');
    b.agents.set(a.id, a);
    const t = task('f1', 'a1', 't1');
    launch(f, a, t);
    update(b, f, a, t, status(t, 'TASK_STARTING'), 'TASK_RUNNING');
    expect(t.state).toBe('TASK_RUNNING');
    expect(t.status_update_state).toBe('TASK_STARTING');
  });

  test('end: the master decides (unreachable kept apart, others completed); forwarded to a connected framework only; resources recovered only while the agent is registered', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1', true);
    b.agents.set(a.id, a);
    const t1 = task('f1', 'a1', 't1');
    const t2 = task('f1', 'a1', 't2');
    launch(f, a, t1);
    launch(f, a, t2);
    const e1 = end(b, f, a, t1, { state: 'TASK_GONE', reason: 'REASON_AGENT_REREGISTERED', message: 'unknown to the agent', nowMs: 5_000 });
    expect(kinds(e1)).toEqual(['recover', 'event:TASK_UPDATED', 'forward']);
    expect(f.completedTasks.items()).toEqual([t1]);
    expect(t1.statuses.at(-1)).toMatchObject({ state: 'TASK_GONE', source: 'SOURCE_MASTER', timestamp: 5 });
    b.agents.delete(a.id);
    a.active = false;
    f.connected = false;
    const e2 = end(b, f, a, t2, { state: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED', message: 'unreachable', nowMs: 6_000 });
    expect(kinds(e2)).toEqual(['event:TASK_UPDATED']);
    expect(f.unreachableTasks.get('t2')).toBe(t2);
    expect(t2.statuses.at(-1)?.unreachable_time).toEqual({ nanoseconds: 6e9 });
    expect(f.tasks.size + a.tasks.size).toBe(0);
    expect(used(a.used.get('f1')) + used(f.used.get('a1'))).toBe('');
  });

  test('reported on re-registration: the unreachable record comes back active in the state the agent reports, its resources used again', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1', true);
    b.agents.set(a.id, a);
    const t = task('f1', 'a1', 't1');
    launch(f, a, t);
    b.agents.delete(a.id);
    end(b, f, a, t, { state: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED', message: 'gone quiet', nowMs: 1 });
    const back = agent('a1');
    const record = reported(f, back, { ...task('f1', 'a1', 't1'), state: 'TASK_RUNNING' });
    expect(record).toBe(t);
    expect(t.state).toBe('TASK_RUNNING');
    expect(f.unreachableTasks.size).toBe(0);
    expect(back.tasks.get('f1')?.get('t1')).toBe(t);
    expect(used(back.used.get('f1'))).toBe('cpus:1;mem:128');
  });

  test('orphaned: a task of a framework the master does not know (an update, a report) is booked on the agent alone', () => {
    const b = books();
    const a = agent('a1');
    b.agents.set(a.id, a);
    const f = framework('f9');
    const t = reported(f, a, { ...task('f9', 'a1', 'o1'), state: 'TASK_RUNNING' });
    expect(t.statuses).toEqual([]);
    // The framework is unknown to the books; an update still releases on the agent.
    const effects = update(b, undefined, a, t, status(t, 'TASK_FAILED'), 'TASK_FAILED');
    expect(kinds(effects)).toContain('recover');
    expect(used(a.used.get('f9'))).toBe('');
  });

  test('a legacy framework sees the partition-aware states as TASK_LOST', () => {
    const s = { task_id: { value: 't' }, state: 'TASK_UNREACHABLE' as const };
    expect(forFramework(framework('f', false), s).state).toBe('TASK_LOST');
    expect(forFramework(framework('f', true), s)).toBe(s);
  });
});
