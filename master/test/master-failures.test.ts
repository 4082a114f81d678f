// The master's failure paths on an in-process cluster: scheduler failover
// within and beyond failover_timeout, one active scheduler per framework,
// unreachable agents and their return, status update retries, kill and
// reconciliation.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { TestScheduler, commandTask } from './helpers/peers.js';

let c: Cluster;
afterEach(async () => {
  // Whatever happened, the master's and the allocator's books balance once things settle.
  if (c !== undefined) {
    await c.clock.advance(10);
    expect(ledger(c)).toEqual([]);
    await c.stop();
  }
});

async function runningTask(cl: Cluster, info = {}) {
  const { agent, runtime: agentRuntime } = await cl.agent({ resources: 'cpus:4;mem:1024' });
  const { scheduler, runtime } = await cl.scheduler(info);
  await cl.clock.advance(5);
  const [offer] = [...scheduler.offers.values()];
  scheduler.launch(offer!, [commandTask('t1', offer!, 'cpus:1;mem:128')]);
  await cl.clock.settle();
  expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
  return { agent, agentRuntime, scheduler, runtime };
}

describe('frameworks', () => {
  test('failover within failover_timeout: a new scheduler takes over with the same id, tasks keep running', async () => {
    c = await cluster();
    const { scheduler, runtime } = await runningTask(c, { failover_timeout: 60 });
    const id = scheduler.frameworkId!;
    await runtime.stop(); // the scheduler process dies: the master sees the link break
    await c.clock.advance(100);
    const fw = c.master.state.frameworks.get(id)!;
    expect(fw.connected).toBe(false);
    expect(fw.tasks.size).toBe(1);

    await c.clock.advance(30_000);
    const r2 = await c.runtime('scheduler-again');
    const again = new TestScheduler(c.masterPid, { ...scheduler.info });
    again.frameworkId = id;
    r2.spawn(again, 'scheduler');
    again.subscribe();
    await c.clock.advance(5);
    expect(again.named('subscribed').map((b) => b.framework_id.value)).toEqual([id]);
    expect(fw.connected).toBe(true);
    expect(fw.tasks.get('t1')!.state).toBe('TASK_RUNNING');
    // Beyond the old timeout nothing is removed any more.
    await c.clock.advance(60_000);
    expect(c.master.state.frameworks.has(id)).toBe(true);
    expect(again.offers.size).toBeGreaterThan(0);
  });

  test('beyond failover_timeout the framework is removed, its tasks killed, and it cannot come back', async () => {
    c = await cluster();
    const { scheduler, runtime, agent } = await runningTask(c, { failover_timeout: 10 });
    const id = scheduler.frameworkId!;
    await runtime.stop();
    await c.clock.advance(10_500);
    expect(c.master.state.frameworks.has(id)).toBe(false);
    expect(agent.named('shutdown_framework').map((b) => b.framework_id.value)).toEqual([id]);
    const done = c.master.state.completedFrameworks.items()[0]!;
    expect(done.completedTasks.items().map((t) => [t.task_id.value, t.state])).toEqual([['t1', 'TASK_KILLED']]);

    const r2 = await c.runtime('late');
    const late = new TestScheduler(c.masterPid, { ...scheduler.info });
    late.frameworkId = id;
    r2.spawn(late, 'scheduler');
    late.subscribe();
    await c.clock.settle();
    expect(late.named('framework_error').map((b) => b.message)).toEqual([`Framework ${id} has been removed`]);
  });

  test('one active scheduler per framework: the replaced one is told and gets nothing more', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:256' });
    const { scheduler: first } = await c.scheduler({ failover_timeout: 60 });
    const r2 = await c.runtime('second');
    const second = new TestScheduler(c.masterPid, { ...first.info });
    second.frameworkId = first.frameworkId;
    r2.spawn(second, 'scheduler');
    second.subscribe();
    await c.clock.advance(5);
    expect(first.named('framework_error').map((b) => b.message)).toEqual(['Framework failed over']);
    expect(second.named('subscribed')).toHaveLength(1);
    // The first scheduler's calls are refused now.
    first.call('revive', { framework_id: { value: first.frameworkId! } });
    await c.clock.settle();
    expect(first.named('error').at(-1)!.message).toMatch(/^REVIVE: framework .* is not subscribed from/);
  });

  test('a scheduler resubscribing from the same address gets its outstanding offers recalled and offered anew', async () => {
    // Regression (noticed in the simulation, where a restarted scheduler comes back at the same address): the offers
    // the master had made stayed outstanding, held from everyone, until the offer timeout.
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:256' });
    const { scheduler } = await c.scheduler({ failover_timeout: 60 });
    await c.clock.advance(5);
    const before = [...scheduler.offers.keys()];
    expect(before).toHaveLength(1);
    scheduler.offers.clear(); // a restarted scheduler at the same pid remembers no offer
    scheduler.subscribe();
    await c.clock.advance(1000);
    expect(scheduler.named('subscribed')).toHaveLength(2);
    expect([...c.master.state.offers.all()].map((o) => o.id).filter((id) => before.includes(id))).toEqual([]);
    // What the old offer held is offered again at the next batch (within an allocation interval; a recovery does not allocate at once, as in Mesos).
    expect(scheduler.offers.size).toBe(1);
    expect([...scheduler.offers.keys()][0]).not.toBe(before[0]);
    // The old offer cannot be used.
    scheduler.accept(before, []);
    await c.clock.settle();
    expect([...c.master.state.offers.all()].map((o) => o.id)).toEqual([...scheduler.offers.keys()]);
  });

  test('an invalid FrameworkInfo is refused with the reason', async () => {
    c = await cluster();
    const { scheduler } = await c.scheduler({ role: 'bad role' });
    expect(scheduler.named('framework_error')[0]!.message).toBe("Framework is invalid: framework_info role: role 'bad role' contains the invalid character \" \"");
    expect(c.master.state.frameworks.size).toBe(0);
  });

  test('teardown removes the framework and shuts it down on its agents', async () => {
    c = await cluster();
    const { scheduler, agent } = await runningTask(c);
    scheduler.call('teardown', { framework_id: scheduler.fw });
    await c.clock.settle();
    expect(c.master.state.frameworks.size).toBe(0);
    expect(agent.named('shutdown_framework')).toHaveLength(1);
  });
});

