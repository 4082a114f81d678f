/**
 * Sandbox files over HTTP, in the shape of Mesos's /files endpoints
 * (src/files/files.cpp): `browse?path=` lists a directory, `read?path=&offset=&length=`
 * returns `{data, offset}` (without `offset`: the file's size, for tailing),
 * `download?path=` returns the bytes.
 *
 * Only sandboxes can be read: a path must name a run directory
 * (`<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container or latest>`)
 * or something under it. `..` components are refused. Below the run
 * directory the path is opened by sandbox-open.ts: component by component
 * from open directory handles with O_NOFOLLOW, symbolic links resolved by the
 * walk and kept inside the run directory, so neither a symlink planted by a
 * task, nor one swapped in between a check and the open, nor an absolute path
 * elsewhere escapes. Only regular files and directories are served: FIFOs,
 * sockets and devices are refused with 400 (a FIFO never blocks the agent).
 * Every read goes through the opened handle, never the path again.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { ChunkWriter, Clock, HttpRequest, HttpResponse, Timer } from 'libprocess-ts';
import { openUnder, viaFd } from './sandbox-open.js';

/** Mesos reads at most this much per /files/read (16 pages). */
export const MAX_READ_LENGTH = 16 * 4096;

function error(status: number, message: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message + '\n' };
}

export type Resolved = { ok: true; handle: FileHandle; stat: Stats; name: string } | { ok: false; response: HttpResponse };

/** Checks a requested path and opens it inside its sandbox run directory (the caller closes the handle). */
export async function openSandboxPath(workDir: string, requested: string | null): Promise<Resolved> {
  if (requested === null || requested === '') return { ok: false, response: error(400, "Missing 'path' query parameter") };
  if (requested.includes('\0')) return { ok: false, response: error(400, 'Bad path') };
  const parts = requested.split('/');
  if (parts.includes('..')) return { ok: false, response: error(403, `Path '${requested}' is outside the sandboxes: '..' is not allowed`) };
  if (!isAbsolute(requested)) return { ok: false, response: error(400, `Path '${requested}' must be absolute (a sandbox directory from /state)`) };
  const slaves = join(workDir, 'slaves');
  let root: string | undefined;
  try {
    root = await realpath(slaves);
  } catch {
    root = undefined;
  }
  const base = requested.startsWith(slaves + '/') ? relative(slaves, requested) : root !== undefined && requested.startsWith(root + '/') ? relative(root, requested) : undefined;
  if (base === undefined) return { ok: false, response: error(403, `Path '${requested}' is outside the sandboxes`) };
  if (root === undefined) return { ok: false, response: error(404, `No such file or directory '${requested}'`) };
  const comps = base.split('/').filter((c) => c !== '' && c !== '.');
  // <agent> frameworks <fw> executors <ex> runs <container>
  if (comps.length < 7 || comps[1] !== 'frameworks' || comps[3] !== 'executors' || comps[5] !== 'runs') {
    return { ok: false, response: error(403, `Path '${requested}' is not inside a sandbox (expected <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>/...)`) };
  }
  let runReal: string;
  try {
    runReal = await realpath(join(root, ...comps.slice(0, 7)));
  } catch {
    return { ok: false, response: error(404, `No such file or directory '${requested}'`) };
  }
  // The run directory itself must be inside the sandboxes (runs/latest is a link to a sibling run).
  const runsDir = join(root, ...comps.slice(0, 6));
  if (!(runReal.startsWith(runsDir + sep) && !relative(runsDir, runReal).includes(sep))) {
    return { ok: false, response: error(403, `Path '${requested}' resolves outside the sandboxes`) };
  }
  const opened = await openUnder(runReal, comps.slice(7), requested);
  if (!opened.ok) return { ok: false, response: error(opened.status, opened.message) };
  return opened;
}

function modeString(mode: number, isDir: boolean, isLink: boolean): string {
  const t = isDir ? 'd' : isLink ? 'l' : '-';
  const rwx = ['r', 'w', 'x'];
  let s = t;
  for (let i = 8; i >= 0; i--) s += mode & (1 << i) ? rwx[(8 - i) % 3] : '-';
  return s;
}

export async function browse(workDir: string, req: HttpRequest): Promise<HttpResponse> {
  const requested = req.query.get('path');
  const r = await openSandboxPath(workDir, requested);
  if (!r.ok) return r.response;
  try {
    const shownBase = requested!.replace(/\/+$/, '');
    const entry = (shown: string, l: Stats) => ({
      path: shown,
      nlink: l.nlink,
      size: l.size,
      mtime: Math.floor(l.mtimeMs / 1000),
      mode: modeString(l.mode, l.isDirectory(), l.isSymbolicLink()),
      uid: String(l.uid),
      gid: String(l.gid),
    });
    if (!r.stat.isDirectory()) return { status: 200, body: [entry(shownBase, r.stat)] };
    // Listed and described through the open directory, not its path.
    const dir = viaFd(r.handle.fd);
    const list = [];
    for (const name of (await readdir(dir)).sort()) {
      try {
        list.push(entry(`${shownBase}/${name}`, await lstat(`${dir}/${name}`)));
      } catch {
        // vanished meanwhile
      }
    }
    return { status: 200, body: list };
  } finally {
    await r.handle.close();
  }
}

