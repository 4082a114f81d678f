// DRF: the reference computes the DRF paper's example exactly; in the simulator, two identical users who arrive at
// different times converge to the same dominant share, and every phase's shares come within a task's worth or two
// of the reference.
import { describe, expect, test } from '@jest/globals';
import { drfAllocation } from '../drf/reference.js';
import { runDrf } from '../drf/run.js';
import type { DrfSetup } from '../drf/setup.js';

describe('DRF reference', () => {
  test("the DRF paper's example: 9 CPUs, 18 GB; A <1 CPU, 4 GB>, B <3 CPUs, 1 GB>: 3 and 2 tasks, 2/3 each", () => {
    const a = drfAllocation([{ cpus: 9, mem: 18 }], [{ name: 'A', cpus: 1, mem: 4 }, { name: 'B', cpus: 3, mem: 1 }]);
    expect(a.get('A')).toEqual({ tasks: 3, cpus: 3, mem: 12, dominantShare: 12 / 18 });
    expect(a.get('B')).toEqual({ tasks: 2, cpus: 6, mem: 2, dominantShare: 6 / 9 });
  });

  test('identical users get equal shares; a user alone takes all its task fits', () => {
    const machines = [{ cpus: 4, mem: 8 }, { cpus: 4, mem: 8 }];
    const a = drfAllocation(machines, [{ name: 'x', cpus: 1, mem: 1 }, { name: 'y', cpus: 1, mem: 1 }]);
    expect(a.get('x')!.tasks).toBe(4);
    expect(a.get('y')!.tasks).toBe(4);
    expect(drfAllocation(machines, [{ name: 'z', cpus: 3, mem: 1 }]).get('z')!.tasks).toBe(2);
  });
});

describe('DRF in the simulator', () => {
  const setup: DrfSetup = {
    seed: 1,
    agents: 4,
    agentResources: 'cpus:9;mem:18432;disk:1000',
    taskMs: [3_000, 8_000],
    users: [
      { name: 'A', cpus: 1, mem: 4096, arriveMs: 0, leaveMs: 150_000 },
      { name: 'B', cpus: 3, mem: 1024, arriveMs: 30_000, leaveMs: 90_000 },
      { name: 'C', cpus: 1, mem: 4096, arriveMs: 60_000, leaveMs: 150_000 },
    ],
    endMs: 150_000,
  };

  test('identical users converge; shares follow DRF computed on the same machines', async () => {
    const run = await runDrf(setup);
    const ac = run.phases.find((p) => p.users.join() === 'A,C')!;
    // One task of A or C is 4 GB of 72 GB: 5.6% of the cluster.
    expect(Math.abs(ac.measured['A']! - ac.measured['C']!)).toBeLessThan(0.06);
    for (const p of run.phases) for (const u of p.users) expect(Math.abs(p.measured[u]! - p.reference[u]!)).toBeLessThan(0.12);
    expect(run.phases.map((p) => p.users.join())).toEqual(['A', 'A,B', 'A,B,C', 'A,C']);
  }, 60_000);
});
