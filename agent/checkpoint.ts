/**
 * The agent's checkpoints, in Mesos's layout (src/slave/paths.cpp) under
 * `<work_dir>/meta`:
 *
 *   master_term                                     {"term": N}: the highest leader term heard
 *   slaves/latest                                   the current agent id (text)
 *   slaves/<agent>/slave.info                       AgentInfo (JSON)
 *   slaves/<agent>/frameworks/<fw>/framework.info   { info, pid? }
 *   .../executors/<ex>/executor.info                { info, command }
 *   .../executors/<ex>/runs/<container>/run.info    { containerId, directory, pid? }
 *   .../runs/<container>/tasks/<task>/task.info     TaskInfo
 *   .../runs/<container>/tasks/<task>/task.updates  (older agents) append-only records, one a line
 *   slaves/<agent>/updates.journal                  every task's status updates, append-only (update-journal.ts)
 *
 * Whole files are written atomically (temp file, fsync, rename, fsync of the
 * directory). The updates journal is append-only: each line is
 * `<crc32 hex> <json>`; a torn last line (a crash mid-append) is dropped, any
 * other bad line is an error naming the file and the line. Bytes
 * (`Uint8Array`) are stored as `{"$bytes": "<base64>"}`.
 */
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { nodeDisk, type AgentDisk } from './disk.js';

