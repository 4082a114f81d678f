/**
 * Exponential backoff with seeded jitter: attempt n waits a random time in
 * [b, 2b) where b = min * 2^n, everything capped at max. The randomness comes
 * from an injected `Random`, so a simulated run replays exactly.
 */
import type { Random } from 'libprocess-ts';

export interface BackoffOptions {
  /** First wait, ms (default 1000). */
  minMs?: number;
  /** Longest wait, ms (default 60000). */
  maxMs?: number;
}

export class Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  #attempt = 0;

  constructor(
    readonly random: Random,
    options: BackoffOptions = {},
  ) {
    this.minMs = options.minMs ?? 1_000;
    this.maxMs = options.maxMs ?? 60_000;
    if (!(this.minMs > 0) || !(this.maxMs >= this.minMs)) throw new Error(`bad backoff: min ${this.minMs} ms, max ${this.maxMs} ms`);
  }

  /** How many waits since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next wait, ms. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.min(this.maxMs, Math.round(base + this.random.float() * base));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
