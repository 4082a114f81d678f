// An in-process cluster for master tests: the master and its allocator in one
// runtime, scripted agents and schedulers in others, all on a simulated
// network driven by a virtual clock (deterministic, no real waiting).
import { Runtime, createLogger, type AuthOptions, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock, type MemoryTransportOptions } from 'libprocess-ts/testing';
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
    // Shared resources (a shared volume) stay available whatever is allocated, one copy each: allocator/shared.ts.
    const total = agent.total.unallocate();
    if (!allocated.unallocate().nonShared().add(view.available.unallocate().nonShared()).equals(total.nonShared())) problems.push(`${agent.id}: allocated + available != total ${agent.total}`);
    if (!view.available.unallocate().shared().equals(total.shared())) problems.push(`${agent.id}: available shared ${view.available.shared()} != total shared ${total.shared()}`);
    for (const s of allocated.unallocate().shared().toJSON()) if (total.count(s) === 0) problems.push(`${agent.id}: allocated shared ${JSON.stringify(s)} is not in the total`);
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
  agent(options: TestAgentOptions, name?: string, transport?: MemoryTransportOptions): Promise<{ agent: TestAgent; runtime: Runtime }>;
  scheduler(info?: Partial<FrameworkInfo>, name?: string, transport?: MemoryTransportOptions): Promise<{ scheduler: TestScheduler; runtime: Runtime }>;
  /** A runtime on the network; with `transport` it can authenticate (or claim another's address, as an attacker). */
  runtime(name: string, transport?: MemoryTransportOptions): Promise<Runtime>;
  stop(): Promise<void>;
}

/**
 * With `auth`, the master's runtime authenticates as it (the cluster's own
 * principal, accepting the principals of its `secrets`); agents and
 * schedulers made by `agent()` and `scheduler()` are then given a transport
 * by the test.
 */
export async function cluster(flags: Partial<MasterFlags> = {}, seed = 1, auth?: AuthOptions): Promise<Cluster> {
  const clock = new VirtualClock();
  const network = new SimulatedNetwork({ clock, seed, latencyMs: 0 });
  const runtimes: Runtime[] = [];
  const runtime = async (name: string, transport: MemoryTransportOptions = {}): Promise<Runtime> => {
    const r = await new Runtime({ transport: network.transport(name, transport), clock, name, logger: createLogger(name, 'silent') }).start();
    runtimes.push(r);
    return r;
  };
  const masterRuntime = await runtime('master', auth !== undefined ? { auth } : {});
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
    async agent(options, name = `agent${++agents}`, transport = {}) {
      const r = await runtime(name, transport);
      const agent = new TestAgent(masterPid, options);
      r.spawn(agent, 'slave(1)');
      await clock.settle();
      return { agent, runtime: r };
    },
    async scheduler(info = {}, name = `scheduler${++schedulers}`, transport = {}) {
      const r = await runtime(name, transport);
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
