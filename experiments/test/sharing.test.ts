// The macrobenchmark at tiny scale (8 agents, two minutes of jobs): the same trace shared and statically
// partitioned. Sharing never yields lower total utilization than partitioning over the trace; every job of the
// trace finishes in both; a gang's tasks start together; the trace is the seed's alone.
import { describe, expect, test } from '@jest/globals';
import { runMode, summarizeMode } from '../sharing/run.js';
import { SHARING, type SharingSetup } from '../sharing/setup.js';
import { makeTrace, wantedAt } from '../sharing/trace.js';

const tiny = (seed: number): SharingSetup => ({ ...SHARING.quick, seed, agents: 8, traceMs: 120_000, drainMs: 400_000, frameworks: SHARING.quick.frameworks.map((f) => (f.load ? { ...f, load: { ...f.load, periodMs: 60_000 } } : f)) });

describe('sharing vs static partitioning', () => {
  test('the trace is drawn from the seed alone, and the web farm follows its curve', () => {
    const a = makeTrace(tiny(3));
    expect(makeTrace(tiny(3))).toEqual(a);
    expect(makeTrace(tiny(4))).not.toEqual(a);
    const jobs = [...a.values()].flat();
    expect(jobs.length).toBeGreaterThan(5);
    for (const j of jobs) expect(j.arriveMs).toBeLessThan(120_000);
    const load = SHARING.quick.frameworks.find((f) => f.load !== undefined)!.load!;
    expect(wantedAt(load, 2, 0)).toBe(Math.round(load.minPerAgent * 2));
    expect(wantedAt(load, 2, load.periodMs / 2)).toBe(Math.round(load.maxPerAgent * 2));
  });

  test.each([1, 2])('seed %i: sharing uses at least as much of the cluster as static quarters, and every job finishes in both', async (seed) => {
    const setup = tiny(seed);
    const trace = makeTrace(setup);
    const shared = await runMode(setup, 'shared', trace);
    const part = await runMode(setup, 'partitioned', trace);
    const s = summarizeMode(setup, shared, trace);
    const p = summarizeMode(setup, part, trace);
    for (const done of [...Object.values(s.jobsDone), ...Object.values(p.jobsDone)]) expect(done).toBe(1);
    expect(s.cpuUtilization + s.memUtilization).toBeGreaterThanOrEqual(p.cpuUtilization + p.memUtilization);
    expect(s.cpuUtilization).toBeGreaterThan(0.05);
    // Nothing runs beyond the cluster: at no second do the processes hold more than the machines have.
    for (const run of [shared, part]) {
      for (const x of run.samples) {
        expect(Object.values(x.cpus).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8 * 4);
        expect(Object.values(x.mem).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8 * 15360);
      }
    }
  }, 120_000);
});
