/**
 * The status update manager (Mesos's src/slave/task_status_update_manager.cpp).
 *
 * One stream per task: a FIFO of updates. The head is sent to the master and
 * re-sent with backoff (10 s doubling to 10 min by default) until the master
 * acknowledges its uuid; then the next one goes. An update whose uuid the
 * stream has already seen is a duplicate and is ignored (the caller still
 * acknowledges it to the executor). With checkpointing, every update is
 * appended to the task's `task.updates` file before it is sent, and every
 * acknowledgement after it is received, so a restarted agent rebuilds the
 * stream and resends what was not acknowledged.
 *
 * When the host gives `run` and fsync is on, records are fsync'ed off the event
 * loop (libuv's thread pool; the append itself is a synchronous write to the
 * page cache) and an update is sent only once its record is fsync'ed: the
 * agent launches other tasks while the disk works. Writes are
 * group-committed per stream: the records a stream receives in one turn of
 * the event loop, or while its previous append is on its way to disk, go out
 * as one append and one fsync, in the order of the calls (a command task's
 * TASK_STARTING and TASK_RUNNING, often its TASK_FINISHED too, share one). An ACK
 * record after which the stream goes on to a next update is fsync'ed too
 * before that update is sent (else a crash could lose it after the newer
 * update was delivered, and the older one would be resent after it); the
 * last ACK of a stream, or one with nothing after it yet, is appended without
 * an fsync of its own (the next record's fsync, or the kernel, makes it
 * durable): losing it only means the update is sent again, which the
 * protocol allows (at least once; the master and the scheduler ignore
 * duplicates). An ACK only ever
 * names a sent update, whose record is already on disk, so the file's order
 * stays valid for recovery. Without `run` (or with fsync off) every record is
 * written synchronously, fsync'ed when asked, before the call returns.
 *
 * The manager is not an actor: it lives inside the agent's process and
 * schedules its retries with the process's `delay`.
 */
import type { Timer } from 'libprocess-ts';
import type { StatusUpdate } from '../protocol/messages/common.js';
import { isTerminal } from '../protocol/task-states.js';
import { dirname } from 'node:path';
import { appendLineAsync, appendRecord, CheckpointError, readRecords, recordLine } from './checkpoint.js';
import { nodeDisk, type AgentDisk } from './disk.js';

export interface StatusUpdateHost {
  /** Sends the update to the master (the caller adds `latest_state`). */
  forward(update: StatusUpdate): void;
  delay(ms: number, fn: () => void): Timer;
  /** Runs `fn` inside the host's process as a new event (from asynchronous work). Enables asynchronous checkpoint writes. */
  run?(fn: () => void): void;
}

export interface StatusUpdateOptions {
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly fsync: boolean;
  /** The disk the records go to (default the real one). */
  readonly disk?: AgentDisk;
}

/** A record of the updates file. */
export type UpdateRecord = { type: 'UPDATE'; update: StatusUpdate } | { type: 'ACK'; uuid: Uint8Array };

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
  /** Records (or, with an empty line, callbacks) waiting for the next group commit, in order. */
  readonly queued: { line: string; durable: () => void }[] = [];
  /** A group commit is scheduled or on its way to disk. */
  committing = false;
  /** Resolves when the stream's queued writes are all done (for tests and a clean stop). */
  writes: Promise<void> = Promise.resolve();
  /** @internal resolves `writes` */
  wrote: () => void = () => {};
  /** ACK records being fsync'ed: the next update is not sent before they are on disk. */
  acksUnsynced = 0;
  /** Written elsewhere and awaited by the next group commit as well (`StatusUpdateManager.after`). */
  barrier: Promise<void> | undefined;

  constructor(
    readonly frameworkId: string,
    readonly taskId: string,
    /** The task.updates file, when the framework checkpoints. */
    readonly path: string | undefined,
  ) {}

  get head(): StatusUpdate | undefined {
    return this.pending[0];
  }
}

export class StatusUpdateManager {
  readonly streams = new Map<string, UpdateStream>();
  #paused = true;

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

