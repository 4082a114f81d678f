// Simulated agents given the list of 3 HA masters (in-process, virtual
// clock): they find the leader from whichever master they try first (not_leader
// names it), and after the leader is killed they re-register with the new one
// by themselves, keeping their ids and their running tasks.
import { afterEach, describe, expect, test } from '@jest/globals';
import { PID, Random, Runtime } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import { ScriptedMaster, runtimesOn } from '../../agent/test/helpers.js';
import type { FromNonLeader } from '../../protocol/messages/leader.js';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import { SimulatedAgentProcess } from '../../agent/simulated.js';
import { LEADER_TRIES } from '../../agent/registration.js';
import { Resources } from '../../protocol/resources.js';
import { HaCluster } from '../../master/test/helpers/ha-cluster.js';
import { commandTask } from '../../master/test/helpers/peers.js';

let c: HaCluster | undefined;
const runtimes: Runtime[] = [];
afterEach(async () => {
  await c?.stop();
  c = undefined;
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

describe('simulated agents with high availability', () => {
  test('they find the leader, and after it is killed re-register with the next one, tasks kept', async () => {
    c = new HaCluster(3, 31, { reregisterTimeoutMs: 60_000 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const host = await c.runtime('agents');
    const list = [0, 1, 2].map((i) => c!.masterPid(i).toString());
    const agents: SimulatedAgentProcess[] = [];
    for (let i = 0; i < 12; i++) {
      // Each starts from a different master of the list: two thirds of them first ask a follower.
      const rotated = [...list.slice(i % 3), ...list.slice(0, i % 3)].join(',');
      const a = new SimulatedAgentProcess({ master: rotated, resources: Resources.parse('cpus:2;mem:1024'), hostname: `sim${i}`, random: new Random(i + 1) });
      host.spawn(a, `slave(${i + 1})`);
      agents.push(a);
    }
    const master = () => c!.nodes[c!.leaders()[0]!]!.ha!.master!;
    await c.until(() => master().state.agents.size === 12, 5_000);
    const ids = agents.map((a) => a.agentId);
    expect(new Set(ids).size).toBe(12);

    const scheduler = await c.scheduler(leader);
    await c.until(() => scheduler.offers.size === 12, 5_000);
    for (const [i, offer] of [...scheduler.offers.values()].entries()) scheduler.launch(offer, [commandTask(`t${i}`, offer, 'cpus:1;mem:100', 'sleep 600')], 0);
    await c.until(() => agents.every((a) => a.tasks.size === 1 && [...a.tasks.values()][0]!.state === 'TASK_RUNNING'), 5_000);
    // Admissions and the framework are in the registry before the leader dies (tasks come back with their agents).
    await c.until(() => c!.nodes.every((n) => n.ha!.registrar.registry.agents.size === 12 && n.ha!.registrar.registry.frameworks.has(scheduler.frameworkId!)));

    await c.kill(leader);
    const next = await c.awaitLeader(10_000, leader);
    await c.until(() => [...c!.nodes[next]!.ha!.master!.state.agents.values()].filter((a) => a.active).length === 12, 15_000);
    expect(agents.map((a) => a.agentId)).toEqual(ids);
    const books = c.nodes[next]!.ha!.master!.state;
    const running = [...books.frameworks.values()].flatMap((f) => [...f.tasks.values()]).filter((t) => t.state === 'TASK_RUNNING');
    expect(running).toHaveLength(12);
    expect(agents.every((a) => [...a.tasks.values()][0]!.state === 'TASK_RUNNING')).toBe(true);
  });
});

describe('a simulated agent told of a leader (the real agent\'s policy, agent/registration.ts MasterChoice)', () => {
  test('its first try within the backoff factor; a leader named is retried (not the next master) a few times, then the next master; named again, it is tried again', async () => {
    const clock = new VirtualClock();
    const net = new SimulatedNetwork({ clock, seed: 2, latencyMs: 0 });
    const rt = runtimesOn(net, clock, runtimes);
    const [m1, m2] = [new ScriptedMaster(), new ScriptedMaster()];
    m1.autoRegister = false;
    m2.autoRegister = false;
    const pids = [(await rt('m1')).spawn(m1, 'master'), (await rt('m2')).spawn(m2, 'master')];
    const factor = 10_000;
    const agent = new SimulatedAgentProcess({ master: pids.join(','), resources: Resources.parse('cpus:2;mem:1024'), hostname: 'sim0', random: new Random(3), backoffMs: factor });
    const agentPid = (await rt('agent')).spawn(agent, 'slave(1)');
    const tell = (from: ScriptedMaster, body: FromNonLeader['not_leader']): void => (from as unknown as { sendTo(to: PID, name: string, b: FromNonLeader['not_leader']): void }).sendTo(agentPid, 'not_leader', body);
    const sent = (): number[] => [m1.all('register_agent').length, m2.all('register_agent').length];
    // The first try within the factor, to the first master of the list.
    const start = clock.now();
    for (let i = 0; i < 1000 && sent()[0] === 0; i++) await clock.advance(10);
    expect(sent()).toEqual([1, 0]);
    expect(clock.now() - start).toBeLessThanOrEqual(factor);
    // A standby names m1 the leader while the agent tries it: m1 is the known leader, tried LEADER_TRIES times
    // in all (busy: no answer), then the next master.
    tell(m2, { leader: pids[0]!.toString(), term: 2, message: 'the leader is m1' });
    for (let i = 0; i < 1000 && sent()[1] === 0; i++) await clock.advance(1000);
    expect(sent()).toEqual([LEADER_TRIES, 1]);
    // m2 names m1 again: back to m1, which answers now.
    tell(m2, { leader: pids[0]!.toString(), term: 2, message: 'the leader is m1' });
    m1.autoRegister = true;
    for (let i = 0; i < 1000 && agent.agentId === undefined; i++) await clock.advance(1000);
    expect(agent.agentId).toBe('M-S0');
    expect(sent()).toEqual([LEADER_TRIES + 1, 1]);
  });
});

describe('a simulated agent between masters (the real agent pauses its status updates, status-updates.ts)', () => {
  test('an update made while it re-registers is held, and sent to the master that answers', async () => {
    const clock = new VirtualClock();
    const net = new SimulatedNetwork({ clock, seed: 4, latencyMs: 0 });
    const rt = runtimesOn(net, clock, runtimes);
    const [m1, m2] = [new ScriptedMaster(), new ScriptedMaster()];
    m1.autoAck = true;
    m2.autoAck = true;
    m2.autoRegister = false;
    const pids = [(await rt('m1')).spawn(m1, 'master'), (await rt('m2')).spawn(m2, 'master')];
    const agent = new SimulatedAgentProcess({ master: pids.join(','), resources: Resources.parse('cpus:2;mem:1024'), hostname: 'sim0', random: new Random(5), backoffMs: 100 });
    const agentPid = (await rt('agent')).spawn(agent, 'slave(1)');
    for (let i = 0; i < 100 && agent.agentId === undefined; i++) await clock.advance(100);
    expect(agent.agentId).toBe('M-S0');
    const framework = { user: 'u', name: 'f', id: { value: 'F1' } };
    const task = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'M-S0' }, resources: [], labels: { labels: [{ key: 'duration_ms', value: '5000' }] } };
    m1.sendTo(agentPid as PID<MasterToAgent>, 'run_task', { framework, framework_id: { value: 'F1' }, task });
    for (let i = 0; i < 100 && m1.all('status_update').length === 0; i++) await clock.advance(10);
    expect(m1.all('status_update').map((r) => r.body.update.status.state)).toEqual(['TASK_RUNNING']);
    // m1 steps down and names m2, which does not answer yet (nor does m1 any more): the task finishes meanwhile.
    m1.autoRegister = false;
    m1.sendTo(agentPid as PID<MasterToAgent>, 'not_leader' as never, { leader: pids[1]!.toString(), term: 2, message: 'the leader is m2' } as never);
    await clock.advance(6000);
    expect(agent.tasks.get('t1')?.state).toBe('TASK_FINISHED');
    expect(m2.all('reregister_agent').length).toBeGreaterThan(0);
    expect(m2.all('status_update')).toHaveLength(0);
    expect(m1.all('status_update')).toHaveLength(1);
    // m2 answers: the held update goes to it, and is acknowledged.
    m2.autoRegister = true;
    for (let i = 0; i < 1000 && m2.all('status_update').length === 0; i++) await clock.advance(100);
    expect(m2.all('status_update').map((r) => r.body.update.status.state)).toEqual(['TASK_FINISHED']);
    for (let i = 0; i < 100 && agent.tasks.has('t1'); i++) await clock.advance(10);
    expect(agent.tasks.has('t1')).toBe(false);
  });
});
