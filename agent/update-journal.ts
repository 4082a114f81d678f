/**
 * The agent's status-update journal: ONE append-only file for the streams of
 * every task (`meta/slaves/<agent>/updates.journal`), instead of a file per
 * task with an fsync of its own. Each line is a record `<crc32 hex> <json>`
 * (checkpoint.ts `recordLine`) naming its stream: framework, task and the
 * container of the run (a task id used again in a later run is another
 * stream).
 *
 * Group commit: the records appended in one turn of the event loop, and all
 * those appended while the previous commit is on its way to disk, go out as
 * one append and one fsync (in libuv's thread pool); then each record's
 * `durable` callback runs inside the host, in the order of the appends. A
 * record may also wait on a `barrier` (something written elsewhere that must
 * be on disk first, e.g. a container's checkpoint beside its TASK_STARTING):
 * its callback, and those of the later records of the same stream, run once
 * both are done. One commit at a time: under load the batches grow, the
 * fsyncs do not.
 *
 * Compaction: the journal keeps in memory the lines of the live streams (a
 * stream is live from its first record until it ends or is forgotten). When
 * the file has reached `compactAtBytes` and at most a quarter of it is live,
 * the next commit writes the live lines alone as a new file (temp file,
 * fsync, rename, fsync of the directory) instead of appending: the cost is
 * paid once per three dead bytes out of four. Before it drops the records of
 * ended streams, `beforeCompaction` makes the removal of their checkpoints
 * durable (else a crash could bring back a task's checkpoint without its
 * updates).
 *
 * Reading back (`recover`): every commit ends with a COMMIT record, and only
 * what follows the last one can have been torn by a crash (a commit starts
 * once the one before is on disk): a bad line there, and all after it, is
 * dropped with a log line naming the file and the bytes, and cut off the
 * file before anything is appended after it; a bad line before the last
 * COMMIT is a CheckpointError naming the file and the line.
 *
 * Without a host `run` (or with fsync off) every record is appended
 * synchronously, fsync'ed when asked, before `append` returns.
 */
import { dirname } from 'node:path';
import { CheckpointError, parseRecordLine, recordLine } from './checkpoint.js';
import type { AgentDisk } from './disk.js';

/** The key of a stream in the journal. */
export function journalKey(frameworkId: string, taskId: string, containerId: string): string {
  return `${frameworkId}\u0000${taskId}\u0000${containerId}`;
}

export interface JournalOptions {
  readonly path: string;
  readonly disk: AgentDisk;
  readonly fsync: boolean;
  /** Runs `fn` inside the host's process as a new event; given (and with fsync on): group commit off the event loop. */
  readonly run?: (fn: () => void) => void;
  /** The file size from which compaction is considered (default 1 MiB). */
  readonly compactAtBytes?: number;
  /** Makes durable the removal of what ended streams belonged to (their checkpoint directories); must not reject. */
  readonly beforeCompaction?: () => Promise<void>;
  readonly log?: (message: string) => void;
}

/** What `recover` read back for one stream: its records, in order, and their lines (kept while the stream is live). */
export interface JournalStream {
  readonly records: unknown[];
  readonly lines: string[];
}

interface Entry {
  readonly key: string;
  readonly line: string;
  readonly durable: (() => void) | undefined;
  readonly barrier: Promise<void> | undefined;
}

const DEFAULT_COMPACT_AT_BYTES = 1 << 20;

/** The line that ends every commit (and compaction). */
const COMMIT_LINE = recordLine({ type: 'COMMIT' });

export class UpdateJournal {
  readonly path: string;
  /** Counters (tests, metrics): commits, compactions, torn tails dropped. */
  readonly counters = { commits: 0, compactions: 0, torn: 0 };
  readonly #o: JournalOptions;
  /** The lines of every live stream, appended or queued. */
  readonly #live = new Map<string, string[]>();
  #liveBytes = 0;
  /** Bytes in the file (as of the last commit). */
  #fileBytes = 0;
  #queue: Entry[] = [];
  #committing = false;
  /** Per stream, the callbacks still waiting on a barrier: later ones of the stream wait for them. */
  readonly #gates = new Map<string, Promise<void>>();
  #gated = 0;
  #idle: (() => void)[] = [];
  #dirMade = false;

  constructor(options: JournalOptions) {
    this.#o = options;
    this.path = options.path;
  }

