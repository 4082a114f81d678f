/**
 * Copies one artifact's bytes to a file: an HTTP(S) GET streamed to disk
 * (redirects followed, any status but 2xx an error naming it), or a local
 * regular file copied. Both stop when `signal` aborts. Returns the size.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { PlannedUri } from './uri.js';

export async function download(source: PlannedUri['source'], dest: string, signal: AbortSignal): Promise<number> {
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
