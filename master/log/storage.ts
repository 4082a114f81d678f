/**
 * Durable storage of a replica: what the core's `Write`s describe, made
 * durable before the replica sends anything that depends on them.
 *
 * Files in the replica's directory (all little-endian):
 *   meta      "MTSMETA1" + one record: JSON {term, vote, status}; replaced atomically
 *   snapshot  "MTSSNAP1" + one record: [index f64][term f64][data]; replaced atomically
 *   log       "MTSLOG01" + records appended: [type u8 = 1][index f64][term f64][hasData u8][data]
 * A record is [length u32][crc32 u32 of the payload][payload]. An entry record
 * at index i replaces every entry at or after i (how a follower drops a
 * conflicting suffix). Appends are durable before `apply` returns.
 *
 * The log file is preallocated with zeros (PREALLOC_BYTES at a time, fsync'd),
 * so an append overwrites allocated blocks and needs only an fdatasync: no
 * change of size, no journal commit (as etcd's WAL). A zero length ends the
 * records; a load that finds anything but zeros after the last good record
 * drops it as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'libprocess-ts';
import { crc32 } from './crc32.js';
import type { Entry, HardState, PersistentState, Snapshot, Write } from './types.js';

/** What the replica needs from a store. `apply` returns once every write is durable. */
export interface LogStorage {
  load(): PersistentState;
  apply(writes: readonly Write[]): void;
  /**
   * Optional: the same as `apply`, but `done` is called once the writes are durable, so the
   * caller's event loop runs meanwhile (pipelined fsync). The caller starts the next call only
   * after `done`; `done(err)` means the writes may not be durable (the caller stops).
   */
  applyAsync?(writes: readonly Write[], done: (err: Error | undefined) => void): void;
  close(): void;
}

export class StorageError extends Error {
  readonly code = 'E_STORAGE';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'StorageError';
  }
}

// ---------------------------------------------------------------- in memory

/** The same contract in memory, for simulations: survives a "crash" (a new core over the same store), not `wipe()`. */
export class MemoryStorage implements LogStorage {
  #hardState: HardState | null = null;
  #snapshot: Snapshot | null = null;
  #entries: Entry[] = [];
  /** Counts applied writes (tests look at it). */
  writes = 0;

