// Spoofed master messages to an agent (the first attack: any process
// on the host told an agent to run a command). The agent and a scripted
// master authenticate as the cluster's principal on a simulated network; an
// attacker runtime sends run_task / shutdown as itself, with the master's PID
// in `from`, and from the master's own address once the master's connection
// is gone. None of it is obeyed; the real master is still served.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Random, Runtime, createLogger, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock, type MemoryTransportOptions } from 'libprocess-ts/testing';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import { Resources } from '../../protocol/resources.js';
import { AgentProcess } from '../agent.js';
import { agentFlags } from '../flags.js';
import { FRAMEWORK, FakeContainerizer, ScriptedMaster, commandTask, eventually, tempDir } from './helpers.js';

const CLUSTER = { principal: 'cluster', secret: 'cluster-secret' };

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

async function sim() {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 1, latencyMs: 0 });
  const rt = async (name: string, transport: MemoryTransportOptions = {}): Promise<Runtime> => {
    const r = await new Runtime({ transport: net.transport(name, transport), clock, name, logger: createLogger(name, 'silent') }).start();
    runtimes.push(r);
    return r;
  };
  const masterRt = await rt('master', { auth: CLUSTER });
  const master = new ScriptedMaster();
  master.autoRegister = true;
  const masterPid = masterRt.spawn(master, 'master');
  // As startAgent makes it from --credential: unauthenticated peers (executors) are taken, master messages need authentication.
  const agentRt = await rt('agent', { auth: { ...CLUSTER, required: false } });
  const cz = new FakeContainerizer();
  const flags = agentFlags({ master: masterPid.toString(), work_dir: tempDir(), fsync: false, resources: 'cpus:4;mem:4096;disk:1000' });
  const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: cz, random: new Random(7) });
  const agentPid = agentRt.spawn(agent, 'slave(1)') as unknown as PID<MasterToAgent>;
  await eventually(clock, agent.ready);
  await clock.advance(2000);
  expect(agent.state).toBe('RUNNING');
  return { clock, net, rt, master, masterRt, masterPid, agent, agentPid, agentRt, cz };
}

const runTask = (id: string) => ({ framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask(id, 'rm -rf /') });

describe('an agent takes master messages only from its master', () => {
  test('run_task and shutdown from another runtime, as itself or with the master in `from`, are not obeyed', async () => {
    const s = await sim();
    const attacker = await s.rt('attacker');
    attacker.post(`master@${attacker.address}`, s.agentPid, 'run_task', runTask('evil1'));
    attacker.post(s.masterPid, s.agentPid, 'run_task', runTask('evil2'));
    attacker.post(s.masterPid, s.agentPid, 'shutdown', { message: 'bye' });
    await s.clock.advance(100);
    expect(s.cz.containers.size).toBe(0);
    expect(s.agent.state).toBe('RUNNING');
    expect(s.agent.counters.get('slave/messages_from_non_master')).toBe(1);
    expect(s.agentRt.metrics()['spoofed_sender']).toBe(2);
    // The real master is still obeyed.
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('t1', 'sleep 100') });
    await eventually(s.clock, s.master.take('status_update'));
    expect(s.cz.containers.size).toBe(1);
  });

  test("a connection claiming the master's address: refused while the master's is live; taken but not obeyed once it is gone", async () => {
    const s = await sim();
    const impostor = await s.rt('impostor', { claim: s.masterRt.address });
    impostor.post(s.masterPid, s.agentPid, 'run_task', runTask('evil1'));
    await s.clock.advance(100);
    expect(s.net.counters.hijacks_refused).toBe(1);
    expect(s.cz.containers.size).toBe(0);
    // The master goes away; an unauthenticated runtime now speaks from its address.
    await s.masterRt.stop();
    await s.clock.advance(100);
    const again = await s.rt('impostor2', { claim: s.masterRt.address });
    again.post(s.masterPid, s.agentPid, 'run_task', runTask('evil2'));
    again.post(s.masterPid, s.agentPid, 'agent_registered', { agent_id: { value: 'M-S9' }, ping_timeout_seconds: 1, max_missed_pings: 1 });
    await s.clock.advance(100);
    expect(s.cz.containers.size).toBe(0);
    expect(s.agent.agentId).toBe('M-S0');
    expect(s.agent.counters.get('slave/messages_from_non_master')).toBe(2);
  });
});
