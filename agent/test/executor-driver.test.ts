// The SDK's ExecutorDriver (framework/executor/driver.ts) against a scripted
// agent on a simulated network with a virtual clock: registration from the
// environment, updates re-sent until the agent acknowledges them, and what
// the driver does when its agent goes away: with checkpointing it waits
// MESOS_RECOVERY_TIMEOUT (re-registering with its tasks and unacknowledged
// updates if the agent comes back), then shuts the executor down and aborts;
// without checkpointing it shuts down at once.
import { afterEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { AGENT_TO_EXECUTOR } from '../../protocol/messages/schemas.js';
import { Process, Random, Runtime, type Handlers, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { AgentToExecutor, ExecutorToAgent } from '../../protocol/messages/agent-executor.js';
import type { TaskInfo } from '../../protocol/types.js';
import { ExecutorDriver, type Executor } from '../../framework/executor/driver.js';
import { runtimesOn } from './helpers.js';

class ScriptedAgent extends Process<ExecutorToAgent> {
  readonly received: { name: string; body: unknown }[] = [];
  /** Acknowledge updates (else they are only recorded). */
  acks = true;
  protected handlers(): Handlers<ExecutorToAgent> {
    const record = (name: string) => (body: unknown) => void this.received.push({ name, body });
    return {
      register: (b, from) => {
        record('register')(b);
        this.send(from as PID<AgentToExecutor>, 'registered', { executor_info: { executor_id: b.executor_id, command: { value: 'x' } }, framework_id: b.framework_id, framework_info: { user: 'u', name: 'fw' }, agent_id: { value: 'S1' }, agent_info: { hostname: 'h' } });
      },
      reregister: (b, from) => {
        record('reregister')(b);
        this.send(from as PID<AgentToExecutor>, 'reregistered', { agent_id: { value: 'S1' }, agent_info: { hostname: 'h' } });
      },
      status_update: (b, from) => {
        record('status_update')(b);
        if (this.acks) this.send(from as PID<AgentToExecutor>, 'ack', { agent_id: { value: 'S1' }, framework_id: b.update.framework_id, task_id: b.update.status.task_id, uuid: b.update.uuid! });
      },
      executor_to_framework: record('executor_to_framework'),
    } as Handlers<ExecutorToAgent>;
  }
}

class RecordingExecutor implements Executor {
  readonly calls: string[] = [];
  registered(): void {
    this.calls.push('registered');
  }
  reregistered(): void {
    this.calls.push('reregistered');
  }
  disconnected(): void {
    this.calls.push('disconnected');
  }
  launchTask(driver: ExecutorDriver, task: TaskInfo): void {
    this.calls.push(`launch ${task.task_id.value}`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
  }
  killTask(): void {
    this.calls.push('kill');
  }
  frameworkMessage(): void {
    this.calls.push('message');
  }
  shutdown(): void {
    this.calls.push('shutdown');
  }
  error(_d: ExecutorDriver, m: string): void {
    this.calls.push(`error ${m}`);
  }
}

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop().catch(() => undefined);
});

async function setup(checkpoint: boolean) {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 3, latencyMs: 0 });
  const rt = runtimesOn(net, clock, runtimes);
  const agentRt = await rt('agent');
  const agent = new ScriptedAgent();
  const agentPid = agentRt.spawn(agent, 'slave(1)');
  const executor = new RecordingExecutor();
  const env = {
    MESOS_AGENT_PID: agentPid.toString(),
    MESOS_FRAMEWORK_ID: 'F1',
    MESOS_EXECUTOR_ID: 'E1',
    MESOS_DIRECTORY: '/tmp/sandbox',
    MESOS_CHECKPOINT: checkpoint ? '1' : '0',
    MESOS_RECOVERY_TIMEOUT: '3secs',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
  };
  const driver = new ExecutorDriver(executor, { env, runtime: await rt('executor'), random: new Random(5), retryIntervalMs: 1000 });
  await driver.start();
  await clock.settle();
  return { clock, agentRt, agent, agentPid, executor, driver, rt };
}

const task = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'S1' }, resources: [] });

