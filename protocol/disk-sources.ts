/**
 * Disk sources, as Mesos declares them in an agent's `--resources` (JSON
 * form): ROOT is a `disk` without `disk.source` (the work dir's
 * filesystem); PATH (`{"type": "PATH", "path": {"root": "/mnt/data"}}`) is a
 * directory, shared out by size, volumes on it live under its root; MOUNT
 * (`{"type": "MOUNT", "mount": {"root": "/mnt/ssd"}}`) is a whole filesystem,
 * used whole or not at all (a task or volume gets all of it; a volume on it
 * is its root).
 */
import { Resources, type Resource } from './resources.js';

export type DiskSourceType = 'ROOT' | 'PATH' | 'MOUNT';

export interface DiskSource {
  readonly type: DiskSourceType;
  /** PATH and MOUNT: the directory (absolute). */
  readonly root?: string;
}

interface SourceJson {
  type?: unknown;
  path?: { root?: unknown };
  mount?: { root?: unknown };
}

/** The source of a disk resource (ROOT when it has none). */
export function diskSource(r: Resource): DiskSource {
  const source = (r.disk as { source?: SourceJson } | undefined)?.source;
  if (source === undefined || source === null) return { type: 'ROOT' };
  const type = source.type === 'MOUNT' ? 'MOUNT' : 'PATH';
  const root = type === 'MOUNT' ? source.mount?.root : source.path?.root;
  return typeof root === 'string' ? { type, root } : { type };
}

/** Why a disk source of `--resources` is refused (BLOCK and RAW need resource providers, not modelled), or undefined. */
export function diskSourceError(r: Resource): string | undefined {
  const source = (r.disk as { source?: SourceJson } | undefined)?.source;
  if (source === undefined || source === null) return undefined;
  const what = `disk source of '${Resources.of([r]).toString()}'`;
  if (r.name !== 'disk') return `${what}: only disk resources have a source`;
  if (source.type !== 'PATH' && source.type !== 'MOUNT') return `${what}: type must be PATH or MOUNT (ROOT is a disk without a source), got ${JSON.stringify(source.type)}`;
  const field = source.type === 'PATH' ? 'path' : 'mount';
  const root = source.type === 'PATH' ? source.path?.root : source.mount?.root;
  if (typeof root !== 'string' || !root.startsWith('/')) return `${what}: ${field}.root must be an absolute directory, got ${JSON.stringify(root)}`;
  if (root.split('/').includes('..')) return `${what}: ${field}.root must not contain '..'`;
  return undefined;
}

/** Every disk source of `--resources` checked; the first error, or undefined. */
export function diskSourcesError(resources: Resources): string | undefined {
  for (const r of resources.toJSON()) {
    const why = diskSourceError(r);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * MOUNT disks are used whole: undefined when taking `used` out of
 * `available` leaves no MOUNT disk in part, else why not.
 */
export function mountSplitError(available: Resources, used: Resources): string | undefined {
  const left = available.subtract(used);
  const roots = new Set(left.toJSON().filter((r) => r.name === 'disk' && diskSource(r).type === 'MOUNT').map((r) => diskSource(r).root));
  for (const r of used.toJSON()) {
    const s = diskSource(r);
    if (r.name === 'disk' && s.type === 'MOUNT' && roots.has(s.root)) return `the MOUNT disk at ${s.root ?? '(no root)'} must be used whole, not in part ('${Resources.of([r]).toString()}' of it)`;
  }
  return undefined;
}
