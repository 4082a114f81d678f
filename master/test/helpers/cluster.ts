// An in-process cluster for master tests: the master and its allocator in one
// runtime, scripted agents and schedulers in others, all on a simulated
// network driven by a virtual clock (deterministic, no real waiting).
import { Runtime, createLogger, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { FrameworkInfo } from '../../../protocol/types.js';
import { startMasterIn } from '../../main.js';
import type { MasterFlags } from '../../flags.js';
import type { MasterProcess, MasterProtocol } from '../../master.js';
import type { AllocatorProcess } from '../../allocator/process.js';
import { Resources } from '../../../protocol/resources.js';

/**
 * The books balance: on every agent, what the allocator counts as allocated
 * is exactly what the master has offered plus what tasks and executors use,
 * and allocated plus available is the agent's total. Returns the mismatches.
 */
export function ledger(c: Pick<Cluster, 'master' | 'allocator'>): string[] {
  const problems: string[] = [];
  for (const agent of c.master.state.agents.values()) {
    const view = c.allocator.core.agentInfo(agent.id);
    if (view === undefined) {
      problems.push(`${agent.id}: unknown to the allocator`);
      continue;
    }
    let allocated = Resources.empty();
    for (const r of view.allocated.values()) allocated = allocated.add(r);
    const offered = c.master.state.offers.ofAgent(agent.id).reduce((s, o) => s.add(o.resources), Resources.empty());
    const master = offered.add(agent.totalUsed());
    if (!allocated.unallocate().equals(master.unallocate())) problems.push(`${agent.id}: allocator has ${allocated.unallocate()} allocated, master has ${master.unallocate()} offered+used`);
    if (!allocated.unallocate().add(view.available.unallocate()).equals(agent.total.unallocate())) problems.push(`${agent.id}: allocated + available != total ${agent.total}`);
  }
  return problems;
}
import { TestAgent, TestScheduler, type TestAgentOptions } from './peers.js';

export interface Cluster {
  clock: VirtualClock;
  network: SimulatedNetwork;
  master: MasterProcess;
  allocator: AllocatorProcess;
  masterPid: PID<MasterProtocol>;
  masterRuntime: Runtime;
  agent(options: TestAgentOptions, name?: string): Promise<{ agent: TestAgent; runtime: Runtime }>;
  scheduler(info?: Partial<FrameworkInfo>, name?: string): Promise<{ scheduler: TestScheduler; runtime: Runtime }>;
  runtime(name: string): Promise<Runtime>;
  stop(): Promise<void>;
}

export async function cluster(flags: Partial<MasterFlags> = {}, seed = 1): Promise<Cluster> {
  const clock = new VirtualClock();
  const network = new SimulatedNetwork({ clock, seed, latencyMs: 0 });
  const runtimes: Runtime[] = [];
  const runtime = async (name: string): Promise<Runtime> => {
    const r = await new Runtime({ transport: network.transport(name), clock, name, logger: createLogger(name, 'silent') }).start();
    runtimes.push(r);
    return r;
  };
  const masterRuntime = await runtime('master');
  const { master, pid: masterPid, allocator } = startMasterIn(masterRuntime, { flags, masterId: 'm1', seed });
  let agents = 0;
  let schedulers = 0;
  await clock.settle();
  return {
    clock,
    network,
    master,
    allocator,
    masterPid,
    masterRuntime,
    runtime,
    async agent(options, name = `agent${++agents}`) {
      const r = await runtime(name);
      const agent = new TestAgent(masterPid, options);
      r.spawn(agent, 'slave(1)');
      await clock.settle();
      return { agent, runtime: r };
    },
    async scheduler(info = {}, name = `scheduler${++schedulers}`) {
      const r = await runtime(name);
      const scheduler = new TestScheduler(masterPid, { user: 'tester', name, ...info });
      r.spawn(scheduler, 'scheduler');
      scheduler.subscribe();
      await clock.settle();
      return { scheduler, runtime: r };
    },
    async stop() {
      for (const r of runtimes.reverse()) await r.stop();
    },
  };
}
