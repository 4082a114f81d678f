/**
 * The registrar: the registry kept through the replicated log.
 *
 * Every master runs one, attached to its replica: it applies committed
 * entries in order (so a follower's registry is current), resets from a
 * snapshot the leader sends, and snapshots its own log every
 * `snapshotEvery` entries (the log before the snapshot is dropped). A master
 * that is elected rebuilds the registry from `read()` (snapshot + committed
 * entries), and writes through `write(ops)`: one log entry, resolved once
 * committed on a quorum.
 */
import type { Logger, Runtime } from 'libprocess-ts';
import type { ReplicaProcess } from '../log/replica.js';
import type { Entry } from '../log/types.js';
import { apply, decodeEntry, decodeSnapshot, emptyRegistry, encodeEntry, encodeSnapshot, rebuild, type Operation, type Registry } from './registry.js';

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

  constructor(private readonly options: RegistrarOptions) {
    const every = options.snapshotEvery ?? 1000;
    if (!Number.isInteger(every) || every < 1) throw new Error(`registrar: snapshotEvery must be a positive integer, got ${String(every)}`);
    this.#snapshotEvery = every;
    // Listeners run inside the replica process.
    this.#unsubscribe = options.replica.subscribe({
      committed: (entries) => this.#applied(entries),
      snapshot: (s) => {
        this.registry = decodeSnapshot(s.data);
        this.registry.index = s.index;
        this.#sinceSnapshot = 0;
      },
    });
  }

  #applied(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index <= this.registry.index) continue;
      if (e.data !== null) {
        try {
          for (const o of decodeEntry(e.data)) apply(this.registry, o);
        } catch (err) {
          this.options.logger.error(`registrar: entry ${e.index} skipped: ${(err as Error).message}`);
        }
      }
      this.registry.index = e.index;
      this.#sinceSnapshot++;
    }
    if (this.#sinceSnapshot >= this.#snapshotEvery) {
      this.#sinceSnapshot = 0;
      this.snapshotsTaken++;
      this.options.replica.snapshot(this.registry.index, encodeSnapshot(this.registry));
    }
  }

  /** What a new leader starts from: the registry rebuilt from the replica's snapshot and committed entries. */
  recover(): Registry {
    const { snapshot, entries } = this.options.replica.read();
    this.registry = rebuild(snapshot, entries);
    this.#sinceSnapshot = 0;
    return this.registry;
  }

  /** Appends one batch of operations; resolves once it is committed (rejects when this replica does not lead, or lost the leadership first). */
  write(ops: readonly Operation[]): Promise<{ index: number; term: number }> {
    return this.options.runtime.dispatch(this.options.replica, 'append', encodeEntry(ops)) as Promise<{ index: number; term: number }>;
  }

  close(): void {
    this.#unsubscribe();
  }
}

/**
 * The master's side: operations gathered during one turn of the master
 * process go out as one entry. `add` returns a promise of the commit of the
 * entry carrying the operation.
 */
export class RegistryWriter {
  #ops: Operation[] = [];
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #scheduled = false;
  /** Operations whose latest value is computed at the flush (tasks touched during the turn). */
  #late: (() => Operation[])[] = [];
  writes = 0;

  constructor(
    private readonly write: (ops: readonly Operation[]) => Promise<unknown>,
    /** Runs the function as a later event of the master process. */
    private readonly schedule: (fn: () => void) => void,
    private readonly failed: (err: Error) => void,
  ) {}

  add(...ops: Operation[]): Promise<void> {
    this.#ops.push(...ops);
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    p.catch(() => {});
    this.#arm();
    return p;
  }

  /** Adds operations computed when the batch is written (the latest state of what changed during the turn). */
  later(fn: () => Operation[]): void {
    this.#late.push(fn);
    this.#arm();
  }

  #arm(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const late = this.#late;
    this.#late = [];
    const ops = [...this.#ops, ...late.flatMap((fn) => fn())];
    const waiters = this.#waiters;
    this.#ops = [];
    this.#waiters = [];
    if (ops.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.writes++;
    this.write(ops).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: Error) => {
        for (const w of waiters) w.reject(err);
        this.failed(err);
      },
    );
  }
}
