import { describe, expect, test } from '@jest/globals';
import { Resources } from '../../../protocol/resources.js';
import { admit, adopted, connection as agentConnection, forgetUnreachable, lose, moved, repeated, reregistered } from '../agents.js';
import { exited, launch as launchExecutor } from '../executors.js';
import { add, changed, connection, remove, removedReported, resubscribed } from '../frameworks.js';
import * as recovery from '../recovery.js';
import { launch, reported, update } from '../tasks.js';
import { agent, books, framework, kinds, status, task, used } from './fixtures.js';

describe('agent transitions', () => {
  test('admit: in the books by id and PID; the registry keeps it (unless the admission was written first)', () => {
    const b = books();
    const a = agent('a1');
    const effects = admit(b, a);
    expect(kinds(effects)).toEqual(['allocator:addAgent', 'registry:admit_agent', 'event:AGENT_ADDED']);
    expect(effects[0]).toMatchObject({ call: { args: ['a1', a.total.toJSON(), []] } });
    expect(b.agents.get('a1')).toBe(a);
    expect(b.agentsByPid.get(a.pid)).toBe(a);
    expect(kinds(admit(books(), agent('a2'), { persisted: true }))).toEqual(['allocator:addAgent', 'event:AGENT_ADDED']);
  });

  test('replies: the admission answers as asked; a re-registration reconnects and answers with the reconciliations; a repeat only answers', () => {
    const b = books();
    const a = agent('a1');
    expect(admit(b, a, { persisted: true, reply: 'registered' }).at(-1)).toEqual({ kind: 'agent_registered', agent: a, reregistered: false });
    expect(admit(books(), agent('a2'), { reply: 'reregistered' }).at(-1)).toMatchObject({ kind: 'agent_registered', reregistered: true });
    agentConnection(b, a, false);
    const lost = [{ framework_id: { value: 'f1' }, task_id: { value: 't1' }, state: 'TASK_LOST' as const }];
    expect(reregistered(b, a, lost)).toEqual([{ kind: 'allocator', call: { name: 'activateAgent', args: ['a1'] } }, { kind: 'agent_registered', agent: a, reregistered: true, reconciliations: lost }]);
    expect(reregistered(b, a, [])).toEqual([{ kind: 'agent_registered', agent: a, reregistered: true }]);
    expect(repeated(a, false)).toEqual([{ kind: 'agent_registered', agent: a, reregistered: false }]);
  });

  test('a re-registered agent hears, after the answer, to shut down the removed frameworks it reported and the current info of every framework it runs tasks of', () => {
    const b = books();
    const a = agent('a1');
    admit(b, a);
    const f = framework('f1');
    const g = framework('f2');
    add(b, f, true);
    add(b, g, true);
    launch(f, a, task('f1', 'a1', 't1'));
    agentConnection(b, a, false);
    expect(reregistered(b, a, [], ['gone'])).toEqual([
      { kind: 'allocator', call: { name: 'activateAgent', args: ['a1'] } },
      { kind: 'agent_registered', agent: a, reregistered: true },
      { kind: 'shutdown_framework', agent: a, frameworkId: 'gone' },
      { kind: 'update_framework', agent: a, framework: f },
    ]);
    // After a master failover: admitted with the tasks it reported.
    const b2 = books();
    const back = agent('a1');
    add(b2, f, false);
    reported(f, back, task('f1', 'a1', 't1', 'cpus:1;mem:128', 'TASK_RUNNING'));
    expect(kinds(admit(b2, back, { reply: 'reregistered', removed: ['gone'] })).slice(-3)).toEqual(['agent_registered', 'shutdown_framework', 'update_framework']);
    expect(kinds(admit(books(), agent('a3'), { reply: 'registered', removed: ['gone'] })).at(-1)).toBe('agent_registered');
  });

  test('adopted: tasks a registered agent reported that the master did not know; the allocator takes the agent again with what it holds', () => {
    const b = books();
    const a = agent('a1');
    admit(b, a);
    const f = framework('f1');
    add(b, f, true);
    const t = reported(f, a, task('f1', 'a1', 't1', 'cpus:1;mem:128', 'TASK_RUNNING'));
    const effects = adopted(b, a, [t]);
    expect(kinds(effects)).toEqual(['allocator:removeAgent', 'allocator:addAgent', 'event:TASK_ADDED', 'count:master/tasks_adopted']);
    expect(effects[1]).toMatchObject({ call: { args: ['a1', a.total.toJSON(), [{ frameworkId: 'f1', resources: Resources.parse('cpus:1;mem:128').toJSON() }]] } });
    agentConnection(b, a, false);
    expect(kinds(adopted(b, a, [t]))).toEqual(['allocator:removeAgent', 'allocator:addAgent', 'allocator:deactivateAgent', 'event:TASK_ADDED', 'count:master/tasks_adopted']);
  });

  test('connection: offered while connected and not deactivated or draining; the allocator hears each change once', () => {
    const b = books();
    const a = agent('a1');
    admit(b, a);
    expect(kinds(agentConnection(b, a, false))).toEqual(['allocator:deactivateAgent']);
    expect([a.connected, a.active]).toEqual([false, false]);
    expect(agentConnection(b, a, false)).toEqual([]);
    expect(kinds(agentConnection(b, a, true))).toEqual(['allocator:activateAgent']);
    expect([a.connected, a.active]).toEqual([true, true]);
    // Deactivated by the operator: its connection coming back does not offer it.
    b.maintenance.deactivated.add('a1');
    a.active = false;
    a.connected = false;
    expect(agentConnection(b, a, true)).toEqual([]);
    expect([a.connected, a.active]).toEqual([true, false]);
  });

  test('moved: a new PID is written; the same PID is not', () => {
    const b = books();
    const a = agent('a1');
    admit(b, a);
    expect(moved(b, a, a.pid)).toEqual([]);
    expect(kinds(moved(b, a, 'slave(1)@10.0.0.9:5051'))).toEqual(['registry:admit_agent']);
    expect(b.agentsByPid.get('slave(1)@10.0.0.9:5051')).toBe(a);
    expect(b.agentsByPid.size).toBe(1);
  });

  test('lost as unreachable: its tasks TASK_UNREACHABLE (kept apart, reported), executors forgotten, no resources recovered; it may come back', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1', true);
    admit(b, a);
    add(b, f, true);
    const t1 = task('f1', 'a1', 't1');
    const t2 = task('f1', 'a1', 't2');
    launch(f, a, t1);
    launch(f, a, t2);
    update(b, f, a, t2, status(t2, 'TASK_FINISHED'), 'TASK_FINISHED');
    launchExecutor(f, a, { executor_id: { value: 'e1' }, command: { value: 'x' } }, Resources.parse('cpus:0.1;mem:32'));
    const effects = lose(b, a, { as: 'unreachable', taskState: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED', message: 'missed pings', nowMs: 9_000, maxUnreachable: 10, uuid: () => new Uint8Array(16) });
    expect(kinds(effects)).toEqual(['allocator:removeAgent', 'event:TASK_UPDATED', 'forward', 'registry:agent_unreachable', 'event:AGENT_REMOVED', 'agent_lost']);
    // Every connected scheduler hears agent_lost.
    expect(effects.filter((e) => e.kind === 'agent_lost').map((e) => (e.kind === 'agent_lost' ? [e.framework.id, e.agentId] : []))).toEqual([['f1', 'a1']]);
    expect(b.agents.has('a1') || b.agentsByPid.has(a.pid)).toBe(false);
    expect(b.unreachableAgents.get('a1')).toEqual({ agent: a, at: 9_000 });
    expect(f.unreachableTasks.get('t1')?.state).toBe('TASK_UNREACHABLE');
    // The finished task (not acknowledged yet) is simply retired.
    expect(f.completedTasks.items().map((t) => t.task_id.value)).toEqual(['t2']);
    expect(f.executors.size + a.executors.size + f.used.size + a.used.size + a.tasks.size).toBe(0);
    // Back: re-admitted under its id, with what the tasks it reported use.
    const back = agent('a1');
    reported(f, back, { ...t1, state: 'TASK_RUNNING' });
    const readmitted = admit(b, back);
    expect(kinds(readmitted)).toEqual(['allocator:addAgent', 'registry:admit_agent', 'event:AGENT_ADDED']);
    expect(readmitted[0]).toMatchObject({ call: { args: ['a1', back.total.toJSON(), [{ frameworkId: 'f1', resources: Resources.parse('cpus:1;mem:128').toJSON() }]] } });
    expect(b.unreachableAgents.size).toBe(0);
  });

  test('lost as gone: tasks completed as TASK_GONE_BY_OPERATOR, remembered as gone', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1', true);
    admit(b, a);
    add(b, f, true);
    launch(f, a, task('f1', 'a1', 't1'));
    const effects = lose(b, a, { as: 'gone', taskState: 'TASK_GONE_BY_OPERATOR', reason: 'REASON_AGENT_REMOVED_BY_OPERATOR', message: 'marked gone', nowMs: 1, maxUnreachable: 10, uuid: () => new Uint8Array(16) });
    expect(kinds(effects)).toEqual(['allocator:removeAgent', 'event:TASK_UPDATED', 'forward', 'registry:agent_gone', 'event:AGENT_REMOVED', 'agent_lost']);
    expect(b.goneAgents.has('a1')).toBe(true);
    expect(f.completedTasks.items()[0]?.state).toBe('TASK_GONE_BY_OPERATOR');
  });

  test('unreachable agents beyond the limit become gone, in the registry too; the operator can give one up', () => {
    const b = books();
    for (const id of ['a1', 'a2', 'a3']) admit(b, agent(id));
    const loss = { as: 'unreachable', taskState: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED', message: '', nowMs: 1, maxUnreachable: 2, uuid: () => new Uint8Array(16) } as const;
    lose(b, b.agents.get('a1')!, loss);
    lose(b, b.agents.get('a2')!, loss);
    const effects = lose(b, b.agents.get('a3')!, loss);
    expect(kinds(effects)).toEqual(['allocator:removeAgent', 'registry:agent_unreachable', 'registry:agent_gone', 'event:AGENT_REMOVED']);
    expect([...b.unreachableAgents.keys()]).toEqual(['a2', 'a3']);
    expect(b.goneAgents.has('a1')).toBe(true);
    expect(kinds(forgetUnreachable(b, 'a2', 5))).toEqual(['registry:agent_gone']);
    expect(forgetUnreachable(b, 'a2', 5)).toEqual([]);
  });
});

describe('framework transitions', () => {
  test('add, failover (new info written), disconnection (nothing written)', () => {
    const b = books();
    const f = framework('f1');
    expect(kinds(add(b, f, true))).toEqual(['allocator:addFramework', 'registry:add_framework', 'event:FRAMEWORK_ADDED', 'subscribed']);
    f.info = { ...f.info, name: 'renamed' };
    const effects = changed(f);
    expect(kinds(effects)).toEqual(['registry:add_framework', 'event:FRAMEWORK_UPDATED']);
    expect(effects[0]).toMatchObject({ op: { framework: { id: 'f1', info: { name: 'renamed', id: { value: 'f1' } } } } });
    expect(kinds(changed(f, true))).toEqual(['allocator:updateFramework', 'registry:add_framework', 'event:FRAMEWORK_UPDATED']);
  });

  test('connection: offered to only while its scheduler is connected; the allocator hears each change once', () => {
    const b = books();
    const f = framework('f1');
    add(b, f, true);
    expect([f.connected, f.active]).toEqual([true, true]);
    expect(kinds(connection(f, false))).toEqual(['allocator:deactivateFramework', 'event:FRAMEWORK_UPDATED']);
    expect([f.connected, f.active]).toEqual([false, false]);
    expect(kinds(connection(f, false))).toEqual(['event:FRAMEWORK_UPDATED']);
    // Its scheduler subscribes again: new info kept, offered to again; roles changed: the allocator hears them first.
    expect(kinds(resubscribed(f, true))).toEqual(['allocator:updateFramework', 'registry:add_framework', 'event:FRAMEWORK_UPDATED', 'allocator:activateFramework', 'subscribed']);
    expect([f.connected, f.active]).toEqual([true, true]);
    expect(kinds(resubscribed(f, false))).toEqual(['registry:add_framework', 'event:FRAMEWORK_UPDATED', 'subscribed']);
    // Taken back from an agent's report: in the books, neither connected nor offered to.
    const g = framework('f2');
    add(b, g, false);
    expect([g.connected, g.active]).toEqual([false, false]);
  });

  test('teardown: the agents that run something of it shut it down; tasks TASK_KILLED on every agent (not forwarded, the allocator drops them), executors recovered, the id refused from now on', () => {
    const b = books();
    const a = agent('a1');
    const idle = agent('a2');
    const onlyExecutor = agent('a3');
    const f = framework('f1');
    for (const x of [a, idle, onlyExecutor]) admit(b, x);
    add(b, f, true);
    launch(f, a, task('f1', 'a1', 't1'));
    launchExecutor(f, a, { executor_id: { value: 'e1' }, command: { value: 'x' }, resources: Resources.parse('cpus:0.5').toJSON() }, Resources.parse('cpus:0.5'));
    launchExecutor(f, onlyExecutor, { executor_id: { value: 'e2' }, command: { value: 'x' } }, Resources.parse(''));
    const effects = remove(b, f, 7_000);
    expect(kinds(effects)).toEqual(['shutdown_framework', 'event:TASK_UPDATED', 'recover', 'shutdown_framework', 'allocator:removeFramework', 'registry:remove_framework', 'event:FRAMEWORK_REMOVED']);
    expect(effects.filter((e) => e.kind === 'shutdown_framework')).toEqual([{ kind: 'shutdown_framework', agent: a, frameworkId: 'f1' }, { kind: 'shutdown_framework', agent: onlyExecutor, frameworkId: 'f1' }]);
    expect(removedReported(a, 'f1')).toEqual([{ kind: 'shutdown_framework', agent: a, frameworkId: 'f1' }]);
    expect(f.completedTasks.items()[0]).toMatchObject({ state: 'TASK_KILLED' });
    expect(b.frameworks.has('f1')).toBe(false);
    expect(b.removedFrameworkIds.has('f1')).toBe(true);
    expect(b.completedFrameworks.items()).toEqual([f]);
    expect(f.removedAt).toBe(7_000);
    expect(a.tasks.size + a.executors.size + a.used.size + f.used.size).toBe(0);
  });

  test('an executor that exits gives back what it held', () => {
    const b = books();
    const a = agent('a1');
    const f = framework('f1');
    admit(b, a);
    add(b, f, true);
    launchExecutor(f, a, { executor_id: { value: 'e1' }, command: { value: 'x' }, resources: Resources.parse('cpus:0.5').toJSON() }, Resources.parse('cpus:0.5'));
    expect(used(a.used.get('f1'))).toBe('cpus:0.5');
    expect(kinds(exited(b, a, 'f1', 'e1'))).toEqual(['recover']);
    expect(used(a.used.get('f1'))).toBe('');
    expect(exited(b, a, 'f1', 'e1')).toEqual([]);
  });
});

describe('recovery from the registry', () => {
  test('records are restored without writing; ones already back (or refused) are left alone', () => {
    const b = books();
    recovery.tombstones(b, { gone: new Map([['g1', 1]]), removedFrameworks: new Map([['rf', 1]]) });
    expect(recovery.framework(b, framework('rf'), 1)).toBe(false);
    const f = framework('f1');
    f.connected = false;
    expect(recovery.framework(b, f, 3)).toBe(true);
    expect(f.disconnectedAt).toBe(3);
    expect(recovery.framework(b, framework('f1'), 4)).toBe(false);
    expect(b.frameworks.get('f1')).toBe(f);
    expect(recovery.unreachableAgent(b, agent('g1'), 1)).toBe(false);
    admit(b, agent('a1'));
    expect(recovery.unreachableAgent(b, agent('a1'), 1)).toBe(false);
    expect(recovery.unreachableAgent(b, agent('u1'), 2)).toBe(true);
    expect(b.unreachableAgents.get('u1')?.at).toBe(2);
  });
});