  load(): PersistentState {
    return { hardState: this.#hardState, snapshot: this.#snapshot, entries: [...this.#entries] };
  }

  apply(writes: readonly Write[]): void {
    for (const w of writes) {
      this.writes++;
      applyWrite(w, this);
    }
  }

  close(): void {}

  /** Loses everything, as a replaced disk would. */
  wipe(): void {
    this.#hardState = null;
    this.#snapshot = null;
    this.#entries = [];
  }

  /** @internal */
  _set(hs: HardState | null, snap: Snapshot | null, entries: Entry[]): void {
    this.#hardState = hs;
    this.#snapshot = snap;
    this.#entries = entries;
  }
  /** @internal */
  _get(): { hs: HardState | null; snap: Snapshot | null; entries: Entry[] } {
    return { hs: this.#hardState, snap: this.#snapshot, entries: this.#entries };
  }
}

function applyWrite(w: Write, m: MemoryStorage): void {
  const { hs, snap, entries } = m._get();
  switch (w.type) {
    case 'hardState':
      m._set({ ...w.state }, snap, entries);
      break;
    case 'append': {
      m._set(hs, snap, spliceEntries(entries, snap, w.entries));
      break;
    }
    case 'snapshot':
      m._set(hs, w.snapshot, w.discardLog ? [] : entries.filter((e) => e.index > w.snapshot.index));
      break;
  }
}

/** The log after appending `incoming` (which replaces everything from its first index). */
function spliceEntries(entries: Entry[], snap: Snapshot | null, incoming: readonly Entry[]): Entry[] {
  if (incoming.length === 0) return entries;
  const offset = (snap?.index ?? 0) + 1;
  const keep = Math.max(0, incoming[0]!.index - offset);
  const out = entries.length > keep ? entries.slice(0, keep) : entries;
  for (const e of incoming) if (e.index >= offset) out.push(e);
  return out;
}

// ---------------------------------------------------------------- files

const META_MAGIC = Buffer.from('MTSMETA1');
const SNAP_MAGIC = Buffer.from('MTSSNAP1');
const LOG_MAGIC = Buffer.from('MTSLOG01');
const HEADER = 8;
const REC_ENTRY = 1;
const STATUSES: readonly string[] = ['starting', 'recovering', 'voting'];
/** A record above this is taken for garbage (a corrupt length). */
const MAX_RECORD = 1 << 30;
/** The log file grows by this much at a time, written with zeros and fsync'd once. */
const PREALLOC_BYTES = 8 * 1024 * 1024;

export interface FileStorageOptions {
  /** Call fsync (default true). Only benchmarks of the alternative turn it off. */
  readonly fsync?: boolean;
  readonly logger?: Logger;
}

/** Counters of a FileStorage (tests and metrics). */
export interface FileStorageCounters {
  fsyncs: number;
  records_appended: number;
  bytes_appended: number;
  compactions: number;
}

export class FileStorage implements LogStorage {
  readonly dir: string;
  readonly metaPath: string;
  readonly logPath: string;
  readonly snapshotPath: string;
  readonly counters: FileStorageCounters = { fsyncs: 0, records_appended: 0, bytes_appended: 0, compactions: 0 };
  readonly #fsync: boolean;
  readonly #logger: Logger | undefined;
  #fd: number | undefined;
  /** Where the records end. */
  #size = 0;
  /** The file's size: records, then zeros (preallocated). */
  #allocated = 0;
  /** A mirror of the stored entries (the same objects the core holds), to rewrite the log on compaction. */
  #entries: Entry[] = [];
  #snapshot: Snapshot | null = null;
  #hardState: HardState | null = null;

  constructor(dir: string, options: FileStorageOptions = {}) {
    this.dir = dir;
    this.metaPath = path.join(dir, 'meta');
    this.logPath = path.join(dir, 'log');
    this.snapshotPath = path.join(dir, 'snapshot');
    this.#fsync = options.fsync ?? true;
    this.#logger = options.logger;
  }

  load(): PersistentState {
    fs.mkdirSync(this.dir, { recursive: true });
    for (const stale of ['meta.tmp', 'snapshot.tmp', 'log.tmp']) fs.rmSync(path.join(this.dir, stale), { force: true });
    this.#hardState = this.#loadMeta();
    this.#snapshot = this.#loadSnapshot();
    const { entries, suspect } = this.#loadLog();
    this.#entries = entries;
    let hardState = this.#hardState;
    if (suspect && hardState !== null && hardState.status === 'voting') {
      // Acknowledged entries may be gone: vote again only after recovering from peers.
      this.#logger?.warn(`${this.logPath}: entries were lost to corruption; this replica recovers from its peers before it votes again`);
      hardState = { ...hardState, status: 'recovering' };
      this.#writeMeta(hardState);
    }
    return { hardState, snapshot: this.#snapshot, entries: [...entries] };
  }

  apply(writes: readonly Write[]): void {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = () => {
      if (pending.length === 0) return;
      const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      this.#appendBytes(buf);
      pending = [];
      pendingBytes = 0;
    };
    for (const w of writes) {
      switch (w.type) {
        case 'append':
          for (const e of w.entries) {
            const rec = entryRecord(e);
            pending.push(rec);
            pendingBytes += rec.length;
            this.counters.records_appended++;
          }
          this.#entries = spliceEntries(this.#entries, this.#snapshot, w.entries);
          break;
        case 'hardState':
          flush();
          this.#writeMeta(w.state);
          break;
        case 'snapshot':
          flush();
          this.#writeSnapshot(w.snapshot);
          this.#entries = w.discardLog ? [] : this.#entries.filter((e) => e.index > w.snapshot.index);
          this.#rewriteLog();
          break;
      }
    }
    flush();
  }

  /**
   * Appends are written at once and fsync'd on the thread pool, so the event loop runs
   * meanwhile; anything else (a term or vote, a snapshot) is written and synced in place,
   * in order, as `apply` does (they are rare).
   */
  applyAsync(writes: readonly Write[], done: (err: Error | undefined) => void): void {
    if (!this.#fsync || writes.some((w) => w.type !== 'append')) {
      let failure: Error | undefined;
      try {
        this.apply(writes);
      } catch (err) {
        failure = err as Error;
      }
      queueMicrotask(() => done(failure));
      return;
    }
    const fd = this.#fd;
    if (fd === undefined) throw new StorageError(this.logPath, 'the log is not open (call load first)');
    const parts: Buffer[] = [];
    let bytes = 0;
    for (const w of writes) {
      if (w.type !== 'append') continue;
      for (const e of w.entries) {
        const rec = entryRecord(e);
        parts.push(rec);
        bytes += rec.length;
        this.counters.records_appended++;
      }
      this.#entries = spliceEntries(this.#entries, this.#snapshot, w.entries);
    }
    this.#write(fd, parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes));
    fs.fdatasync(fd, (err) => {
      if (err === null) this.counters.fsyncs++;
      done(err === null ? undefined : new StorageError(this.logPath, `fsync failed: ${err.message}`));
    });
  }

  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }

  // ---- meta

  #loadMeta(): HardState | null {
    const buf = readIfExists(this.metaPath);
    if (buf === undefined) return null;
    const payload = readSingleRecord(this.metaPath, buf, META_MAGIC, 'metadata');
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      throw new StorageError(this.metaPath, `metadata is not valid JSON (${(err as Error).message})`);
    }
    const m = parsed as Partial<HardState>;
    if (typeof m !== 'object' || m === null || !Number.isSafeInteger(m.term) || (m.term as number) < 0 || !(m.vote === null || typeof m.vote === 'string') || !STATUSES.includes(m.status as string)) {
      throw new StorageError(this.metaPath, `metadata ${JSON.stringify(parsed)} is not {term: non-negative integer, vote: string | null, status: ${STATUSES.join(' | ')}}`);
    }
    return { term: m.term as number, vote: m.vote as string | null, status: m.status as HardState['status'] };
  }

