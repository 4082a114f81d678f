// Deliberately broken builds must be caught: each mutation is applied through what the simulation injects (never
// a production code path) and must make some seed of the first 1,000 fail. The search stops at the first failure.
// `dropTermCheck` is not here: no seed of the default fault schedule makes it observable (sim/README.md, Limits).
import { describe, expect, test } from '@jest/globals';
import type { Mutations } from '../mutations.js';
import { runSeed } from '../run.js';

async function firstFailure(mutations: Mutations, limit = 1000): Promise<{ seed: number; violation: string } | undefined> {
  for (let seed = 1; seed <= limit; seed++) {
    const r = await runSeed(seed, { mutations });
    if (!r.ok) return { seed, violation: r.violation! };
  }
  return undefined;
}

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

  test('acknowledging an executor status update before it is checkpointed: the acknowledged update is not durable', async () => {
    const found = await firstFailure({ ackBeforeCheckpoint: true });
    expect(found).toBeDefined();
    expect(found!.violation).toMatch(/^an update acknowledged to its executor is checkpointed: a\d+ acknowledged TASK_\w+ of task .* to its executor before its record was on disk/);
  }, 600_000);
});
