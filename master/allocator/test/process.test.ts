import { afterEach, describe, test, expect } from '@jest/globals';
import { Process, Runtime, type Handlers, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import { Resources } from '../../../protocol/resources.js';
import type { Resource } from '../../../protocol/resources.js';
import { AGENTS_PER_SLICE, AllocatorProcess } from '../process.js';
import type { AllocationMessage, AllocatorProtocol, AllocatorToMaster } from '../protocol.js';

/** Posts allocator messages from the master's PID, as the master does. */
class Port {
  constructor(private readonly runtime: Runtime, private readonly from: PID, private readonly to: PID<AllocatorProtocol>) {}
  post<N extends keyof AllocatorProtocol & string>(name: N, body: AllocatorProtocol[N]): void {
    this.runtime.post(this.from, this.to, name, body);
  }
  addFramework(id: string, roles: string[], suppressed: string[] = []): void {
    this.post('add_framework', { framework_id: id, roles, suppressed_roles: suppressed, used: [], active: true });
  }
  addAgent(id: string, total: Resource[]): void {
    this.post('add_agent', { agent_id: id, total, used: [] });
  }
  recoverResources(f: string, a: string, resources: readonly Resource[], refuse: number | null): void {
    this.post('recover_resources', { framework_id: f, agent_id: a, resources, refuse_seconds: refuse });
  }
}

/** Stands in for the master: records every `offers` message with its arrival time. */
class FakeMaster extends Process<AllocatorToMaster> {
  readonly received: { at: number; allocations: AllocationMessage[] }[] = [];
  /** Called with each `offers` as it arrives (between two turns of the allocator). */
  onOffers: ((allocations: AllocationMessage[]) => void) | undefined;
  protected handlers(): Handlers<AllocatorToMaster> {
    return {
      offers: (b) => {
        this.received.push({ at: this.clock.now(), allocations: b.allocations });
        this.onOffers?.(b.allocations);
      },
      available_updated: () => {},
    };
  }
}

let runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes) await r.stop();
  runtimes = [];
});

async function setup(intervalMs = 1000, allocateOnRecovery = false) {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 1, latencyMs: 1 });
  // The allocator takes messages only from its own runtime (the master's): one runtime, as in a master.
  const m = await new Runtime({ transport: net.transport('m'), clock }).start();
  const a = m;
  runtimes.push(m);
  const master = new FakeMaster();
  const masterPid = m.spawn(master, 'master');
  const alloc = new AllocatorProcess({ master: masterPid, allocationIntervalMs: intervalMs, allocateOnRecovery });
  const allocPid = a.spawn(alloc, 'allocator');
  await clock.settle();
  const port = new Port(m, masterPid, allocPid);
  const t0 = clock.now();
  return { clock, master, alloc, port, t0 };
}

const R = (s: string) => Resources.parse(s).toJSON();

