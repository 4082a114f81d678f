/**
 * Sandbox layout, as in Mesos:
 *   <work_dir>/slaves/<agent_id>/frameworks/<framework_id>/executors/<executor_id>/runs/<container_id>
 *   <work_dir>/slaves/<agent_id>/frameworks/<framework_id>/executors/<executor_id>/runs/latest -> <container_id>
 * with `stdout` and `stderr` files in each run directory (made by the launcher,
 * which appends the container's output to them).
 */
import { lstat, mkdir, readdir, readlink, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerizerError } from './types.js';

export interface SandboxIds {
  agentId: string;
  frameworkId: string;
  executorId: string;
  containerId: string;
}

/**
 * Checks that an id can be used as one path component: non-empty, no '/',
 * no NUL, not '.' or '..'. Throws ContainerizerError('INVALID_ID') naming the id.
 */
export function validatePathId(kind: string, id: string): void {
  const bad = (why: string): never => {
    throw new ContainerizerError('INVALID_ID', `Invalid ${kind} ${JSON.stringify(id)}: ${why}`);
  };
  if (typeof id !== 'string' || id.length === 0) bad('it is empty');
  if (id === '.' || id === '..') bad(`'.' and '..' are not allowed`);
  if (id.includes('/')) bad(`it contains '/'`);
  if (id.includes('\0')) bad('it contains a NUL character');
  if (/\s/.test(id)) bad('it contains whitespace');
}

export function executorDir(workDir: string, ids: Omit<SandboxIds, 'containerId'>): string {
  validatePathId('agent id', ids.agentId);
  validatePathId('framework id', ids.frameworkId);
  validatePathId('executor id', ids.executorId);
  return join(workDir, 'slaves', ids.agentId, 'frameworks', ids.frameworkId, 'executors', ids.executorId);
}

/** The run directory of one container (no I/O). */
export function sandboxPath(workDir: string, ids: SandboxIds): string {
  validatePathId('container id', ids.containerId);
  return join(executorDir(workDir, ids), 'runs', ids.containerId);
}

export interface Sandbox {
  directory: string;
  stdout: string;
  stderr: string;
  /** The executor's `runs/latest` symlink. */
  latest: string;
}

export function sandboxFiles(directory: string): { stdout: string; stderr: string } {
  return { stdout: join(directory, 'stdout'), stderr: join(directory, 'stderr') };
}

/**
 * Creates the run directory and points `runs/latest` at it (made in place
 * for a new executor, else replaced atomically with a rename). Idempotent. Its `stdout` and `stderr` are made
 * by the launcher (append mode; the containerizer makes them first only to
 * chown them to another user).
 *
 * Off the event loop, in libuv's thread pool: one trip for the directories,
 * one for the link (and one for the rename, for a later run). Each step is a change to the
 * filesystem's journal, and when the disk is busy (other tasks' fsyncs, the
 * removal thread) such a change waits for the journal's commit: done
 * synchronously they held the agent's loop for ~7 ms per task under load
 * (bench-launch profile, issue 22), more than half of its busy time.
 */
export async function createSandbox(workDir: string, ids: SandboxIds): Promise<Sandbox> {
  const directory = sandboxPath(workDir, ids);
  await mkdir(directory, { recursive: true });
  const files = sandboxFiles(directory);
  const runs = join(directory, '..');
  const latest = join(runs, 'latest');
  const tmp = join(runs, `.latest.${process.pid}.${ids.containerId}`);
  // A new executor's first run (every command task): the link is made in place, one change to the filesystem
  // fewer than the temporary link and its rename that replace an earlier run's.
  const made = await symlink(ids.containerId, latest).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      return false;
    },
  );
  if (!made) {
    try {
      await symlink(ids.containerId, tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await rm(tmp, { force: true }); // left by a crash between the link and the rename
      await symlink(ids.containerId, tmp);
    }
    await rename(tmp, latest);
  }
  return { directory, latest, ...files };
}

export interface SandboxRun {
  directory: string;
  ids: SandboxIds;
  mtimeMs: number;
  bytes: number;
}

async function du(path: string): Promise<number> {
  let total = 0;
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  total += st.size;
  if (st.isDirectory()) {
    const names = await readdir(path).catch(() => [] as string[]);
    for (const n of names) total += await du(join(path, n));
  }
  return total;
}

async function subdirs(path: string): Promise<string[]> {
  const ents = await readdir(path, { withFileTypes: true }).catch(() => []);
  return ents.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Every run directory under the work dir, with its mtime and apparent size. */
export async function listSandboxes(workDir: string): Promise<SandboxRun[]> {
  const out: SandboxRun[] = [];
  const slaves = join(workDir, 'slaves');
  for (const agentId of await subdirs(slaves)) {
    const fws = join(slaves, agentId, 'frameworks');
    for (const frameworkId of await subdirs(fws)) {
      const exs = join(fws, frameworkId, 'executors');
      for (const executorId of await subdirs(exs)) {
        const runs = join(exs, executorId, 'runs');
        for (const containerId of await subdirs(runs)) {
          const directory = join(runs, containerId);
          const st = await stat(directory).catch(() => null);
          if (!st) continue;
          out.push({ directory, ids: { agentId, frameworkId, executorId, containerId }, mtimeMs: st.mtimeMs, bytes: await du(directory) });
        }
      }
    }
  }
  return out;
}

/**
 * Mesos's gc delay scaled by disk use: gc_delay * max(0, 1 - headroom - usage),
 * usage being the fraction of the disk in use (0..1).
 */
export function gcDelayForDiskUsage(gcDelayMs: number, diskUsage: number, headroom = 0.1): number {
  return gcDelayMs * Math.max(0, 1 - headroom - diskUsage);
}

export interface GcOptions {
  /** Now, from the injected clock (ms since the epoch). */
  now: number;
  /** Remove runs whose directory was last modified more than this long ago. */
  maxAgeMs?: number;
  /** Then remove the oldest runs until the total is within this many bytes. */
  diskBudgetBytes?: number;
  /** Runs that must be kept whatever their age (live containers). */
  isActive?: (run: SandboxRun) => boolean;
}

/**
 * Removes old sandboxes; returns the directories removed. A `latest` symlink
 * left pointing at a removed run is removed too.
 */
export async function gcSandboxes(workDir: string, opts: GcOptions): Promise<string[]> {
  const runs = (await listSandboxes(workDir)).filter((r) => !(opts.isActive?.(r) ?? false));
  runs.sort((a, b) => a.mtimeMs - b.mtimeMs);
  const remove = new Set<SandboxRun>();
  if (opts.maxAgeMs !== undefined) {
    for (const r of runs) if (opts.now - r.mtimeMs > opts.maxAgeMs) remove.add(r);
  }
  if (opts.diskBudgetBytes !== undefined) {
    const all = await listSandboxes(workDir);
    let total = all.reduce((s, r) => s + r.bytes, 0) - [...remove].reduce((s, r) => s + r.bytes, 0);
    for (const r of runs) {
      if (total <= opts.diskBudgetBytes) break;
      if (remove.has(r)) continue;
      remove.add(r);
      total -= r.bytes;
    }
  }
  const removed: string[] = [];
  for (const r of remove) {
    await rm(r.directory, { recursive: true, force: true });
    removed.push(r.directory);
    const latest = join(r.directory, '..', 'latest');
    const target = await readlink(latest).catch(() => null);
    if (target === r.ids.containerId) await unlink(latest).catch(() => {});
  }
  return removed;
}