describe('agents', () => {
  test('an agent is unreachable once 5 pings in a row (every 15 s) go unanswered; it comes back with its tasks, not duplicated', async () => {
    c = await cluster();
    const { agent, scheduler } = await runningTask(c, { capabilities: [{ type: 'PARTITION_AWARE' }] });
    const { scheduler: legacy } = await c.scheduler({}, 'legacy');
    agent.mute = true; // it answered the ping sent at registration; the next five go unanswered
    await c.clock.advance(5 * 15_000);
    expect(c.master.state.agents.has('m1-S0')).toBe(true);
    expect(c.master.state.agents.get('m1-S0')!.missedPings).toBe(4);
    await c.clock.advance(15_000);
    expect(c.master.state.agents.has('m1-S0')).toBe(false);
    expect(c.master.state.unreachableAgents.has('m1-S0')).toBe(true);
    const unreachable = scheduler.statuses('t1').at(-1)!;
    expect(unreachable.state).toBe('TASK_UNREACHABLE');
    expect(unreachable.reason).toBe('REASON_AGENT_REMOVED');
    expect(scheduler.named('agent_lost').map((b) => b.agent_id.value)).toEqual(['m1-S0']);
    expect(legacy.named('agent_lost')).toHaveLength(1);
    // Explicit reconciliation says unreachable too.
    scheduler.call('reconcile', { framework_id: scheduler.fw, tasks: [{ task_id: { value: 't1' }, agent_id: { value: 'm1-S0' } }] });
    await c.clock.settle();
    expect(scheduler.statuses('t1').at(-1)!.state).toBe('TASK_UNREACHABLE');

    // It comes back: same id, its task back in the books once.
    agent.mute = false;
    agent.register();
    await c.clock.settle();
    expect(agent.named('agent_reregistered').map((b) => b.agent_id.value)).toEqual(['m1-S0']);
    expect(c.master.state.agents.has('m1-S0')).toBe(true);
    expect(c.master.state.unreachableAgents.has('m1-S0')).toBe(false);
    const fw = c.master.state.frameworks.get(scheduler.frameworkId!)!;
    expect([...fw.tasks.keys()]).toEqual(['t1']);
    expect(fw.unreachableTasks.size).toBe(0);
    expect(c.master.state.agents.get('m1-S0')!.taskCount()).toBe(1);
    scheduler.call('reconcile', { framework_id: scheduler.fw, tasks: [] });
    await c.clock.settle();
    expect(scheduler.statuses('t1').at(-1)!.state).toBe('TASK_RUNNING');
  });

  test('a non-partition-aware framework sees TASK_LOST', async () => {
    c = await cluster({ agentPingTimeoutMs: 1_000, maxAgentPingTimeouts: 2 });
    const { agent, scheduler } = await runningTask(c);
    agent.mute = true;
    await c.clock.advance(3_000);
    expect(scheduler.statuses('t1').at(-1)!.state).toBe('TASK_LOST');
  });

  test('a re-registering agent that does not report a task is asked about it; the answer of the agent ends it (TASK_LOST for legacy frameworks)', async () => {
    c = await cluster();
    const { agent, scheduler } = await runningTask(c);
    const had = agent.running.get('t1')!;
    agent.running.clear();
    agent.register();
    await c.clock.settle();
    expect(agent.named('agent_reregistered')[0]!.reconciliations).toEqual([{ framework_id: { value: scheduler.frameworkId }, task_id: { value: 't1' }, state: 'TASK_RUNNING' }]);
    // Only the agent knows whether it has the task (a run_task may cross the re-registration on the wire): the
    // master ends nothing by itself.
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    expect(c.master.state.frameworks.get(scheduler.frameworkId!)!.tasks.get('t1')!.state).toBe('TASK_RUNNING');
    // The agent answers as ours does for a task it does not have (TASK_DROPPED to a partition-aware framework).
    agent.running.set('t1', had);
    agent.update('t1', 'TASK_LOST', 'Task unknown to the agent', 'REASON_RECONCILIATION');
    agent.running.delete('t1');
    await c.clock.settle();
    expect(scheduler.statuses('t1').at(-1)).toMatchObject({ state: 'TASK_LOST', reason: 'REASON_RECONCILIATION' });
    expect(c.master.state.frameworks.get(scheduler.frameworkId!)!.tasks.has('t1')).toBe(false);
  });

  test('a registered agent that re-registers with tasks the master does not know: they are added, an unknown framework as an orphan until it subscribes', async () => {
    c = await cluster();
    const { agent, scheduler } = await runningTask(c);
    const frameworkId = scheduler.frameworkId!;
    const t1 = agent.running.get('t1')!;
    // t2 of the same framework (its launch was missed), t3 of a framework this master never saw.
    agent.running.set('t2', { frameworkId, task: { ...t1.task, name: 't2', task_id: { value: 't2' }, resources: Resources.parse('cpus:1;mem:256').toJSON() }, state: 'TASK_RUNNING' });
    agent.running.set('t3', { frameworkId: 'elsewhere', task: { ...t1.task, name: 't3', task_id: { value: 't3' }, resources: Resources.parse('cpus:2;mem:64').toJSON() }, state: 'TASK_RUNNING' });
    agent.register();
    await c.clock.settle();
    expect(agent.named('agent_reregistered')).toHaveLength(1);
    expect(agent.named('agent_reregistered')[0]!.reconciliations).toBeUndefined();
    const books = c.master.state;
    const a = books.agents.get(agent.agentId!)!;
    expect([...a.tasksOf(frameworkId).keys()].sort()).toEqual(['t1', 't2']);
    expect(books.frameworks.get(frameworkId)!.tasks.get('t2')!.state).toBe('TASK_RUNNING');
    const orphanFramework = books.frameworks.get('elsewhere')!;
    expect(orphanFramework.connected).toBe(false);
    expect([...orphanFramework.tasks.keys()]).toEqual(['t3']);
    expect([a.totalUsed().scalar('cpus'), a.totalUsed().scalar('mem')]).toEqual([4, 448]);
    expect(c.master.metrics()['master/tasks_adopted']).toBe(2);
    // No cpus can be offered from the agent any more: all 4 are held (the ledger in afterEach checks the allocator agrees).
    await c.clock.advance(2_000);
    const offered = [...scheduler.offers.values()].filter((o) => o.agent_id.value === a.id).reduce((sum, o) => sum.add(Resources.of(o.resources)), Resources.empty());
    expect(offered.scalar('cpus')).toBe(0);
    // Re-registering again with the same tasks changes nothing.
    agent.register();
    await c.clock.settle();
    expect(c.master.metrics()['master/tasks_adopted']).toBe(2);
    expect(a.taskCount()).toBe(3);
  });

  test('a re-registration that repeats one already taken is answered without the full path; one that differs takes it', async () => {
    c = await cluster();
    const { agent, scheduler } = await runningTask(c);
    agent.register();
    agent.register(); // the retry that crossed the answer
    await c.clock.settle();
    expect(agent.named('agent_reregistered')).toHaveLength(2);
    expect(c.master.metrics()['master/agents_reregistered_duplicate']).toBe(1);
    expect(c.master.metrics()['master/agents_reregistered']).toBe(1);
    // The same tasks in another state: not a duplicate.
    agent.running.get('t1')!.state = 'TASK_FINISHED';
    agent.register();
    await c.clock.settle();
    expect(c.master.metrics()['master/agents_reregistered_duplicate']).toBe(1);
    expect(c.master.metrics()['master/agents_reregistered']).toBe(2);
    // A task the agent no longer has: not a duplicate either; the full path asks the agent about it (its answer ends it).
    agent.running.clear();
    agent.register();
    await c.clock.settle();
    expect(c.master.metrics()['master/agents_reregistered_duplicate']).toBe(1);
    expect(agent.named('agent_reregistered').at(-1)!.reconciliations).toEqual([{ framework_id: { value: scheduler.frameworkId }, task_id: { value: 't1' }, state: 'TASK_RUNNING' }]);
  });

  test('an agent with bad resources is refused with the reason', async () => {
    c = await cluster();
    const r = await c.runtime('bad');
    r.post(`slave(1)@${r.address}`, c.masterPid, 'register_agent', { agent: { hostname: 'h', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }, version: 'x', checkpointed_resources: [] });
    await c.clock.settle();
    expect(c.master.state.agents.size).toBe(0);
    expect(c.master.metrics()['master/invalid_agent_registrations']).toBe(1);
  });
});

