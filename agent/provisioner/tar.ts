/**
 * A tar reader (ustar, with pax extended headers and GNU long names), over a
 * whole archive in memory; gzip is detected by its magic and inflated with
 * zlib. Image layers are read with it: GNU tar cannot apply whiteouts, and
 * Node has no tar reader of its own.
 */
import { gunzipSync } from 'node:zlib';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'directory' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** The path as stored, with any leading './' and trailing '/' removed. */
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** The target of a hard link (a path in the archive) or of a symlink. */
  linkname: string;
  /** The content of a regular file (a view into the archive). */
  data: Buffer;
}

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

const BLOCK = 512;

/** Inflates a gzip archive (magic 1f 8b); returns anything else as it is. */
export function maybeGunzip(buf: Buffer): Buffer {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new TarError(`not a valid gzip stream: ${(e as Error).message}`);
    }
  }
  return buf;
}

function cstring(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

/** An octal field, or GNU base-256 (high bit set) for large values. */
function numeric(buf: Buffer, off: number, len: number, field: string, at: number): number {
  if ((buf[off]! & 0x80) !== 0) {
    let v = buf[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[off + i]!;
    return v;
  }
  const s = cstring(buf, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`bad ${field} field ${JSON.stringify(s)} in the header at offset ${at}`);
  return parseInt(s, 8);
}

function checksumOk(buf: Buffer, off: number): boolean {
  const stored = numeric(buf, off + 148, 8, 'checksum', off);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : buf[off + i]!;
  return sum === stored;
}

/** pax records: "<len> key=value\n" repeated. */
function parsePax(data: Buffer, at: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = Number(data.toString('ascii', i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw new TarError(`bad pax record in the header at offset ${at}`);
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

function typeOf(flag: string, name: string, at: number): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return name.endsWith('/') ? 'directory' : 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      throw new TarError(`unsupported entry type ${JSON.stringify(flag)} at offset ${at}`);
  }
}

export function cleanName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.endsWith('/')) n = n.slice(0, -1);
  return n;
}

/** Every entry of a tar (or tar.gz) archive, in order. Throws TarError naming what is wrong. */
export function readTar(archive: Buffer): TarEntry[] {
  const buf = maybeGunzip(archive);
  const entries: TarEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + BLOCK <= buf.length) {
    if (buf[off] === 0 && buf.subarray(off, off + BLOCK).every((b) => b === 0)) break; // end of archive
    if (!checksumOk(buf, off)) throw new TarError(`bad header checksum at offset ${off}: not a tar archive, or a corrupt one`);
    const flag = String.fromCharCode(buf[off + 156]!);
    const metaEntry = flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K';
    // A pax 'size' overrides the header's (which may not hold it).
    const size = !metaEntry && pax.size !== undefined ? Number(pax.size) : numeric(buf, off + 124, 12, 'size', off);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`bad size ${pax.size} in the pax header before offset ${off}`);
    const dataStart = off + BLOCK;
    if (dataStart + size > buf.length) throw new TarError(`truncated archive: the entry at offset ${off} needs ${size} bytes, ${buf.length - dataStart} are left`);
    const data = buf.subarray(dataStart, dataStart + size);
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') pax = parsePax(data, off);
    else if (flag === 'g') globalPax = { ...globalPax, ...parsePax(data, off) };
    else if (flag === 'L') longName = cstring(data, 0, data.length);
    else if (flag === 'K') longLink = cstring(data, 0, data.length);
    else {
      const magic = buf.toString('ascii', off + 257, off + 262);
      const prefix = magic === 'ustar' ? cstring(buf, off + 345, 155) : '';
      let raw = cstring(buf, off, 100);
      if (prefix) raw = `${prefix}/${raw}`;
      const attrs = { ...globalPax, ...pax };
      const rawName = longName ?? attrs.path ?? raw;
      const type = typeOf(flag, rawName, off);
      entries.push({
        name: cleanName(rawName),
        type,
        mode: numeric(buf, off + 100, 8, 'mode', off) & 0o7777,
        uid: attrs.uid !== undefined ? Number(attrs.uid) : numeric(buf, off + 108, 8, 'uid', off),
        gid: attrs.gid !== undefined ? Number(attrs.gid) : numeric(buf, off + 116, 8, 'gid', off),
        mtime: attrs.mtime !== undefined ? Math.floor(Number(attrs.mtime)) : numeric(buf, off + 136, 12, 'mtime', off),
        linkname: longLink ?? attrs.linkpath ?? cstring(buf, off + 157, 100),
        data: type === 'file' ? data : Buffer.alloc(0),
      });
      pax = {};
      longName = undefined;
      longLink = undefined;
    }
    off = next;
  }
  return entries;
}
