// The agent actor against a scripted master on a simulated network driven by
// a virtual clock, with a fake containerizer: registration and its backoff,
// re-registration after the master link breaks and after missed pings,
// status updates retried until acknowledged, duplicates, resends after
// re-registration, shutdown.
import { afterEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Random, Runtime, createLogger, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import { EXECUTOR_TO_AGENT, MASTER_TO_AGENT } from '../../protocol/messages/schemas.js';
import { Resources } from '../../protocol/resources.js';
import { AgentProcess, type AgentProtocol } from '../agent.js';
import { agentFlags } from '../flags.js';
import { FRAMEWORK, FakeContainerizer, ScriptedMaster, commandTask, eventually, tempDir } from './helpers.js';

interface Sim {
  clock: VirtualClock;
  net: SimulatedNetwork;
  master: ScriptedMaster;
  masterRt: Runtime;
  agent: AgentProcess;
  agentPid: PID<MasterToAgent>;
  agentRt: Runtime;
  cz: FakeContainerizer;
}

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

async function sim(opts: { autoRegister?: boolean; seed?: number; flags?: Record<string, string | number> } = {}): Promise<Sim> {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: opts.seed ?? 1, latencyMs: 0 });
  const rt = async (name: string): Promise<Runtime> => {
    const r = await new Runtime({ transport: net.transport(name), clock, name, logger: createLogger(name, process.env.AGENT_TEST_LOG ? 'info' : 'silent') }).start();
    runtimes.push(r);
    return r;
  };
  const masterRt = await rt('master');
  const master = new ScriptedMaster();
  master.autoRegister = opts.autoRegister ?? true;
  const masterPid = masterRt.spawn(master, 'master');
  const agentRt = await rt('agent');
  const cz = new FakeContainerizer();
  const flags = agentFlags({ master: masterPid.toString(), work_dir: tempDir(), fsync: false, resources: 'cpus:4;mem:4096;disk:1000;ports:[31000-32000]', ...(opts.flags ?? {}) });
  const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: cz, random: new Random(opts.seed ?? 7), ...(process.env.AGENT_TEST_LOG ? { logger: { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) } } : {}) });
  const agentPid = agentRt.spawn(agent, 'slave(1)') as PID<AgentProtocol>;
  await eventually(clock, agent.ready);
  return { clock, net, master, masterRt, agent, agentPid: agentPid as unknown as PID<MasterToAgent>, agentRt, cz };
}

