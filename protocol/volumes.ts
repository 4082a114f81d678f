/**
 * Persistent volumes: disk resources with `disk.persistence` (an id, unique
 * per role on an agent) and `disk.volume` (where a task sees it in its
 * sandbox). CREATE turns reserved disk into volumes, DESTROY turns them
 * back; the checks are Mesos's (src/master/validation.cpp).
 *
 *   CREATE v:  total - plain(v) + v        plain(v): v without persistence, volume, shared
 *   DESTROY v: total - v + plain(v)
 */
import { idError } from './ids.js';
import { diskSource, type DiskSource } from './disk-sources.js';
import { isPersistentVolume } from './reservations.js';
import type { Conversion } from './reservations.js';
import { Resources, type Resource } from './resources.js';

export interface VolumeInfo {
  /** The persistence id. */
  readonly id: string;
  /** The role of its (innermost) reservation. */
  readonly role: string;
  /** Relative to the sandbox. */
  readonly containerPath: string;
  readonly mode: 'RW' | 'RO';
  readonly principal?: string;
  readonly shared: boolean;
  /** The disk it is on: ROOT (the agent's work dir), a PATH or a MOUNT disk. */
  readonly source: DiskSource;
}

interface DiskJson {
  persistence?: { id?: unknown; principal?: unknown };
  volume?: { container_path?: unknown; mode?: unknown };
  source?: unknown;
}

/** What a volume resource says of itself (call only on `isPersistentVolume`). */
export function volumeInfo(r: Resource): VolumeInfo {
  const disk = r.disk as DiskJson;
  const out: VolumeInfo = {
    id: String(disk.persistence?.id ?? ''),
    role: Resources.reservationRole(r),
    containerPath: String(disk.volume?.container_path ?? ''),
    mode: disk.volume?.mode === 'RO' ? 'RO' : 'RW',
    shared: r.shared !== undefined && r.shared !== null,
    source: diskSource(r),
  };
  return typeof disk.persistence?.principal === 'string' ? { ...out, principal: disk.persistence.principal } : out;
}

/** The volumes among `resources`. */
export function volumesOf(resources: readonly Resource[]): VolumeInfo[] {
  return resources.filter(isPersistentVolume).map(volumeInfo);
}

/** Volumes without their persistence, volume and shared markers: the reserved disk they are made of. */
export function plainDisk(volumes: Resources): Resources {
  return Resources.of(
    volumes.toJSON().map((r) => {
      const { persistence: _p, volume: _v, ...rest } = (r.disk ?? {}) as Record<string, unknown>;
      const out: Resource = { ...r };
      if (Object.keys(rest).length > 0) out.disk = rest;
      else delete out.disk;
      delete out.shared;
      return out;
    }),
  );
}

export interface CreateCheck {
  readonly principal?: string | undefined;
  /** The framework has SHARED_RESOURCES (operators always may share). */
  readonly shared: boolean;
  /** The volumes on the agent already (persistence ids are unique per role). */
  readonly existing: Resources;
}

/** Why CREATE of `volumes` is refused, or undefined. */
export function createError(volumes: Resources, check: CreateCheck): string | undefined {
  if (volumes.isEmpty()) return 'CREATE needs volumes';
  const taken = new Set(volumesOf(check.existing.toJSON()).map((v) => `${v.role}\u0000${v.id}`));
  for (const r of volumes.toJSON()) {
    const what = `'${Resources.of([r]).toString()}'${isPersistentVolume(r) ? ` (volume ${volumeInfo(r).id})` : ''}`;
    if (r.name !== 'disk' || !isPersistentVolume(r)) return `resource ${what} is not a persistent volume (a disk resource with disk.persistence)`;
    const v = volumeInfo(r);
    const bad = idError(v.id);
    if (bad !== undefined) return `persistence id of ${what}: ${bad}`;
    if (Resources.reservationRole(r) === '*') return `persistent volume ${what} cannot be created from unreserved resources`;
    if (v.containerPath === '') return `persistent volume ${what} needs disk.volume.container_path`;
    if (v.containerPath.startsWith('/') || v.containerPath.split('/').includes('..')) return `persistent volume ${what}: container_path '${v.containerPath}' must be relative to the sandbox, without '..'`;
    if (r.revocable !== undefined) return `persistent volume ${what} cannot be revocable`;
    if (v.shared && !check.shared) return `shared persistent volume ${what} needs the SHARED_RESOURCES capability`;
    if (check.principal !== undefined && v.principal !== check.principal) {
      return `persistent volume ${what} has principal '${v.principal ?? ''}', but it is created by principal '${check.principal}'`;
    }
    const key = `${v.role}\u0000${v.id}`;
    if (taken.has(key)) return `persistent volume id '${v.id}' is already in use in role '${v.role}' on this agent`;
    taken.add(key);
  }
  return undefined;
}

/** Why DESTROY of `volumes` is refused, or undefined; `inUse` names a volume tasks or executors hold. */
export function destroyError(volumes: Resources, inUse: (v: VolumeInfo) => boolean): string | undefined {
  if (volumes.isEmpty()) return 'DESTROY needs volumes';
  for (const r of volumes.toJSON()) {
    if (!isPersistentVolume(r)) return `resource '${Resources.of([r]).toString()}' is not a persistent volume`;
    const v = volumeInfo(r);
    if (inUse(v)) return `persistent volume ${v.id} (role ${v.role}) is in use by a task or executor`;
  }
  return undefined;
}

export function createConversion(volumes: Resources): Conversion {
  return { consumed: plainDisk(volumes), converted: volumes };
}

export function destroyConversion(volumes: Resources): Conversion {
  return { consumed: volumes, converted: plainDisk(volumes) };
}