  #writeMeta(state: HardState): void {
    this.#hardState = state;
    this.#atomicWrite(this.metaPath, Buffer.concat([META_MAGIC, record(Buffer.from(JSON.stringify(state), 'utf8'))]));
  }

  // ---- snapshot

  #loadSnapshot(): Snapshot | null {
    const buf = readIfExists(this.snapshotPath);
    if (buf === undefined) return null;
    const payload = readSingleRecord(this.snapshotPath, buf, SNAP_MAGIC, 'snapshot');
    if (payload.length < 16) throw new StorageError(this.snapshotPath, `snapshot record of ${payload.length} bytes is shorter than its 16-byte header`);
    const index = payload.readDoubleLE(0);
    const term = payload.readDoubleLE(8);
    if (!Number.isSafeInteger(index) || index < 1 || !Number.isSafeInteger(term) || term < 0) throw new StorageError(this.snapshotPath, `snapshot has a bad index ${index} or term ${term}`);
    return { index, term, data: new Uint8Array(payload.subarray(16)) };
  }

  #writeSnapshot(s: Snapshot): void {
    // One buffer, the data copied once: magic, record header, [index][term][data].
    const out = Buffer.allocUnsafe(HEADER + 8 + 16 + s.data.length);
    SNAP_MAGIC.copy(out, 0);
    out.writeUInt32LE(16 + s.data.length, HEADER);
    out.writeDoubleLE(s.index, HEADER + 8);
    out.writeDoubleLE(s.term, HEADER + 16);
    out.set(s.data, HEADER + 24);
    out.writeUInt32LE(crc32(out.subarray(HEADER + 8)), HEADER + 4);
    this.#atomicWrite(this.snapshotPath, out);
    this.#snapshot = s;
  }

  // ---- log

  #loadLog(): { entries: Entry[]; suspect: boolean } {
    let buf = readIfExists(this.logPath);
    if (buf === undefined || buf.length === 0) {
      this.#createLog();
      return { entries: [], suspect: false };
    }
    if (buf.length < HEADER) {
      if (LOG_MAGIC.subarray(0, buf.length).equals(buf)) {
        this.#logger?.warn(`${this.logPath}: the header was torn (${buf.length} bytes); recreating an empty log`);
        this.#createLog();
        return { entries: [], suspect: false };
      }
      throw new StorageError(this.logPath, `wrong magic: expected "${LOG_MAGIC}", found ${JSON.stringify(buf.toString('latin1'))} (not a replicated-log file)`);
    }
    if (!buf.subarray(0, HEADER).equals(LOG_MAGIC)) {
      throw new StorageError(this.logPath, `wrong magic: expected "${LOG_MAGIC}", found ${JSON.stringify(buf.subarray(0, HEADER).toString('latin1'))} (not a replicated-log file)`);
    }
    const snapIndex = this.#snapshot?.index ?? 0;
    let entries: Entry[] = [];
    let offset = HEADER;
    let problem: string | undefined;
    let suspect = false;
    let zeros = false;
    while (offset < buf.length) {
      if (offset + 8 > buf.length) {
        problem = `a torn record header at offset ${offset}`;
        break;
      }
      const len = buf.readUInt32LE(offset);
      const crc = buf.readUInt32LE(offset + 4);
      if (len === 0 && allZero(buf, offset)) {
        zeros = true; // the preallocated rest
        break;
      }
      const end = offset + 8 + len;
      if (len > MAX_RECORD || end > buf.length) {
        problem = `a torn record at offset ${offset} (length ${len}, ${buf.length - offset - 8} bytes left)`;
        break;
      }
      const payload = buf.subarray(offset + 8, end);
      if (crc32(payload) !== crc) {
        // The last record with a bad checksum is a write the crash interrupted; one followed by more data is corruption.
        suspect = !allZero(buf, end);
        problem = `a record with a bad checksum at offset ${offset}${suspect ? ' followed by more data (corruption)' : ' (a torn write)'}`;
        break;
      }
      const e = decodeEntry(payload);
      if (e === undefined) {
        suspect = true;
        problem = `an undecodable record at offset ${offset}`;
        break;
      }
      if (e.index > snapIndex) {
        const expectedMax = entries.length > 0 ? entries[entries.length - 1]!.index + 1 : snapIndex + 1;
        if (e.index > expectedMax) {
          suspect = true;
          problem = `a gap at offset ${offset}: entry ${e.index} after ${expectedMax - 1}`;
          break;
        }
        entries = spliceEntries(entries, this.#snapshot, [e]);
      }
      offset = end;
    }
    if (problem !== undefined) {
      const dropped = buf.length - offset;
      this.#logger?.warn(`${this.logPath}: found ${problem}; dropped ${dropped} bytes from offset ${offset}, kept ${entries.length} entries`);
      fs.truncateSync(this.logPath, offset);
      buf = buf.subarray(0, offset);
    }
    this.#fd = fs.openSync(this.logPath, 'r+');
    this.#size = zeros ? offset : buf.length;
    this.#allocated = buf.length;
    if (problem !== undefined) this.#sync(this.#fd);
    return { entries, suspect };
  }

  #createLog(): void {
    this.#atomicWrite(this.logPath, LOG_MAGIC);
    this.#fd = fs.openSync(this.logPath, 'r+');
    this.#size = HEADER;
    this.#allocated = HEADER;
  }

  #appendBytes(buf: Buffer): void {
    const fd = this.#fd;
    if (fd === undefined) throw new StorageError(this.logPath, 'the log is not open (call load first)');
    this.#write(fd, buf);
    this.#sync(fd, true);
  }

  /** Writes at the end of the log (not yet durable), inside the preallocated space (grown first when short). */
  #write(fd: number, buf: Buffer): void {
    if (this.#size + buf.length > this.#allocated) this.#preallocate(fd, this.#size + buf.length);
    let written = 0;
    while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written, this.#size + written);
    this.#size += buf.length;
    this.counters.bytes_appended += buf.length;
  }

  /** Grows the file with zeros to cover `end` and more, durably (size and blocks): later appends only overwrite. */
  #preallocate(fd: number, end: number): void {
    const target = end + PREALLOC_BYTES;
    const zeros = Buffer.alloc(Math.min(target - this.#allocated, 1 << 20));
    let at = this.#allocated;
    while (at < target) {
      const n = Math.min(zeros.length, target - at);
      let written = 0;
      while (written < n) written += fs.writeSync(fd, zeros, written, n - written, at + written);
      at += n;
    }
    this.#sync(fd);
    this.#allocated = target;
  }

  /** Rewrites the log with the entries kept after a snapshot (compaction). */
  #rewriteLog(): void {
    const parts = [LOG_MAGIC, ...this.#entries.map((e) => entryRecord(e))];
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
    const buf = Buffer.concat(parts);
    this.#atomicWrite(this.logPath, buf);
    this.#fd = fs.openSync(this.logPath, 'r+');
    this.#size = buf.length;
    this.#allocated = buf.length;
    this.counters.compactions++;
  }

  /** Write a temporary file, fsync it, rename it over `file`, fsync the directory. */
  #atomicWrite(file: string, data: Buffer): void {
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      let written = 0;
      while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written, written);
      this.#sync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    this.#syncDir();
  }

  /** fsync, or fdatasync when only data changed (an append inside the preallocated space). */
  #sync(fd: number, dataOnly = false): void {
    if (!this.#fsync) return;
    if (dataOnly) fs.fdatasyncSync(fd);
    else fs.fsyncSync(fd);
    this.counters.fsyncs++;
  }

  #syncDir(): void {
    if (!this.#fsync) return;
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
      this.counters.fsyncs++;
    } finally {
      fs.closeSync(fd);
    }
  }
}

