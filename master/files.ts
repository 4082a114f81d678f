/**
 * The master's files as the operator API's LIST_FILES and READ_FILE see them
 * (Mesos's `Files` actor): virtual paths attached to real files. The master
 * attaches its log file (--log_dir) as `/master/log`, as Mesos does; without
 * --log_dir there is nothing to serve and every path is 404.
 */
import { open, stat } from 'node:fs/promises';

/** Mesos reads at most 16 pages per READ_FILE. */
export const MAX_READ_BYTES = 16 * 4096;

export interface FileInfoJson {
  path: string;
  nlink: number;
  size: number;
  mtime: { nanoseconds: number };
  mode: number;
  uid: string;
  gid: string;
}

export type FilesAnswer<T> = { ok: true; value: T } | { ok: false; status: 400 | 404; message: string };

const normalize = (path: string): string => '/' + path.split('/').filter((c) => c !== '').join('/');

export class VirtualFiles {
  readonly #attached = new Map<string, string>();

  /** Serves the real file `real` at the virtual path `path`. */
  attach(real: string, path: string): void {
    this.#attached.set(normalize(path), real);
  }

  #resolve(path: unknown): FilesAnswer<{ virtual: string; real: string }> {
    if (typeof path !== 'string' || path === '') return { ok: false, status: 400, message: "Expecting 'path' to be present" };
    const virtual = normalize(path);
    const real = this.#attached.get(virtual);
    if (real === undefined) return { ok: false, status: 404, message: `No such file or directory '${path}'` };
    return { ok: true, value: { virtual, real } };
  }

  /** LIST_FILES: a file's own FileInfo (every attached path is a file). */
  async list(path: unknown): Promise<FilesAnswer<FileInfoJson[]>> {
    const r = this.#resolve(path);
    if (!r.ok) return r;
    try {
      const s = await stat(r.value.real);
      return { ok: true, value: [{ path: r.value.virtual, nlink: s.nlink, size: s.size, mtime: { nanoseconds: Math.round(s.mtimeMs * 1e6) }, mode: s.mode, uid: String(s.uid), gid: String(s.gid) }] };
    } catch {
      return { ok: false, status: 404, message: `No such file or directory '${String(path)}'` };
    }
  }

  /** READ_FILE: up to `length` (at most 16 pages) bytes from `offset`, and the file's size. */
  async read(path: unknown, offset: unknown, length: unknown): Promise<FilesAnswer<{ size: number; data: Buffer }>> {
    const r = this.#resolve(path);
    if (!r.ok) return r;
    const off = uint(offset);
    if (off === undefined) return { ok: false, status: 400, message: `read_file.offset: expected a uint64, got ${JSON.stringify(offset)}` };
    const len = length === undefined || length === null ? MAX_READ_BYTES : uint(length);
    if (len === undefined) return { ok: false, status: 400, message: `read_file.length: expected a uint64, got ${JSON.stringify(length)}` };
    let handle;
    try {
      handle = await open(r.value.real, 'r');
    } catch {
      return { ok: false, status: 404, message: `No such file or directory '${String(path)}'` };
    }
    try {
      const size = (await handle.stat()).size;
      const want = Math.max(0, Math.min(len, MAX_READ_BYTES, size - off));
      const buf = Buffer.alloc(want);
      const { bytesRead } = want > 0 ? await handle.read(buf, 0, want, off) : { bytesRead: 0 };
      return { ok: true, value: { size, data: buf.subarray(0, bytesRead) } };
    } finally {
      await handle.close();
    }
  }
}

/** A uint64 from JSON (a number or a decimal string), within 2^53; else undefined. */
function uint(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
