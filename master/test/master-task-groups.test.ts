// LAUNCH_GROUP at the master on an in-process cluster: a valid group is booked
// (its executor once, its tasks STAGING) and goes to the agent as one
// run_task_group; a later group for the same executor reuses it; an invalid
// group answers TASK_ERROR for every task (no ERROR event), and its resources
// come back: the books balance with the allocator's.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import type { ExecutorInfo, Offer, OfferOperation, TaskInfo } from '../../protocol/types.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { commandTask } from './helpers/peers.js';

let c: Cluster;
afterEach(async () => c?.stop());

const executor = (id = 'pod'): ExecutorInfo => ({ type: 'DEFAULT', executor_id: { value: id }, resources: Resources.parse('cpus:0.1;mem:32').toJSON() });
const group = (tasks: TaskInfo[], ex: ExecutorInfo = executor()): OfferOperation => ({ type: 'LAUNCH_GROUP', launch_group: { executor: ex, task_group: { tasks } } });

async function setup(): Promise<{ offer: Offer; agent: Awaited<ReturnType<Cluster['agent']>>['agent']; scheduler: Awaited<ReturnType<Cluster['scheduler']>>['scheduler'] }> {
  c = await cluster();
  const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
  const { scheduler } = await c.scheduler();
  await c.clock.advance(5);
  const [offer] = [...scheduler.offers.values()];
  return { offer: offer!, agent, scheduler };
}

describe('LAUNCH_GROUP', () => {
  test('a group goes to the agent as one run_task_group; its tasks report their own states; a second group reuses the executor', async () => {
    const { offer, agent, scheduler } = await setup();
    scheduler.accept([offer.id.value], [group([commandTask('a', offer, 'cpus:1;mem:64'), commandTask('b', offer, 'cpus:1;mem:64'), commandTask('c', offer, 'cpus:0.5;mem:64')])], 0);
    await c.clock.settle();
    const sent = agent.named('run_task_group');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.executor.executor_id.value).toBe('pod');
    expect(sent[0]!.executor.framework_id?.value).toBe(scheduler.frameworkId);
    expect(sent[0]!.task_group.tasks.map((t) => t.task_id.value)).toEqual(['a', 'b', 'c']);
    expect(sent[0]!.task_group.tasks.every((t) => t.executor === undefined && t.agent_id.value === agent.agentId)).toBe(true);
    expect(agent.named('run_task')).toHaveLength(0);
    const fw = c.master.state.frameworks.get(scheduler.frameworkId!)!;
    expect([...fw.tasks.values()].map((t) => [t.task_id.value, t.state, t.executor_id?.value])).toEqual([
      ['a', 'TASK_STAGING', 'pod'],
      ['b', 'TASK_STAGING', 'pod'],
      ['c', 'TASK_STAGING', 'pod'],
    ]);
    expect([...fw.executors.get(agent.agentId!)!.keys()]).toEqual(['pod']);
    // Tasks, plus the executor's own share, are in use.
    expect(fw.totalUsed().unallocate().equals(Resources.parse('cpus:2.6;mem:224'))).toBe(true);

    agent.update('a', 'TASK_RUNNING');
    agent.update('b', 'TASK_RUNNING');
    agent.update('a', 'TASK_FAILED', 'exited with 1');
    agent.update('b', 'TASK_KILLED');
    await c.clock.settle();
    expect(scheduler.states('a')).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    expect(scheduler.states('b')).toEqual(['TASK_RUNNING', 'TASK_KILLED']);
    expect(fw.tasks.has('a')).toBe(false);

    // A second group for the same executor: no new executor resources are taken.
    await c.clock.advance(1_000);
    const [again] = [...scheduler.offers.values()];
    scheduler.accept([again!.id.value], [group([commandTask('d', again!, 'cpus:0.5;mem:32')])], 0);
    await c.clock.settle();
    expect(agent.named('run_task_group')).toHaveLength(2);
    expect(fw.totalUsed().unallocate().equals(Resources.parse('cpus:1.1;mem:128'))).toBe(true);
    expect(c.master.metrics()['master/task_groups_launched']).toBe(2);
    await c.clock.advance(1_000);
    expect(ledger(c)).toEqual([]);
  });

  test('an invalid group answers TASK_ERROR for every task, sends nothing to the agent, and gives its resources back', async () => {
    const { offer, agent, scheduler } = await setup();
    const t = (id: string, r = 'cpus:0.5;mem:32'): TaskInfo => commandTask(id, offer, r);
    const cases: [string, OfferOperation, RegExp][] = [
      ['custom', group([t('c1'), t('c2')], { ...executor(), type: 'CUSTOM', command: { value: 'x' } }), /must be of type DEFAULT \(it is CUSTOM\)/],
      ['command', group([t('m1')], { ...executor(), command: { value: 'x' } }), /a DEFAULT executor must not have a command/],
      ['noexres', group([t('r1')], { type: 'DEFAULT', executor_id: { value: 'pod' } }), /needs resources of its own/],
      ['dup', group([t('d1'), t('d1')]), /task d1 appears more than once in the group/],
      ['own-executor', group([{ ...t('o1'), executor: executor('x') }]), /must not name an executor/],
      ['too-much', group([t('h1', 'cpus:3;mem:32'), t('h2', 'cpus:1;mem:32')]), /need .* but the offers have .* left/],
      ['nocmd', group([{ name: 'n1', task_id: { value: 'n1' }, agent_id: offer.agent_id, resources: Resources.parse('cpus:0.1').toJSON() }, t('n2')]), /task n1: needs exactly one of command or executor/],
      ['empty', group([]), /the task group is empty/],
    ];
    for (const [, op, why] of cases) {
      const [o] = [...scheduler.offers.values()];
      scheduler.accept([o!.id.value], [op], 0);
      await c.clock.settle();
      const ids = op.launch_group!.task_group.tasks.map((x) => x.task_id.value);
      for (const id of new Set(ids)) {
        const s = scheduler.statuses(id).at(-1)!;
        expect([id, s.state, s.reason, s.source]).toEqual([id, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', 'SOURCE_MASTER']);
        expect(s.message).toMatch(why);
      }
      await c.clock.advance(1_000); // offered again (refuse 0)
    }
    expect(agent.named('run_task_group')).toHaveLength(0);
    expect(scheduler.named('error')).toHaveLength(0);
    expect(c.master.state.frameworks.get(scheduler.frameworkId!)!.tasks.size).toBe(0);
    expect(c.master.metrics()['master/invalid_task_groups']).toBe(cases.length);
    expect(ledger(c)).toEqual([]);
  });

  test('a group and a LAUNCH in one ACCEPT: a task id of the LAUNCH cannot be reused by the group', async () => {
    const { offer, agent, scheduler } = await setup();
    scheduler.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: [commandTask('x', offer, 'cpus:1;mem:32')] } }, group([commandTask('x', offer, 'cpus:1;mem:32'), commandTask('y', offer, 'cpus:1;mem:32')])], 0);
    await c.clock.settle();
    expect(agent.named('run_task').map((b) => b.task.task_id.value)).toEqual(['x']);
    expect(agent.named('run_task_group')).toHaveLength(0);
    expect(scheduler.statuses('y').map((s) => [s.state, s.reason])).toEqual([['TASK_ERROR', 'REASON_TASK_GROUP_INVALID']]);
    expect(scheduler.statuses('y')[0]!.message).toContain('task x: the task id is already in use');
    await c.clock.advance(1_000);
    expect(ledger(c)).toEqual([]);
  });
});
