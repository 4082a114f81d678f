import type { Clock, Timer } from './clock.js';
import { MinHeap } from './heap.js';

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Something that can tell whether it still has work queued (a runtime's mailboxes). */
export type BusyProbe = () => boolean;

/** A fixed start time (2026-01-01T00:00:00Z) so timestamps in tests look real and replay exactly. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Virtual time for deterministic tests: timers fire only when the test moves
 * time with `advance`, in time order (ties in creation order), and `settle`
 * waits until every registered runtime is idle and no timer is due.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap = new MinHeap<Entry>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  readonly #probes = new Set<BusyProbe>();
  /** Probes whose owner calls `poke` whenever it gets work: asked only after a poke. */
  readonly #pokingProbes = new Set<BusyProbe>();
  /** Poking probes whose owner may have work (poked since a scan last found it idle). */
  readonly #poked = new Set<BusyProbe>();

  constructor(startMs: number = VIRTUAL_EPOCH_MS) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Virtual time is always paused; kept for parity with libprocess's Clock::pause. */
  pause(): void {}

  timer(ms: number, fn: () => void): Timer {
    const entry: Entry = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#heap.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /**
   * Registers a busy probe (runtimes do this); returns a function that removes it. With `pokes`, its owner promises
   * to call `poke()` whenever it goes from idle to having work, so an idle cluster of many runtimes is not probed
   * one by one at every turn of `settle`.
   */
  register(probe: BusyProbe, pokes = false): () => void {
    const set = pokes ? this.#pokingProbes : this.#probes;
    set.add(probe);
    if (pokes) this.#poked.add(probe);
    return () => {
      set.delete(probe);
      this.#poked.delete(probe);
    };
  }

  /** The owner of a poking probe got work (see `register`). */
  poke(probe: BusyProbe): void {
    if (this.#pokingProbes.has(probe)) this.#poked.add(probe);
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#heap.values().filter((e) => !e.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling after each instant. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance by a non-negative number of ms, got ${ms}`);
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const next = this.#peek();
      if (next === undefined || next.at > target) break;
      this.#now = next.at;
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /**
   * Resolves once no registered runtime has an event queued, no timer is due
   * at the current time, and that stayed so across a few turns of the event
   * loop (so promise chains and immediate callbacks have run).
   */
  async settle(): Promise<void> {
    let quiet = 0;
    for (let turns = 0; quiet < 3; turns++) {
      if (turns > 1_000_000) throw new Error('VirtualClock.settle: the system never became idle (a livelock?)');
      const fired = this.#fireDue();
      await new Promise<void>((resolve) => setImmediate(resolve));
      quiet = fired || this.#busy() ? 0 : quiet + 1;
    }
  }

  #busy(): boolean {
    for (const probe of this.#probes) if (probe()) return true;
    for (const probe of this.#poked) {
      if (probe()) return true;
      this.#poked.delete(probe); // idle: no work until it pokes again
    }
    return false;
  }

  #fireDue(): boolean {
    let fired = false;
    for (;;) {
      const next = this.#peek();
      if (next === undefined || next.at > this.#now) return fired;
      this.#heap.pop();
      fired = true;
      next.fn();
    }
  }

  #peek(): Entry | undefined {
    while (this.#heap.peek()?.cancelled === true) this.#heap.pop();
    return this.#heap.peek();
  }
}
