/**
 * The registrar: the registry kept through the replicated log.
 *
 * Every master runs one, attached to its replica: it applies committed
 * entries in order (so a follower's registry is current), resets from a
 * snapshot the leader sends, and snapshots its own log every
 * `snapshotEvery` entries (the log before the snapshot is dropped). A master
 * that is elected catches its registry up with `read()` (snapshot + committed
 * entries it has not applied: usually none, a follower applies as it goes),
 * and writes through `write(ops)`: one log entry, resolved once committed on
 * a quorum. An entry that cannot be applied is skipped, logged and counted
 * (`registrar/entries_skipped`): it cannot stop every future leader.
 */
import type { Logger, Runtime, Timer } from 'libprocess-ts';
import type { ReplicaProcess } from '../log/replica.js';
import type { Entry } from '../log/types.js';
import { applyEntries, decodeSnapshot, emptyRegistry, encodeEntry, encodeSnapshot, type Operation, type Registry, type Skipped } from './registry.js';

export interface RegistrarOptions {
  readonly runtime: Runtime;
  readonly replica: ReplicaProcess;
  /** Entries applied between two snapshots of the log (default 1000). */
  readonly snapshotEvery?: number;
  readonly logger: Logger;
}

export class Registrar {
  /** The registry as of the last committed entry applied here. */
  registry: Registry = emptyRegistry();
  /** Entries applied since the last snapshot. */
  #sinceSnapshot = 0;
  readonly #snapshotEvery: number;
  readonly #unsubscribe: () => void;
  snapshotsTaken = 0;
  /** Entries or operations skipped because they could not be applied (the last few kept, for the log). */
  skipped = 0;
  readonly lastSkipped: Skipped[] = [];
  /** Bytes of the last snapshot, and of the entries applied since: what a replica reads back. */
  #snapshotBytes = 0;
  #entryBytes = 0;
  /** ms of the last catch-up of an elected master, of the last write to commit. */
  stateFetchMs = 0;
  stateStoreMs = 0;
  writes = 0;
  operationsWritten = 0;
  writeFailures = 0;
  /** Writes per whole second of the clock, the last WRITE_RATE_WINDOW_S seconds. */
  readonly #writesPerSecond = new Map<number, number>();