  get #async(): boolean {
    return this.#o.run !== undefined && this.#o.fsync;
  }

  /**
   * Reads the journal back (nothing when absent), by stream key. Records of
   * streams nobody adopts afterwards are dead: the next compaction drops
   * them. Every commit ends with a COMMIT record, and a commit starts only
   * once the one before is on disk, so only what follows the last COMMIT can
   * be torn by a crash (cut short, or with a page of zeros inside when the
   * disk wrote its pages out of order): from the first bad line after it to
   * the end is dropped (logged) and cut off the file, as are the bytes of an
   * unfinished last line. A bad line before the last COMMIT is corruption,
   * not a crash: a CheckpointError naming the line.
   */
  recover(): Map<string, JournalStream> {
    const { disk, path } = this.#o;
    const text = disk.read(path) ?? '';
    const lines = text.split('\n');
    lines.pop(); // what follows the last newline: '' or an unfinished line
    const parsed = lines.map((line) => parseRecordLine(line));
    const lastCommit = parsed.findLastIndex((p) => typeof p !== 'string' && (p.record as { type?: unknown } | null)?.type === 'COMMIT');
    const firstBad = parsed.findIndex((p) => typeof p === 'string');
    if (firstBad !== -1 && firstBad < lastCommit) throw new CheckpointError(path, `line ${firstBad + 1} ${parsed[firstBad] as string} (before the last commit: not a crash's torn tail)`);
    const kept = firstBad === -1 ? lines.length : firstBad;
    let validBytes = 0;
    for (let i = 0; i < kept; i++) validBytes += Buffer.byteLength(lines[i]!) + 1;
    const total = Buffer.byteLength(text);
    if (validBytes < total) {
      this.counters.torn++;
      const why = firstBad === -1 ? 'an unfinished last line' : `line ${firstBad + 1} ${parsed[firstBad] as string}`;
      this.#o.log?.(`${path}: dropped a torn tail after the last commit (${total - validBytes} bytes after byte ${validBytes}, from ${why}: a crash in the middle of an append); the journal is cut there`);
      disk.truncate(path, validBytes);
    }
    this.#fileBytes = validBytes;
    this.#dirMade = text !== '';
    const out = new Map<string, JournalStream>();
    for (let i = 0; i < kept; i++) {
      const r = (parsed[i] as { record: unknown }).record;
      const o = r as { type?: unknown; framework_id?: unknown; task_id?: unknown; container_id?: unknown } | null;
      if (o?.type === 'COMMIT') continue;
      if (o === null || typeof o !== 'object' || typeof o.framework_id !== 'string' || typeof o.task_id !== 'string' || typeof o.container_id !== 'string') {
        throw new CheckpointError(path, `line ${i + 1} does not name its stream ('framework_id', 'task_id', 'container_id')`);
      }
      const key = journalKey(o.framework_id, o.task_id, o.container_id);
      let s = out.get(key);
      if (s === undefined) out.set(key, (s = { records: [], lines: [] }));
      s.records.push(r);
      s.lines.push(`${lines[i]!}\n`);
    }
    return out;
  }

  /** A recovered stream is live again: its lines are kept (and written again by a compaction). */
  adopt(key: string, lines: readonly string[]): void {
    const kept = this.#live.get(key) ?? [];
    for (const l of lines) {
      kept.push(l);
      this.#liveBytes += Buffer.byteLength(l);
    }
    this.#live.set(key, kept);
  }

  /**
   * Appends a record of stream `key` (`line` from `recordLine`; '' for none:
   * only a callback after the stream's records so far). Asynchronous mode:
   * `durable` runs inside the host once the record is on disk (and
   * `barrier` has settled); never when the write fails. Synchronous mode:
   * written before this returns, `durable` run at once.
   */
  append(key: string, line: string, durable?: () => void, barrier?: Promise<void>): void {
    if (line !== '') {
      let kept = this.#live.get(key);
      if (kept === undefined) this.#live.set(key, (kept = []));
      kept.push(line);
      this.#liveBytes += Buffer.byteLength(line);
    }
    if (!this.#async) {
      if (line !== '') {
        this.#o.disk.appendSync(this.path, line + COMMIT_LINE, this.#o.fsync, !this.#dirMade);
        this.#dirMade = true;
        this.#fileBytes += Buffer.byteLength(line) + COMMIT_LINE.length;
        if (this.#compactDue()) this.#compactSync();
      }
      durable?.();
      return;
    }
    this.#queue.push({ key, line, durable, barrier });
    if (this.#committing) return;
    this.#committing = true;
    // At the end of this turn: what the same handler (and the other handlers of the turn) append joins this commit.
    queueMicrotask(() => this.#commit());
  }

  /** The stream ended or was dropped: its records are dead (a compaction drops them). */
  forget(key: string): void {
    const kept = this.#live.get(key);
    if (kept === undefined) return;
    for (const l of kept) this.#liveBytes -= Buffer.byteLength(l);
    this.#live.delete(key);
  }

  /** Resolves once nothing is queued, being written or waiting on a barrier (tests and a clean stop). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Bytes in the file and of it live (tests, metrics). */
  get sizes(): { fileBytes: number; liveBytes: number; liveStreams: number } {
    return { fileBytes: this.#fileBytes, liveBytes: this.#liveBytes, liveStreams: this.#live.size };
  }

  #isIdle(): boolean {
    return !this.#committing && this.#queue.length === 0 && this.#gated === 0;
  }

  #maybeIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #compactDue(): boolean {
    return this.#fileBytes >= (this.#o.compactAtBytes ?? DEFAULT_COMPACT_AT_BYTES) && this.#fileBytes >= 4 * this.#liveBytes;
  }

  /** Every live line, then the COMMIT line. */
  #liveText(): string {
    let text = '';
    for (const lines of this.#live.values()) text += lines.join('');
    return text + COMMIT_LINE;
  }

  #compactSync(): void {
    const text = this.#liveText();
    this.#o.disk.writeAtomicSync(this.path, text, this.#o.fsync);
    this.#fileBytes = Buffer.byteLength(text);
    this.counters.compactions++;
  }

  /** One group commit (or compaction) of everything queued; then the callbacks in order, then the next commit. */
  #commit(): void {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) {
      this.#committing = false;
      this.#maybeIdle();
      return;
    }
    const { disk } = this.#o;
    let io: Promise<void>;
    if (this.#compactDue()) {
      // Every live line, the batch's included (they were kept as they were appended).
      const text = this.#liveText();
      const before = this.#o.beforeCompaction?.() ?? Promise.resolve();
      io = before
        .then(() => disk.writeAtomic(this.path, text, true))
        .then(() => {
          this.#fileBytes = Buffer.byteLength(text);
          this.counters.compactions++;
        });
    } else {
      const records = batch.map((e) => e.line).join('');
      const text = records === '' ? '' : records + COMMIT_LINE;
      if (!this.#dirMade && text !== '') {
        disk.mkdirp(dirname(this.path));
        this.#dirMade = true;
      }
      io = text === '' ? Promise.resolve() : disk.append(this.path, text, true).then(() => void (this.#fileBytes += Buffer.byteLength(text)));
    }
    const run = this.#o.run!;
    io.then(
      () =>
        run(() => {
          this.counters.commits++;
          // A callback that throws neither stops the others of the batch nor the journal; the first error is the host's.
          let failure: { error: unknown } | undefined;
          for (const e of batch) {
            try {
              this.#deliver(e);
            } catch (error) {
              failure ??= { error };
            }
          }
          this.#commit();
          if (failure !== undefined) throw failure.error;
        }),
      (e: unknown) =>
        run(() => {
          this.#committing = false;
          this.#maybeIdle();
          throw new CheckpointError(this.path, `could not append ${batch.length} record(s): ${(e as Error).message}`);
        }),
    );
  }

  /** Runs a durable record's callback now, or after its barrier and the earlier barriers of its stream. */
  #deliver(e: Entry): void {
    const gate = this.#gates.get(e.key);
    if (gate === undefined && e.barrier === undefined) {
      e.durable?.();
      return;
    }
    this.#gated++;
    const run = this.#o.run!;
    const next: Promise<void> = Promise.all([gate, e.barrier]).then(
      () =>
        new Promise<void>((resolve) =>
          run(() => {
            if (this.#gates.get(e.key) === next) this.#gates.delete(e.key);
            this.#gated--;
            try {
              e.durable?.();
            } finally {
              resolve();
              this.#maybeIdle();
            }
          }),
        ),
    );
    this.#gates.set(e.key, next);
  }
}
