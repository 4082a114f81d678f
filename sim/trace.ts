/**
 * The run's trace: every message the network delivers, loses, duplicates or
 * drops, every fault and every process start and end, folded into one hash
 * (FNV-1a, 32 bits, over the text of each event) so two runs of a seed can
 * be compared, and the last events kept as a readable timeline for the
 * report of a violation.
 */
import { VIRTUAL_EPOCH_MS } from 'libprocess-ts/testing';

export class Trace {
  #hash = 0x811c9dc5;
  events = 0;
  readonly #ring: string[];
  #head = 0;
  /** After a violation the timeline stops (the hash goes on). */
  #frozen = false;

  constructor(
    readonly now: () => number,
    /** Lines kept for the timeline. */
    readonly keep = 4000,
  ) {
    this.#ring = [];
  }

  /** A message on the network. */
  message(kind: string, from: string, to: string, name: string): void {
    this.#add(`${kind} ${from} -> ${to} ${name}`);
  }

  /** Anything else: a fault, a process starting or ending, a leader elected. */
  note(text: string): void {
    this.#add(`** ${text}`);
  }

  /** Keeps the timeline as it is now (it ends at the violation); later events still count in the hash. */
  freeze(): void {
    this.#frozen = true;
  }

  get hash(): string {
    return (this.#hash >>> 0).toString(16).padStart(8, '0');
  }

  /** The last `n` events, oldest first, one a line: `+<virtual s> <event>`. */
  timeline(n = this.keep): string {
    const size = this.#ring.length;
    const out: string[] = [];
    const start = Math.max(0, size - n);
    for (let i = start; i < size; i++) out.push(this.#ring[(this.#head + i) % size]!);
    return out.join('\n');
  }

  #add(text: string): void {
    const line = `+${((this.now() - VIRTUAL_EPOCH_MS) / 1000).toFixed(3)}s ${text}`;
    let h = this.#hash;
    for (let i = 0; i < line.length; i++) {
      h ^= line.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.#hash = h ^ 0x0a;
    this.events++;
    if (this.#frozen) return;
    if (this.#ring.length < this.keep) this.#ring.push(line);
    else {
      this.#ring[this.#head] = line;
      this.#head = (this.#head + 1) % this.keep;
    }
  }
}
