// Ramp-up at tiny scale: three frameworks fill 20 agents; a fourth arriving with constant 10 s tasks reaches its
// fair share within T (the paper's bound for constant run times) plus the allocation interval, and the old ones give
// way to it: nobody holds more than a fair share once it is there.
import { describe, expect, test } from '@jest/globals';
import { expectedRampupMs, runRampup, slots } from '../rampup/run.js';
import type { RampupSetup } from '../rampup/setup.js';

const setup: RampupSetup = { seed: 1, agents: 20, agentResources: 'cpus:4;mem:8192;disk:1000', task: { cpus: 1, mem: 2048 }, old: 3, taskMeanMs: 10_000, durations: 'constant', arriveMs: 15_000, measureMs: 25_000 };

describe('framework ramp-up', () => {
  test('the expectation: a fair share k of n slots, constant T: T k/n; exponential: T ln(n/(n-k))', () => {
    expect(slots(setup)).toBe(80);
    expect(expectedRampupMs(setup)).toBeCloseTo(2_500);
    expect(expectedRampupMs({ ...setup, durations: 'exponential' })).toBeCloseTo(10_000 * Math.log(80 / 60));
  });

  test('a new framework reaches its fair share within T', async () => {
    const run = await runRampup(setup);
    expect(run.fairShare).toBe(0.25);
    expect(run.tFairMs).toBeLessThanOrEqual(setup.taskMeanMs + 2_000);
    const last = run.samples[run.samples.length - 1]!;
    expect(last.share).toBeGreaterThanOrEqual(0.25 - 1 / 80);
    expect(last.oldShare).toBeLessThanOrEqual(0.25 + 1 / 80);
  }, 60_000);
});