  constructor(private readonly options: RegistrarOptions) {
    const every = options.snapshotEvery ?? 1000;
    if (!Number.isInteger(every) || every < 1) throw new Error(`registrar: snapshotEvery must be a positive integer, got ${String(every)}`);
    this.#snapshotEvery = every;
    // Listeners run inside the replica process.
    this.#unsubscribe = options.replica.subscribe({
      committed: (entries) => this.#applied(entries),
      snapshot: (s) => {
        try {
          this.registry = decodeSnapshot(s.data);
        } catch (err) {
          this.#skip({ index: s.index, error: `snapshot: ${(err as Error).message}` });
          return;
        }
        this.registry.index = s.index;
        this.#sinceSnapshot = 0;
        this.#snapshotBytes = s.data.byteLength;
        this.#entryBytes = 0;
      },
    });
  }

  #skip(s: Skipped): void {
    this.skipped++;
    this.lastSkipped.push(s);
    if (this.lastSkipped.length > 10) this.lastSkipped.shift();
    this.options.logger.error(`registrar: entry ${s.index} skipped: ${s.error}`);
  }

  #applied(entries: readonly Entry[]): void {
    const before = this.registry.index;
    applyEntries(this.registry, entries, (s) => this.#skip(s));
    for (const e of entries) {
      if (e.index <= before) continue;
      this.#sinceSnapshot++;
      this.#entryBytes += e.data?.byteLength ?? 0;
    }
    if (this.#sinceSnapshot >= this.#snapshotEvery) {
      this.#sinceSnapshot = 0;
      this.snapshotsTaken++;
      const data = encodeSnapshot(this.registry);
      this.#snapshotBytes = data.byteLength;
      this.#entryBytes = 0;
      this.options.replica.snapshot(this.registry.index, data);
    }
  }

  /**
   * What a new leader starts from: this replica's registry, caught up with
   * the replica's snapshot and committed entries it has not applied yet.
   */
  recover(): Registry {
    const t0 = this.options.runtime.clock.now();
    const { snapshot, entries } = this.options.replica.read();
    if (snapshot !== null && snapshot.index > this.registry.index) {
      try {
        this.registry = decodeSnapshot(snapshot.data);
        this.registry.index = snapshot.index;
        this.#snapshotBytes = snapshot.data.byteLength;
        this.#entryBytes = 0;
      } catch (err) {
        this.#skip({ index: snapshot.index, error: `snapshot: ${(err as Error).message}` });
      }
    }
    this.#applied(entries);
    this.stateFetchMs = this.options.runtime.clock.now() - t0;
    return this.registry;
  }

  /** Appends one batch of operations; resolves once it is committed (rejects when this replica does not lead, or lost the leadership first). */
  write(ops: readonly Operation[]): Promise<{ index: number; term: number }> {
    const clock = this.options.runtime.clock;
    const t0 = clock.now();
    const second = Math.floor(t0 / 1000);
    this.#writesPerSecond.set(second, (this.#writesPerSecond.get(second) ?? 0) + 1);
    for (const s of this.#writesPerSecond.keys()) if (s <= second - WRITE_RATE_WINDOW_S) this.#writesPerSecond.delete(s);
    this.writes++;
    this.operationsWritten += ops.length;
    const written = this.options.runtime.dispatch(this.options.replica, 'append', encodeEntry(ops)) as Promise<{ index: number; term: number }>;
    return written.then(
      (at) => {
        this.stateStoreMs = clock.now() - t0;
        return at;
      },
      (err: unknown) => {
        this.writeFailures++;
        throw err;
      },
    );
  }

  /** `registrar/*`, with Mesos's names where Mesos has one. */
  metrics(): Record<string, number> {
    const now = Math.floor(this.options.runtime.clock.now() / 1000);
    let recent = 0;
    for (const [s, n] of this.#writesPerSecond) if (s > now - WRITE_RATE_WINDOW_S) recent += n;
    return {
      'registrar/registry_size_bytes': this.#snapshotBytes + this.#entryBytes,
      'registrar/registry_agents': this.registry.agents.size,
      'registrar/registry_frameworks': this.registry.frameworks.size,
      'registrar/state_fetch_ms': this.stateFetchMs,
      'registrar/state_store_ms': this.stateStoreMs,
      'registrar/writes': this.writes,
      'registrar/writes_per_second': recent / WRITE_RATE_WINDOW_S,
      'registrar/operations_written': this.operationsWritten,
      'registrar/write_failures': this.writeFailures,
      'registrar/entries_skipped': this.skipped,
      'registrar/snapshots': this.snapshotsTaken,
    };
  }

  close(): void {
    this.#unsubscribe();
  }
}

/** The window of `registrar/writes_per_second`. */
const WRITE_RATE_WINDOW_S = 10;

/** A write not committed after this long fails (the master steps down): a leader whose log cannot commit must not go on serving. */
export const WRITE_TIMEOUT_MS = 10_000;

/**
 * Operations per registry entry at most. A turn of the master that admitted 10k agents at once wrote them as one
 * entry of megabytes: encoded, sent, decoded and checked each as one event on masters that share their event loop
 * with the log, it held up heartbeats until a follower took the term, and nothing was committed in 9 s
 * (bench-offers --masters 3 at 10k agents). Entries of this many go out one after the other (the replica still
 * gathers them into one fsync and its 1 MiB append messages).
 */
export const MAX_OPERATIONS_PER_ENTRY = 250;

/**
 * The master's side: operations gathered during one turn of the master
 * process go out as one entry (several of MAX_OPERATIONS_PER_ENTRY at most,
 * in order, when more). `add` returns a promise of the commit of the
 * entry carrying the operation.
 */
export class RegistryWriter {
  #ops: Operation[] = [];
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #scheduled = false;
  writes = 0;
  /** Batches written and not committed yet. */
  inFlight = 0;

  constructor(
    private readonly write: (ops: readonly Operation[]) => Promise<unknown>,
    /** Runs the function as a later event of the master process. */
    private readonly schedule: (fn: () => void) => void,
    private readonly failed: (err: Error) => void,
    /** Fails a batch not committed within `timeoutMs` (absent: no watchdog). */
    private readonly watchdog?: { readonly timeoutMs: number; delay(ms: number, fn: () => void): Timer },
  ) {}

  /** Operations waiting for the end of the turn. */
  get queued(): number {
    return this.#ops.length;
  }

  add(...ops: Operation[]): Promise<void> {
    this.#ops.push(...ops);
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    p.catch(() => {});
    this.#arm();
    return p;
  }

  #arm(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const ops = this.#ops;
    const waiters = this.#waiters;
    this.#ops = [];
    this.#waiters = [];
    if (ops.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    const entries: Operation[][] = [];
    for (let i = 0; i < ops.length; i += MAX_OPERATIONS_PER_ENTRY) entries.push(ops.slice(i, i + MAX_OPERATIONS_PER_ENTRY));
    this.writes += entries.length;
    this.inFlight += entries.length;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      this.inFlight -= entries.length;
      timer?.cancel();
      for (const w of waiters) w.reject(err);
      this.failed(err);
    };
    const timer = this.watchdog?.delay(this.watchdog.timeoutMs, () => fail(new Error(`a registry write of ${ops.length} operation(s) did not commit within ${this.watchdog!.timeoutMs} ms`)));
    // The waiters of the turn are told when its last entry commits (entries commit in order).
    const written = entries.length === 1 ? this.write(entries[0]!) : Promise.all(entries.map((e) => this.write(e)));
    written.then(
      () => {
        if (settled) return;
        settled = true;
        this.inFlight -= entries.length;
        timer?.cancel();
        for (const w of waiters) w.resolve();
      },
      (err: Error) => fail(err),
    );
  }
}
