/**
 * filesystem/linux (Mesos's isolator of that name): a container with an image
 * runs in its own mount namespace, pivot_root'ed into the provisioned rootfs
 * (an overlay: the image's shared layers, its own writable layer), with
 *
 *   /mnt/mesos/sandbox   the sandbox (--sandbox_directory), MESOS_SANDBOX set to it
 *   /proc                a new proc mount; /sys read-only
 *   /dev                 a tmpfs with null, zero, full, random, urandom, tty, pts, shm
 *   /tmp                 the sandbox's tmp/ (1777): counted in the sandbox, removed with it
 *   /etc/resolv.conf, /etc/hosts   the host's, read-only (host networking)
 *   ContainerInfo.volumes          host path -> container path, RO or RW
 *
 * The working directory is the image's WorkingDir with docker/runtime, else
 * the sandbox. A container without an image but with volumes gets them bound
 * in a mount namespace of its own over the host's filesystem.
 */
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { Provisioner } from '../../provisioner/provisioner.js';
import type { VolumeSpec } from '../container-spec.js';
import { ContainerizerError } from '../types.js';
import { PassiveIsolator } from './passive.js';
import type { Isolator, PrepareInfo, PrepareResult, RecoverInfo } from './isolator.js';
import { mountPlanUnsupported, validateMountPlan, type MountPlan } from '../mount-plan.js';
import { giveSandboxTo, resolveImageUser } from './image-user.js';

export const DEFAULT_SANDBOX_DIRECTORY = '/mnt/mesos/sandbox';

/** Why filesystem/linux cannot work here, or null. */
export function filesystemLinuxUsable(): string | null {
  if (process.getuid?.() !== 0) return 'filesystem/linux needs root (mount namespaces, pivot_root)';
  const launcher = mountPlanUnsupported();
  if (launcher) return launcher;
  let fss = '';
  try {
    fss = readFileSync('/proc/filesystems', 'utf8');
  } catch {
    return 'cannot read /proc/filesystems';
  }
  if (!/\toverlay$/m.test(fss)) return 'the kernel has no overlay filesystem (modprobe overlay)';
  return null;
}

function cleanPath(p: string, what: string): string {
  if (p.length === 0 || p.includes('\0')) throw new ContainerizerError('INVALID_CONFIG', `${what} is empty or has a NUL byte`);
  const n = normalize(p);
  if (n.split('/').includes('..')) throw new ContainerizerError('INVALID_CONFIG', `${what} ${JSON.stringify(p)} has a '..' component`);
  return n;
}

interface State {
  chainId?: string;
}

export class FilesystemLinuxIsolator extends PassiveIsolator implements Isolator {
  readonly name = 'filesystem/linux';
  private readonly chains = new Map<string, string>();

  constructor(
    private readonly provisioner: Provisioner | null,
    private readonly opts: { sandboxDirectory: string; dockerRuntime: boolean },
  ) {
    super();
  }

  /** A relative host path is a directory in the sandbox, made when missing (as Mesos does). */
  private async sandboxSources(volumes: VolumeSpec[], sandbox: string): Promise<void> {
    for (const v of volumes) if (!isAbsolute(v.hostPath)) await mkdir(join(sandbox, cleanPath(v.hostPath, 'volume host_path')), { recursive: true });
  }

  private binds(volumes: VolumeSpec[], sandbox: string, inRoot: boolean): MountPlan['binds'] {
    return volumes.map((v) => {
      const host = cleanPath(v.hostPath, 'volume host_path');
      const ctr = cleanPath(v.containerPath, 'volume container_path');
      const source = isAbsolute(host) ? host : join(sandbox, host);
      const target = isAbsolute(ctr) ? ctr : join(inRoot ? this.opts.sandboxDirectory : sandbox, ctr);
      return { source, target, readOnly: v.readOnly };
    });
  }

