// The master's offer cycle on an in-process cluster: offers without waiting
// for the batch interval, launches, status updates and acknowledgements,
// declines with filters, invalid ACCEPTs answered and their resources
// returned, and nothing leaked.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { commandTask } from './helpers/peers.js';

let c: Cluster;
afterEach(async () => c?.stop());

/** Everything on the agents is used by tasks, offered, or idle in the allocator: the sum is the total. */
function offeredPlusUsed(cl: Cluster): Resources {
  let sum = Resources.empty();
  for (const o of cl.master.state.offers.all()) sum = sum.add(o.resources);
  for (const a of cl.master.state.agents.values()) sum = sum.add(a.totalUsed());
  return sum.unallocate();
}

describe('offers', () => {
  test('a framework gets an agent offered at once, launches, and sees its task run and finish', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024;ports:[31000-31009]' });
    const { scheduler } = await c.scheduler();
    expect(scheduler.frameworkId).toBe('m1-0000');
    expect(agent.agentId).toBe('m1-S0');
    // Event-triggered allocation: no need to wait for the 1 s interval.
    await c.clock.advance(5);
    const offers = scheduler.named('offers').flatMap((b) => b.offers);
    expect(offers).toHaveLength(1);
    const offer = offers[0]!;
    expect(offer.agent_id.value).toBe('m1-S0');
    expect(offer.hostname).toBe('slave(1)');
    expect(offer.allocation_info).toEqual({ role: '*' });
    expect(Resources.of(offer.resources).unallocate().equals(Resources.parse('cpus:4;mem:1024;ports:[31000-31009]'))).toBe(true);

    scheduler.launch(offer, [commandTask('t1', offer, 'cpus:1;mem:128')]);
    await c.clock.settle();
    expect(agent.named('run_task').map((b) => b.task.task_id.value)).toEqual(['t1']);
    // The test agent answers TASK_RUNNING; the scheduler acknowledges; the agent gets the ack.
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    expect(agent.acks).toHaveLength(1);
    expect(c.master.state.frameworks.get('m1-0000')!.tasks.get('t1')!.state).toBe('TASK_RUNNING');

    agent.update('t1', 'TASK_FINISHED');
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(agent.acks).toHaveLength(2);
    const fw = c.master.state.frameworks.get('m1-0000')!;
    expect(fw.tasks.size).toBe(0);
    expect(fw.completedTasks.items().map((t) => t.task_id.value)).toEqual(['t1']);
    // The unused part came back with the default 5 s filter; after it, everything is offered again.
    await c.clock.advance(6_000);
    const again = [...scheduler.offers.values()];
    expect(again.reduce((s, o) => s.add(Resources.of(o.resources)), Resources.empty()).unallocate().equals(Resources.parse('cpus:4;mem:1024;ports:[31000-31009]'))).toBe(true);
    expect(c.master.metrics()['master/tasks_finished']).toBe(1);
    expect(ledger(c)).toEqual([]);
  });

  test('a decline filter holds the resources back for refuse_seconds, then they are offered again', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { scheduler } = await c.scheduler();
    await c.clock.advance(5);
    const [offer] = [...scheduler.offers.values()];
    scheduler.decline([offer!.id.value], 30);
    await c.clock.advance(29_000);
    expect(scheduler.offers.size).toBe(0);
    await c.clock.advance(2_000);
    expect(scheduler.offers.size).toBe(1);
    expect(c.master.metrics()['master/offers_declined']).toBe(1);
  });

  test('invalid ACCEPTs get clear answers, and every resource comes back', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { scheduler } = await c.scheduler();
    await c.clock.advance(5);
    let [offer] = [...scheduler.offers.values()];

    // An offer that does not exist: the task is reported lost, nothing runs.
    scheduler.accept(['m1-O999'], [{ type: 'LAUNCH', launch: { task_infos: [commandTask('bad-offer', offer!, 'cpus:1')] } }]);
    await c.clock.settle();
    const lost = scheduler.statuses('bad-offer')[0]!;
    expect(lost.state).toBe('TASK_LOST');
    expect(lost.reason).toBe('REASON_INVALID_OFFERS');
    expect(lost.message).toContain('offer m1-O999 is no longer valid');

    // Too much, a duplicate id, no command: each TASK_ERROR naming why; the good one runs.
    scheduler.launch(offer!, [
      commandTask('ok', offer!, 'cpus:1;mem:100'),
      commandTask('ok', offer!, 'cpus:1;mem:100'),
      commandTask('huge', offer!, 'cpus:64'),
      { name: 'nocmd', task_id: { value: 'nocmd' }, agent_id: offer!.agent_id, resources: Resources.parse('cpus:1').toJSON() },
      { ...commandTask('slash', offer!, 'cpus:1'), task_id: { value: 'a/b' } },
      { ...commandTask('late', offer!, 'cpus:1'), max_completion_time: { nanoseconds: -1 } },
    ], 0);
    await c.clock.settle();
    const errors = scheduler.statuses().filter((s) => s.state === 'TASK_ERROR');
    expect(errors.map((s) => [s.task_id.value, s.reason])).toEqual([
      ['ok', 'REASON_TASK_INVALID'],
      ['huge', 'REASON_TASK_INVALID'],
      ['nocmd', 'REASON_TASK_INVALID'],
      ['a/b', 'REASON_TASK_INVALID'],
      ['late', 'REASON_TASK_INVALID'],
    ]);
    expect(errors[0]!.message).toBe('task ok: the task id is already in use');
    expect(errors[1]!.message).toMatch(/^task huge: needs cpus.*:64.* but the offers have .* left$/);
    expect(errors[2]!.message).toBe('task nocmd: needs exactly one of command or executor');
    expect(errors[3]!.message).toBe("task_id 'a/b' must not contain '/'");
    expect(errors[4]!.message).toBe("task late: 'max_completion_time' must be a non-negative duration");
    expect(agent.named('run_task').map((b) => b.task.task_id.value)).toEqual(['ok']);

    // An offer accepted twice: the second is refused, the first already used it.
    scheduler.accept([offer!.id.value], []);
    await c.clock.settle();
    expect(scheduler.named('error').at(-1)!.message).toContain('no longer valid');

    // Nothing leaked: with refuse 0 everything not used is offered again, and the books balance.
    await c.clock.advance(1_000);
    expect(ledger(c)).toEqual([]);
    expect(offeredPlusUsed(c).equals(Resources.parse('cpus:4;mem:1024'))).toBe(true);
    [offer] = [...scheduler.offers.values()];
    expect(Resources.of(offer!.resources).unallocate().equals(Resources.parse('cpus:3;mem:924'))).toBe(true);
  });

  test('a call from a framework that is not subscribed is refused', async () => {
    c = await cluster();
    const { scheduler } = await c.scheduler();
    scheduler.call('decline', { framework_id: { value: 'm1-9999' }, offer_ids: [] });
    await c.clock.settle();
    expect(scheduler.named('error').at(-1)!.message).toBe(`DECLINE: framework m1-9999 is not subscribed from ${scheduler.pid}`);
  });

  test('a subscribe repeated by the same scheduler rescinds its outstanding offers and offers them again (it may have dropped them)', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { scheduler } = await c.scheduler();
    await c.clock.advance(5);
    const [first] = [...scheduler.offers.values()];
    expect(first).toBeDefined();
    // A driver whose retry went to another master first drops what the leader sent meanwhile, then subscribes
    // again on the same connection, still without its id: the same framework, answered again.
    scheduler.call('subscribe', { framework_info: scheduler.info });
    await c.clock.advance(1000); // rescinded at once, offered again at the next batch (a recovery does not allocate, as in Mesos)
    expect(scheduler.named('subscribed').map((b) => b.framework_id.value)).toEqual(['m1-0000', 'm1-0000']);
    expect(scheduler.named('rescind').map((b) => b.offer_id.value)).toEqual([first!.id.value]);
    const again = [...scheduler.offers.values()];
    expect(again).toHaveLength(1);
    expect(again[0]!.id.value).not.toBe(first!.id.value);
    expect(Resources.of(again[0]!.resources).unallocate().equals(Resources.parse('cpus:2;mem:512'))).toBe(true);
    expect(c.master.state.offers.size).toBe(1);
    expect(ledger(c)).toEqual([]);
  });

  test('offer_timeout rescinds an offer left unanswered', async () => {
    c = await cluster({ offerTimeoutMs: 10_000 });
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { scheduler } = await c.scheduler();
    await c.clock.advance(5);
    const [offer] = [...scheduler.offers.values()];
    await c.clock.advance(10_000);
    expect(scheduler.named('rescind').map((b) => b.offer_id.value)).toEqual([offer!.id.value]);
    expect(c.master.metrics()['master/offers_rescinded']).toBe(1);
  });
});