describe('AllocatorProcess', () => {
  test('event-triggered allocation arrives without waiting for the interval, coalesced', async () => {
    const { clock, master, alloc, port, t0 } = await setup(1000);
    port.addFramework('f1', ['r']);
    for (let i = 0; i < 50; i++) port.addAgent(`a${String(i).padStart(2, '0')}`, R('cpus:1;mem:128'));
    await clock.advance(5);
    expect(master.received).toHaveLength(1);
    expect(master.received[0]!.at - t0).toBeLessThan(10);
    expect(master.received[0]!.allocations).toHaveLength(50);
    expect(master.received[0]!.allocations[0]).toMatchObject({ framework_id: 'f1', agent_id: 'a00', role: 'r' });
    expect(alloc.metrics.event_allocations).toBe(1);
    expect(alloc.metrics.batch_allocations).toBe(0);
  });

  test('an allocation over more than AGENTS_PER_SLICE agents goes in slices, one per turn, each agent once; a request meanwhile joins the sweep', async () => {
    const { clock, master, alloc, port } = await setup(60_000);
    const n = 2 * AGENTS_PER_SLICE + 500;
    const id = (i: number): string => `a${String(i).padStart(5, '0')}`;
    for (let i = 0; i < n; i++) port.addAgent(id(i), R('cpus:1;mem:128'));
    await clock.advance(5);
    expect(master.received).toHaveLength(0); // no framework yet
    port.addFramework('f1', ['r']); // every agent: three slices
    await clock.advance(0);
    await clock.settle();
    expect(master.received.map((m) => m.allocations.length)).toEqual([AGENTS_PER_SLICE, AGENTS_PER_SLICE, 500]);
    const offered = master.received.flatMap((m) => m.allocations.map((a) => a.agent_id));
    expect(new Set(offered).size).toBe(n);
    expect(offered).toEqual(Array.from({ length: n }, (_, i) => id(i))); // in the order of a sweep
    expect(alloc.metrics.event_allocations).toBe(2); // the agents' (nothing to offer), then the framework's
    // A sweep under way takes what comes meanwhile: a second framework added between two slices is offered
    // what is left, and the agents already visited come again at the end of the same sweep.
    const before = master.received.length;
    for (const m of master.received) for (const a of m.allocations) port.recoverResources('f1', a.agent_id, a.resources, null);
    port.addFramework('f2', ['s']);
    await clock.settle();
    const after = master.received.slice(before).flatMap((m) => m.allocations);
    expect(new Set(after.map((a) => a.agent_id)).size).toBe(n);
    expect(Math.max(...master.received.slice(before).map((m) => m.allocations.length))).toBeLessThanOrEqual(AGENTS_PER_SLICE);
  });

  test('a request of every agent while a sweep over all is under way is a whole pass more from where it is, wrapping around', async () => {
    const { clock, master, alloc, port } = await setup(60_000);
    const n = 2 * AGENTS_PER_SLICE + 500;
    const id = (i: number): string => `a${String(i).padStart(5, '0')}`;
    for (let i = 0; i < n; i++) port.addAgent(id(i), R('cpus:1;mem:128'));
    await clock.advance(5);
    // After the first slice, its agents are free again (straight into the core, not named to the allocator as an
    // event would) and every agent is asked for: the pass goes on, then wraps around to the agents it visited.
    master.onOffers = (first) => {
      master.onOffers = undefined;
      expect(first.map((a) => a.agent_id)).toEqual(Array.from({ length: AGENTS_PER_SLICE }, (_, i) => id(i)));
      for (const a of first) alloc.core.recoverResources('f1', a.agent_id, Resources.of(a.resources), undefined, clock.now());
      port.addFramework('f2', ['s']);
    };
    port.addFramework('f1', ['r']);
    await clock.settle();
    expect(master.onOffers).toBeUndefined();
    const offered = master.received.flatMap((m) => m.allocations.map((a) => a.agent_id));
    // Every agent once in the first pass, and the first slice's again in the second (a slice is visited in id order).
    expect(offered).toHaveLength(n + AGENTS_PER_SLICE);
    expect([...offered].sort()).toEqual(Array.from({ length: n + AGENTS_PER_SLICE }, (_, i) => id(i < 2 * AGENTS_PER_SLICE ? i >> 1 : i - AGENTS_PER_SLICE)));
    expect(Math.max(...master.received.map((m) => m.allocations.length))).toBeLessThanOrEqual(AGENTS_PER_SLICE);
  });

  test('agents named by an event during a pass over all go first, half a slice at a time, and the pass goes on', async () => {
    // Recovered resources as events: the allocator of the paper's experiments (allocateOnRecovery).
    const { clock, master, alloc, port } = await setup(60_000, true);
    const n = 3 * AGENTS_PER_SLICE;
    const id = (i: number): string => `a${String(i).padStart(5, '0')}`;
    for (let i = 0; i < n; i++) port.addAgent(id(i), R('cpus:1;mem:128'));
    await clock.advance(5);
    // After the first slice, its agents' resources come back as the master would return them: an event naming them.
    master.onOffers = (first) => {
      master.onOffers = undefined;
      for (const a of first) port.recoverResources('f1', a.agent_id, a.resources, null);
    };
    port.addFramework('f1', ['r']);
    await clock.settle();
    const slices = master.received.map((m) => m.allocations.map((a) => a.agent_id));
    const half = AGENTS_PER_SLICE / 2;
    expect(slices[0]).toEqual(Array.from({ length: AGENTS_PER_SLICE }, (_, i) => id(i)));
    // The pass's next slice was due before the event came; after it, half a slice of the named agents with half a
    // slice more of the pass (a slice is visited in id order).
    expect(slices[1]).toEqual(Array.from({ length: AGENTS_PER_SLICE }, (_, i) => id(AGENTS_PER_SLICE + i)));
    expect(slices[2]).toEqual([...Array.from({ length: half }, (_, i) => id(i)), ...Array.from({ length: half }, (_, i) => id(2 * AGENTS_PER_SLICE + i))]);
    const offered = slices.flat();
    expect(offered).toHaveLength(n + AGENTS_PER_SLICE); // every agent once, the first slice's twice
    expect(new Set(offered).size).toBe(n);
    expect(alloc.metrics.event_allocations).toBeGreaterThanOrEqual(2);
  });

  test('agentIdsAfter: the next agents in sweep order after an id, wrapping around', async () => {
    const { clock, alloc, port } = await setup(60_000);
    for (const a of ['b', 'd', 'a', 'c']) port.addAgent(a, R('cpus:1;mem:128'));
    await clock.advance(5);
    expect(alloc.core.agentIdsAfter(undefined, 2)).toEqual(['a', 'b']);
    expect(alloc.core.agentIdsAfter('b', 3)).toEqual(['c', 'd', 'a']);
    expect(alloc.core.agentIdsAfter('bb', 1)).toEqual(['c']); // an id no agent has: the next one in order
    expect(alloc.core.agentIdsAfter('d', 10)).toEqual(['a', 'b', 'c', 'd']); // at most every agent once
  });

  test('refused resources wait for the next batch, as in Mesos (MESOS-3078); a filter lasts at least one interval; freed ones are offered at once', async () => {
    const { clock, master, alloc, port, t0 } = await setup(1000);
    port.addFramework('f1', ['r']);
    port.addAgent('a1', R('cpus:2;mem:256'));
    await clock.advance(5);
    expect(master.received).toHaveLength(1);
    // Freed without a refusal (a task's end, a rescinded offer): offered again in the same instant.
    port.recoverResources('f1', 'a1', master.received[0]!.allocations[0]!.resources, null);
    await clock.settle();
    expect(master.received).toHaveLength(2);
    expect(master.received[1]!.at - t0).toBeLessThan(10);
    master.received.shift();
    // Declined with a refusal of 0 s: not offered again at once, but by the batch at 1 s.
    port.recoverResources('f1', 'a1', master.received[0]!.allocations[0]!.resources, 0);
    await clock.advance(990 - (clock.now() - t0));
    expect(master.received).toHaveLength(1);
    await clock.advance(20);
    expect(master.received).toHaveLength(2);
    expect(master.received[1]!.at - t0).toBeGreaterThanOrEqual(1000);
    expect(master.received[1]!.at - t0).toBeLessThan(1010);
    // Declined for 2.5 s: the batches at 2 s and 3 s pass it over, the one at 4 s offers it (no wake-up of its own at 3.5 s).
    port.recoverResources('f1', 'a1', master.received[1]!.allocations[0]!.resources, 2.5);
    await clock.advance(3990 - (clock.now() - t0));
    expect(master.received).toHaveLength(2);
    await clock.advance(20);
    expect(master.received).toHaveLength(3);
    expect(master.received[2]!.at - t0).toBeGreaterThanOrEqual(4000);
    // Declined for 0.1 s: stretched to the interval, so the batch at 5 s still passes it over; the one at 6 s offers it.
    port.recoverResources('f1', 'a1', master.received[2]!.allocations[0]!.resources, 0.1);
    await clock.advance(5990 - (clock.now() - t0));
    expect(master.received).toHaveLength(3);
    await clock.advance(20);
    expect(master.received).toHaveLength(4);
    expect(master.received[3]!.at - t0).toBeGreaterThanOrEqual(6000);
    expect(alloc.metrics.event_allocations).toBe(2); // the agent's and the framework's (one turn), the freed resources'; none for the refusals
  });

  test('allocateOnRecovery (Mesos 0.x, as in the paper experiments): recovered resources are offered again at once; with a filter, right when it expires', async () => {
    const { clock, master, alloc, port, t0 } = await setup(1000, true);
    port.addFramework('f1', ['r']);
    port.addAgent('a1', R('cpus:2;mem:256'));
    await clock.advance(5);
    const first = master.received.at(-1)!.allocations[0]!;
    port.recoverResources('f1', 'a1', first.resources, null);
    await clock.advance(5);
    expect(master.received).toHaveLength(2);
    port.recoverResources('f1', 'a1', master.received[1]!.allocations[0]!.resources, 2.5);
    const declinedAt = clock.now();
    await clock.advance(2400);
    expect(master.received).toHaveLength(2);
    await clock.advance(200);
    expect(master.received).toHaveLength(3);
    // Woken by the filter's expiry (plus the 1 ms hop each way), not by the 1 s batch.
    const at = master.received[2]!.at;
    expect(at - declinedAt).toBeGreaterThanOrEqual(2500);
    expect(at - declinedAt).toBeLessThan(2510);
    expect(at - t0).toBeLessThan(3000);
    expect(alloc.metrics.filter_wakeups).toBe(1);
  });

  test('batch allocation every interval picks up what no event announced', async () => {
    const { clock, master, alloc, port, t0 } = await setup(1000);
    // Role q's unsatisfied guarantee holds the agent back from f1 (q has no framework yet).
    port.post('update_quota', { role: 'q', guarantees: { cpus: 2, mem: 256 }, limits: {} });
    port.addAgent('a1', R('cpus:2;mem:256'));
    port.addFramework('f1', ['r']);
    await clock.advance(5);
    expect(master.received).toHaveLength(0);
    // Dropping the quota triggers nothing by itself; the next batch (at 1 s) sees it.
    port.post('update_quota', { role: 'q', guarantees: {}, limits: {} });
    await clock.advance(600);
    expect(master.received).toHaveLength(0);
    await clock.advance(2400);
    expect(master.received).toHaveLength(1);
    expect(master.received[0]!.at - t0).toBeGreaterThanOrEqual(1000);
    expect(master.received[0]!.at - t0).toBeLessThan(1010);
    expect(alloc.metrics.batch_allocations).toBe(3);
  });

  test('SUPPRESS stops offers; REVIVE resumes them at once', async () => {
    const { clock, master, port } = await setup(1000);
    port.addFramework('f1', ['r']);
    port.addAgent('a1', R('cpus:2;mem:256'));
    await clock.advance(5);
    port.post('suppress_offers', { framework_id: 'f1', roles: null });
    port.recoverResources('f1', 'a1', master.received[0]!.allocations[0]!.resources, null);
    await clock.advance(5000);
    expect(master.received).toHaveLength(1);
    const before = clock.now();
    port.post('revive_offers', { framework_id: 'f1', roles: null });
    await clock.advance(5);
    expect(master.received).toHaveLength(2);
    expect(master.received[1]!.at - before).toBeLessThan(5);
  });
});