  async prepare(containerId: string, info: PrepareInfo): Promise<PrepareResult | void> {
    const spec = info.config?.container;
    const volumes = spec?.volumes ?? [];
    await this.sandboxSources(volumes, info.sandbox);
    if (!spec?.image) {
      if (volumes.length === 0) return;
      for (const v of volumes) {
        if (isAbsolute(v.containerPath) && !(await stat(v.containerPath).catch(() => null))) {
          throw new ContainerizerError('INVALID_CONFIG', `volume container_path ${v.containerPath} does not exist on the host (a container without an image mounts on the host's paths)`);
        }
      }
      return { mounts: validateMountPlan({ binds: this.binds(volumes, info.sandbox, false) }) };
    }
    if (!this.provisioner) throw new ContainerizerError('INVALID_CONFIG', `No image provider for DOCKER images (image ${spec.image.name}): start the agent with --image_providers=docker`);
    let rootfs;
    try {
      rootfs = await this.provisioner.provision(containerId, spec.image);
    } catch (e) {
      throw new ContainerizerError('LAUNCH_FAILED', `Failed to provision image ${spec.image.name}: ${(e as Error).message}`);
    }
    this.chains.set(containerId, rootfs.image.chainId);
    const sandboxDir = this.opts.sandboxDirectory;
    await this.provisioner.ensureMountPoints(rootfs.image.rootfs, ['proc', 'sys', 'dev', 'tmp', sandboxDir], ['etc/resolv.conf', 'etc/hosts']);
    const tmp = join(info.sandbox, 'tmp');
    await mkdir(tmp, { recursive: true });
    await chmod(tmp, 0o1777);
    // The image's User, when the task named none (resolved in the image): the sandbox becomes its, with what was fetched into it.
    let ids = info.uid !== undefined ? { uid: info.uid, gid: info.gid ?? info.uid } : undefined;
    let home: string | undefined;
    const imageUser = this.opts.dockerRuntime && spec.imageUser ? rootfs.image.config.user : undefined;
    if (imageUser !== undefined) {
      const u = await resolveImageUser(rootfs.image.rootfs, imageUser, spec.image.name);
      ids = { uid: u.uid, gid: u.gid };
      home = u.home;
      for (const f of ['stdout', 'stderr']) await writeFile(join(info.sandbox, f), '', { flag: 'a' });
      for (const f of [info.sandbox, join(info.sandbox, 'stdout'), join(info.sandbox, 'stderr')]) await chown(f, u.uid, u.gid);
      // What was fetched into the sandbox belongs to the framework's user the fetch ran as: the task's now.
      await giveSandboxTo(info.sandbox, info.uid ?? process.getuid?.() ?? 0, u);
    }
    const plan: MountPlan = {
      // In memory: the layer holds at most the container's memory (its pages count there too); no limit: tmpfs's default.
      root: rootfs.scratch
        ? { lower: rootfs.image.rootfs, ...rootfs.scratch, target: rootfs.target }
        : { lower: rootfs.image.rootfs, target: rootfs.target, tmpfs: { sizeKib: Math.ceil((info.limits.memMb ?? 0) * 1024) } },
      binds: [
        { source: info.sandbox, target: sandboxDir, readOnly: false },
        { source: tmp, target: '/tmp', readOnly: false },
        { source: '/etc/resolv.conf', target: '/etc/resolv.conf', readOnly: true, optional: true },
        { source: '/etc/hosts', target: '/etc/hosts', readOnly: true, optional: true },
        ...this.binds(volumes, info.sandbox, true),
      ],
      workdir: (this.opts.dockerRuntime ? rootfs.image.config.workingDir : undefined) ?? sandboxDir,
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
      ...(info.devices && info.devices.length > 0 ? { devices: info.devices } : {}),
    };
    return { mounts: validateMountPlan(plan), env: { MESOS_SANDBOX: sandboxDir, ...(home !== undefined ? { HOME: home } : {}) }, switchesUser: true };
  }

  checkpointState(containerId: string): State | undefined {
    const chainId = this.chains.get(containerId);
    return chainId ? { chainId } : undefined;
  }

  async recover(containerId: string, info: RecoverInfo): Promise<void> {
    const s = info.state as State | undefined;
    if (s && typeof s.chainId === 'string' && this.provisioner) {
      this.chains.set(containerId, s.chainId);
      this.provisioner.recover(containerId, s.chainId);
    }
  }

  async cleanup(containerId: string): Promise<void> {
    this.chains.delete(containerId);
    await this.provisioner?.destroy(containerId);
  }
}
