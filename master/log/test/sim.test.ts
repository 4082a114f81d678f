/**
 * Randomized safety of the consensus core over many seeds: partitions,
 * message loss, duplication and reordering, crashes, restarts and wiped
 * disks, snapshots. A failure prints a one-line replay command.
 *
 *   LOG_SIM_SEEDS=1-5000 npm test -- master/log/test/sim.test.ts   (a range)
 *   LOG_SIM_SEED=123 npm test -- master/log/test/sim.test.ts       (one seed)
 */
import { describe, test, expect } from '@jest/globals';
import { CoreSim } from './coresim.js';

function seeds(): number[] {
  const one = process.env['LOG_SIM_SEED'];
  if (one !== undefined && one !== '') return [Number(one)];
  const range = process.env['LOG_SIM_SEEDS'] ?? '1-150';
  const [a, b] = range.split('-').map(Number) as [number, number];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

describe('consensus core under a faulty simulated network', () => {
  test('3 replicas: at most one leader per term, committed prefixes agree, acknowledged appends survive', () => {
    let acked = 0;
    for (const seed of seeds()) {
      const r = new CoreSim({ seed, replicas: 3, loss: 0.05, duplicate: 0.03, reorder: 0.05 }).scenario();
      acked += r.acknowledged;
    }
    expect(acked).toBeGreaterThan(0);
  });

  test('5 replicas, same properties', () => {
    for (const seed of seeds().slice(0, 60)) {
      new CoreSim({ seed: seed + 100_000, replicas: 5, loss: 0.05, duplicate: 0.03, reorder: 0.05 }).scenario();
    }
  });
});