  /**
   * Adds an update to its task's stream: checkpointed (when `path` is
   * given), then sent if it is the head. Returns false for a duplicate.
   * `checkpointed` runs (inside the host) once the update is on disk: at
   * once without a checkpoint or with a synchronous write, after the
   * record's fsync otherwise; for a duplicate, once the stream's writes so
   * far are done. It never runs when the write fails. Only then may the
   * update's sender (an executor) be acknowledged: an acknowledged update
   * is the agent's to deliver, even across a crash.
   */
  update(update: StatusUpdate, path?: string, checkpointed?: () => void): boolean {
    const fw = update.framework_id.value;
    const task = update.status.task_id.value;
    const key = streamKey(fw, task);
    let s = this.streams.get(key);
    if (!s) {
      s = new UpdateStream(fw, task, path);
      this.streams.set(key, s);
    }
    const id = uuidHex(update.uuid);
    if (s.received.has(id) || s.terminated) {
      if (checkpointed !== undefined) {
        if (s.path !== undefined && this.#async) this.#enqueue(s, '', checkpointed);
        else checkpointed();
      }
      return false;
    }
    if (s.path !== undefined) {
      if (this.#async) this.#write(s, { type: 'UPDATE', update }, id, checkpointed);
      else appendRecord(s.path, { type: 'UPDATE', update } satisfies UpdateRecord, this.opts.fsync, true, this.#disk);
    }
    if (s.path === undefined || !this.#async) checkpointed?.();
    s.received.add(id);
    s.latest = update;
    s.pending.push(update);
    if (s.pending.length === 1) this.#sendHead(s, true);
    return true;
  }

  /**
   * The stream's next group commit completes (its records count as durable,
   * its updates may go out) only once `ready` has settled too: something the
   * agent writes elsewhere that must be on disk before the next update is
   * sent (a command task's container.json before its TASK_STARTING), fsync'ed
   * at the same time as the record instead of before it. Only with
   * asynchronous writes (ignored otherwise, and without a checkpoint path);
   * `ready` must never reject.
   */
  after(frameworkId: string, taskId: string, path: string, ready: Promise<void>): void {
    if (!this.#async) return;
    const key = streamKey(frameworkId, taskId);
    let s = this.streams.get(key);
    if (!s) {
      s = new UpdateStream(frameworkId, taskId, path);
      this.streams.set(key, s);
    }
    if (s.path === undefined) return;
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
    if (s.path !== undefined) {
      // The acknowledged update's record is in this file: its directory exists.
      if (this.#async && !isTerminal(head.status.state) && s.pending.length > 1) this.#writeAck(s, uuid);
      else appendRecord(s.path, { type: 'ACK', uuid } satisfies UpdateRecord, this.opts.fsync && !this.#async, false, this.#disk);
    }
    s.pending.shift();
    s.acknowledged.add(id);
    s.timer?.cancel();
    s.timer = undefined;
    if (isTerminal(head.status.state)) {
      s.terminated = true;
      s.pending.length = 0;
      this.streams.delete(streamKey(frameworkId, taskId));
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
  }

  /** Every stream's unacknowledged updates, for a reregistering executor or for /state. */
  pendingUpdates(frameworkId: string, taskId: string): StatusUpdate[] {
    return [...(this.stream(frameworkId, taskId)?.pending ?? [])];
  }

  /**
   * Rebuilds a stream from its checkpoint after a restart. Returns the
   * stream (with what is still unacknowledged) or undefined when the file
   * holds nothing. A torn last record is dropped (Mesos truncates it).
   */
  recover(frameworkId: string, taskId: string, path: string): UpdateStream | undefined {
    const { records, torn, validBytes } = readRecords(path, this.#disk);
    // A crash mid-append left part of a record: cut it off now, or the next record appended would be glued to it
    // and the file unreadable at the next start (Mesos truncates it too).
    if (torn) this.#disk.truncate(path, validBytes);
    if (records.length === 0) return undefined;
    const s = new UpdateStream(frameworkId, taskId, path);
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
        if (!head || uuidHex(head.uuid) !== id) throw new CheckpointError(path, `record ${i + 1} acknowledges ${id}, which is not the next unacknowledged update`);
        s.pending.shift();
        s.acknowledged.add(id);
        if (isTerminal(head.status.state)) s.terminated = true;
      } else {
        throw new CheckpointError(path, `record ${i + 1} is neither an UPDATE of task ${taskId} nor an ACK`);
      }
    });
    if (!s.terminated) this.streams.set(streamKey(frameworkId, taskId), s);
    return s;
  }

  get #disk(): AgentDisk {
    return this.opts.disk ?? nodeDisk;
  }

  get #async(): boolean {
    return this.host.run !== undefined && this.opts.fsync;
  }

  /**
   * Appends an UPDATE record after the stream's earlier ones, fsync'ed off the
   * event loop. The update waits in `unsynced` and is sent, if it is then the
   * head, once its record is on disk.
   */
  #write(s: UpdateStream, record: UpdateRecord, uuid: string, checkpointed?: () => void): void {
    if (s.received.size === 0) this.#disk.mkdirp(dirname(s.path!)); // the stream's first record
    s.unsynced.add(uuid);
    this.#enqueue(s, recordLine(record), () => {
      s.unsynced.delete(uuid);
      checkpointed?.();
      if (s.head !== undefined && uuidHex(s.head.uuid) === uuid && this.#live(s)) this.#sendHead(s, true);
    });
  }

  /**
   * An ACK record when the stream goes on to a next update, fsync'ed off the event loop; the next update is sent
   * only once it is on disk. Else a crash could lose the ACK after the next update was delivered, and the restarted
   * agent would resend the older update after the newer one (a framework would see a task go back, e.g. RUNNING
   * after FINISHED). A last ACK, or one with nothing after it yet, is appended without its own fsync: the next
   * UPDATE record's fsync covers it.
   */
  #writeAck(s: UpdateStream, uuid: Uint8Array): void {
    s.acksUnsynced++;
    this.#enqueue(s, recordLine({ type: 'ACK', uuid } satisfies UpdateRecord), () => {
      s.acksUnsynced--;
      if (s.head !== undefined && this.#live(s)) this.#sendHead(s, true);
    });
  }

