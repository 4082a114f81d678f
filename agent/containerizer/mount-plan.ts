/**
 * filesystem/linux's mount plan: what a container with an image (or volumes)
 * gets in a mount namespace of its own before its command runs. The root, an
 * overlay (the image's shared rootfs below, the container's own upper dir
 * above), /proc, /sys read-only, a minimal /dev, the sandbox at
 * /mnt/mesos/sandbox, /tmp, the volumes, then pivot_root, the working
 * directory and the user.
 *
 * The plan travels as data (LaunchSpec.mounts) and is carried out in C by
 * mesos-ts-launcher (helper/mounts.c): in the forked child of the launcher
 * itself, so a container with an image costs no exec more than one without;
 * behind other wrappers (namespaces/pid's unshare) and for the other
 * launchers, as `mesos-ts-launcher mount <n> <fields> -- <command>`.
 *
 * Checked here before it leaves the agent (absolute paths without '..', no
 * NUL, overlay directories without ',' or ':', device names, numbers), and
 * again by the launcher, which also refuses to make or mount on a path through
 * a symlink of the image (it could point anywhere on the host).
 */
import { isAbsolute } from 'node:path';
import { findHelper } from './binaries.js';
import { ContainerizerError } from './types.js';

/** The container's root: an overlay of `lower` (read-only) under a writable layer, with `target` its mount point. */
export type RootPlan =
  /** The writable layer in the directories `upper` and `work` (the overlay's), on the agent's disk. */
  | { lower: string; upper: string; work: string; target: string }
  /** The writable layer in memory: a tmpfs of the container's own (`sizeKib`, 0: tmpfs's default) on `target`, holding the overlay's upper and work dirs and its mount point. */
  | { lower: string; target: string; tmpfs: { sizeKib: number } };

export interface MountPlan {
  /** The container's root; absent: no new root (volumes only). */
  root?: RootPlan;
  /** Binds, in order: host source, destination (absolute; inside the root when there is one), read-only; optional: skipped when the source is missing. */
  binds: { source: string; target: string; readOnly: boolean; optional?: boolean }[];
  /** Working directory (inside the root). */
  workdir?: string;
  uid?: number;
  gid?: number;
  /** Character devices made in the root's /dev (with `root`): its name there, major, minor. */
  devices?: { name: string; major: number; minor: number }[];
}

function bad(what: string): never {
  throw new ContainerizerError('INVALID_CONFIG', `mount plan: ${what}`);
}

function checkPath(p: string, what: string): string {
  if (p.includes('\0')) bad(`${what} ${JSON.stringify(p)} has a NUL byte`);
  if (!isAbsolute(p)) bad(`${what} ${JSON.stringify(p)} is not an absolute path`);
  if (p.split('/').includes('..')) bad(`${what} ${JSON.stringify(p)} leaves its root ('..')`);
  return p;
}

function checkId(n: number | undefined, what: string, max: number): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= max)) bad(`${what} ${n} is not an integer in 0..${max}`);
}

/** The plan, checked; throws INVALID_CONFIG naming what is wrong. */
export function validateMountPlan(plan: MountPlan): MountPlan {
  if (plan.root) {
    const root = plan.root;
    // The paths that go into the overlay's mount options (comma- and colon-separated).
    const options: [string, string][] = 'tmpfs' in root ? [['lower', root.lower], ['scratch tmpfs', root.target]] : [['lower', root.lower], ['upper', root.upper], ['work', root.work]];
    for (const [k, p] of options) if (/[,:]/.test(checkPath(p, `overlay ${k} directory`))) bad(`overlay ${k} directory ${p} has ',' or ':' (overlay mount options)`);
    checkPath(root.target, 'root mount point');
    if ('tmpfs' in root) checkId(root.tmpfs.sizeKib, 'root tmpfs size (KiB)', 2 ** 40);
  }
  for (const b of plan.binds) {
    checkPath(b.source, 'volume source');
    checkPath(b.target, 'volume destination');
  }
  if (plan.workdir !== undefined) checkPath(plan.workdir, 'working directory');
  if (plan.devices?.length && !plan.root) bad('device nodes need a root of the container\'s own');
  for (const d of plan.devices ?? []) {
    if (!/^[A-Za-z0-9_.-]+$/.test(d.name) || d.name === '.' || d.name === '..') bad(`device name ${JSON.stringify(d.name)}`);
    checkId(d.major, `device ${d.name} major`, 0xfff);
    checkId(d.minor, `device ${d.name} minor`, 0xfffff);
  }
  checkId(plan.uid, 'uid', 0xfffffffe);
  checkId(plan.gid, 'gid', 0xfffffffe);
  return plan;
}

/** The plan as the launcher's operations (helper/mounts.c), checked first. */
export function mountPlanFields(plan: MountPlan): string[] {
  validateMountPlan(plan);
  const f: string[] = [];
  const root = plan.root;
  if (root) f.push(...('tmpfs' in root ? ['root-tmpfs', root.lower, root.target, String(root.tmpfs.sizeKib)] : ['root', root.lower, root.upper, root.work, root.target]));
  for (const b of plan.binds) f.push(b.optional ? 'bind?' : 'bind', b.source, b.target, b.readOnly ? 'ro' : 'rw');
  for (const d of plan.devices ?? []) f.push('node', d.name, String(d.major), String(d.minor));
  if (plan.workdir !== undefined) f.push('workdir', plan.workdir);
  if (plan.uid !== undefined) f.push('user', String(plan.uid), String(plan.gid ?? plan.uid));
  return f;
}

/** Why a mount plan cannot be carried out here (the launcher is not built), or null. */
export function mountPlanUnsupported(): string | null {
  return findHelper() ? null : 'mesos-ts-launcher is not built (make build): it carries out the mounts';
}

/** The argv prefix that runs a command inside the plan's mounts (behind other wrappers, or for the other launchers). */
export function mountWrapper(plan: MountPlan): string[] {
  const helper = findHelper();
  if (!helper) throw new ContainerizerError('LAUNCH_FAILED', mountPlanUnsupported()!);
  const fields = mountPlanFields(plan);
  return [helper, 'mount', String(fields.length), ...fields, '--'];
}