describe('tasks', () => {
  test('status updates are forwarded at least once; retries carry the same uuid; one acknowledgement ends it', async () => {
    c = await cluster();
    const { agent, scheduler } = await runningTask(c);
    scheduler.autoAck = false;
    const uuid = agent.update('t1', 'TASK_FINISHED');
    agent.resend('t1', 'TASK_FINISHED', uuid);
    await c.clock.settle();
    const finished = scheduler.statuses('t1').filter((s) => s.state === 'TASK_FINISHED');
    expect(finished).toHaveLength(2);
    expect(Buffer.from(finished[0]!.uuid!).equals(Buffer.from(finished[1]!.uuid!))).toBe(true);
    const fw = c.master.state.frameworks.get(scheduler.frameworkId!)!;
    expect(fw.tasks.has('t1')).toBe(true); // terminal, not yet acknowledged
    scheduler.call('acknowledge', { framework_id: scheduler.fw, agent_id: { value: agent.agentId! }, task_id: { value: 't1' }, uuid });
    await c.clock.settle();
    expect(fw.tasks.has('t1')).toBe(false);
    expect(agent.acks.at(-1)).toBe(`t1:${Buffer.from(uuid).toString('hex')}`);
  });

  test('kill goes to the agent; TASK_KILLED comes back', async () => {
    c = await cluster();
    const { agent, scheduler } = await runningTask(c);
    scheduler.call('kill', { framework_id: scheduler.fw, task_id: { value: 't1' } });
    await c.clock.settle();
    expect(agent.named('kill_task').map((b) => b.task_id.value)).toEqual(['t1']);
    expect(scheduler.states('t1').at(-1)).toBe('TASK_KILLED');
  });

  test('reconciliation: implicit gives every task; explicit answers unknown tasks as Mesos does', async () => {
    c = await cluster();
    const { scheduler, agent } = await runningTask(c, { capabilities: [{ type: 'PARTITION_AWARE' }] });
    const before = scheduler.statuses().length;
    scheduler.call('reconcile', { framework_id: scheduler.fw, tasks: [] });
    scheduler.call('reconcile', {
      framework_id: scheduler.fw,
      tasks: [
        { task_id: { value: 't1' } },
        { task_id: { value: 'ghost' } },
        { task_id: { value: 'ghost2' }, agent_id: { value: agent.agentId! } },
        { task_id: { value: 'ghost3' }, agent_id: { value: 'm1-S77' } },
      ],
    });
    await c.clock.settle();
    const answers = scheduler.statuses().slice(before).map((s) => [s.task_id.value, s.state, s.reason, s.source]);
    expect(answers).toEqual([
      ['t1', 'TASK_RUNNING', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
      ['t1', 'TASK_RUNNING', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
      ['ghost', 'TASK_UNKNOWN', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
      ['ghost2', 'TASK_GONE', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
      ['ghost3', 'TASK_UNKNOWN', 'REASON_RECONCILIATION', 'SOURCE_MASTER'],
    ]);
  });

  test('framework messages travel both ways', async () => {
    c = await cluster();
    const { scheduler, agent, agentRuntime } = await runningTask(c);
    const data = new Uint8Array([1, 2, 3]);
    scheduler.call('message', { framework_id: scheduler.fw, agent_id: { value: agent.agentId! }, executor_id: { value: 'e1' }, data });
    await c.clock.settle();
    expect(agent.named('framework_to_executor').map((b) => [...b.data])).toEqual([[1, 2, 3]]);
    agentRuntime.post(agent.pid, c.masterPid, 'executor_to_framework', { agent_id: { value: agent.agentId! }, framework_id: scheduler.fw, executor_id: { value: 'e1' }, data: new Uint8Array([9]) });
    await c.clock.settle();
    expect(scheduler.named('framework_message').map((b) => [...b.data])).toEqual([[9]]);
  });
});

describe('agents whose link broke on the master side only', () => {
  test('the master pings it connected=false, so it re-registers and is offered again', async () => {
    c = await cluster({ agentPingTimeoutMs: 1_000 });
    const { agent, scheduler } = await runningTask(c);
    const books = c.master.state.agents.get(agent.agentId!)!;
    // The master sees the agent's link break (a stale connection of its previous process, say); the agent sees nothing.
    c.master.exited(agent.pid);
    expect(books.connected).toBe(false);
    expect(books.active).toBe(false);
    await c.clock.advance(1_000);
    expect(agent.named('ping').at(-1)!.connected).toBe(false);
    // The test agent answers pings, not that: it re-registers as ours does (agent/master-link.ts).
    agent.register();
    await c.clock.settle();
    expect(books.connected).toBe(true);
    expect(books.active).toBe(true);
    await c.clock.advance(1_000);
    expect(agent.named('ping').at(-1)!.connected).toBe(true);
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
  });
});