describe('registration', () => {
  test('first attempt within the backoff factor, retries with doubling backoff up to 1 min, stops once registered', async () => {
    const s = await sim({ autoRegister: false });
    await s.clock.advance(1000);
    expect(s.master.all('register_agent').length).toBeGreaterThanOrEqual(1);
    expect(s.master.all('register_agent').length).toBeLessThanOrEqual(2);
    const first = s.master.all('register_agent')[0]!;
    expect(first.body.agent.hostname).toBe('localhost');
    expect(Resources.of(first.body.agent.resources!).scalar('cpus')).toBe(4);
    // Within 1 + 2 + 4 + 8 + 16 + 32 s the agent tried again at least twice, never more than once per window.
    await s.clock.advance(63_000);
    const n = s.master.all('register_agent').length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(7);
    // Capped at one minute: at least one try per minute from now on.
    await s.clock.advance(120_000);
    expect(s.master.all('register_agent').length).toBeGreaterThanOrEqual(n + 2);
    s.master.autoRegister = true;
    await s.clock.advance(61_000);
    expect(s.agent.state).toBe('RUNNING');
    expect(s.agent.agentId).toBe('M-S0');
    const after = s.master.all('register_agent').length;
    await s.clock.advance(10_000);
    expect(s.master.all('register_agent').length).toBe(after);
    expect(s.master.all('reregister_agent').length).toBe(0);
  });

  test('answers pings with pongs; no ping for ping_timeout x max_missed_pings → re-registers with the same id', async () => {
    const s = await sim();
    await s.clock.advance(2000);
    expect(s.agent.state).toBe('RUNNING');
    // Pings every 15 s keep it registered.
    for (let i = 0; i < 8; i++) {
      s.master.sendTo(s.agentPid, 'ping', { connected: true, seq: i });
      await s.clock.advance(15_000);
    }
    expect(s.master.all('pong').map((p) => p.body.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(s.master.all('reregister_agent').length).toBe(0);
    // Then silence: 75 s after the last ping it re-registers.
    await s.clock.advance(59_000);
    expect(s.master.all('reregister_agent').length).toBe(0);
    await s.clock.advance(1000 + 1000 + 10);
    const re = s.master.all('reregister_agent');
    expect(re.length).toBe(1);
    expect(re[0]!.body.agent.id).toEqual({ value: 'M-S0' });
    expect(s.agent.state).toBe('RUNNING');
  });

  test('a ping saying "not connected" makes it re-register', async () => {
    const s = await sim();
    await s.clock.advance(2000);
    s.master.sendTo(s.agentPid, 'ping', { connected: false, seq: 1 });
    await s.clock.advance(2000);
    expect(s.master.all('pong').length).toBe(1);
    expect(s.master.all('reregister_agent').length).toBe(1);
  });


  test('a ping from another of its masters is answered (nothing else), a ping from anyone else is not', async () => {
    // The agent talks to master@master:5050; master@other:5052 is the other master of its list (it still has the
    // agent registered while the agent tries elsewhere: without pongs it would count missed pings and mark the
    // agent unreachable right after the agent re-registers with it).
    const s = await sim({ flags: { master: 'master@master:5050,master@other:5052' } });
    await s.clock.advance(2000);
    expect(s.agent.state).toBe('RUNNING');
    const otherRt = await new Runtime({ transport: s.net.transport('other'), clock: s.clock, name: 'other', logger: createLogger('other', 'silent') }).start();
    runtimes.push(otherRt);
    expect(otherRt.address).toBe('other:5052');
    const other = new ScriptedMaster();
    otherRt.spawn(other, 'master');
    const strangerRt = await new Runtime({ transport: s.net.transport('stranger'), clock: s.clock, name: 'stranger', logger: createLogger('stranger', 'silent') }).start();
    runtimes.push(strangerRt);
    const stranger = new ScriptedMaster();
    strangerRt.spawn(stranger, 'master');
    other.sendTo(s.agentPid, 'ping', { connected: false, seq: 7 });
    stranger.sendTo(s.agentPid, 'ping', { connected: true, seq: 8 });
    await s.clock.advance(2000);
    expect(other.all('pong').map((p) => p.body.seq)).toEqual([7]);
    expect(stranger.all('pong')).toEqual([]);
    // Not its master: its "not connected" changes nothing (no re-registration), and the agent's own master hears nothing.
    expect(s.agent.state).toBe('RUNNING');
    expect(s.master.all('reregister_agent').length).toBe(0);
    expect(s.master.all('pong').length).toBe(0);
    expect(s.agent.counters.get('slave/messages_from_non_master')).toBe(2);
  });
  test('re-registers (same id, its tasks and frameworks) after the connection to the master breaks', async () => {
    const s = await sim();
    await s.clock.advance(2000);
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('t1', 'sleep 100') });
    await eventually(s.clock, s.master.take('status_update'));
    s.net.isolate(s.masterRt.address);
    await s.clock.advance(5000);
    expect(s.agent.state).toBe('DISCONNECTED');
    s.net.heal();
    await s.clock.advance(70_000);
    const re = s.master.all('reregister_agent');
    expect(re.length).toBeGreaterThanOrEqual(1);
    const body = re[re.length - 1]!.body;
    expect(body.agent.id).toEqual({ value: 'M-S0' });
    expect(body.tasks.map((t) => [t.task_id.value, t.state])).toEqual([['t1', 'TASK_RUNNING']]);
    expect(body.frameworks.map((f) => f.id?.value)).toEqual(['F-0000']);
    expect(body.executor_infos).toEqual([]); // command executors are not reported
    expect(s.agent.state).toBe('RUNNING');
  });
});

