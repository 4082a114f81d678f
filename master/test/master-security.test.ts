// Attacks on the master over the actor path, on an in-process cluster whose
// runtimes authenticate (memory transport, virtual clock). The attacker is a
// runtime on the same network: with a framework's credentials of its own, or
// none, or claiming a live agent's address. Each attack is refused and the
// cluster keeps serving the legitimate parties.
import { afterEach, describe, expect, test } from '@jest/globals';
import { PID, type AuthOptions } from 'libprocess-ts';
import type { MasterFlags } from '../flags.js';
import type { MasterProtocol } from '../master.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { TestScheduler, commandTask } from './helpers/peers.js';

const SECRETS = new Map([
  ['cluster', 'cluster-secret'],
  ['fw', 'fw-secret'],
  ['mallory', 'mallory-secret'], // a legitimate principal of the cluster, used by a hostile framework
]);
const MASTER: AuthOptions = { principal: 'cluster', secret: 'cluster-secret', secrets: SECRETS, required: false };
const AGENT = { auth: { principal: 'cluster', secret: 'cluster-secret' } };
const FW = { auth: { principal: 'fw', secret: 'fw-secret' } };
const MALLORY = { auth: { principal: 'mallory', secret: 'mallory-secret' } };

let c: Cluster;
afterEach(async () => {
  if (c !== undefined) {
    await c.clock.advance(10);
    expect(ledger(c)).toEqual([]);
    await c.stop();
  }
});

async function running(flags: Partial<MasterFlags> = {}) {
  c = await cluster(flags, 1, MASTER);
  const { agent, runtime: agentRuntime } = await c.agent({ resources: 'cpus:4;mem:1024' }, 'agent1', AGENT);
  const { scheduler, runtime } = await c.scheduler({ failover_timeout: 60 }, 'scheduler1', FW);
  await c.clock.advance(5);
  const [offer] = [...scheduler.offers.values()];
  scheduler.launch(offer!, [commandTask('t1', offer!, 'cpus:1;mem:128')]);
  await c.clock.settle();
  expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
  return { agent, agentRuntime, scheduler, runtime };
}

const master = (cl: Cluster): PID<MasterProtocol> => cl.masterPid;

