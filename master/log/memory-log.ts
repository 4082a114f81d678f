/**
 * The replica's log in memory: the entries after its snapshot, and the
 * snapshot that stands for everything before them. Index arithmetic lives
 * here; what is committed or durable is the consensus core's (core.ts).
 *
 *   snapshot (index s) │ entries s+1 .. last
 */
import type { Entry, Snapshot } from './types.js';

export class MemoryLog {
  #snapshot: Snapshot | null;
  #entries: Entry[];

  constructor(snapshot: Snapshot | null, entries: readonly Entry[]) {
    this.#snapshot = snapshot;
    this.#entries = [...entries];
  }

  get snapshot(): Snapshot | null {
    return this.#snapshot;
  }

  /** The index the snapshot stands for (0 without one). */
  get snapshotIndex(): number {
    return this.#snapshot?.index ?? 0;
  }

  get firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  get lastIndex(): number {
    const last = this.#entries[this.#entries.length - 1];
    return last !== undefined ? last.index : this.snapshotIndex;
  }

  get lastTerm(): number {
    return this.termAt(this.lastIndex) ?? 0;
  }

  /** The term of the entry at `index`, or undefined when it is not known (compacted away or beyond the log). */
  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    const snap = this.#snapshot;
    if (snap !== null && index === snap.index) return snap.term;
    return this.entry(index)?.term;
  }

  /** The entry at `index` if it is in the (uncompacted) log. */
  entry(index: number): Entry | undefined {
    const offset = this.firstIndex;
    return index >= offset ? this.#entries[index - offset] : undefined;
  }

  /** Entries from `from` to `to` inclusive that are still in the log. */
  entries(from: number, to: number): Entry[] {
    const offset = this.firstIndex;
    const start = Math.max(from, offset) - offset;
    const end = Math.min(to, this.lastIndex) - offset + 1;
    return start < end ? this.#entries.slice(start, end) : [];
  }

  /** `entries` (consecutive) from their first index on, replacing whatever the log had there. */
  append(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    const offset = this.firstIndex;
    if (first < offset || first > this.lastIndex + 1) throw new Error(`append at ${first} does not follow the log (${offset}..${this.lastIndex})`);
    this.#entries.length = first - offset;
    for (const e of entries) this.#entries.push(e);
  }

  /**
   * The snapshot stands for the log up to its index from now on. `keep`: the entries after it stay (the log
   * holds the snapshot's entry with its term); else the whole log goes (a leader's snapshot of a log this one
   * does not share).
   */
  install(snapshot: Snapshot, keep: boolean): void {
    this.#entries = keep ? this.#entries.slice(snapshot.index - this.firstIndex + 1) : [];
    this.#snapshot = snapshot;
  }
}