export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`Corrupt checkpoint ${path}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

// ---------------------------------------------------------------- JSON with bytes

export function encodeJSON(value: unknown): string {
  // `this[k]` is the value before toJSON (a Buffer's toJSON would hide that it is bytes).
  return JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
    const original = this[k];
    return original instanceof Uint8Array ? { $bytes: Buffer.from(original).toString('base64') } : v;
  });
}

export function decodeJSON(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$bytes' && typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
    }
    return v;
  });
}

// ---------------------------------------------------------------- paths

export interface MetaPaths {
  readonly root: string;
}

export function metaDir(workDir: string): string {
  return join(workDir, 'meta');
}
export function masterTermPath(workDir: string): string {
  return join(metaDir(workDir), 'master_term');
}
export function latestAgentPath(workDir: string): string {
  return join(metaDir(workDir), 'slaves', 'latest');
}
export function agentMetaDir(workDir: string, agentId: string): string {
  return join(metaDir(workDir), 'slaves', agentId);
}
export function agentInfoPath(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), 'slave.info');
}
export function frameworkMetaDir(workDir: string, agentId: string, fw: string): string {
  return join(agentMetaDir(workDir, agentId), 'frameworks', fw);
}
export function frameworkInfoPath(workDir: string, agentId: string, fw: string): string {
  return join(frameworkMetaDir(workDir, agentId, fw), 'framework.info');
}
export function executorMetaDir(workDir: string, agentId: string, fw: string, ex: string): string {
  return join(frameworkMetaDir(workDir, agentId, fw), 'executors', ex);
}
export function executorInfoPath(workDir: string, agentId: string, fw: string, ex: string): string {
  return join(executorMetaDir(workDir, agentId, fw, ex), 'executor.info');
}
export function runMetaDir(workDir: string, agentId: string, fw: string, ex: string, container: string): string {
  return join(executorMetaDir(workDir, agentId, fw, ex), 'runs', container);
}
export function runInfoPath(workDir: string, agentId: string, fw: string, ex: string, container: string): string {
  return join(runMetaDir(workDir, agentId, fw, ex, container), 'run.info');
}
export function taskMetaDir(workDir: string, agentId: string, fw: string, ex: string, container: string, task: string): string {
  return join(runMetaDir(workDir, agentId, fw, ex, container), 'tasks', task);
}
export function taskInfoPath(workDir: string, agentId: string, fw: string, ex: string, container: string, task: string): string {
  return join(taskMetaDir(workDir, agentId, fw, ex, container, task), 'task.info');
}
/** The updates file of a task, as agents before the journal kept it (read at recovery only). */
export function taskUpdatesPath(workDir: string, agentId: string, fw: string, ex: string, container: string, task: string): string {
  return join(taskMetaDir(workDir, agentId, fw, ex, container, task), 'task.updates');
}

/** The agent's status-update journal (update-journal.ts). */
export function updatesJournalPath(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), 'updates.journal');
}

// ---------------------------------------------------------------- writes

/** Writes `text` to `path` atomically: temp file, fsync, rename, fsync of the directory. */
export function writeAtomic(path: string, text: string, fsync = true, disk: AgentDisk = nodeDisk): void {
  disk.writeAtomicSync(path, text, fsync);
}

export function writeJSONAtomic(path: string, value: unknown, fsync = true, disk: AgentDisk = nodeDisk): void {
  disk.writeAtomicSync(path, encodeJSON(value) + '\n', fsync);
}

/** One record of an append-only file: `<crc32 hex> <json>\n`. */
export function recordLine(record: unknown): string {
  const json = encodeJSON(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** One line of an append-only file (without its newline): its record, or what is wrong with it. */
export function parseRecordLine(line: string): { record: unknown } | string {
  const m = /^([0-9a-f]{8}) (.*)$/.exec(line);
  if (!m) return "is not '<crc32> <json>'";
  if (crc32(m[2]!) !== parseInt(m[1]!, 16)) return 'fails its checksum';
  try {
    return { record: decodeJSON(m[2]!) };
  } catch (e) {
    return `is not valid JSON (${(e as Error).message})`;
  }
}

/** Appends one record to an append-only file (`<crc32> <json>\n`), fsync'ed; its directory is made unless `makeDir` is false (it is known to exist). */
export function appendRecord(path: string, record: unknown, fsync = true, makeDir = true, disk: AgentDisk = nodeDisk): void {
  disk.appendSync(path, recordLine(record), fsync, makeDir);
}

export function removeCheckpointDir(path: string, disk: AgentDisk = nodeDisk): void {
  disk.remove(path);
}

/** Where `discardCheckpointDir` moves directories before deleting them. */
export function trashDir(workDir: string): string {
  return join(metaDir(workDir), '.trash');
}

let discarded = 0;

/**
 * Removes a checkpoint directory without blocking on the deletion: one
 * rename into `<work_dir>/meta/.trash/` (atomic: recovery never sees a half
 * deleted directory, and a new run under the same path starts clean), then
 * the deletion off the event loop. What a crash leaves in the trash is
 * deleted at the next start (`startAgent`). Nothing to do when it is absent.
 */
export function discardCheckpointDir(path: string, workDir: string, disk: AgentDisk = nodeDisk): void {
  const trash = trashDir(workDir);
  const target = join(trash, `${process.pid}-${++discarded}`);
  // The trash is there but for the first time (one rename then, not a mkdir and a rename per directory).
  if (!disk.rename(path, target)) {
    if (!disk.exists(path)) return;
    disk.mkdirp(trash);
    if (!disk.rename(path, target)) return;
  }
  disk.removeLater(target).catch(() => {});
}

// ---------------------------------------------------------------- reads

/** Reads a JSON checkpoint; undefined when absent; CheckpointError naming the file when unreadable. */
export function readJSON(path: string, disk: AgentDisk = nodeDisk): unknown {
  const text = disk.read(path);
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new CheckpointError(path, 'the file is empty');
  try {
    return decodeJSON(text);
  } catch (e) {
    throw new CheckpointError(path, `not valid JSON (${(e as Error).message})`);
  }
}

/** Reads the records of an append-only file. A torn final line is dropped (and reported in `torn`; the records end at `validBytes`). */
export function readRecords(path: string, disk: AgentDisk = nodeDisk): { records: unknown[]; torn: boolean; validBytes: number } {
  const text = disk.read(path);
  if (text === undefined) return { records: [], torn: false, validBytes: 0 };
  const lines = text.split('\n');
  const last = lines.pop()!; // '' when the file ends with a newline
  const records: unknown[] = [];
  lines.forEach((line, i) => {
    const parsed = parseRecordLine(line);
    if (typeof parsed === 'string') throw new CheckpointError(path, `line ${i + 1} ${parsed}`);
    records.push(parsed.record);
  });
  return { records, torn: last !== '', validBytes: Buffer.byteLength(text) - Buffer.byteLength(last) };
}

/** Subdirectory names, [] when the directory is absent. */
export function listDirs(path: string, disk: AgentDisk = nodeDisk): string[] {
  return disk.listDirs(path);
}

export function readText(path: string, disk: AgentDisk = nodeDisk): string | undefined {
  return disk.read(path);
}
