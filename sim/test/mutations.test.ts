// Deliberately broken builds must be caught: each mutation is applied through what the simulation injects (never
// a production code path) and must make some seed of the first 1,000 fail. The search stops at the first failure.
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
  test('skipping the checkpoint fsync: a restarted agent loses tasks it had checkpointed', async () => {
    const found = await firstFailure({ skipFsync: true });
    expect(found).toBeDefined();
    expect(found!.seed).toBeLessThanOrEqual(1000);
    expect(found!.violation).toMatch(/a checkpointed task survives its agent restarting/);
  }, 600_000);

  test('the allocator taking recovered resources back twice: it offers what is still in use', async () => {
    const found = await firstFailure({ recoverTwice: true });
    expect(found).toBeDefined();
    expect(found!.violation).toMatch(/^offered plus used never exceeds an agent: /);
  }, 600_000);
});
