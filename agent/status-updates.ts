/**
 * The status update manager (Mesos's src/slave/task_status_update_manager.cpp).
 *
 * One stream per task: a FIFO of updates. The head is sent to the master and
 * re-sent with backoff (10 s doubling to 10 min by default) until the master
 * acknowledges its uuid; then the next one goes. An update whose uuid the
 * stream has already seen is a duplicate and is ignored (the caller still
 * acknowledges it to the executor). With checkpointing, every update is
 * appended to the agent's status-update journal (update-journal.ts: one file
 * for every task's stream) before it is sent, and every acknowledgement after
 * it is received, so a restarted agent rebuilds the stream and resends what
 * was not acknowledged.
 *
 * When the host gives `run` and fsync is on, the journal group-commits: the
 * records of every stream appended in one turn of the event loop, or while
 * the previous commit is on its way to disk, go out as one append and one
 * fsync off the event loop, and an update is sent only once its record is on
 * disk. An ACK record after which the stream goes on to a next update is
 * durable too before that update is sent (else a crash could lose it after
 * the newer update was delivered, and the older one would be resent after
 * it); the last ACK of a stream, or one with nothing after it yet, waits for
 * nobody: losing it only means the update is sent again, which the protocol
 * allows (at least once; the master and the scheduler ignore duplicates). An
 * ACK only ever names a sent update, whose record is already on disk, so the
 * journal's order stays valid for recovery. Without `run` (or with fsync off)
 * every record is written synchronously, fsync'ed when asked, before the call
 * returns.
 *
 * Before the journal, each task had its own `task.updates` file in its meta
 * directory (same record format, without the stream's name): recovery still
 * reads such a file first (an agent upgraded with tasks running); what comes
 * after goes to the journal.
 *
 * The manager is not an actor: it lives inside the agent's process and
 * schedules its retries with the process's `delay`.
 */
import type { Timer } from 'libprocess-ts';
import type { StatusUpdate } from '../protocol/messages/common.js';
import { isTerminal } from '../protocol/task-states.js';
import { CheckpointError, readRecords, recordLine } from './checkpoint.js';
import { nodeDisk, type AgentDisk } from './disk.js';
import { journalKey, UpdateJournal, type JournalStream } from './update-journal.js';

export interface StatusUpdateHost {
  /** Sends the update to the master (the caller adds `latest_state`). */
  forward(update: StatusUpdate): void;
  delay(ms: number, fn: () => void): Timer;
  /** Runs `fn` inside the host's process as a new event (from asynchronous work). Enables asynchronous checkpoint writes. */
  run?(fn: () => void): void;
  /** A line for the agent's log (a torn journal record dropped at recovery). */
  log?(message: string): void;
}

export interface StatusUpdateOptions {
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly fsync: boolean;
  /** The disk the records go to (default the real one). */
  readonly disk?: AgentDisk;
  /** The journal's compaction threshold (update-journal.ts; default 1 MiB). */
  readonly compactAtBytes?: number;
  /** Makes durable the removal of ended tasks' checkpoints before a compaction drops their updates (agent-checkpoints.ts). */
  readonly beforeCompaction?: () => Promise<void>;
}

/** Where a checkpointed stream's records go: the agent's journal, under the task's run (container). */
export interface StreamPlace {
  readonly journal: string;
  readonly container: string;
}

/** A record of a stream (in the journal, each also names its stream: `JournalRecord`). */
export type UpdateRecord = { type: 'UPDATE'; update: StatusUpdate } | { type: 'ACK'; uuid: Uint8Array };
export type JournalRecord = UpdateRecord & { framework_id: string; task_id: string; container_id: string };

/** Records of a stream in the journal that are not the manager's (command-checkpoint.ts): skipped when a stream is rebuilt. */
const OTHER_RECORDS = new Set<unknown>(['COMMAND', 'DONE']);

export function uuidHex(uuid: Uint8Array | undefined): string {
  return uuid === undefined ? '' : Buffer.from(uuid).toString('hex');
}

