import type { Clock, Timer } from './clock.js';

/** Wall-clock time and Node timers. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  timer(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  }
}

/** The clock shared by runtimes that are not given one. */
export const realClock: Clock = new RealClock();
