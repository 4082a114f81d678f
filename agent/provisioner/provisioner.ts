/**
 * The provisioner (Mesos's `src/slave/containerizer/mesos/provisioner/`):
 * for a container with an image, the image's shared rootfs from the store
 * plus the container's own writable layer: the overlay's upper dir
 * `<work_dir>/provisioner/containers/<id>` and its work dir
 * `<work_dir>/provisioner/workdirs/<id>` (siblings, as the overlay wants them:
 * one filesystem, neither inside the other). Both image isolators
 * (filesystem/linux, docker/runtime) ask it, and get one answer per container.
 *
 * Every container's overlay is mounted on the same empty directory,
 * `<work_dir>/provisioner/mnt`: each in its own mount namespace (nothing is
 * mounted there on the host). So a container makes and removes two
 * directories of its own, no more: on a busy ext4 without a journal each new
 * inode is a scan of the recently deleted ones.
 *
 * With `scratch: 'tmpfs'` (`--image_provisioner_scratch=tmpfs`) the writable
 * layer is not on the agent's disk at all: the launcher mounts a tmpfs of the
 * container's own on the shared mount point, in the container's namespace,
 * and makes the overlay's upper and work dirs there (helper/mounts.c,
 * `root-tmpfs`). The container then makes and removes nothing here.
 */
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeOffLoop } from '../containerizer/remover.js';
import { ImageStore, type ProvisionedImage, type Puller } from './store.js';

export interface ContainerRootfs {
  image: ProvisionedImage;
  /** The overlay dirs of this container on the agent's disk (upper is its writable layer); absent: the layer is in a tmpfs of its own. */
  scratch?: { upper: string; work: string };
  /** The empty mount point the overlay is mounted on (inside the container's mount namespace only), shared by every container. */
  target: string;
}

export interface ProvisionerOptions {
  /** `<work_dir>/provisioner`. */
  dir: string;
  /** `--docker_store_dir`. */
  storeDir: string;
  puller: Puller;
  now: () => number;
  /** Where a container's writable layer lives: its own directories here (default), or a tmpfs of its own (see above). */
  scratch?: 'disk' | 'tmpfs';
}

export class Provisioner {
  readonly store: ImageStore;
  private readonly containers = new Map<string, Promise<ContainerRootfs>>();
  private readonly mountPoints = new Map<string, Promise<void>>();
  /** `containers/` and the shared mount point `mnt`, made once. */
  private dirs: Promise<void> | undefined;

  constructor(private readonly opts: ProvisionerOptions) {
    for (const [flag, p] of [['work_dir', opts.dir], ['docker_store_dir', opts.storeDir]] as const) {
      // The overlay mount options are comma- and colon-separated.
      if (/[,:\n]/.test(p)) throw new Error(`--${flag}=${p}: filesystem/linux needs a path without ',' ':' or newlines (overlay mount options)`);
    }
    this.store = new ImageStore(opts.storeDir, opts.puller, opts.now);
  }

  /** The container's writable layer (the overlay's upper dir). */
  containerDir(containerId: string): string {
    return join(this.opts.dir, 'containers', containerId);
  }

  /** The overlay's work dir for the container. */
  private workDir(containerId: string): string {
    return join(this.opts.dir, 'workdirs', containerId);
  }

  /** The container's rootfs (pulled and built when needed); one answer per container. */
  provision(containerId: string, image: { name: string; cached?: boolean }): Promise<ContainerRootfs> {
    let p = this.containers.get(containerId);
    if (!p) {
      p = this.provisionOnce(containerId, image);
      this.containers.set(containerId, p);
      p.catch(() => this.containers.delete(containerId));
    }
    return p;
  }

  private async provisionOnce(containerId: string, image: { name: string; cached?: boolean }): Promise<ContainerRootfs> {
    const img = await this.store.provisionFor(containerId, image.name, image.cached === false ? { cached: false } : {});
    const target = join(this.opts.dir, 'mnt');
    const onDisk = this.opts.scratch !== 'tmpfs';
    if (!this.dirs) {
      this.dirs = Promise.all(['containers', 'workdirs', 'mnt'].map((d) => mkdir(join(this.opts.dir, d), { recursive: true, mode: 0o755 }))).then(() => undefined);
      this.dirs.catch(() => (this.dirs = undefined));
    }
    await this.dirs;
    if (!onDisk) return { image: img, target };
    const scratch = { upper: this.containerDir(containerId), work: this.workDir(containerId) };
    // recursive: one mkdir each when the parent is there, and no error when a directory is (a launch retried).
    await Promise.all([mkdir(scratch.upper, { recursive: true, mode: 0o755 }), mkdir(scratch.work, { recursive: true, mode: 0o755 })]);
    return { image: img, scratch, target };
  }

  /**
   * Makes the mount points (directories, and files where the path ends in a
   * file name listed in `files`) in an image's shared rootfs, once per rootfs
   * and before a container of it mounts it: its containers then write nothing
   * to their own layer to mount on them. A path through a symlink is left alone
   * (the mount helper refuses it).
   */
  ensureMountPoints(rootfs: string, dirs: string[], files: string[]): Promise<void> {
    const key = `${rootfs}\n${dirs.join('\n')}\n${files.join('\n')}`;
    let p = this.mountPoints.get(key);
    if (!p) {
      p = (async () => {
        for (const [path, isFile] of [...dirs.map((d) => [d, false] as const), ...files.map((f) => [f, true] as const)]) {
          let cur = rootfs;
          const parts = path.split('/').filter((x) => x !== '');
          for (const [i, c] of parts.entries()) {
            cur = join(cur, c);
            const st = await lstat(cur).catch(() => null);
            if (st?.isSymbolicLink()) break;
            if (st) continue;
            if (isFile && i === parts.length - 1) await writeFile(cur, '', { flag: 'wx', mode: 0o644 }).catch(() => {});
            else await mkdir(cur, { mode: 0o755 }).catch(() => {});
          }
        }
      })();
      p.catch(() => this.mountPoints.delete(key));
      this.mountPoints.set(key, p);
    }
    return p;
  }

  /** After an agent restart: the container's image is in use again. */
  recover(containerId: string, chainId: string): void {
    this.store.acquire(containerId, chainId);
  }

  /** Drops the container's writable layer and its hold on the image. Idempotent. */
  async destroy(containerId: string): Promise<void> {
    const p = this.containers.get(containerId);
    this.containers.delete(containerId);
    const rootfs = await p?.catch(() => undefined);
    this.store.release(containerId);
    // A layer in a tmpfs went with the container's namespace. Unknown here (recovered after a restart, maybe from an
    // agent that kept it on disk), or on disk: removed.
    if (rootfs && !rootfs.scratch) return;
    // One trip to the removal thread (both paths asked in this turn), not one thread-pool trip per entry.
    await Promise.all([removeOffLoop(this.containerDir(containerId)), removeOffLoop(this.workDir(containerId))]);
  }
}
