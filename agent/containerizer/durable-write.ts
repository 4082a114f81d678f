/**
 * Durable writes with one trip to libuv's thread pool per fsync, and none for
 * the rest.
 *
 * Why: a write through node:fs/promises is one thread-pool round trip per
 * step (mkdir, open, write, fsync, close, rename, open of the directory, its
 * fsync, close: nine for one atomic file). On a loaded machine each trip
 * waits for a thread to be scheduled and then for the event loop to be, so a
 * task launch that chained about twenty-five of them spent most of its time
 * waiting between them (bench-launch, issue 22). The steps that only touch
 * the page cache and the filesystem's in-memory metadata (mkdir, open,
 * write of a small record, close, rename) take microseconds on a local
 * filesystem and run here synchronously, as Mesos's agent does for all of its
 * checkpoints; the steps that wait for the device (the fsyncs) run off the
 * event loop, and the fsyncs of one write that do not depend on each other
 * run at the same time.
 *
 * The guarantees are those of the slower form: `writeAtomicDurable` leaves
 * the old or the new content after a crash and, with `fsync`, the new one
 * once it resolves (file fsync'ed before the rename, then its directory);
 * `appendDurable` resolves once the appended bytes are on disk.
 */
import { closeSync, fsync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** fsync(2) of an open descriptor in the thread pool. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
}

/** fsync of a directory (the names in it); a filesystem that refuses it keeps the rename atomic anyway. */
export async function fsyncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsyncFd(fd);
  } catch {
    // some filesystems refuse fsync on directories
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

export interface AtomicWriteOptions {
  /** fsync the file before the rename, and the directory after it. */
  readonly fsync: boolean;
  /** Make the directory first (recursive). */
  readonly makeDir?: boolean;
  /** fsync the directory after the rename (default: with `fsync`). */
  readonly syncDir?: boolean;
}

/** Writes `text` to `path` through `<path>.tmp` and a rename. */
export async function writeAtomicDurable(path: string, text: string, o: AtomicWriteOptions): Promise<void> {
  const dir = dirname(path);
  if (o.makeDir) mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, text);
    if (o.fsync) await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (o.fsync && (o.syncDir ?? true)) await fsyncDir(dir);
}

/** Appends `text` to `path` (created when absent; its directory must exist), fsync'ed when asked. */
export async function appendDurable(path: string, text: string, doFsync: boolean): Promise<void> {
  const fd = openSync(path, 'a');
  try {
    writeAll(fd, text);
    if (doFsync) await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
