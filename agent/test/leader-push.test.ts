// A standby master tells the agents it answered `not_leader` when a leader is elected (master/leader.ts
// StandbyMaster), once, instead of their polling every master in turn. The real agent follows such a push from any
// master of its list, not only from the one it talks to: while registering when the term is not older than the one
// it knows, while registered only for a newer term. Three scripted masters on a simulated network, a virtual clock.
import { afterEach, describe, expect, test } from '@jest/globals';
import { PID, Random, Runtime } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { FromNonLeader } from '../../protocol/messages/leader.js';
import { Resources } from '../../protocol/resources.js';
import { AgentProcess } from '../agent.js';
import { agentFlags } from '../flags.js';
import { FakeContainerizer, ScriptedMaster, eventually, tempDir, runtimesOn } from './helpers.js';

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

async function world() {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 3, latencyMs: 0 });
  const rt = runtimesOn(net, clock, runtimes);
  const masters: ScriptedMaster[] = [];
  const pids: PID[] = [];
  for (const name of ['m1', 'm2', 'm3']) {
    const m = new ScriptedMaster();
    masters.push(m);
    pids.push((await rt(name)).spawn(m, 'master'));
  }
  const stranger = new ScriptedMaster();
  const strangerPid = (await rt('m4')).spawn(stranger, 'master');
  const flags = agentFlags({ master: pids.map((p) => p.toString()).join(','), work_dir: tempDir(), fsync: false, resources: 'cpus:2;mem:1024' });
  const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: new FakeContainerizer(), random: new Random(5), logger: { info: () => {}, warn: () => {} } });
  const agentPid = (await rt('agent')).spawn(agent, 'slave(1)');
  /** `from` says it does not lead, and that `leader` does in `term` (none: no leader known). */
  const push = (from: ScriptedMaster, leader: PID | undefined, term: number): void => {
    const body: FromNonLeader['not_leader'] = { term, message: leader !== undefined ? `the leader is ${leader.toString()}` : 'no leader yet', ...(leader !== undefined ? { leader: leader.toString() } : {}) };
    (from as unknown as { sendTo(to: PID, name: string, body: FromNonLeader['not_leader']): void }).sendTo(agentPid, 'not_leader', body);
  };
  return { clock, masters, pids, stranger, strangerPid, agent, agentPid, push };
}

describe("the agent follows a standby's push", () => {
  test('while registering: the next registration goes to the leader a standby names, not to the next master of the list', async () => {
    const w = await world();
    const [m1, m2, m3] = w.masters as [ScriptedMaster, ScriptedMaster, ScriptedMaster];
    for (const m of w.masters) m.autoRegister = false;
    m3.term = 4;
    await eventually(w.clock, w.agent.ready);
    // Right after its first registration went to m1 (the first master of the list), unanswered:
    for (let i = 0; i < 200 && m1.all('register_agent').length === 0; i++) await w.clock.advance(10);
    expect([m1.all('register_agent').length, m2.all('register_agent').length]).toEqual([1, 0]);
    // m3 was elected; it tells the agent (it had answered it not_leader before, in a real cluster).
    m3.autoRegister = true;
    w.push(m3, w.pids[2]!, 4);
    await w.clock.advance(1_000); // the first backoff, at most registration_backoff_factor
    expect(m3.all('register_agent')).toHaveLength(1);
    expect(m2.all('register_agent')).toHaveLength(0);
    await w.clock.advance(1);
    expect(w.agent.state).toBe('RUNNING');
    expect(w.agent.master.equals(w.pids[2]!)).toBe(true);
  });

  test('our master, which refused the registration while no one led, says it leads now: the agent registers with it again at once, not with the next master', async () => {
    const w = await world();
    const [m1, m2] = w.masters as [ScriptedMaster, ScriptedMaster, ScriptedMaster];
    for (const m of w.masters) m.autoRegister = false;
    await eventually(w.clock, w.agent.ready);
    for (let i = 0; i < 200 && m1.all('register_agent').length === 0; i++) await w.clock.advance(10);
    w.push(m1, undefined, 1);
    m1.autoRegister = true;
    m1.term = 1;
    w.push(m1, w.pids[0]!, 1);
    await w.clock.advance(1_000);
    expect([m1.all('register_agent').length, m2.all('register_agent').length]).toEqual([2, 0]);
    expect(w.agent.state).toBe('RUNNING');
  });

  test('a ping of a newer term from another master fences: the deposed master of an older term that answers next is refused', async () => {
    const w = await world();
    const [m1, m2] = w.masters as [ScriptedMaster, ScriptedMaster, ScriptedMaster];
    for (const m of w.masters) m.autoRegister = false;
    await eventually(w.clock, w.agent.ready);
    for (let i = 0; i < 200 && m1.all('register_agent').length === 0; i++) await w.clock.advance(10);
    // m2 leads term 3 and pings the agent (its answer to the agent was lost); m1, deposed (term 1), answers next.
    (m2 as unknown as { sendTo(to: PID, name: string, body: unknown): void }).sendTo(w.agentPid, 'ping', { connected: true, seq: 1, term: 3 });
    await w.clock.advance(1);
    expect(m2.all('pong')).toHaveLength(1);
    m1.autoRegister = true;
    m1.term = 1;
    for (let i = 0; i < 600 && m1.all('register_agent').length < 2; i++) await w.clock.advance(100);
    await w.clock.advance(1);
    expect(m1.all('register_agent').length).toBeGreaterThanOrEqual(2);
    expect(w.agent.state).toBe('DISCONNECTED');
  });

  test('while registered: a push of a newer term moves the agent to the new leader; one of the same or an older term, or from outside the list, does not', async () => {
    const w = await world();
    const [m1, m2] = w.masters as [ScriptedMaster, ScriptedMaster, ScriptedMaster];
    m1.term = 2;
    await eventually(w.clock, w.agent.ready);
    await w.clock.advance(5_000);
    expect(w.agent.state).toBe('RUNNING');
    expect(w.agent.master.equals(w.pids[0]!)).toBe(true);

    w.push(m2, w.pids[1]!, 2); // the same term: m1 leads it, the push is stale
    w.push(m2, w.pids[1]!, 1); // an older term
    w.push(w.stranger, w.strangerPid, 9); // not one of the agent's masters
    await w.clock.advance(5_000);
    expect(w.agent.state).toBe('RUNNING');
    expect(w.agent.master.equals(w.pids[0]!)).toBe(true);
    expect(m2.all('reregister_agent')).toHaveLength(0);
    expect(w.stranger.received).toHaveLength(0);

    m2.term = 3;
    w.push(m2, w.pids[1]!, 3);
    await w.clock.advance(1_000);
    expect(m2.all('reregister_agent')).toHaveLength(1);
    await w.clock.advance(1);
    expect(w.agent.state).toBe('RUNNING');
    expect(w.agent.master.equals(w.pids[1]!)).toBe(true);
    expect(w.agent.agentId).toBe('M-S0');
  });
});