describe('status updates', () => {
  test('retried with backoff until acknowledged, in order; duplicate acks ignored; terminal ack forgets the container', async () => {
    const s = await sim();
    await s.clock.advance(2000);
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('t1', 'echo hi') });
    const starting = await eventually(s.clock, s.master.take('status_update'));
    const u = starting.body.update;
    expect(u.status.state).toBe('TASK_STARTING');
    expect(u.uuid).toEqual(u.status.uuid);
    expect(u.uuid!.length).toBe(16);
    expect(u.status.agent_id).toEqual({ value: 'M-S0' });
    expect(u.latest_state).toBe('TASK_STARTING');
    expect(starting.from.toString()).toBe(s.agentPid.toString());
    // Not acknowledged: the same update again after 10 s, then 20 s (and nothing in between).
    await s.clock.advance(9_000);
    expect(s.master.all('status_update').length).toBe(1);
    await s.clock.advance(1_100);
    expect(s.master.all('status_update').length).toBe(2);
    expect(s.master.all('status_update')[1]!.body.update.uuid).toEqual(u.uuid);
    expect(s.master.all('status_update')[1]!.body.update.latest_state).toBe('TASK_RUNNING');
    await s.clock.advance(19_000);
    expect(s.master.all('status_update').length).toBe(2);
    await s.clock.advance(1_100);
    expect(s.master.all('status_update').length).toBe(3);
    // Acknowledged: the next one (TASK_RUNNING) goes at once.
    s.master.skipAll();
    s.master.ack(s.agentPid, u);
    const running = await eventually(s.clock, s.master.take('status_update'));
    expect(running.body.update.status.state).toBe('TASK_RUNNING');
    // A duplicate ack of the first changes nothing.
    s.master.ack(s.agentPid, u);
    await s.clock.advance(100);
    expect(s.master.all('status_update').length).toBe(4);
    s.master.ack(s.agentPid, running.body.update);
    await s.clock.advance(100);
    s.cz.only().exit(0);
    const finished = await eventually(s.clock, s.master.take('status_update'));
    expect(finished.body.update.status.state).toBe('TASK_FINISHED');
    expect(finished.body.update.status.message).toBe('Command exited with status 0');
    expect(s.cz.forgotten).toEqual([]);
    s.master.ack(s.agentPid, finished.body.update);
    await s.clock.advance(100);
    expect(s.cz.forgotten).toEqual([s.cz.only().id]);
    expect(s.agent.frameworks.size).toBe(0);
    expect(s.agent.completedFrameworks.map((f) => f.id)).toEqual(['F-0000']);
    // Nothing is re-sent after that.
    const n = s.master.all('status_update').length;
    await s.clock.advance(700_000);
    expect(s.master.all('status_update').length).toBe(n);
  });

  test('an unacknowledged update is re-sent right after re-registration', async () => {
    const s = await sim();
    await s.clock.advance(2000);
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('t1', 'sleep 9') });
    const first = await eventually(s.clock, s.master.take('status_update'));
    s.net.isolate(s.masterRt.address);
    await s.clock.advance(3000);
    const before = s.master.all('status_update').length;
    s.master.sendTo(s.agentPid, 'ping', { connected: true }); // lost: isolated
    s.net.heal();
    while (s.master.all('reregister_agent').length === 0) await s.clock.advance(500);
    await s.clock.advance(10);
    const after = s.master.all('status_update');
    expect(after.length).toBe(before + 1);
    expect(after[after.length - 1]!.body.update.uuid).toEqual(first.body.update.uuid);
  });

  test('kill: TASK_KILLING only for frameworks with the capability, then TASK_KILLED with the grace period of the policy', async () => {
    const s = await sim();
    s.master.autoAck = true;
    await s.clock.advance(2000);
    const fw = { ...FRAMEWORK, capabilities: [{ type: 'TASK_KILLING_STATE' as const }] };
    s.master.sendTo(s.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task: commandTask('t1', 'sleep 9', { kill_policy: { grace_period: { nanoseconds: 2e9 } } }) });
    await eventually(s.clock, s.master.take('status_update'));
    await eventually(s.clock, s.master.take('status_update'));
    s.master.sendTo(s.agentPid, 'kill_task', { framework_id: fw.id!, task_id: { value: 't1' } });
    const killing = await eventually(s.clock, s.master.take('status_update'));
    expect(killing.body.update.status.state).toBe('TASK_KILLING');
    const killed = await eventually(s.clock, s.master.take('status_update'));
    expect(killed.body.update.status.state).toBe('TASK_KILLED');
    expect(s.cz.only().kills).toEqual([{ gracePeriodMs: 2000 }]);

    // Without the capability: straight to TASK_KILLED.
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: { value: 'F-0001' }, task: commandTask('t2', 'sleep 9') });
    await eventually(s.clock, s.master.take('status_update'));
    await eventually(s.clock, s.master.take('status_update'));
    s.master.sendTo(s.agentPid, 'kill_task', { framework_id: { value: 'F-0001' }, task_id: { value: 't2' } });
    const k2 = await eventually(s.clock, s.master.take('status_update'));
    expect(k2.body.update.status.state).toBe('TASK_KILLED');
  });

  test('max_completion_time: the task is killed at once when it has run that long (TASK_FAILED, REASON_MAX_COMPLETION_TIME_REACHED); a negative one is TASK_ERROR', async () => {
    const s = await sim();
    s.master.autoAck = true;
    await s.clock.advance(2000);
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('late', 'sleep 100', { max_completion_time: { nanoseconds: 5e9 }, kill_policy: { grace_period: { nanoseconds: 30e9 } } }) });
    expect((await eventually(s.clock, s.master.take('status_update'))).body.update.status.state).toBe('TASK_STARTING');
    expect((await eventually(s.clock, s.master.take('status_update'))).body.update.status.state).toBe('TASK_RUNNING');
    await s.clock.advance(4900);
    expect(s.cz.only().kills).toEqual([]);
    await s.clock.advance(200);
    // Killed with no grace period: the kill policy's 30 s do not apply.
    expect(s.cz.only().kills).toEqual([{ gracePeriodMs: 0 }]);
    const failed = await eventually(s.clock, s.master.take('status_update'));
    expect(failed.body.update.status.state).toBe('TASK_FAILED');
    expect(failed.body.update.status.reason).toBe('REASON_MAX_COMPLETION_TIME_REACHED');
    expect(failed.body.update.status.message).toBe('Task exceeded its maximum completion time of 5 s and was killed');

    // A task that ends in time is not touched; the timer is cancelled.
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('quick', 'true', { max_completion_time: { nanoseconds: 5e9 } }) });
    await eventually(s.clock, s.master.take('status_update'));
    await eventually(s.clock, s.master.take('status_update'));
    const quick = [...s.cz.containers.values()].find((c) => c.config.taskId === 'quick')!;
    quick.exit(0);
    expect((await eventually(s.clock, s.master.take('status_update'))).body.update.status.state).toBe('TASK_FINISHED');
    await s.clock.advance(10_000);
    expect(quick.kills).toEqual([]);

    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('negative', 'true', { max_completion_time: { nanoseconds: -1 } }) });
    const err = await eventually(s.clock, s.master.take('status_update'));
    expect(err.body.update.status.state).toBe('TASK_ERROR');
    expect(err.body.update.status.message).toBe("Invalid task: 'max_completion_time' must be non-negative");
  });

  test('a task with neither command nor executor is TASK_ERROR', async () => {
    const s = await sim();
    s.master.autoAck = true;
    await s.clock.advance(2000);
    const task = commandTask('bad', 'x');
    delete task.command;
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
    const u = await eventually(s.clock, s.master.take('status_update'));
    expect(u.body.update.status.state).toBe('TASK_ERROR');
    expect(u.body.update.status.reason).toBe('REASON_TASK_INVALID');
    expect(u.body.update.status.source).toBe('SOURCE_AGENT');
  });
});

