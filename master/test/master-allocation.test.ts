// Allocation as frameworks see it through the master (in-process cluster,
// virtual clock): DRF converges on the DRF paper's example, weights 2:1 give
// shares 2:1, SUPPRESS stops offers and REVIVE resumes them at once.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Resources } from '../../protocol/resources.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { commandTask, type TestScheduler } from './helpers/peers.js';

let c: Cluster;
afterEach(async () => {
  if (c !== undefined) {
    await c.clock.advance(10);
    expect(ledger(c)).toEqual([]);
    await c.stop();
  }
});

/**
 * A framework that launches one task of `need` on every offer that fits it
 * (giving the rest back with no filter) and declines offers that do not fit
 * for a long time: what Mesos's DRF tests do.
 */
function greedy(s: TestScheduler, need: string): () => number {
  let n = 0;
  const demand = Resources.parse(need);
  return () => {
    for (const offer of [...s.offers.values()]) {
      const have = Resources.of(offer.resources).unallocate();
      if (have.contains(demand)) s.launch(offer, [commandTask(`${s.pid.id}-${n++}`, offer, need)], 0);
      else s.decline([offer.id.value], 3600);
    }
    return n;
  };
}

async function run(cl: Cluster, players: (() => number)[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 50) {
    for (const p of players) p();
    await cl.clock.advance(50);
  }
}

describe('allocation through the master', () => {
  test("the DRF paper's example: <1 CPU, 4 GB> and <3 CPUs, 1 GB> tasks on 9 CPUs / 18 GB end with 3 and 2 tasks", async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:9;mem:18432' });
    const { scheduler: a } = await c.scheduler({}, 'a');
    const { scheduler: b } = await c.scheduler({}, 'b');
    const playA = greedy(a, 'cpus:1;mem:4096');
    const playB = greedy(b, 'cpus:3;mem:1024');
    await run(c, [playA, playB], 10_000);
    expect([playA(), playB()]).toEqual([3, 2]);
  });

  test('weights 2:1 give the roles 2:1 of the cluster', async () => {
    c = await cluster({ weights: { gold: 2, silver: 1 } });
    // Both frameworks first: an agent added later goes to the role furthest below its weighted share.
    const { scheduler: gold } = await c.scheduler({ role: 'gold' }, 'gold');
    const { scheduler: silver } = await c.scheduler({ role: 'silver' }, 'silver');
    const g = greedy(gold, 'cpus:1;mem:1024');
    const s = greedy(silver, 'cpus:1;mem:1024');
    for (let i = 0; i < 30; i++) {
      await c.agent({ resources: 'cpus:1;mem:1024' });
      await run(c, [g, s], 100);
    }
    expect([g(), s()]).toEqual([20, 10]);
  });

  test('SUPPRESS stops offers; REVIVE brings them back at once', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { scheduler } = await c.scheduler();
    await c.clock.advance(5);
    const [offer] = [...scheduler.offers.values()];
    scheduler.call('suppress', { framework_id: scheduler.fw });
    scheduler.decline([offer!.id.value], 0);
    await c.clock.advance(10_000);
    expect(scheduler.offers.size).toBe(0);
    scheduler.call('revive', { framework_id: scheduler.fw });
    await c.clock.advance(5);
    expect(scheduler.offers.size).toBe(1);
  });

  test('a framework that disconnects gets no offers; its offers go to the others', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { scheduler: first, runtime } = await c.scheduler({ failover_timeout: 600 }, 'first');
    await c.clock.advance(5);
    expect(first.offers.size).toBe(1);
    const { scheduler: second } = await c.scheduler({}, 'second');
    await runtime.stop();
    await c.clock.advance(1_100);
    expect(second.offers.size).toBe(1);
    expect(c.master.state.offers.ofFramework(first.frameworkId!)).toHaveLength(0);
  });
});