function intParam(req: HttpRequest, name: string): number | undefined | Error {
  const v = req.query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) return new Error(`Failed to parse '${name}': '${v}' is not a number`);
  return Number(v);
}

export async function read(workDir: string, req: HttpRequest): Promise<HttpResponse> {
  const offset = intParam(req, 'offset');
  const length = intParam(req, 'length');
  if (offset instanceof Error) return error(400, offset.message);
  if (length instanceof Error) return error(400, length.message);
  if (offset !== undefined && offset < -1) return error(400, `Negative offset ${offset}`);
  if (length !== undefined && length < -1) return error(400, `Negative length ${length}`);
  const r = await openSandboxPath(workDir, req.query.get('path'));
  if (!r.ok) return r.response;
  try {
    if (r.stat.isDirectory()) return error(400, 'Cannot read a directory');
    const size = r.stat.size;
    // Mesos: without an offset (or -1), the answer is the file's size and no data, for tailing.
    if (offset === undefined || offset === -1) return { status: 200, body: { data: '', offset: size } };
    if (offset >= size) return { status: 200, body: { data: '', offset } };
    const want = Math.min(length === undefined || length === -1 ? MAX_READ_LENGTH : length, MAX_READ_LENGTH, size - offset);
    const buf = Buffer.alloc(want);
    const { bytesRead } = await r.handle.read(buf, 0, want, offset);
    return { status: 200, body: { data: buf.subarray(0, bytesRead).toString('utf8'), offset } };
  } finally {
    await r.handle.close();
  }
}

/** Files up to this size are served by /files/download. */
export const MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;
/** Files up to this size are sent whole; larger ones are streamed in chunks of this size. */
export const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

export interface DownloadOptions {
  readonly clock: Clock;
  /** A client that has not taken the last chunk after this long is cut off. Default 30 s. */
  readonly stallMs?: number;
  /** Told when a download was cut off for a client that does not read (to count and log it). */
  readonly onCut?: (why: string) => void;
}

/**
 * The file's bytes. A large file is streamed through the opened handle one
 * chunk at a time, the next chunk read only once the client took the last
 * (so memory stays at about two chunks per download, however slowly the
 * client reads); a client that takes nothing for `stallMs` is cut off.
 */
export async function download(workDir: string, req: HttpRequest, options: DownloadOptions): Promise<HttpResponse> {
  const r = await openSandboxPath(workDir, req.query.get('path'));
  if (!r.ok) return r.response;
  let streaming = false;
  try {
    if (r.stat.isDirectory()) return error(400, 'Cannot download a directory');
    const size = r.stat.size;
    if (size > MAX_DOWNLOAD_BYTES) return error(413, `File is larger than ${MAX_DOWNLOAD_BYTES} bytes`);
    const headers = { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${r.name}"` };
    if (size <= DOWNLOAD_CHUNK_BYTES) {
      const buf = Buffer.alloc(size);
      const { bytesRead } = await r.handle.read(buf, 0, size, 0);
      return { status: 200, headers, body: buf.subarray(0, bytesRead) };
    }
    streaming = true;
    const handle = r.handle;
    return { status: 200, headers, stream: (writer) => void pump(handle, size, writer, options, req.query.get('path')!) };
  } finally {
    if (!streaming) await r.handle.close();
  }
}

async function pump(handle: FileHandle, size: number, writer: ChunkWriter, options: DownloadOptions, shown: string): Promise<void> {
  try {
    for (let pos = 0; pos < size && !writer.closed; ) {
      const buf = Buffer.allocUnsafe(Math.min(DOWNLOAD_CHUNK_BYTES, size - pos));
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break; // truncated meanwhile: what there was
      pos += bytesRead;
      writer.write(buf.subarray(0, bytesRead));
      if (writer.buffered > 0 && !(await drainedWithin(writer, options))) {
        const stallMs = options.stallMs ?? 30_000;
        writer.abort();
        options.onCut?.(`/files/download of '${shown}' cut off: the client took nothing for ${stallMs} ms (${writer.buffered} bytes unsent, ${pos} of ${size} read)`);
        return;
      }
    }
    writer.end();
  } catch {
    writer.abort();
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Whether the writer drained (or closed) before the stall timeout. */
function drainedWithin(writer: ChunkWriter, options: DownloadOptions): Promise<boolean> {
  let timer: Timer | undefined;
  return Promise.race([
    writer.drained().then(() => true),
    new Promise<boolean>((resolve) => (timer = options.clock.timer(options.stallMs ?? 30_000, () => resolve(false)))),
  ]).finally(() => timer?.cancel());
}