  #live(s: UpdateStream): boolean {
    return this.streams.get(streamKey(s.frameworkId, s.taskId)) === s;
  }

  /** Queues a record for the stream's next group commit; `durable` runs inside the host once it is on disk. */
  #enqueue(s: UpdateStream, line: string, durable: () => void): void {
    s.queued.push({ line, durable });
    if (s.committing) return;
    s.committing = true;
    s.writes = new Promise((resolve) => (s.wrote = resolve));
    // At the end of this turn: what the same handler adds next joins the same append and fsync.
    queueMicrotask(() => this.#commit(s));
  }

  /**
   * One group commit: every queued record in one append and one fsync, then
   * their callbacks in order, then the next commit if more came meanwhile. A
   * failed write of a live stream is thrown inside the host's process, as a
   * synchronous write's error would be; a stream cleaned up meanwhile (its
   * directory removed) is forgotten.
   */
  #commit(s: UpdateStream): void {
    const batch = s.queued.splice(0);
    if (batch.length === 0) {
      s.committing = false;
      s.wrote();
      return;
    }
    const text = batch.map((b) => b.line).join('');
    const path = s.path!;
    const barrier = s.barrier;
    s.barrier = undefined;
    const append = text === '' ? Promise.resolve() : appendLineAsync(path, text, true, this.#disk);
    const io = barrier === undefined ? append : Promise.all([append, barrier]);
    io.then(
      () =>
        this.host.run!(() => {
          for (const b of batch) b.durable();
          this.#commit(s);
        }),
      (e: unknown) =>
        this.host.run!(() => {
          s.committing = false;
          s.wrote();
          if (this.#live(s)) throw new CheckpointError(path, `could not append a record: ${(e as Error).message}`);
        }),
    );
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
