// The agent's fencing token, the highest leader term it heard, outlives a restart: it is checkpointed
// (meta/master_term, through the agent's disk) before the agent acts on the message that raised it, and read back
// before any message of the restarted agent. Two scripted masters on a simulated network and a virtual clock: a new
// leader of term 2 and a deposed one of term 1 that still answers as if it led.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Random, Runtime } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import { Resources } from '../../protocol/resources.js';
import { AgentProcess } from '../agent.js';
import { STALE_TERMS_MS } from '../master-link.js';
import { masterTermPath } from '../checkpoint.js';
import { agentFlags } from '../flags.js';
import { FakeContainerizer, ScriptedMaster, eventually, tempDir, runtimesOn } from './helpers.js';

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

async function world() {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 1, latencyMs: 0 });
  const rt = runtimesOn(net, clock, runtimes);
  const deposed = new ScriptedMaster();
  const deposedPid = (await rt('m1')).spawn(deposed, 'master');
  const leader = new ScriptedMaster();
  const leaderPid = (await rt('m2')).spawn(leader, 'master');
  const workDir = tempDir();
  const warnings: string[] = [];
  const start = async (name: string, recover = 'reconnect'): Promise<{ agent: AgentProcess; runtime: Runtime }> => {
    // The deposed master first: a restarted agent tries it before the leader.
    const flags = agentFlags({ master: `${deposedPid.toString()},${leaderPid.toString()}`, work_dir: workDir, fsync: false, resources: 'cpus:2;mem:1024', recover });
    const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: new FakeContainerizer(), random: new Random(7), logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    const runtime = await rt(name);
    runtime.spawn(agent, 'slave(1)');
    return { agent, runtime };
  };
  return { clock, deposed, deposedPid, leader, leaderPid, workDir, warnings, start };
}

/** The first run: registered with the leader of term 2 (the deposed master does not answer yet); then stopped. */
async function registeredThenStopped(w: Awaited<ReturnType<typeof world>>): Promise<void> {
  w.deposed.autoRegister = false;
  w.leader.term = 2;
  const a = await w.start('agent1');
  await eventually(w.clock, a.agent.ready);
  await w.clock.advance(20_000);
  expect(a.agent.state).toBe('RUNNING');
  expect(a.agent.master.equals(w.leaderPid)).toBe(true);
  expect(JSON.parse(readFileSync(masterTermPath(w.workDir), 'utf8'))).toEqual({ term: 2 });
  await a.runtime.stop();
}

describe("the agent's master term across a restart", () => {
  test("a restarted agent refuses the deposed leader's older term, then follows the leader", async () => {
    const w = await world();
    await registeredThenStopped(w);

    // The deposed leader (term 1) answers the restarted agent's re-registration; the real leader is cut off for now.
    w.deposed.autoRegister = true;
    w.deposed.term = 1;
    w.leader.autoRegister = false;
    const b = await w.start('agent2');
    await eventually(w.clock, b.agent.ready);
    await w.clock.advance(5_000);
    expect(w.deposed.all('reregister_agent').length).toBeGreaterThanOrEqual(1);
    expect(b.agent.state).toBe('DISCONNECTED');
    expect(b.agent.registrations).toBe(0);
    expect(w.warnings.some((m) => m.startsWith(`ignoring a message of ${w.deposedPid.toString()}, a master of term 1: the leader's term is at least 2`))).toBe(true);

    // The leader answers again: the agent registers with it, with the id it had.
    w.leader.autoRegister = true;
    await w.clock.advance(180_000);
    expect(b.agent.state).toBe('RUNNING');
    expect(b.agent.master.equals(w.leaderPid)).toBe(true);
    expect(b.agent.agentId).toBe('M-S0');
  });

  test('masters of older terms alone for 10 minutes are a new replica set (its log began again): the agent takes their term', async () => {
    const w = await world();
    await registeredThenStopped(w);
    // Only the "deposed" master answers, for ever: the replica set was replaced and counts from term 1 again.
    w.deposed.autoRegister = true;
    w.deposed.term = 1;
    w.leader.autoRegister = false;
    const b = await w.start('agent2');
    await eventually(w.clock, b.agent.ready);
    await w.clock.advance(STALE_TERMS_MS - 60_000);
    expect(b.agent.state).toBe('DISCONNECTED');
    expect(JSON.parse(readFileSync(masterTermPath(w.workDir), 'utf8'))).toEqual({ term: 2 });
    await w.clock.advance(180_000);
    expect(b.agent.state).toBe('RUNNING');
    expect(b.agent.master.equals(w.deposedPid)).toBe(true);
    expect(b.agent.agentId).toBe('M-S0');
    expect(JSON.parse(readFileSync(masterTermPath(w.workDir), 'utf8'))).toEqual({ term: 1 });
    expect(w.warnings.some((m) => m.includes(`taking ${w.deposedPid.toString()}'s term 1 as a new replica set's`))).toBe(true);
  });

  test('a newer term is checkpointed as it is heard', async () => {
    const w = await world();
    await registeredThenStopped(w);
    w.leader.term = 5;
    const b = await w.start('agent2');
    await eventually(w.clock, b.agent.ready);
    await w.clock.advance(180_000);
    expect(b.agent.state).toBe('RUNNING');
    expect(JSON.parse(readFileSync(masterTermPath(w.workDir), 'utf8'))).toEqual({ term: 5 });
  });

  test('--recover=cleanup forgets the term with the rest: the restarted agent is a new one', async () => {
    const w = await world();
    await registeredThenStopped(w);
    w.deposed.autoRegister = true;
    w.deposed.term = 1;
    w.deposed.agentId = 'M-S1';
    w.leader.autoRegister = false;
    const b = await w.start('agent2', 'cleanup');
    await eventually(w.clock, b.agent.ready);
    await w.clock.advance(20_000);
    expect(b.agent.state).toBe('RUNNING');
    expect(b.agent.agentId).toBe('M-S1');
    expect(JSON.parse(readFileSync(masterTermPath(w.workDir), 'utf8'))).toEqual({ term: 1 });
  });

  test('an unreadable term checkpoint stops the start, naming the file', async () => {
    const w = await world();
    mkdirSync(dirname(masterTermPath(w.workDir)), { recursive: true });
    writeFileSync(masterTermPath(w.workDir), '{"term": -3}\n');
    const a = await w.start('agent1');
    await expect(eventually(w.clock, a.agent.ready)).rejects.toThrow(`Corrupt checkpoint ${masterTermPath(w.workDir)}: expected {"term": <a non-negative integer>}, found {"term":-3}`);
  });
});
