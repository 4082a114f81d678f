/**
 * Copies one artifact's bytes to a file: an HTTP(S) GET streamed to disk
 * (redirects followed, any status but 2xx an error naming it), or a local
 * regular file copied. Both stop when `signal` aborts. Returns the size.
 *
 * A local file is read with the task user's rights (Mesos runs its fetcher as
 * the task's user): when the agent is root and the user is not, through
 * util-linux `setpriv` (that user's ids and groups) and `cat`, so a file the
 * user may not read fails the fetch, as it would for the user at a shell.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { PlannedUri } from './uri.js';

export interface ReadingUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export async function download(source: PlannedUri['source'], dest: string, signal: AbortSignal, user?: ReadingUser): Promise<number> {
  if (source.kind === 'file' && user !== undefined && user.uid !== 0 && process.getuid?.() === 0) {
    await copyAsUser(source.path, dest, signal, user);
    return (await stat(dest)).size;
  }
  if (source.kind === 'file') {
    let s;
    try {
      s = await stat(source.path);
    } catch (e) {
      throw new Error(`cannot read ${source.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!s.isFile()) throw new Error(`${source.path} is not a regular file`);
    await pipeline(createReadStream(source.path), createWriteStream(dest, { mode: 0o644 }), { signal });
    return (await stat(dest)).size;
  }
  let res: Response;
  try {
    res = await fetch(source.url, { signal, redirect: 'follow' });
  } catch (e) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`HTTP request failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
  }
  if (!res.body) throw new Error('HTTP response without a body');
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(dest, { mode: 0o644 }), { signal });
  return (await stat(dest)).size;
}

/** `cat` of the file as the user (setpriv: its uid, gid and groups) into dest. */
async function copyAsUser(path: string, dest: string, signal: AbortSignal, user: ReadingUser): Promise<void> {
  const out = await open(dest, 'w', 0o644);
  try {
    await new Promise<void>((resolve, reject) => {
      const args = ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--', 'cat', '--', path];
      const child = spawn('setpriv', args, { signal, stdio: ['ignore', out.fd, 'pipe'] });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.on('error', (e) => reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? new Error('setpriv (util-linux) is not installed on this agent') : e));
      child.on('close', (code) => {
        if (code === 0) return resolve();
        const why = /: ([^:\n]+)\s*$/.exec(err.trim())?.[1] ?? (err.trim() || `exit ${code}`);
        reject(new Error(`cannot read ${path} as user '${user.name}': ${why}`));
      });
    });
  } finally {
    await out.close();
  }
}
