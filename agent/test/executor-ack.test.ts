// A custom executor's status update is acknowledged to the executor only once the agent has it on disk: the executor
// then forgets it, so an acknowledgement before the fsync would let a crash lose an update nobody resends.
// Regression: #executorStatusUpdate acknowledged at once, while the checkpoint write (asynchronous, fsync'ed) was
// still in flight. The agent actor runs against a scripted master and a scripted executor on a simulated network and
// a virtual clock; its disk holds back every append to the updates journal until the test lets it through.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Process, Random, Runtime, type Handlers, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { AgentToExecutor, ExecutorToAgent } from '../../protocol/messages/agent-executor.js';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import { Resources } from '../../protocol/resources.js';
import { AgentProcess } from '../agent.js';
import { nodeDisk, type AgentDisk } from '../disk.js';
import { agentFlags } from '../flags.js';
import { FRAMEWORK, FakeContainerizer, ScriptedMaster, commandTask, eventually, tempDir, runtimesOn } from './helpers.js';

/** The real disk, except that appends to the updates journal wait until `release()`. */
function heldDisk(): { disk: AgentDisk; held: () => number; release: () => Promise<unknown> } {
  const waiting: (() => Promise<void>)[] = [];
  const disk: AgentDisk = {
    ...nodeDisk,
    append: (path, line, fsync) => {
      if (!path.endsWith('updates.journal')) return nodeDisk.append(path, line, fsync);
      return new Promise<void>((resolve, reject) => waiting.push(() => nodeDisk.append(path, line, fsync).then(resolve, reject)));
    },
  };
  return { disk, held: () => waiting.length, release: () => Promise.all(waiting.splice(0).map((go) => go())) };
}

/** An executor that registers and records what the agent sends it. */
class ScriptedExecutor extends Process<AgentToExecutor> {
  readonly received: { name: string; body: unknown }[] = [];
  constructor(readonly agent: PID<ExecutorToAgent>) {
    super();
  }
  protected handlers(): Handlers<AgentToExecutor> {
    const rec = (name: string) => (body: unknown) => void this.received.push({ name, body });
    return { registered: rec('registered'), reregistered: rec('reregistered'), reconnect: rec('reconnect'), run_task: rec('run_task'), run_task_group: rec('run_task_group'), kill_task: rec('kill_task'), ack: rec('ack'), framework_message: rec('framework_message'), shutdown: rec('shutdown') } as Handlers<AgentToExecutor>;
  }
  to<N extends keyof ExecutorToAgent & string>(name: N, body: ExecutorToAgent[N]): void {
    this.send(this.agent, name, body);
  }
  named(name: string): unknown[] {
    return this.received.filter((r) => r.name === name).map((r) => r.body);
  }
}

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

describe('a custom executor is acknowledged once its update is checkpointed', () => {
  test('no ack while the record is not on disk; the ack once it is; a duplicate is acknowledged after it too', async () => {
    const clock = new VirtualClock();
    const net = new SimulatedNetwork({ clock, seed: 1, latencyMs: 0 });
    const rt = runtimesOn(net, clock, runtimes);
    const master = new ScriptedMaster();
    const masterPid = (await rt('master')).spawn(master, 'master');
    const { disk, held, release } = heldDisk();
    const flags = agentFlags({ master: masterPid.toString(), work_dir: tempDir(), fsync: true, authenticate_http_executors: false, resources: 'cpus:4;mem:4096' });
    const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: new FakeContainerizer(), random: new Random(7), disk });
    const agentPid = (await rt('agent')).spawn(agent, 'slave(1)') as unknown as PID<MasterToAgent>;
    await eventually(clock, agent.ready);
    await clock.advance(2000);
    expect(agent.state).toBe('RUNNING');

    const framework = { ...FRAMEWORK, checkpoint: true };
    const task = commandTask('t1', '', { command: undefined, executor: { executor_id: { value: 'E1' }, command: { value: 'my-executor' } } });
    master.sendTo(agentPid, 'run_task', { framework, framework_id: framework.id!, task });
    await clock.advance(100);
    const executor = new ScriptedExecutor(agentPid as unknown as PID<ExecutorToAgent>);
    (await rt('executor')).spawn(executor, 'executor(1)');
    executor.to('register', { framework_id: framework.id!, executor_id: { value: 'E1' } });
    await clock.advance(100);
    expect(executor.named('run_task')).toHaveLength(1);

    const uuid = new Uint8Array(16).fill(9);
    const update = { framework_id: framework.id!, executor_id: { value: 'E1' }, status: { task_id: { value: 't1' }, state: 'TASK_RUNNING' as const, source: 'SOURCE_EXECUTOR' as const }, timestamp: 1, uuid };
    executor.to('status_update', { update });
    await clock.advance(1000);
    expect(held()).toBe(1);
    expect(executor.named('ack')).toEqual([]);
    // The executor resends it (no ack yet): a duplicate is not acknowledged before the first copy is on disk either.
    executor.to('status_update', { update });
    await clock.advance(1000);
    expect(executor.named('ack')).toEqual([]);
    expect(master.all('status_update')).toEqual([]);

    await eventually(clock, release()); // the record is on disk
    await clock.advance(100);
    expect(executor.named('ack').map((a) => (a as { uuid: Uint8Array }).uuid)).toEqual([uuid, uuid]);
    expect(master.all('status_update').map((r) => r.body.update.status.state)).toEqual(['TASK_RUNNING']);
  });
});
