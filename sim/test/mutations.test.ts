// Deliberately broken builds must be caught: each mutation is applied through what the simulation injects (never
// a production code path) and makes a seed of the default schedule fail, one of the first 1,000 (the seeds here are
// the first failures of sweeps of the default schedule: `make sim SEEDS=1-1000 ARGS="--mutation=<name>"`, in
// sim/README.md). Each seed also passes without its mutation: the violation is the mutation's, not the schedule's.
// A change that moves the traces can move these seeds: the test then fails, and the sweep finds the new first one.
// (`forgetTerm` is also shown on a scripted cluster: forget-term.test.ts.)
import { describe, expect, test } from '@jest/globals';
import type { MutationName } from '../mutations.js';
import { runSeed } from '../run.js';

const CHECKPOINTED = /^(a checkpointed task survives its agent restarting|an update acknowledged to its executor is checkpointed): /;
const FENCED = /^an agent follows no master of an older term: a\d+ registered with master@m\d:5050 of term \d+ after hearing from a master of term \d+$/;

const CAUGHT: readonly { mutation: MutationName; seed: number; what: string; violation: RegExp }[] = [
  { mutation: 'skipFsync', seed: 1, what: 'skipping the checkpoint fsync: what the agent acknowledged or launched is not on disk', violation: CHECKPOINTED },
  { mutation: 'recoverTwice', seed: 1, what: 'the allocator taking recovered resources back twice: its books and the master\'s part', violation: /^offered plus used never exceeds an agent: / },
  { mutation: 'ackBeforeCheckpoint', seed: 1, what: 'acknowledging an executor status update before it is checkpointed', violation: /^an update acknowledged to its executor is checkpointed: a\d+ acknowledged TASK_\w+ of task .* to its executor before its record was on disk/ },
  // Seeds 2, 6, 10, ... of the default schedule draw stale-leader episodes (run.ts defaultFaults, stale-leader.ts):
  // the leader pauses, agents restart and hear its successor, then reach only the paused leader, which answers them.
  { mutation: 'dropTermCheck', seed: 34, what: 'dropping the term check on agent messages: an agent follows a paused, deposed leader back', violation: FENCED },
  { mutation: 'forgetTerm', seed: 34, what: 'forgetting the checkpointed master term over a restart: a restarted agent follows a paused, deposed leader back', violation: FENCED },
];

describe('the simulator catches a broken build on a seed of the default schedule', () => {
  const passing = new Map<number, Promise<string | undefined>>();
  for (const c of CAUGHT) {
    test(`${c.mutation} (seed ${c.seed}): ${c.what}`, async () => {
      const mutant = await runSeed(c.seed, { mutations: { [c.mutation]: true } });
      expect(mutant.violation).toMatch(c.violation);
      if (!passing.has(c.seed)) passing.set(c.seed, runSeed(c.seed).then((r) => r.violation));
      expect(await passing.get(c.seed)).toBeUndefined();
    }, 120_000);
  }
});