export function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}/${taskId}`;
}

export class UpdateStream {
  /** Updates received but not yet acknowledged; the head is in flight. */
  readonly pending: StatusUpdate[] = [];
  /** Every uuid received (duplicates are ignored) and every uuid acknowledged. */
  readonly received = new Set<string>();
  readonly acknowledged = new Set<string>();
  /** A terminal update was acknowledged: the stream is over. */
  terminated = false;
  timer: Timer | undefined;
  backoffMs = 0;
  /** The last update received (acknowledged or not). */
  latest: StatusUpdate | undefined;
  /** Sends of the current head (for tests and metrics). */
  sends = 0;
  /** Uuids of updates whose record is not on disk yet (asynchronous writes): not sent until it is. */
  readonly unsynced = new Set<string>();
  /** ACK records being fsync'ed: the next update is not sent before they are on disk. */
  acksUnsynced = 0;
  /** Written elsewhere and awaited by the stream's next record as well (`StatusUpdateManager.after`). */
  barrier: Promise<void> | undefined;

  constructor(
    readonly frameworkId: string,
    readonly taskId: string,
    /** Where its records go, when the framework checkpoints. */
    readonly place: StreamPlace | undefined,
  ) {}

  get head(): StatusUpdate | undefined {
    return this.pending[0];
  }

  /** The stream's key in its journal. */
  get journalKey(): string {
    return journalKey(this.frameworkId, this.taskId, this.place?.container ?? '');
  }
}

export class StatusUpdateManager {
  readonly streams = new Map<string, UpdateStream>();
  #paused = true;
  readonly #journals = new Map<string, UpdateJournal>();
  /** What the journal held at recovery, by stream key, until each stream is recovered. */
  #recovered = new Map<string, JournalStream>();

  constructor(
    private readonly host: StatusUpdateHost,
    private readonly opts: StatusUpdateOptions,
  ) {}

  get paused(): boolean {
    return this.#paused;
  }

  stream(frameworkId: string, taskId: string): UpdateStream | undefined {
    return this.streams.get(streamKey(frameworkId, taskId));
  }

  /** The journal at `path` (made on first use). */
  journal(path: string): UpdateJournal {
    let j = this.#journals.get(path);
    if (j === undefined) {
      const run = this.host.run?.bind(this.host);
      const log = this.host.log?.bind(this.host);
      j = new UpdateJournal({
        path,
        disk: this.#disk,
        fsync: this.opts.fsync,
        ...(run !== undefined ? { run } : {}),
        ...(log !== undefined ? { log } : {}),
        ...(this.opts.compactAtBytes !== undefined ? { compactAtBytes: this.opts.compactAtBytes } : {}),
        ...(this.opts.beforeCompaction !== undefined ? { beforeCompaction: this.opts.beforeCompaction } : {}),
      });
      this.#journals.set(path, j);
    }
    return j;
  }

  /** Resolves once every journal has written what it was given and run its callbacks (tests and a clean stop). */
  async flushed(): Promise<void> {
    await Promise.all([...this.#journals.values()].map((j) => j.idle()));
  }

  /**
   * Adds an update to its task's stream: checkpointed (when `place` is
   * given), then sent if it is the head. Returns false for a duplicate.
   * `checkpointed` runs (inside the host) once the update is on disk: at
   * once without a checkpoint or with a synchronous write, after the
   * record's fsync otherwise; for a duplicate, once the stream's records so
   * far are on disk. It never runs when the write fails. Only then may the
   * update's sender (an executor) be acknowledged: an acknowledged update
   * is the agent's to deliver, even across a crash.
   */
  update(update: StatusUpdate, place?: StreamPlace, checkpointed?: () => void): boolean {
    const fw = update.framework_id.value;
    const task = update.status.task_id.value;
    const key = streamKey(fw, task);
    let s = this.streams.get(key);
    if (!s) {
      s = new UpdateStream(fw, task, place);
      this.streams.set(key, s);
    }
    const id = uuidHex(update.uuid);
    if (s.received.has(id) || s.terminated) {
      if (checkpointed !== undefined) {
        if (s.place !== undefined) this.#append(s, '', checkpointed);
        else checkpointed();
      }
      return false;
    }
    if (s.place !== undefined) {
      const record: JournalRecord = { framework_id: fw, task_id: task, container_id: s.place.container, type: 'UPDATE', update };
      if (this.#async) {
        s.unsynced.add(id);
        this.#append(s, recordLine(record), () => {
          s.unsynced.delete(id);
          checkpointed?.();
          if (s.head !== undefined && uuidHex(s.head.uuid) === id && this.#live(s)) this.#sendHead(s, true);
        });
      } else this.#append(s, recordLine(record), checkpointed);
    } else checkpointed?.();
    s.received.add(id);
    s.latest = update;
    s.pending.push(update);
    if (s.pending.length === 1) this.#sendHead(s, true);
    return true;
  }

  /**
   * The stream's next record counts as durable (its update may go out, its
   * callback run) only once `ready` has settled too: something the agent
   * writes elsewhere that must be written before the next update is sent (a
   * command task's container.json before its TASK_STARTING, runtime state
   * that is never fsync'ed), at the same time as the record, not before it. Only with asynchronous
   * writes (ignored otherwise, and without a checkpoint); `ready` must never
   * reject.
   */
  after(frameworkId: string, taskId: string, place: StreamPlace, ready: Promise<void>): void {
    if (!this.#async) return;
    const key = streamKey(frameworkId, taskId);
    let s = this.streams.get(key);
    if (!s) {
      s = new UpdateStream(frameworkId, taskId, place);
      this.streams.set(key, s);
    }
    if (s.place === undefined) return;
    const before = s.barrier;
    s.barrier = before === undefined ? ready : Promise.all([before, ready]).then(() => undefined);
  }

  /**
   * The master acknowledged `uuid` for a task. Returns the acknowledged update
   * (undefined for an unknown or duplicate acknowledgement) and whether the
   * stream ended (its terminal update was acknowledged).
   */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): { update: StatusUpdate | undefined; ended: boolean } {
    const s = this.streams.get(streamKey(frameworkId, taskId));
    if (!s) return { update: undefined, ended: false };
    const head = s.head;
    const id = uuidHex(uuid);
    if (!head || uuidHex(head.uuid) !== id) return { update: undefined, ended: false };
    if (s.place !== undefined) {
      const line = recordLine({ framework_id: frameworkId, task_id: taskId, container_id: s.place.container, type: 'ACK', uuid } satisfies JournalRecord);
      if (this.#async && !isTerminal(head.status.state) && s.pending.length > 1) {
        // The next update goes out once this ACK is on disk (see the top of the file).
        s.acksUnsynced++;
        this.#append(s, line, () => {
          s.acksUnsynced--;
          if (s.head !== undefined && this.#live(s)) this.#sendHead(s, true);
        });
      } else this.#append(s, line);
    }
    s.pending.shift();
    s.acknowledged.add(id);
    s.timer?.cancel();
    s.timer = undefined;
    if (isTerminal(head.status.state)) {
      s.terminated = true;
      s.pending.length = 0;
      this.streams.delete(streamKey(frameworkId, taskId));
      this.#forget(s);
      return { update: head, ended: true };
    }
    if (s.head) this.#sendHead(s, true);
    return { update: head, ended: false };
  }

  /** The master is gone: stop sending (retry timers keep running but send nothing). */
  pause(): void {
    this.#paused = true;
  }

  /** Registered (again): send every stream's head now, with a fresh backoff. */
  resume(): void {
    this.#paused = false;
    for (const s of this.streams.values()) if (s.head) this.#sendHead(s, true);
  }

  /** Forgets a task's stream (framework or executor removed). */
  cleanup(frameworkId: string, taskId: string): void {
    const s = this.streams.get(streamKey(frameworkId, taskId));
    s?.timer?.cancel();
    this.streams.delete(streamKey(frameworkId, taskId));
    if (s !== undefined) this.#forget(s);
  }

  /** Every stream's unacknowledged updates, for a reregistering executor or for /state. */
  pendingUpdates(frameworkId: string, taskId: string): StatusUpdate[] {
    return [...(this.stream(frameworkId, taskId)?.pending ?? [])];
  }

  /**
   * Reads the journal at `path` back after a restart, before the streams are
   * recovered one by one (`recover`). A torn last record is dropped and
   * logged; a corrupt one elsewhere is a CheckpointError naming the file.
   */
  recoverJournal(path: string): ReadonlyMap<string, JournalStream> {
    this.#recovered = this.journal(path).recover();
    return new Map(this.#recovered);
  }

  /**
   * Rebuilds a stream after a restart: the records of an older agent's
   * `task.updates` file at `legacyPath` (when there is one), then those of
   * the journal read by `recoverJournal`. Returns the stream (with what is
   * still unacknowledged) or undefined when nothing was recorded. A torn last
   * record of the older file is cut off it (Mesos truncates it). The
   * stream's other records in the journal (a command task's checkpoint,
   * command-checkpoint.ts) are kept with it.
   */
  recover(frameworkId: string, taskId: string, place: StreamPlace, legacyPath?: string): UpdateStream | undefined {
    const legacy = legacyPath !== undefined ? readRecords(legacyPath, this.#disk) : { records: [], torn: false, validBytes: 0 };
    // A crash mid-append left part of a record: cut it off, or a reader would glue the next bytes to it.
    if (legacy.torn) this.#disk.truncate(legacyPath!, legacy.validBytes);
    const key = journalKey(frameworkId, taskId, place.container);
    const journaled = this.#recovered.get(key);
    this.#recovered.delete(key);
    const records = [...legacy.records, ...(journaled?.records ?? []).filter((r) => !OTHER_RECORDS.has((r as { type?: unknown } | null)?.type))];
    const keep = (): void => {
      if (journaled !== undefined) this.journal(place.journal).adopt(key, journaled.lines);
    };
    if (records.length === 0) {
      keep();
      return undefined;
    }
    const where = journaled !== undefined ? place.journal : legacyPath!;
    const s = new UpdateStream(frameworkId, taskId, place);
    records.forEach((r, i) => {
      const rec = r as UpdateRecord;
      if (rec?.type === 'UPDATE' && rec.update?.status?.task_id?.value === taskId) {
        const id = uuidHex(rec.update.uuid);
        if (!s.received.has(id)) {
          s.received.add(id);
          s.latest = rec.update;
          s.pending.push(rec.update);
        }
      } else if (rec?.type === 'ACK' && rec.uuid instanceof Uint8Array) {
        const id = uuidHex(rec.uuid);
        const head = s.pending[0];
        if (!head || uuidHex(head.uuid) !== id) throw new CheckpointError(where, `record ${i + 1} of task ${taskId} acknowledges ${id}, which is not the next unacknowledged update`);
        s.pending.shift();
        s.acknowledged.add(id);
        if (isTerminal(head.status.state)) s.terminated = true;
      } else {
        throw new CheckpointError(where, `record ${i + 1} of task ${taskId} is neither an UPDATE of that task nor an ACK`);
      }
    });
    if (!s.terminated) {
      this.streams.set(streamKey(frameworkId, taskId), s);
      keep();
    }
    return s;
  }

  get #disk(): AgentDisk {
    return this.opts.disk ?? nodeDisk;
  }

  get #async(): boolean {
    return this.host.run !== undefined && this.opts.fsync;
  }

  /** Appends a record of the stream to its journal (with the stream's pending barrier, if any). */
  #append(s: UpdateStream, line: string, durable?: () => void): void {
    const barrier = s.barrier;
    s.barrier = undefined;
    this.journal(s.place!.journal).append(s.journalKey, line, durable, barrier);
  }

  #forget(s: UpdateStream): void {
    if (s.place !== undefined) this.journal(s.place.journal).forget(s.journalKey);
  }

  #live(s: UpdateStream): boolean {
    return this.streams.get(streamKey(s.frameworkId, s.taskId)) === s;
  }

  #sendHead(s: UpdateStream, fresh: boolean): void {
    const head = s.head;
    if (!head) return;
    if (s.unsynced.has(uuidHex(head.uuid))) return; // sent once its record is on disk
    if (s.acksUnsynced > 0) return; // sent once the acknowledgement of the one before is on disk
    if (fresh) {
      s.backoffMs = this.opts.retryMinMs;
      s.sends = 0;
    }
    s.timer?.cancel();
    if (!this.#paused) {
      s.sends++;
      this.host.forward(head);
    }
    const uuid = uuidHex(head.uuid);
    s.timer = this.host.delay(s.backoffMs, () => {
      s.timer = undefined;
      if (s.head === undefined || uuidHex(s.head.uuid) !== uuid) return;
      s.backoffMs = Math.min(s.backoffMs * 2, this.opts.retryMaxMs);
      this.#sendHead(s, false);
    });
  }
}
