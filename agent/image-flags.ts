/**
 * The agent's image flags, Mesos's names (src/slave/flags.cpp):
 * `--image_providers=docker`, `--docker_registry` (a registry URL, or a
 * directory of image tarballs), `--docker_store_dir`, `--sandbox_directory`,
 * `--containerizers`; and `--image_provisioner_scratch=disk|tmpfs` (ours:
 * where a container's writable layer lives). Validated at the edge, with the pairing Mesos requires:
 * an image provider needs filesystem/linux and docker/runtime.
 */
import { join } from 'node:path';
import { parseImageGcConfig } from './provisioner/image-gc.js';

export interface ImageFlags {
  /** `docker` to run containers with Docker images; absent: none (a task with an image is refused). */
  readonly image_providers?: string;
  /** A registry URL (`http://127.0.0.1:5000`, `https://...`) or an absolute directory of tarballs. Default Docker Hub. */
  readonly docker_registry?: string;
  /** The image store (default `<work_dir>/store/docker`). */
  readonly docker_store_dir?: string;
  /** Where the sandbox is mounted in a container with an image (default /mnt/mesos/sandbox). */
  readonly sandbox_directory?: string;
  /** Containerizers (default `mesos`, the only one here). */
  readonly containerizers?: string;
  /** Mesos's JSON (image_disk_headroom, image_disk_watch_interval, excluded_images): automatic image gc. */
  readonly image_gc_config?: string;
  /**
   * Where a container's writable layer (the overlay's upper and work dirs) lives: `disk` (default, under
   * `<work_dir>/provisioner`, as Mesos's overlay backend keeps it) or `tmpfs`, a tmpfs of the container's own, in its
   * mount namespace: in memory, charged to the container's memory cgroup and bounded by its memory limit.
   */
  readonly image_provisioner_scratch?: 'disk' | 'tmpfs';
}

export const IMAGE_FLAG_NAMES = ['image_providers', 'docker_registry', 'docker_store_dir', 'sandbox_directory', 'containerizers', 'image_gc_config', 'image_provisioner_scratch'] as const;

export const DEFAULT_DOCKER_REGISTRY = 'https://registry-1.docker.io';

type Fail = (flag: string, message: string) => Error;

/** The image flags given (validated); throws via `fail(flag, message)`. */
export function imageFlags(input: Record<string, unknown>, isolation: string, fail: Fail): ImageFlags {
  const out: { -readonly [K in keyof ImageFlags]: ImageFlags[K] } = {};
  const str = (k: (typeof IMAGE_FLAG_NAMES)[number]): string | undefined => (input[k] === undefined ? undefined : String(input[k]).trim());
  const providers = str('image_providers');
  if (providers !== undefined && providers !== '') {
    const list = providers.toLowerCase().split(',').map((s) => s.trim());
    for (const p of list) {
      if (p === 'appc') throw fail('image_providers', `--image_providers=${providers}: APPC images are not supported; use docker`);
      if (p !== 'docker') throw fail('image_providers', `--image_providers=${providers}: unknown image provider '${p}' (known: docker)`);
    }
    const names = isolation.split(',');
    if (!names.includes('filesystem/linux') || !names.includes('docker/runtime')) {
      throw fail('image_providers', `--image_providers=docker needs --isolation to include filesystem/linux and docker/runtime (got --isolation=${isolation})`);
    }
    out.image_providers = 'docker';
  }
  const registry = str('docker_registry');
  if (registry !== undefined) {
    if (/^https?:\/\//.test(registry)) {
      try {
        new URL(registry);
      } catch {
        throw fail('docker_registry', `--docker_registry=${registry}: not a valid URL`);
      }
    } else if (!registry.startsWith('/')) {
      throw fail('docker_registry', `--docker_registry=${registry}: expected an http(s):// registry URL or an absolute directory of image tarballs`);
    }
    out.docker_registry = registry;
  }
  for (const k of ['docker_store_dir', 'sandbox_directory'] as const) {
    const v = str(k);
    if (v === undefined) continue;
    if (!v.startsWith('/') || /[,:\n]/.test(v)) throw fail(k, `--${k}=${v}: expected an absolute path without ',' ':' or newlines`);
    out[k] = v;
  }
  const containerizers = str('containerizers');
  if (containerizers !== undefined) {
    for (const c of containerizers.split(',').map((s) => s.trim())) {
      if (c === 'docker') {
        throw fail('containerizers', `--containerizers=${containerizers}: the Docker containerizer (a Docker daemon driven through its CLI) is not part of mesos-ts; use --containerizers=mesos with --image_providers=docker, which runs Docker images without a daemon`);
      }
      if (c !== 'mesos') throw fail('containerizers', `--containerizers=${containerizers}: unknown containerizer '${c}' (known: mesos)`);
    }
    out.containerizers = 'mesos';
  }
  const scratch = str('image_provisioner_scratch');
  if (scratch !== undefined) {
    if (scratch !== 'disk' && scratch !== 'tmpfs') throw fail('image_provisioner_scratch', `--image_provisioner_scratch=${scratch}: expected disk or tmpfs`);
    out.image_provisioner_scratch = scratch;
  }
  const gc = str('image_gc_config');
  if (gc !== undefined) {
    try {
      parseImageGcConfig(gc);
    } catch (e) {
      throw fail('image_gc_config', `--image_gc_config=${gc}: ${(e as Error).message}`);
    }
    out.image_gc_config = gc;
  }
  return out;
}

export function dockerStoreDir(flags: ImageFlags & { work_dir: string }): string {
  return flags.docker_store_dir ?? join(flags.work_dir, 'store', 'docker');
}

/** The image flags as /flags and /state show them (the defaults filled in). */
export function imageFlagTexts(flags: ImageFlags & { work_dir: string }): Record<string, string> {
  return {
    ...(flags.image_providers !== undefined ? { image_providers: flags.image_providers } : {}),
    docker_registry: flags.docker_registry ?? DEFAULT_DOCKER_REGISTRY,
    docker_store_dir: dockerStoreDir(flags),
    sandbox_directory: flags.sandbox_directory ?? '/mnt/mesos/sandbox',
    containerizers: flags.containerizers ?? 'mesos',
    image_provisioner_scratch: flags.image_provisioner_scratch ?? 'disk',
    ...(flags.image_gc_config !== undefined ? { image_gc_config: flags.image_gc_config } : {}),
  };
}
