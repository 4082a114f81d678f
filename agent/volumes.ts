/**
 * Persistent volumes on the agent. A volume's data lives under the work dir,
 * at `volumes/roles/<role>/<persistence id>` (Mesos's layout), created when
 * the master's `checkpoint_resources` first holds the volume and deleted
 * only when a later one no longer does (DESTROY), never while a task holds
 * it. A container whose resources hold volumes sees each at its
 * `container_path` in the sandbox: a bind mount in the task's own mount
 * namespace when the agent runs as root and the task as root (a mount plan
 * without a root, ContainerConfig.volumeMounts, carried out by the launcher
 * before it execs the task: a private namespace, the host and other tasks
 * never see it; no shell, no unshare), a symlink otherwise; a container with an image gets them as volumes of its own
 * (filesystem/linux bind-mounts them in its root). Which one is said in the task's TASK_RUNNING message.
 *
 *   checkpoint_resources ─► sync(before, after): mkdir new, rm -r destroyed (not in use)
 *   launch ─► attach(config, volumes): symlink, or the binds in config.volumeMounts
 *
 * Directories and links go through the agent's disk (AgentDisk, off the event
 * loop), so the simulator runs volumes on its simulated disk too.
 */
import { chownSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import { volumesOf, type VolumeInfo } from '../protocol/volumes.js';
import type { Resource, Resources } from '../protocol/resources.js';
import type { ContainerConfig } from './containerizer/types.js';
import { mountPlanUnsupported } from './containerizer/mount-plan.js';
import { resolveUser } from './containerizer/launcher.js';
import type { AgentDisk } from './disk.js';

/** Where a volume's data lives: under the work dir (ROOT disk) or the PATH disk's root, as Mesos lays them out; a MOUNT disk's volume is its root. */
export function volumePath(workDir: string, v: Pick<VolumeInfo, 'role' | 'id' | 'source'>): string {
  if (v.source.type === 'MOUNT' && v.source.root !== undefined) return v.source.root;
  const base = v.source.type === 'PATH' && v.source.root !== undefined ? v.source.root : workDir;
  return join(base, 'volumes', 'roles', v.role, v.id);
}

/** A volume's key in volumeKeys (its role and persistence id). */
export const volumeKey = (v: Pick<VolumeInfo, 'role' | 'id'>): string => `${v.role}\u0000${v.id}`;
const key = volumeKey;

/** How the volumes of a container were made visible. */
export type VolumeMethod = 'bind mount' | 'symlink';

/** Whether this agent can give containers a private mount namespace with bind mounts: root, and the launcher (mesos-ts-launcher) built, which makes them. */
export function bindMountsUsable(): boolean {
  return process.getuid?.() === 0 && mountPlanUnsupported() === null;
}

export class AgentVolumes {
  readonly #notes = new Map<string, string>();
  /** The volume changes asked so far, done (directories are made off the event loop). */
  #syncing: Promise<void> = Promise.resolve();
  #bindMounts: boolean | undefined;

  constructor(
    private readonly workDir: string,
    private readonly logger: { info(m: string): void; warn(m: string): void },
    private readonly disk: AgentDisk,
    /** Whether bind mounts can be made (default: asked of the OS once, on first use). */
    bindMounts?: boolean,
  ) {
    this.#bindMounts = bindMounts;
  }

  /** The master's new checkpointed set: new volumes get their directory, destroyed ones lose it (unless a task still holds it). */
  sync(before: Resources, after: Resources, inUse: ReadonlySet<string>): Promise<void> {
    // One after the other, and every attach after the syncs asked before it (a launch right after its CREATE).
    const done = this.#syncing.then(() => this.#sync(before, after, inUse));
    this.#syncing = done.catch(() => {});
    return done;
  }

  async #sync(before: Resources, after: Resources, inUse: ReadonlySet<string>): Promise<void> {
    const old = new Map(volumesOf(before.toJSON()).map((v) => [key(v), v]));
    const now = new Map(volumesOf(after.toJSON()).map((v) => [key(v), v]));
    for (const [k, v] of now) {
      if (old.has(k)) continue;
      await this.disk.mkdirpLater(volumePath(this.workDir, v));
      this.logger.info(`created persistent volume ${v.id} of role ${v.role} at ${volumePath(this.workDir, v)}`);
    }
    for (const [k, v] of old) {
      if (now.has(k)) continue;
      if (inUse.has(k)) {
        this.logger.warn(`persistent volume ${v.id} of role ${v.role} was destroyed but a task still holds it: its data is kept`);
        continue;
      }
      const path = volumePath(this.workDir, v);
      // A MOUNT disk's volume is the filesystem's root: its contents go, the mount point stays.
      if (v.source.type === 'MOUNT') await this.disk.emptyDirLater(path);
      else await this.disk.removeLater(path);
      this.logger.info(`destroyed persistent volume ${v.id} of role ${v.role}: ${volumePath(this.workDir, v)} removed`);
    }
  }

  /**
   * The container's config with its volumes attached (the sandbox exists):
   * the binds for the launcher to make (volumeMounts), or symlinks made in the sandbox.
   * Throws, naming the volume, when one cannot be attached.
   */
  async attach(config: ContainerConfig, resources: readonly Resource[]): Promise<ContainerConfig> {
    const volumes = volumesOf(resources);
    if (volumes.length === 0) return config;
    await this.#syncing;
    if (config.container?.image !== undefined) return this.#intoImage(config, volumes);
    // A volume the task owns is its user's (a shared one stays as it is: several users may use it).
    const owner = config.user !== undefined ? await resolveUser(config.user) : undefined;
    const bind = (config.user === undefined || config.user === 'root' || config.user === userInfo().username) && (this.#bindMounts ??= bindMountsUsable());
    const mounts: { source: string; target: string; readOnly: boolean }[] = [];
    for (const v of volumes) {
      const source = volumePath(this.workDir, v);
      if (!this.disk.exists(source)) throw new Error(`persistent volume ${v.id} of role ${v.role} does not exist on this agent (${source})`);
      const target = join(config.sandbox, v.containerPath);
      if (!target.startsWith(config.sandbox + '/')) throw new Error(`persistent volume ${v.id}: container_path '${v.containerPath}' leaves the sandbox`);
      if (owner !== undefined && !v.shared) chownSync(source, owner.uid, owner.gid);
      await this.disk.mkdirpLater(dirname(target));
      if (bind) {
        if (!this.disk.exists(target)) await this.disk.mkdirpLater(target);
        mounts.push({ source, target, readOnly: v.mode === 'RO' });
      } else if (!this.disk.exists(target)) {
        await this.disk.symlinkLater(source, target);
      }
    }
    const method: VolumeMethod = bind ? 'bind mount' : 'symlink';
    this.#notes.set(config.containerId, `persistent volume${volumes.length > 1 ? 's' : ''} ${volumes.map((v) => `${v.id} at ${v.containerPath}`).join(', ')} (${method})`);
    return bind ? { ...config, volumeMounts: [...(config.volumeMounts ?? []), ...mounts] } : config;
  }

  /**
   * A container with an image has its own root filesystem and mount namespace (filesystem/linux): its
   * persistent volumes go with its other volumes, bind-mounted by that isolator at their path under the sandbox.
   */
  #intoImage(config: ContainerConfig, volumes: readonly VolumeInfo[]): ContainerConfig {
    for (const v of volumes) {
      const source = volumePath(this.workDir, v);
      if (!this.disk.exists(source)) throw new Error(`persistent volume ${v.id} of role ${v.role} does not exist on this agent (${source})`);
    }
    this.#notes.set(config.containerId, `persistent volume${volumes.length > 1 ? 's' : ''} ${volumes.map((v) => `${v.id} at ${v.containerPath}`).join(', ')} (bind mount)`);
    const extra = volumes.map((v) => ({ containerPath: v.containerPath, hostPath: volumePath(this.workDir, v), readOnly: v.mode === 'RO' }));
    return { ...config, container: { ...config.container, volumes: [...(config.container?.volumes ?? []), ...extra] } };
  }

  /** What the container's TASK_RUNNING says of its volumes (none: {}). */
  message(containerId: string): { message?: string } {
    const note = this.#notes.get(containerId);
    return note === undefined ? {} : { message: note };
  }

  forget(containerId: string): void {
    this.#notes.delete(containerId);
  }
}

/** The volumes (role, id keys) the given resources of live tasks and executors hold. */
export function volumeKeys(resources: Iterable<readonly Resource[]>): Set<string> {
  const out = new Set<string>();
  for (const list of resources) for (const v of volumesOf(list)) out.add(key(v));
  return out;
}