describe('shutdown', () => {
  test('the master shuts the agent down: containers destroyed, process ends, latest checkpoint dropped', async () => {
    const s = await sim();
    await s.clock.advance(2000);
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('t1', 'sleep 9') });
    await eventually(s.clock, s.master.take('status_update'));
    s.master.sendTo(s.agentPid, 'shutdown', { message: 'operator request' });
    const why = await eventually(s.clock, s.agent.terminated);
    expect(why).toBe('shutdown');
    expect(s.cz.only().kills).toEqual([{ gracePeriodMs: 0 }]);
    expect(s.agentRt.isAlive(s.agentPid)).toBe(false);
  });
});

describe('bad input', () => {
  test('malformed master and executor messages are refused before any handler, counted, and the agent keeps serving', async () => {
    const s = await sim();
    s.master.autoAck = true;
    await s.clock.advance(2000);
    const from = s.master.pid.toString();
    const to = s.agentPid.toString();
    const task = commandTask('t1', 'echo hi');
    const bad: [string, unknown][] = [
      // ids that would become paths outside the sandboxes
      ['run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: { ...task, task_id: { value: '../../../../tmp/x' } } }],
      ['run_task', { framework: FRAMEWORK, framework_id: { value: '..' }, task }],
      ['run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: { ...task, command: undefined, executor: { executor_id: { value: 'a/b' }, command: { value: 'x' } } } }],
      ['run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: { ...task, task_id: { value: '' } } }],
      // wrong types, a msgpack int64, unknown enums
      ['run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: { ...task, kill_policy: { grace_period: { nanoseconds: 5n } } } }],
      ['run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: { ...task, resources: 'cpus:1' } }],
      ['kill_task', { framework_id: FRAMEWORK.id!, task_id: 42 }],
      ['status_update_acknowledgement', { agent_id: { value: 'M-S0' }, framework_id: FRAMEWORK.id!, task_id: { value: 't1' }, uuid: 'not bytes' }],
      ['agent_reregistered', { agent_id: { value: 'M-S0' }, reconciliations: [{ framework_id: FRAMEWORK.id!, task_id: { value: 't1' }, state: 'TASK_SLEEPING' }] }],
      ['ping', { connected: 'yes' }],
      ['register', { framework_id: FRAMEWORK.id!, executor_id: { value: '../../..' } }],
      ['status_update', { update: { framework_id: FRAMEWORK.id!, status: { task_id: { value: 't1' }, state: 'TASK_RUNNING' } } }],
    ];
    for (const [name, body] of bad) s.masterRt.post(from, to, name, body);
    await s.clock.advance(1000);
    expect(s.agent.counters.get('slave/invalid_messages')).toBe(bad.length);
    expect(s.cz.containers.size).toBe(0);
    expect(s.agent.frameworks.size).toBe(0);
    expect(s.agent.state).toBe('RUNNING');

    // Still serving: a good task runs, and its update reaches the master.
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
    const u = await eventually(s.clock, s.master.take('status_update'));
    expect(u.body.update.status.task_id.value).toBe('t1');
    expect(s.cz.containers.size).toBe(1);
  });

  test('fuzzed bodies for every message that does not end the agent: no handler throws, and the agent keeps serving', async () => {
    const s = await sim();
    s.master.autoAck = true;
    await s.clock.advance(2000);
    const any = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 4 });
    const id = fc.oneof(fc.constant(FRAMEWORK.id!), fc.constant({ value: 'M-S0' }), fc.record({ value: fc.string() }), any);
    const shaped = (fields: readonly string[]) => fc.dictionary(fc.constantFrom(...fields), fc.oneof(id, any), { maxKeys: fields.length });
    const wire = new Packr({ useRecords: false, variableMapSize: true }); // the codec's settings
    // Well-formed, these end or move the agent (shutdown, agent_lost, a new id or master): not fuzzed.
    const ending = new Set(['shutdown', 'agent_lost', 'agent_registered', 'agent_reregistered', 'not_leader']);
    let sent = 0;
    for (const [name, schema] of Object.entries({ ...MASTER_TO_AGENT, ...EXECUTOR_TO_AGENT })) {
      if (ending.has(name)) continue;
      for (const body of fc.sample(fc.oneof(shaped(Object.keys(schema)), any), { numRuns: 60, seed: name.length })) {
        try {
          wire.pack(body);
        } catch {
          continue; // nothing a peer could send
        }
        s.masterRt.post(s.master.pid.toString(), s.agentPid.toString(), name, body);
        sent++;
      }
    }
    await s.clock.advance(1000);
    expect(sent).toBeGreaterThan(500);
    expect(s.agentRt.metrics().handler_errors).toBe(0);
    expect(s.agent.counters.get('slave/invalid_messages')).toBeGreaterThan(sent / 2);
    expect(s.agent.state).toBe('RUNNING');
    s.master.sendTo(s.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('after-fuzz', 'echo hi') });
    await eventually(s.clock, s.master.update('after-fuzz', 'TASK_RUNNING'));
  });
});
