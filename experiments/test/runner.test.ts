// The runner: every experiment registered; the progress line says the phase, elapsed, left and tasks done.
import { describe, expect, test } from '@jest/globals';
import { Progress } from '../progress.js';
import { EXPERIMENTS } from '../registry.js';
import { percentile } from '../stats.js';

// main.ts runs when imported; `mesos-ts experiment`'s refusals are checked on the build in real.test.ts.
describe('runner', () => {
  test('every experiment of the issue is registered once', () => {
    expect(EXPERIMENTS.map((e) => e.name)).toEqual(['sharing', 'drf', 'rampup', 'failover', 'offers', 'mpi']);
  });

  test('progress: phase, virtual time, tasks, elapsed and left', () => {
    const lines: string[] = [];
    const p = new Progress('x', 100_000, (l) => lines.push(l));
    p.phase('one', 50_000);
    p.update(50_000, 12);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[x\] one: 50\/50 virtual s, 12 tasks done; elapsed \d+ s, left ~\d+ s$/);
    p.update(50_000, 12);
    expect(lines).toHaveLength(1);
  });

  test('percentiles by nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
