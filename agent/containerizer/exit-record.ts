/**
 * The exit record: `<meta>/containers/<id>/exit.json`, `{"pid":N,"waitStatus":S}`,
 * written by the launcher helper when the container's main process ends and
 * before it is reaped (so the record exists once the pid is gone from /proc).
 * It outlives the agent: a restarted agent learns from it how a container that
 * ended while nobody watched actually ended. Read back, it is validated like
 * every file from disk; a bad one is reported, never trusted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { containerMetaDir } from './checkpoint.js';
import { decodeWaitStatus } from './server-launcher.js';
import { ContainerizerError, type ExitStatus } from './types.js';

export function exitRecordPath(metaDir: string, containerId: string): string {
  return join(containerMetaDir(metaDir, containerId), 'exit.json');
}

/** The recorded status; undefined when there is no record; CORRUPT_CHECKPOINT naming the file when it is malformed. */
export async function readExitRecord(path: string, pid?: number): Promise<ExitStatus | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ContainerizerError('CORRUPT_CHECKPOINT', `Cannot read exit record ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ContainerizerError('CORRUPT_CHECKPOINT', `Corrupt exit record ${path}: not valid JSON`);
  }
  const o = v as { pid?: unknown; waitStatus?: unknown };
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (typeof v !== 'object' || v === null || !ok(o.pid) || !ok(o.waitStatus) || o.waitStatus > 0xffff) {
    throw new ContainerizerError('CORRUPT_CHECKPOINT', `Corrupt exit record ${path}: expected {"pid": <integer>, "waitStatus": <0-65535>}`);
  }
  if (pid !== undefined && o.pid !== pid) throw new ContainerizerError('CORRUPT_CHECKPOINT', `Exit record ${path} is of pid ${o.pid}, not of the container's process ${pid}`);
  return decodeWaitStatus(o.waitStatus);
}
