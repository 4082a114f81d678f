// Simulated agents against the real master (in-process, virtual clock): they
// register, run tasks for the time their command says, retry status updates
// until acknowledged, obey kills, and re-register after the master link breaks.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { SimulatedAgentProcess, simulatedDurationMs } from '../../agent/simulated.js';
import { Resources } from '../../protocol/resources.js';
import { cluster, ledger, type Cluster } from '../../master/test/helpers/cluster.js';
import { commandTask } from '../../master/test/helpers/peers.js';

let c: Cluster;
afterEach(async () => c?.stop());

describe('simulated agents', () => {
  test('many agents in one runtime run tasks for their duration, with acknowledged updates', async () => {
    c = await cluster();
    const host = await c.runtime('agents');
    const freed: string[] = [];
    const agents: SimulatedAgentProcess[] = [];
    for (let i = 0; i < 20; i++) {
      const a = new SimulatedAgentProcess({ master: c.masterPid.toString(), resources: Resources.parse('cpus:2;mem:1024'), hostname: `sim${i}`, random: new Random(i + 1), onFreed: (id) => freed.push(id) });
      host.spawn(a, `slave(${i + 1})`);
      agents.push(a);
    }
    await c.clock.advance(1_100);
    expect(c.master.state.agents.size).toBe(20);
    const { scheduler } = await c.scheduler();
    await c.clock.advance(10);
    const offers = [...scheduler.offers.values()];
    expect(offers).toHaveLength(20);
    for (const [i, offer] of offers.entries()) scheduler.launch(offer, [commandTask(`t${i}`, offer, 'cpus:1;mem:100', `sleep ${1 + (i % 3)}`)], 0);
    await c.clock.advance(10);
    expect(scheduler.statuses().filter((s) => s.state === 'TASK_RUNNING')).toHaveLength(20);
    await c.clock.advance(1_000);
    expect(scheduler.statuses().filter((s) => s.state === 'TASK_FINISHED')).toHaveLength(7);
    await c.clock.advance(2_000);
    expect(scheduler.statuses().filter((s) => s.state === 'TASK_FINISHED')).toHaveLength(20);
    expect(freed).toHaveLength(20);
    // Every update acknowledged: nothing left pending on the agents.
    expect(agents.every((a) => a.tasks.size === 0)).toBe(true);
    expect(ledger(c)).toEqual([]);
  });

  test('an update is retried until acknowledged, each wait twice the one before; a kill ends the task', async () => {
    c = await cluster();
    const host = await c.runtime('agents');
    const agent = new SimulatedAgentProcess({ master: c.masterPid.toString(), resources: Resources.parse('cpus:2;mem:1024'), hostname: 'sim', random: new Random(7), retryMs: 10_000 });
    host.spawn(agent, 'slave(1)');
    const { scheduler } = await c.scheduler();
    await c.clock.advance(1_100);
    scheduler.autoAck = false;
    const [offer] = [...scheduler.offers.values()];
    scheduler.launch(offer!, [commandTask('long', offer!, 'cpus:1', 'sleep 600')]);
    await c.clock.advance(10);
    await c.clock.advance(25_000);
    // Sent, retried after 10 s; the next retry waits 20 s more.
    expect(scheduler.statuses('long').map((s) => s.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
    await c.clock.advance(10_000);
    const running = scheduler.statuses('long');
    expect(running.map((s) => s.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING']); // sent, retried twice (10 s, then 20 s later)
    scheduler.call('acknowledge', { framework_id: scheduler.fw, agent_id: running[0]!.agent_id!, task_id: { value: 'long' }, uuid: running[0]!.uuid! });
    await c.clock.advance(30_000);
    expect(scheduler.statuses('long')).toHaveLength(3);
    scheduler.autoAck = true;
    scheduler.call('kill', { framework_id: scheduler.fw, task_id: { value: 'long' } });
    await c.clock.advance(10);
    expect(scheduler.states('long').at(-1)).toBe('TASK_KILLED');
  });

  test('durations come from a duration_ms label or the sleep in the command', () => {
    const base = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' } };
    expect(simulatedDurationMs({ ...base, command: { value: 'echo hi; sleep 2.5' } })).toBe(2500);
    expect(simulatedDurationMs({ ...base, command: { value: 'true' }, labels: { labels: [{ key: 'duration_ms', value: '40' }] } })).toBe(40);
    expect(simulatedDurationMs({ ...base, command: { value: 'true' } })).toBe(0);
  });
});
