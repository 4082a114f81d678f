/**
 * What a container runs in (Mesos's ContainerInfo, the parts the Mesos
 * containerizer honours): an image to provision as its root filesystem, and
 * host paths to mount into it. The agent maps the protocol's ContainerInfo
 * onto this (agent/container-info.ts).
 */
import type { RLimit } from './rlimits.js';
import { ContainerizerError } from './types.js';

export interface ImageSpec {
  type: 'DOCKER' | 'APPC';
  /** e.g. `busybox:latest`, `127.0.0.1:5000/team/app:v2`. */
  name: string;
  /** false: pull again even when the store has it (Mesos's Image.cached, default true). */
  cached?: boolean;
}

export interface VolumeSpec {
  /** Absolute: a path in the container's root; relative: under its sandbox. */
  containerPath: string;
  /** Absolute: a host path; relative: under the container's sandbox on the host. */
  hostPath: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  image?: ImageSpec;
  volumes?: VolumeSpec[];
  /** The task named no user (CommandInfo.user): with docker/runtime it runs as the image's User, when the image has one. */
  imageUser?: boolean;
  /** POSIX resource limits (Mesos's RLimitInfo), applied by posix/rlimits. */
  rlimits?: RLimit[];
}

/**
 * Refuses a container this containerizer cannot honour, naming why: an image
 * or volumes without filesystem/linux would run on the host's filesystem.
 */
export function checkContainerSupport(spec: ContainerSpec | undefined, isolation: readonly string[]): void {
  if (!spec) return;
  if (spec.image && !isolation.includes('filesystem/linux')) {
    throw new ContainerizerError(
      'INVALID_CONFIG',
      `The container has an image (${spec.image.name}) but this agent runs without the filesystem/linux isolator (--isolation=${isolation.join(',')}); ` +
        'start it with --isolation=...,filesystem/linux,docker/runtime --image_providers=docker to run images',
    );
  }
  if (spec.image?.type === 'APPC') throw new ContainerizerError('INVALID_CONFIG', `APPC images are not supported (image ${spec.image.name}); only --image_providers=docker`);
  if ((spec.rlimits?.length ?? 0) > 0 && !isolation.includes('posix/rlimits')) {
    throw new ContainerizerError('INVALID_CONFIG', `The container has resource limits (rlimit_info) but this agent runs without the posix/rlimits isolator (--isolation=${isolation.join(',')})`);
  }
  if ((spec.volumes?.length ?? 0) > 0 && !isolation.includes('filesystem/linux')) {
    throw new ContainerizerError('INVALID_CONFIG', `The container has volumes but this agent runs without the filesystem/linux isolator (--isolation=${isolation.join(',')})`);
  }
}