describe('the master refuses, and keeps serving', () => {
  test('a status update for a task from an agent that does not run it, or spoofing the agent that does', async () => {
    const { agent, scheduler } = await running();
    // A second, legitimately registered agent reports on the first one's task.
    const { agent: other, runtime: otherRuntime } = await c.agent({ resources: 'cpus:1;mem:128' }, 'agent2', AGENT);
    await c.clock.advance(5);
    const update = (agentId: string) => ({
      update: {
        framework_id: scheduler.fw,
        status: { task_id: { value: 't1' }, state: 'TASK_FINISHED' as const, source: 'SOURCE_EXECUTOR' as const, agent_id: { value: agentId } },
        timestamp: 1,
      },
    });
    otherRuntime.post(other.pid, master(c), 'status_update', update(agent.agentId!));
    otherRuntime.post(other.pid, master(c), 'status_update', update(other.agentId!));
    // An attacker runtime puts the real agent's PID in `from`.
    const attacker = await c.runtime('attacker', MALLORY);
    attacker.post(agent.pid, master(c), 'status_update', update(agent.agentId!));
    await c.clock.settle();
    expect(c.master.state.counters.get('master/status_updates_from_wrong_agent')).toBe(2);
    expect(c.masterRuntime.metrics()['spoofed_sender']).toBe(1);
    expect(c.master.state.frameworks.get(scheduler.frameworkId!)!.tasks.get('t1')!.state).toBe('TASK_RUNNING');
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    // The real agent still reports.
    agent.update('t1', 'TASK_FINISHED');
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
  });

  test("a framework takeover: SUBSCRIBE with the framework's id from another principal, and calls spoofing its scheduler", async () => {
    const { scheduler } = await running();
    const id = scheduler.frameworkId!;
    const r = await c.runtime('mallory', MALLORY);
    const thief = new TestScheduler(c.masterPid, { ...scheduler.info });
    thief.frameworkId = id;
    r.spawn(thief, 'scheduler');
    thief.subscribe();
    await c.clock.settle();
    expect(thief.named('framework_error')).toHaveLength(1);
    expect(thief.named('framework_error')[0]!.message).toMatch(new RegExp(`^Framework ${id} (is subscribed by another principal|belongs to principal 'fw')`));
    expect(thief.named('subscribed')).toEqual([]);
    expect(c.master.state.counters.get('master/framework_takeovers_refused')).toBe(1);
    // TEARDOWN from the thief's own PID: not the framework's connection; with the scheduler's PID: not from its runtime.
    thief.call('teardown', { framework_id: { value: id } });
    r.post(scheduler.pid, c.masterPid, 'teardown', { framework_id: { value: id } });
    await c.clock.settle();
    expect(thief.named('error').at(-1)!.message).toMatch(/^TEARDOWN: framework .* is not subscribed from/);
    expect(c.masterRuntime.metrics()['spoofed_sender']).toBe(1);
    const fw = c.master.state.frameworks.get(id)!;
    expect(fw.connected).toBe(true);
    expect(fw.connection!.id).toBe(scheduler.pid.toString());
    expect(scheduler.named('framework_error')).toEqual([]);
    // The real scheduler fails over to a new instance under its own principal: allowed.
    const r2 = await c.runtime('scheduler-again', FW);
    const again = new TestScheduler(c.masterPid, { ...scheduler.info });
    again.frameworkId = id;
    r2.spawn(again, 'scheduler');
    again.subscribe();
    await c.clock.settle();
    expect(again.named('subscribed').map((b) => b.framework_id.value)).toEqual([id]);
  });

  test("a connection claiming a live agent's address under another principal; the agent keeps its place", async () => {
    const { agent, agentRuntime, scheduler } = await running();
    const impostor = await c.runtime('impostor', { ...MALLORY, claim: agentRuntime.address });
    impostor.post(agent.pid, c.masterPid, 'unregister_agent', { agent_id: { value: agent.agentId! } });
    impostor.post(agent.pid, c.masterPid, 'status_update', {
      update: { framework_id: scheduler.fw, status: { task_id: { value: 't1' }, state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', agent_id: { value: agent.agentId! } }, timestamp: 1 },
    });
    await c.clock.settle();
    expect(c.network.counters.hijacks_refused).toBe(1);
    expect(c.masterRuntime.metrics()['hijack_refused']).toBe(1);
    expect(c.master.state.agents.get(agent.agentId!)).toBeDefined();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    // Pings still reach the real agent.
    const pings = agent.named('ping').length;
    await c.clock.advance(20_000);
    expect(agent.named('ping').length).toBeGreaterThan(pings);
  });

  test("once the agent's connection is gone, another principal speaking from its address is not taken for it", async () => {
    const { agent, agentRuntime, scheduler } = await running();
    const address = agentRuntime.address;
    await agentRuntime.stop();
    await c.clock.advance(10);
    expect(c.master.state.agents.get(agent.agentId!)).toBeDefined(); // disconnected, not yet unreachable
    const impostor = await c.runtime('impostor', { ...MALLORY, claim: address });
    impostor.post(agent.pid, c.masterPid, 'status_update', {
      update: { framework_id: scheduler.fw, status: { task_id: { value: 't1' }, state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', agent_id: { value: agent.agentId! } }, timestamp: 1 },
    });
    impostor.post(agent.pid, c.masterPid, 'unregister_agent', { agent_id: { value: agent.agentId! } });
    await c.clock.settle();
    expect(c.master.state.counters.get('master/agent_messages_wrong_principal')).toBe(2);
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    expect(c.master.state.agents.get(agent.agentId!)).toBeDefined();
  });

  test('offers and allocator messages from outside the master runtime', async () => {
    const { scheduler } = await running();
    const attacker = await c.runtime('attacker', MALLORY);
    const agentId = [...c.master.state.agents.keys()][0]!;
    attacker.post(`allocator@${attacker.address}`, c.masterPid, 'offers', { allocations: [{ framework_id: scheduler.frameworkId!, agent_id: agentId, role: '*', resources: [] }] });
    attacker.post(`master@${attacker.address}`, `allocator@${c.masterRuntime.address}`, 'remove_framework', { framework_id: scheduler.frameworkId! });
    await c.clock.settle();
    expect(c.masterRuntime.metrics()['local_only']).toBe(2);
    expect(c.allocator.core.frameworkIds()).toContain(scheduler.frameworkId!);
  });

  test('with --authenticate_agents and --authenticate_frameworks, peers without credentials are refused', async () => {
    c = await cluster({ authenticateAgents: true, authenticateFrameworks: true }, 1, MASTER);
    const { agent } = await c.agent({ resources: 'cpus:1;mem:128' }, 'anonymous-agent');
    const { scheduler } = await c.scheduler({}, 'anonymous-scheduler');
    await c.clock.advance(5);
    expect(agent.agentId).toBeUndefined();
    expect(c.master.state.agents.size).toBe(0);
    expect(c.master.state.counters.get('master/agent_registrations_unauthenticated')).toBe(1);
    expect(scheduler.named('framework_error').map((e) => e.message)).toEqual(['Framework is not authenticated (the master runs with --authenticate_frameworks)']);
    const { agent: good } = await c.agent({ resources: 'cpus:1;mem:128' }, 'agent', AGENT);
    const { scheduler: fw } = await c.scheduler({ principal: 'fw' }, 'scheduler', FW);
    await c.clock.advance(5);
    expect(good.agentId).toBeDefined();
    expect(fw.frameworkId).toBeDefined();
    // FrameworkInfo.principal must be the authenticated one.
    const { scheduler: liar } = await c.scheduler({ principal: 'fw' }, 'liar', MALLORY);
    await c.clock.advance(5);
    expect(liar.named('framework_error').map((e) => e.message)).toEqual(["Framework principal 'fw' does not match the authenticated principal 'mallory'"]);
  });
});
