// Found by the chaos test (seed 2, test/chaos): the leader was partitioned while a task ran; the
// framework, subscribed to the new leader before the task's agent re-registered with it, reconciled
// and was told TASK_LOST; the task then finished (TASK_FINISHED after TASK_LOST). A task whose agent
// is known from the registry but has not re-registered yet gets no answer (Mesos's case "task
// unknown, agent recovered: no-op"); once the agent is back, the answer is the task's real state.
import { describe, expect, test } from '@jest/globals';
import { HaCluster, retarget } from './helpers/ha-cluster.js';
import { commandTask } from './helpers/peers.js';

describe('reconciliation across a failover', () => {
  test('a task on an agent that has not re-registered with the new leader is not reported lost', async () => {
    const c = new HaCluster(3, 26, { reregisterTimeoutMs: 60_000 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const agent = await c.agent(leader, { resources: 'cpus:2;mem:1024' });
    const scheduler = await c.scheduler(leader, { failover_timeout: 3600 });
    await c.until(() => scheduler.frameworkId !== undefined && agent.agentId !== undefined);
    await c.clock.advance(1500);
    const offer = [...scheduler.offers.values()].find((o) => o.agent_id.value === agent.agentId)!;
    scheduler.launch(offer, [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 100')]);
    await c.until(() => scheduler.states('t1').includes('TASK_RUNNING'));
    await c.clock.advance(100);

    await c.kill(leader);
    const next = await c.awaitLeader(5000);
    const m = c.nodes[next]!.ha!.master!;
    retarget(scheduler, c.masterPid(next));
    scheduler.subscribe();
    await c.until(() => m.state.frameworks.get(scheduler.frameworkId!)?.connected === true);
    expect(m.recoveredAgents().map((a) => a.id)).toEqual([agent.agentId]);
    const ask = (): void => scheduler.call('reconcile', { framework_id: scheduler.fw, tasks: [{ task_id: { value: 't1' }, agent_id: { value: agent.agentId! } }] });
    const before = scheduler.statuses('t1').length;
    ask();
    await c.clock.advance(500);
    expect(scheduler.statuses('t1').slice(before)).toEqual([]);

    // The agent re-registers with the task: now the answer is its state.
    retarget(agent, c.masterPid(next));
    agent.register();
    await c.until(() => m.recoveredAgents().length === 0);
    ask();
    await c.until(() => scheduler.statuses('t1').length > before);
    expect(scheduler.statuses('t1').slice(before).map((s) => [s.state, s.reason])).toEqual([['TASK_RUNNING', 'REASON_RECONCILIATION']]);
    await c.stop();
  });
});
