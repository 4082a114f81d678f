/**
 * The agent's filesystem for checkpoints and sandboxes, behind one interface
 * so the same agent runs on the real disk (`nodeDisk`, the default) and on a
 * simulated one in `sim/` (where unsynced writes are lost on a crash and a
 * crash can tear the last append).
 *
 * Durability contract (what the simulated disk enforces and the real one
 * gives): `writeAtomic*` with `fsync` is durable once it returns (or
 * resolves), old or new content and never a mix; without `fsync` a crash may
 * keep either. An append with `fsync` is durable once it returns/resolves;
 * an unsynced append may be lost, or cut short, by a crash.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir as mkdirAsync, readdir as readdirAsync, rm as rmAsync, symlink as symlinkAsync } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stderrTail } from './command-executor.js';
import { appendDurable, fsyncDir as fsyncDirLater, writeAtomicDurable } from './containerizer/durable-write.js';
import { removeOffLoop } from './containerizer/remover.js';
import { createSandbox, type SandboxIds } from './containerizer/sandbox.js';

export interface AgentDisk {
  /** Writes `text` to `path` atomically (temp file, fsync when asked, rename, fsync of the directory); makes the directory. */
  writeAtomicSync(path: string, text: string, fsync: boolean): void;
  /** The same with its fsyncs off the event loop (containerizer/durable-write.ts). */
  writeAtomic(path: string, text: string, fsync: boolean): Promise<void>;
  /** Appends a line; makes the directory when `makeDir`. */
  appendSync(path: string, line: string, fsync: boolean, makeDir: boolean): void;
  /** Cuts a file to its first `bytes` bytes, fsync'ed (a torn last record removed before anything is appended after it). */
  truncate(path: string, bytes: number): void;
  /** Appends a line, its fsync off the event loop; the directory must exist. */
  append(path: string, line: string, fsync: boolean): Promise<void>;
  mkdirp(dir: string): void;
  /** The file's text, undefined when absent. */
  read(path: string): string | undefined;
  /** Subdirectory names, sorted; [] when absent. */
  listDirs(path: string): string[];
  /** fsync of a directory (its entries: renames and removals in it made durable), off the event loop. */
  syncDir(dir: string): Promise<void>;
  /** rm -rf. */
  remove(path: string): void;
  /** rm -rf off the event loop (containerizer/remover.ts). */
  removeLater(path: string): Promise<void>;
  /** Renames; false when `from` is absent. */
  rename(from: string, to: string): boolean;
  /** Whether a file or directory is at `path`. */
  exists(path: string): boolean;
  /** mkdir -p off the event loop. */
  mkdirpLater(dir: string): Promise<void>;
  /** Removes what is in `dir` (rm -rf of each entry), keeping `dir` itself (a mount point), off the event loop. */
  emptyDirLater(dir: string): Promise<void>;
  /** A symbolic link at `path` to `target`, off the event loop. */
  symlinkLater(target: string, path: string): Promise<void>;
  /** A task's sandbox directory and the run's `latest` link (its stdout and stderr are the launcher's). */
  createSandbox(workDir: string, ids: SandboxIds): Promise<void>;
  /** The last lines of a sandbox's stderr ('' when none). */
  stderrTail(sandbox: string): Promise<string>;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  }
}

/** The real disk (node:fs). */
export const nodeDisk: AgentDisk = {
  writeAtomicSync(path, text, fsync) {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      if (fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    if (fsync) fsyncDir(dir);
  },
  writeAtomic(path, text, fsync) {
    return writeAtomicDurable(path, text, { fsync, makeDir: true });
  },
  appendSync(path, line, fsync, makeDir) {
    if (makeDir) mkdirSync(dirname(path), { recursive: true });
    if (!fsync) {
      appendFileSync(path, line);
      return;
    }
    const fd = openSync(path, 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  truncate(path, bytes) {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  append(path, line, fsync) {
    return appendDurable(path, line, fsync);
  },
  mkdirp(dir) {
    mkdirSync(dir, { recursive: true });
  },
  read(path) {
    if (!existsSync(path)) return undefined;
    return readFileSync(path, 'utf8');
  },
  listDirs(path) {
    if (!existsSync(path)) return [];
    return readdirSync(path, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  },
  syncDir(dir) {
    return fsyncDirLater(dir);
  },
  remove(path) {
    rmSync(path, { recursive: true, force: true });
  },
  removeLater(path) {
    return removeOffLoop(path);
  },
  exists(path) {
    return existsSync(path);
  },
  async mkdirpLater(dir) {
    await mkdirAsync(dir, { recursive: true });
  },
  async emptyDirLater(dir) {
    for (const entry of await readdirAsync(dir)) await rmAsync(join(dir, entry), { recursive: true, force: true });
  },
  async symlinkLater(target, path) {
    await symlinkAsync(target, path);
  },
  rename(from, to) {
    try {
      renameSync(from, to);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  },
  async createSandbox(workDir, ids) {
    await createSandbox(workDir, ids);
  },
  stderrTail(sandbox) {
    return stderrTail(sandbox);
  },
};
