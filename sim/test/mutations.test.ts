// Deliberately broken builds must be caught: each mutation is applied through what the simulation injects (never
// a production code path) and must make some seed of the first 1,000 fail. The search stops at the first failure.
import { describe, expect, test } from '@jest/globals';
import type { Mutations } from '../mutations.js';
import { DEFAULT_FAULTS, runSeed, withPauses, type SimOptions } from '../run.js';

async function firstFailure(mutations: Mutations, limit = 1000, options: Partial<Omit<SimOptions, 'seed' | 'mutations'>> = {}): Promise<{ seed: number; violation: string } | undefined> {
  for (let seed = 1; seed <= limit; seed++) {
    const r = await runSeed(seed, { ...options, mutations });
    if (!r.ok) return { seed, violation: r.violation! };
  }
  return undefined;
}

/**
 * The schedule that reaches a stale term (`--chaos-ms=30000 --pauses=15`): master processes pause 15 times as often
 * as by default (0.3 a second), over 30 s of faults. A deposed leader must be paused while the others elect a
 * successor, an agent must register with that successor and then come back to the paused one (the successor lost
 * in turn), and the paused one must read the agent before it reads of the newer term: several faults overlapping,
 * which the default schedule draws too seldom for a search of 1,000 seeds.
 */
const STALE_TERMS: Partial<Omit<SimOptions, 'seed' | 'mutations'>> = { chaosMs: 30_000, faults: withPauses(DEFAULT_FAULTS, 15) };

/** The first seed of STALE_TERMS that fails with `dropTermCheck` (the default schedule: none of seeds 1-200). */
const DROP_TERM_CHECK_SEED = 7;

describe('the simulator catches a broken build', () => {
  test('skipping the checkpoint fsync: what the agent acknowledged or launched is not on disk', async () => {
    const found = await firstFailure({ skipFsync: true });
    expect(found).toBeDefined();
    expect(found!.seed).toBeLessThanOrEqual(1000);
    expect(found!.violation).toMatch(/^(a checkpointed task survives its agent restarting|an update acknowledged to its executor is checkpointed): /);
  }, 600_000);

  test('the allocator taking recovered resources back twice: it offers what is still in use', async () => {
    const found = await firstFailure({ recoverTwice: true });
    expect(found).toBeDefined();
    expect(found!.violation).toMatch(/^offered plus used never exceeds an agent: /);
  }, 600_000);

  test('dropping the term check on agent messages: an agent follows a paused, deposed leader back', async () => {
    // The seed a sweep found (`make sim SEEDS=1-1000 ARGS="--chaos-ms=30000 --pauses=15 --mutation=dropTermCheck"`:
    // the first failure, its seeds before it passing with the mutation too), run alone: a search from seed 1 ran
    // up to twice as many 60-virtual-second runs (~500 s under load). A change that moves the traces makes this
    // seed pass with the mutation: the test then fails, and the sweep above finds the new one.
    const mutant = await runSeed(DROP_TERM_CHECK_SEED, { ...STALE_TERMS, mutations: { dropTermCheck: true } });
    expect(mutant.violation).toMatch(/^an agent follows no master of an older term: a\d+ registered with master@m\d:5050 of term \d+ after hearing from a master of term \d+$/);
    // The same seed with the real agent (term check on) passes: the violation is the mutation's, not the schedule's.
    expect((await runSeed(DROP_TERM_CHECK_SEED, { ...STALE_TERMS, mutations: {} })).violation).toBeUndefined();
  }, 300_000);

  test('acknowledging an executor status update before it is checkpointed: the acknowledged update is not durable', async () => {
    const found = await firstFailure({ ackBeforeCheckpoint: true });
    expect(found).toBeDefined();
    expect(found!.violation).toMatch(/^an update acknowledged to its executor is checkpointed: a\d+ acknowledged TASK_\w+ of task .* to its executor before its record was on disk/);
  }, 600_000);
});
