/**
 * Per-container runtime state, under <runtime dir>/containers/<container_id>/
 * (the agent's --runtime_dir, as Mesos keeps its containers' pids and exit
 * statuses under /var/run/mesos):
 *   container.json    written once the process runs (pid, start time, boot id,
 *                     config, isolators and their state, e.g. cgroup paths)
 *   termination.json  written when the container has terminated
 *   exit.json         the launcher helper's record of the exit (exit-record.ts)
 * This state must outlive a crash of the agent, never a reboot: no container
 * survives the host. So it is never fsync'ed. A file is written to a temporary
 * name and renamed, which a crash of the agent cannot tear (the page cache
 * survives it); only a crash of the host can lose or tear one, and the boot id
 * recorded beside them (`<runtime dir>/boot_id`, fsync'ed, see
 * `clearIfRebooted`) has every container of an earlier boot dropped before
 * they are read. A file that is nonetheless unreadable is reported with a
 * CORRUPT_CHECKPOINT error naming it.
 */
import { readdirSync, rmSync, rmdirSync, statfsSync, unlinkSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomicDurable } from './durable-write.js';
import { bootId } from './proc.js';
import { removeOffLoop } from './remover.js';
import { ContainerizerError, type ContainerConfig, type ContainerTermination } from './types.js';

export const CHECKPOINT_VERSION = 1;

export interface ContainerCheckpoint {
  version: number;
  containerId: string;
  pid: number;
  /** /proc/<pid>/stat field 22: with the pid and boot id, identifies the process. */
  startTime: number;
  bootId: string;
  launchedAt: number;
  isolators: string[];
  isolatorState: Record<string, unknown>;
  config: ContainerConfig;
}

export function containerMetaDir(metaDir: string, containerId: string): string {
  return join(metaDir, 'containers', containerId);
}

export async function writeCheckpoint(metaDir: string, cp: ContainerCheckpoint): Promise<string> {
  const path = join(containerMetaDir(metaDir, cp.containerId), 'container.json');
  await writeAtomicDurable(path, JSON.stringify(cp, null, 1), { fsync: false, makeDir: true });
  return path;
}

export async function writeTermination(metaDir: string, t: ContainerTermination): Promise<void> {
  const path = join(containerMetaDir(metaDir, t.containerId), 'termination.json');
  await writeAtomicDurable(path, JSON.stringify(t), { fsync: false, makeDir: true });
}

/**
 * The runtime dir's containers are of this boot: when `<dir>/boot_id` names another boot, they are
 * all gone with it (their files, never fsync'ed, may be torn): removed. Then this boot is recorded
 * (fsync'ed: a later boot must find it). Returns whether an earlier boot's containers were dropped.
 * A runtime dir without boot_id is one whose files were all fsync'ed (an agent from before it
 * existed) or a new one: kept.
 */
export async function clearIfRebooted(metaDir: string): Promise<boolean> {
  const path = join(metaDir, 'boot_id');
  const boot = bootId();
  const recorded = (await readFile(path, 'utf8').catch(() => undefined))?.trim();
  if (recorded === boot) return false;
  const rebooted = recorded !== undefined;
  if (rebooted) await rm(join(metaDir, 'containers'), { recursive: true, force: true });
  await writeAtomicDurable(path, `${boot}\n`, { fsync: true, makeDir: true });
  return rebooted;
}

function corrupt(path: string, why: string): never {
  throw new ContainerizerError('CORRUPT_CHECKPOINT', `Corrupt container checkpoint ${path}: ${why}`);
}

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ContainerizerError('CORRUPT_CHECKPOINT', `Cannot read container checkpoint ${path}: ${(e as Error).message}`);
  }
  if (text.trim().length === 0) corrupt(path, 'the file is empty (truncated write?)');
  try {
    return JSON.parse(text);
  } catch (e) {
    corrupt(path, `not valid JSON (${(e as Error).message})`);
  }
}

/** Validates a parsed container.json; throws CORRUPT_CHECKPOINT naming the bad field. */
export function validateCheckpoint(path: string, v: unknown, containerId?: string): ContainerCheckpoint {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) corrupt(path, 'expected a JSON object');
  const o = v as Record<string, unknown>;
  if (o.version !== CHECKPOINT_VERSION) corrupt(path, `unsupported version ${JSON.stringify(o.version)} (expected ${CHECKPOINT_VERSION})`);
  if (typeof o.containerId !== 'string' || o.containerId.length === 0) corrupt(path, `'containerId' must be a non-empty string`);
  if (containerId !== undefined && o.containerId !== containerId) corrupt(path, `'containerId' is ${JSON.stringify(o.containerId)}, expected ${JSON.stringify(containerId)}`);
  for (const k of ['pid', 'startTime', 'launchedAt'] as const) {
    if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 0) corrupt(path, `'${k}' must be a non-negative integer, got ${JSON.stringify(o[k])}`);
  }
  if ((o.pid as number) <= 1) corrupt(path, `'pid' must be greater than 1, got ${o.pid}`);
  if (typeof o.bootId !== 'string') corrupt(path, `'bootId' must be a string`);
  if (!Array.isArray(o.isolators) || !o.isolators.every((s) => typeof s === 'string')) corrupt(path, `'isolators' must be an array of strings`);
  if (typeof o.isolatorState !== 'object' || o.isolatorState === null) corrupt(path, `'isolatorState' must be an object`);
  const c = o.config as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) corrupt(path, `'config' must be an object`);
  if (typeof c.sandbox !== 'string') corrupt(path, `'config.sandbox' must be a string`);
  if (typeof c.command !== 'object' || c.command === null) corrupt(path, `'config.command' must be an object`);
  if (typeof c.limits !== 'object' || c.limits === null) corrupt(path, `'config.limits' must be an object`);
  return v as ContainerCheckpoint;
}

export async function readCheckpoint(metaDir: string, containerId: string): Promise<ContainerCheckpoint | undefined> {
  const path = join(containerMetaDir(metaDir, containerId), 'container.json');
  const v = await readJson(path);
  return v === undefined ? undefined : validateCheckpoint(path, v, containerId);
}

export async function readTermination(metaDir: string, containerId: string): Promise<ContainerTermination | undefined> {
  const path = join(containerMetaDir(metaDir, containerId), 'termination.json');
  const v = (await readJson(path)) as ContainerTermination | undefined;
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || v.containerId !== containerId || typeof v.message !== 'string') corrupt(path, 'not a container termination record');
  return v;
}

export async function listCheckpointed(metaDir: string): Promise<string[]> {
  return readdir(join(metaDir, 'containers')).catch(() => []);
}

/** Removes a container's runtime state: at once on a tmpfs (microseconds), else on the removal thread. */
export async function removeCheckpoint(metaDir: string, containerId: string, tmpfs = false): Promise<void> {
  if (tmpfs) removeFlatDir(containerMetaDir(metaDir, containerId));
  else await removeOffLoop(containerMetaDir(metaDir, containerId));
}

/**
 * rm -rf of a directory that holds files only (a container's runtime dir): readdir, an unlink each, rmdir, where
 * rmSync's walk tries rmdir first and lstats each entry, through an exception per step (0.2 ms a container in the
 * bench-launch profile). Anything else inside (a directory) goes the long way.
 */
function removeFlatDir(dir: string): void {
  try {
    for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
    rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') rmSync(dir, { recursive: true, force: true });
  }
}

/** statfs(2)'s f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/** Whether `dir` is on a tmpfs (false when it cannot be told). */
export function onTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}
