/**
 * A `CommandInfo.URI` checked at the edge: its source (http(s)://, file://
 * or an absolute path), the name it gets in the sandbox (`output_file`, else
 * the last path segment), and what to do with it (extract by suffix, or mark
 * executable). Nothing here touches the network or the disk.
 */
import { fileURLToPath } from 'node:url';
import type { CommandInfoURI } from '../../protocol/types.js';

export type ArchiveKind = 'tar' | 'zip' | 'gz';

export interface PlannedUri {
  readonly value: string;
  readonly source: { readonly kind: 'http'; readonly url: string } | { readonly kind: 'file'; readonly path: string };
  /** The path relative to the sandbox the artifact is written to. */
  readonly outputFile: string;
  readonly executable: boolean;
  /** What extraction to run after the copy, if any. */
  readonly extract: ArchiveKind | undefined;
  readonly cache: boolean;
}

export class UriError extends Error {}

const MAX_URI = 8192;

/** The archive kind of a file name, by Mesos's suffixes. */
export function archiveKind(name: string): ArchiveKind | undefined {
  const n = name.toLowerCase();
  if (/\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/.test(n)) return 'tar';
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.gz')) return 'gz';
  return undefined;
}

/** A relative path inside the sandbox: no absolute path, no `..`, no empty or NUL. */
function sandboxRelative(p: string, what: string): string {
  if (p === '' || p.includes('\0')) throw new UriError(`${what} is empty or holds a NUL byte`);
  if (p.startsWith('/')) throw new UriError(`${what} '${p}' must be relative to the sandbox`);
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new UriError(`${what} '${p}' must name a file inside the sandbox (no '..')`);
  return parts.join('/');
}

export function planUri(uri: CommandInfoURI): PlannedUri {
  const value = uri.value;
  if (typeof value !== 'string' || value.trim() === '') throw new UriError('the URI is empty');
  if (value.length > MAX_URI) throw new UriError(`the URI is longer than ${MAX_URI} characters`);
  let source: PlannedUri['source'];
  let lastSegment: string;
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UriError('not a valid URL');
    }
    source = { kind: 'http', url: url.href };
    lastSegment = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  } else if (/^file:\/\//i.test(value)) {
    let path: string;
    try {
      path = fileURLToPath(value);
    } catch (e) {
      throw new UriError(`not a valid file URL: ${(e as Error).message}`);
    }
    source = { kind: 'file', path };
    lastSegment = path.split('/').pop() ?? '';
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new UriError(`the scheme '${value.split(':')[0]}' is not supported (http, https, file, or an absolute path)`);
  } else if (value.startsWith('/')) {
    if (value.includes('\0')) throw new UriError('the path holds a NUL byte');
    source = { kind: 'file', path: value };
    lastSegment = value.split('/').pop() ?? '';
  } else {
    throw new UriError('a relative path cannot be fetched (give an absolute path, file://, or http(s)://)');
  }
  const outputFile = uri.output_file !== undefined && uri.output_file !== '' ? sandboxRelative(uri.output_file, 'output_file') : sandboxRelative(lastSegment, 'the file name of the URI');
  const executable = uri.executable === true;
  // As Mesos: an executable is never extracted; extract defaults to true for archives.
  const extract = executable || uri.extract === false ? undefined : archiveKind(outputFile);
  return { value, source, outputFile, executable, extract, cache: uri.cache === true };
}
