/**
 * Sandbox files over HTTP, in the shape of Mesos's /files endpoints
 * (src/files/files.cpp): `browse?path=` lists a directory, `read?path=&offset=&length=`
 * returns `{data, offset}` (without `offset`: the file's size, for tailing),
 * `download?path=` returns the bytes.
 *
 * Only sandboxes can be read: a path must name a run directory
 * (`<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container or latest>`)
 * or something under it. `..` components are refused, and the real path
 * (symlinks resolved) must stay inside that same run directory, so neither a
 * symlink planted by a task nor an absolute path elsewhere escapes.
 */
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { HttpRequest, HttpResponse } from 'libprocess-ts';

/** Mesos reads at most this much per /files/read (16 pages). */
export const MAX_READ_LENGTH = 16 * 4096;

function error(status: number, message: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message + '\n' };
}

export type Resolved = { ok: true; path: string } | { ok: false; response: HttpResponse };

/** Checks a requested path and resolves it to a real path inside a sandbox run directory. */
export async function resolveSandboxPath(workDir: string, requested: string | null): Promise<Resolved> {
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
  let real: string;
  try {
    runReal = await realpath(join(root, ...comps.slice(0, 7)));
    real = await realpath(join(root, ...comps));
  } catch {
    return { ok: false, response: error(404, `No such file or directory '${requested}'`) };
  }
  // The run directory itself must be inside the sandboxes (runs/latest is a link to a sibling run).
  const runsDir = join(root, ...comps.slice(0, 6));
  if (!(runReal.startsWith(runsDir + sep) && !relative(runsDir, runReal).includes(sep))) {
    return { ok: false, response: error(403, `Path '${requested}' resolves outside the sandboxes`) };
  }
  if (real !== runReal && !real.startsWith(runReal + sep)) return { ok: false, response: error(403, `Path '${requested}' resolves outside its sandbox (through a symbolic link)`) };
  return { ok: true, path: real };
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
  const r = await resolveSandboxPath(workDir, requested);
  if (!r.ok) return r.response;
  const st = await stat(r.path);
  const entries = st.isDirectory() ? (await readdir(r.path)).sort() : [];
  const shownBase = requested!.replace(/\/+$/, '');
  const list = [];
  const items = st.isDirectory() ? entries.map((e) => ({ shown: `${shownBase}/${e}`, real: join(r.path, e) })) : [{ shown: shownBase, real: r.path }];
  for (const { shown, real } of items) {
    try {
      const l = await lstat(real);
      list.push({
        path: shown,
        nlink: l.nlink,
        size: l.size,
        mtime: Math.floor(l.mtimeMs / 1000),
        mode: modeString(l.mode, l.isDirectory(), l.isSymbolicLink()),
        uid: String(l.uid),
        gid: String(l.gid),
      });
    } catch {
      // vanished meanwhile
    }
  }
  return { status: 200, body: list };
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
  const r = await resolveSandboxPath(workDir, req.query.get('path'));
  if (!r.ok) return r.response;
  const st = await stat(r.path);
  if (st.isDirectory()) return error(400, 'Cannot read a directory');
  const size = st.size;
  // Mesos: without an offset (or -1), the answer is the file's size and no data, for tailing.
  if (offset === undefined || offset === -1) return { status: 200, body: { data: '', offset: size } };
  if (offset >= size) return { status: 200, body: { data: '', offset } };
  const want = Math.min(length === undefined || length === -1 ? MAX_READ_LENGTH : length, MAX_READ_LENGTH, size - offset);
  const fh = await open(r.path, 'r');
  try {
    const buf = Buffer.alloc(want);
    const { bytesRead } = await fh.read(buf, 0, want, offset);
    return { status: 200, body: { data: buf.subarray(0, bytesRead).toString('utf8'), offset } };
  } finally {
    await fh.close();
  }
}

/** Files up to this size are served by /files/download (the whole body is built in memory). */
export const MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;

export async function download(workDir: string, req: HttpRequest): Promise<HttpResponse> {
  const r = await resolveSandboxPath(workDir, req.query.get('path'));
  if (!r.ok) return r.response;
  const st = await stat(r.path);
  if (st.isDirectory()) return error(400, 'Cannot download a directory');
  if (st.size > MAX_DOWNLOAD_BYTES) return error(413, `File is larger than ${MAX_DOWNLOAD_BYTES} bytes`);
  const fh = await open(r.path, 'r');
  try {
    const buf = Buffer.alloc(st.size);
    await fh.read(buf, 0, st.size, 0);
    const name = r.path.split('/').pop() ?? 'file';
    return { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` }, body: buf };
  } finally {
    await fh.close();
  }
}