describe('ExecutorDriver', () => {
  test('registers from its environment; an update is re-sent until the agent acknowledges it', async () => {
    const s = await setup(true);
    expect(s.agent.received.map((r) => r.name)).toEqual(['register']);
    expect(s.agent.received[0]!.body).toEqual({ framework_id: { value: 'F1' }, executor_id: { value: 'E1' } });
    expect(s.executor.calls).toEqual(['registered']);
    s.agent.acks = false;
    s.agent.send(s.driver.pid! as PID<AgentToExecutor>, 'run_task', { framework_id: { value: 'F1' }, framework: { user: 'u', name: 'fw' }, task: task('t1') });
    await s.clock.settle();
    await s.clock.advance(3500);
    const sent = s.agent.received.filter((r) => r.name === 'status_update');
    expect(sent.length).toBe(4); // at 0, 1 s, 2 s, 3 s
    expect(new Set(sent.map((r) => Buffer.from((r.body as { update: { uuid: Uint8Array } }).update.uuid).toString('hex'))).size).toBe(1);
    s.agent.acks = true;
    await s.clock.advance(1000); // the next resend is acknowledged
    expect(s.driver.unacknowledged()).toEqual([]);
    const count = s.agent.received.length;
    await s.clock.advance(5000);
    expect(s.agent.received.length).toBe(count); // nothing more
  });

  test('with checkpointing: the agent goes away, comes back within the recovery timeout; the driver re-registers with its tasks and unacknowledged updates', async () => {
    const s = await setup(true);
    s.agent.acks = false;
    s.agent.send(s.driver.pid! as PID<AgentToExecutor>, 'run_task', { framework_id: { value: 'F1' }, framework: { user: 'u', name: 'fw' }, task: task('t1') });
    await s.clock.settle();
    await s.agentRt.stop();
    await s.clock.advance(1000);
    expect(s.executor.calls).toEqual(['registered', 'launch t1', 'disconnected']);
    // A restarted agent (here at another address) sends `reconnect`; the driver follows it.
    const agentRt2 = await s.rt('agent');
    const agent2 = new ScriptedAgent();
    agentRt2.spawn(agent2, 'slave(1)');
    agent2.send(s.driver.pid! as PID<AgentToExecutor>, 'reconnect', { agent_id: { value: 'S1' } });
    await s.clock.advance(500);
    const re = agent2.received.find((r) => r.name === 'reregister')!.body as { tasks: TaskInfo[]; updates: { status: { state: string } }[] };
    expect(re.tasks.map((t) => t.task_id.value)).toEqual(['t1']);
    expect(re.updates.map((u) => u.status.state)).toEqual(['TASK_RUNNING']);
    await s.clock.advance(10_000); // past the recovery timeout: nothing happens
    expect(s.executor.calls).toEqual(['registered', 'launch t1', 'disconnected', 'reregistered']);
    expect(s.driver.status).toBe('DRIVER_RUNNING');
    // Updates now go to the new agent.
    agent2.acks = true;
    await s.clock.advance(1000);
    expect(agent2.received.filter((r) => r.name === 'status_update').length).toBeGreaterThanOrEqual(1);
    expect(s.driver.unacknowledged()).toEqual([]);
  });

  test('with checkpointing: no agent within MESOS_RECOVERY_TIMEOUT: the executor is shut down (kills its tasks) and the driver aborts', async () => {
    const s = await setup(true);
    await s.agentRt.stop();
    await s.clock.advance(2900);
    expect(s.executor.calls).toEqual(['registered', 'disconnected']);
    await s.clock.advance(200);
    expect(s.executor.calls).toEqual(['registered', 'disconnected', 'shutdown']);
    await s.clock.advance(100);
    expect(s.driver.status).toBe('DRIVER_ABORTED');
  });

  test('without checkpointing: the agent going away shuts the executor down at once', async () => {
    const s = await setup(false);
    await s.agentRt.stop();
    await s.clock.advance(100);
    expect(s.executor.calls).toEqual(['registered', 'shutdown']);
    expect(s.driver.status).toBe('DRIVER_ABORTED');
  });

  test('fuzzed bodies from its agent: refused or handled, no handler throws, the driver goes on', async () => {
    const s = await setup(true);
    const any = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 4 });
    const shaped = (fields: readonly string[]) => fc.dictionary(fc.constantFrom(...fields), any, { maxKeys: fields.length });
    const wire = new Packr({ useRecords: false, variableMapSize: true }); // the codec's settings
    let sent = 0;
    for (const [name, schema] of Object.entries(AGENT_TO_EXECUTOR)) {
      if (name === 'shutdown' || name === 'reconnect') continue; // well-formed, they end the executor or move it to another agent
      for (const body of fc.sample(fc.oneof(shaped(Object.keys(schema)), any), { numRuns: 60, seed: name.length })) {
        try {
          wire.pack(body);
        } catch {
          continue; // nothing a peer could send
        }
        s.agentRt.post(s.agentPid.toString(), s.driver.pid!.toString(), name, body);
        sent++;
      }
    }
    await s.clock.advance(100);
    expect(sent).toBeGreaterThan(200);
    expect(runtimes[1]!.metrics().handler_errors).toBe(0);
    expect(s.driver.invalidMessages).toBeGreaterThan(sent / 2);
    expect(s.driver.status).toBe('DRIVER_RUNNING');
    // Still served: a real task is launched and its update acknowledged.
    s.agent.send(s.driver.pid! as PID<AgentToExecutor>, 'run_task', { framework_id: { value: 'F1' }, framework: { user: 'u', name: 'fw' }, task: task('after-fuzz') });
    await s.clock.settle();
    expect(s.executor.calls).toContain('launch after-fuzz');
  });
});