// ---------------------------------------------------------------- encoding

function record(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, 8);
  return out;
}

/** An entry as a whole record (header and payload in one buffer, the data copied once). */
function entryRecord(e: Entry): Buffer {
  const data = e.data;
  const len = 18 + (data?.length ?? 0);
  const out = Buffer.allocUnsafe(8 + len);
  out.writeUInt32LE(len, 0);
  out.writeUInt8(REC_ENTRY, 8);
  out.writeDoubleLE(e.index, 9);
  out.writeDoubleLE(e.term, 17);
  out.writeUInt8(data === null ? 0 : 1, 25);
  if (data !== null) out.set(data, 26);
  out.writeUInt32LE(crc32(out.subarray(8)), 4);
  return out;
}

function decodeEntry(p: Buffer): Entry | undefined {
  if (p.length < 18 || p.readUInt8(0) !== REC_ENTRY) return undefined;
  const index = p.readDoubleLE(1);
  const term = p.readDoubleLE(9);
  const has = p.readUInt8(17);
  if (!Number.isSafeInteger(index) || index < 1 || !Number.isSafeInteger(term) || term < 0 || has > 1) return undefined;
  return { index, term, data: has === 1 ? new Uint8Array(p.subarray(18)) : null };
}

/** Whether every byte of `buf` from `from` on is zero. */
function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Files replaced atomically hold exactly one record; anything else is reported, never repaired. */
function readSingleRecord(file: string, buf: Buffer, magic: Buffer, what: string): Buffer {
  if (buf.length < HEADER || !buf.subarray(0, HEADER).equals(magic)) {
    throw new StorageError(file, `wrong magic: expected "${magic}", found ${JSON.stringify(buf.subarray(0, HEADER).toString('latin1'))} (not a replicated-log ${what} file)`);
  }
  if (buf.length < HEADER + 8) throw new StorageError(file, `${what} is truncated: ${buf.length} bytes, less than a record header`);
  const len = buf.readUInt32LE(HEADER);
  const crc = buf.readUInt32LE(HEADER + 4);
  if (HEADER + 8 + len !== buf.length) throw new StorageError(file, `${what} record says ${len} bytes but the file holds ${buf.length - HEADER - 8}`);
  const payload = buf.subarray(HEADER + 8);
  if (crc32(payload) !== crc) throw new StorageError(file, `${what} is corrupt: checksum ${crc32(payload).toString(16)} does not match the stored ${crc.toString(16)}`);
  return payload;
}
