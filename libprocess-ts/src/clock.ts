/**
 * All timing in libprocess-ts goes through a Clock, so the same code runs in
 * real time in production and in virtual time in tests.
 */
export interface Timer {
  /** Stops the timer; calling it after the timer fired, or twice, is harmless. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (real) or since the virtual clock's start. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now (0 means: as soon as possible, after the current event). */
  timer(ms: number, fn: () => void): Timer;
}
