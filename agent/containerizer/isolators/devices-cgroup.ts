/**
 * The cgroup v1 `devices` controller, as Mesos's devices subsystem uses it: a
 * group per container (`<mount>/<root>/<container_id>`) that first denies
 * every device (`a` to devices.deny), then allows the standard ones a process
 * needs and whatever the isolator adds (e.g. a container's GPUs). A process
 * in the group gets EPERM opening any other device node.
 *
 * cgroup v2 has no devices files (it filters with an eBPF program attached to
 * the group): not done here, and said so when the isolator is asked for.
 */
import { chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from 'libprocess-ts';
import { killAllAndRemove, readMounts } from './cgroups-fs.js';

/** One devices.allow / devices.deny line: `c 195:0 rwm`; a minor of '*' for all. */
export interface DeviceEntry {
  type: 'a' | 'b' | 'c';
  major: number | '*';
  minor: number | '*';
  access: string;
}

export const entryText = (e: DeviceEntry): string => (e.type === 'a' ? 'a' : `${e.type} ${e.major}:${e.minor} ${e.access}`);

/**
 * What every container may use, Mesos's default whitelist (its devices
 * subsystem): mknod of any node, the console and ttys, pseudo terminals,
 * /dev/net/tun, null, zero, full, random and urandom.
 */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceEntry[] = [
  { type: 'c', major: '*', minor: '*', access: 'm' },
  { type: 'b', major: '*', minor: '*', access: 'm' },
  { type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { type: 'c', major: 4, minor: 0, access: 'rwm' }, // /dev/tty0
  { type: 'c', major: 4, minor: 1, access: 'rwm' }, // /dev/tty1
  { type: 'c', major: 136, minor: '*', access: 'rwm' }, // /dev/pts/*
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
];

/** The character or block device at `path` as an entry with `access`; undefined when absent or not a device. */
export function deviceAt(path: string, access = 'rwm'): DeviceEntry | undefined {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return undefined;
  // glibc's gnu_dev_major / gnu_dev_minor.
  const r = st.rdev;
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { type: st.isCharacterDevice() ? 'c' : 'b', major, minor, access };
}

/** The mount point of the v1 devices hierarchy, or why there is none. */
export function findDevicesHierarchy(mountinfo?: string): { mount: string } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: `the devices cgroup needs root (the agent runs as uid ${process.getuid?.()})` };
  let mounts;
  try {
    mounts = readMounts(mountinfo);
  } catch (e) {
    return { reason: `cannot read /proc/self/mountinfo: ${(e as Error).message}` };
  }
  const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.superOpts.includes('devices'));
  if (v1) return { mount: v1.point };
  if (mounts.some((m) => m.fstype === 'cgroup2')) return { reason: 'only cgroup v2 is mounted, whose device control (an eBPF program) is not supported; the devices controller of cgroup v1 is needed' };
  return { reason: 'no cgroup v1 hierarchy with the devices controller is mounted' };
}

export class DevicesCgroups {
  constructor(
    readonly mount: string,
    readonly root: string,
  ) {}

  path(containerId: string): string {
    return join(this.mount, this.root, containerId);
  }

  /** Creates the group: every device denied, then `allowed` allowed; its cgroup.procs owned by `owner` so a prelude running as the task's user can enter it. */
  create(containerId: string, allowed: readonly DeviceEntry[], owner?: { uid: number; gid: number }): string {
    const dir = this.path(containerId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'devices.deny'), 'a');
    for (const e of allowed) writeFileSync(join(dir, 'devices.allow'), entryText(e));
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      chownSync(join(dir, 'cgroup.procs'), owner.uid, owner.gid);
      chownSync(join(dir, 'tasks'), owner.uid, owner.gid);
    }
    return dir;
  }

  allow(dir: string, entries: readonly DeviceEntry[]): void {
    for (const e of entries) writeFileSync(join(dir, 'devices.allow'), entryText(e));
  }

  deny(dir: string, entries: readonly DeviceEntry[]): void {
    for (const e of entries) writeFileSync(join(dir, 'devices.deny'), entryText(e));
  }

  /** Kills what is left in the group and removes it. Idempotent. */
  destroy(dir: string, clock: Clock): Promise<void> {
    return killAllAndRemove([dir], clock);
  }
}
