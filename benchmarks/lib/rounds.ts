// Interleaved rounds: a subject and its baseline measured in turn, round after round, so load
// from elsewhere on the machine falls on both alike; the order flips every round so neither
// always runs on a warmer (or more tired) machine.
import { roundsFigure, type RoundsFigure } from './stats.js';

export interface Contender {
  name: string;
  /** One measurement (e.g. messages/s or a p50): one number per round. */
  measure: () => Promise<number>;
}

/** Runs `warmup` unrecorded rounds, then `rounds` recorded ones, alternating the contenders' order. */
export async function interleave(contenders: readonly Contender[], rounds: number, warmup = 1): Promise<Map<string, RoundsFigure>> {
  if (rounds < 1) throw new Error(`interleave: rounds must be at least 1, not ${rounds}`);
  const recorded = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = -warmup; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const v = await c.measure();
      if (r >= 0) recorded.get(c.name)!.push(v);
    }
  }
  return new Map([...recorded].map(([name, xs]) => [name, roundsFigure(xs)]));
}
