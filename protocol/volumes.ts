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

/** Why GROW_VOLUME of `volume` by `addition` is refused, or undefined: the addition must be disk exactly like the volume's without its persistence (same reservations, same source; a MOUNT disk cannot grow). */
export function growError(volume: Resources, addition: Resources): string | undefined {
  const v = volume.toJSON();
  if (v.length !== 1 || !isPersistentVolume(v[0]!)) return `GROW_VOLUME needs one persistent volume, got '${volume.toString()}'`;
  const info = volumeInfo(v[0]!);
  if (info.shared) return `persistent volume ${info.id} is shared: shared volumes cannot grow`;
  if (info.source.type === 'MOUNT') return `persistent volume ${info.id} is on a MOUNT disk, which cannot grow`;
  const plain = plainDisk(volume).toJSON()[0]!;
  const a = addition.toJSON();
  if (a.length !== 1 || a[0]!.name !== 'disk' || isPersistentVolume(a[0]!)) return `GROW_VOLUME's addition must be one disk resource, got '${addition.toString()}'`;
  const same = Resources.of([{ ...a[0]!, scalar: plain.scalar! }]);
  if (!same.equals(Resources.of([plain]))) return `the addition '${addition.toString()}' is not disk like the volume's own (same reservations and source) '${Resources.of([plain]).toString()}'`;
  return undefined;
}

export function growConversion(volume: Resources, addition: Resources): Conversion {
  const v = volume.toJSON()[0]!;
  return { consumed: volume.add(addition), converted: Resources.of([{ ...v, scalar: { value: v.scalar!.value + addition.scalar('disk') } }]) };
}

/** Why SHRINK_VOLUME of `volume` by `subtract` MB is refused, or undefined. */
export function shrinkError(volume: Resources, subtract: number): string | undefined {
  const v = volume.toJSON();
  if (v.length !== 1 || !isPersistentVolume(v[0]!)) return `SHRINK_VOLUME needs one persistent volume, got '${volume.toString()}'`;
  const info = volumeInfo(v[0]!);
  if (info.shared) return `persistent volume ${info.id} is shared: shared volumes cannot shrink`;
  if (info.source.type === 'MOUNT') return `persistent volume ${info.id} is on a MOUNT disk, which cannot shrink`;
  if (!(subtract > 0) || !Number.isFinite(subtract)) return `SHRINK_VOLUME's subtract must be a positive number, got ${subtract}`;
  if (Math.round(subtract * 1000) >= volume.milli('disk')) return `persistent volume ${info.id} has ${volume.scalar('disk')} MB: it cannot shrink by ${subtract}`;
  return undefined;
}

export function shrinkConversion(volume: Resources, subtract: number): Conversion {
  const v = volume.toJSON()[0]!;
  const freed = plainDisk(volume).toJSON()[0]!;
  const left = Math.round((v.scalar!.value - subtract) * 1000) / 1000;
  return { consumed: volume, converted: Resources.of([{ ...v, scalar: { value: left } }, { ...freed, scalar: { value: subtract } }]) };
}

export function createConversion(volumes: Resources): Conversion {
  return { consumed: plainDisk(volumes), converted: volumes };
}

export function destroyConversion(volumes: Resources): Conversion {
  return { consumed: volumes, converted: plainDisk(volumes) };
}
