/**
 * A task's or executor's ContainerInfo → the containerizer's ContainerSpec,
 * validated (it comes from a framework): `type: MESOS` with `mesos.image`
 * (DOCKER) and `volumes` (host_path → container_path, RO/RW). `type: DOCKER`
 * (the Docker containerizer) is refused naming why; so is anything this agent
 * would otherwise silently ignore (an image volume, a volume source).
 * `rlimit_info` (posix/rlimits) is checked: known types, both limits or neither, soft <= hard.
 */
import type { ContainerInfo } from '../protocol/types.js';
import type { ContainerSpec, ImageSpec, VolumeSpec } from './containerizer/container-spec.js';
import { parseRLimitInfo } from './containerizer/rlimits.js';
import { ImageReferenceError, parseImageReference } from './provisioner/reference.js';

export type ContainerSpecResult = { spec?: ContainerSpec; error?: undefined } | { error: string; spec?: undefined };

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function image(v: unknown): ImageSpec | string {
  const o = obj(v);
  if (!o) return 'container.mesos.image must be an object';
  const type = o.type;
  if (type === 'APPC' || type === 1) return 'container.mesos.image: APPC images are not supported by this agent (--image_providers=docker only)';
  if (type !== 'DOCKER' && type !== 2) return `container.mesos.image.type must be DOCKER, got ${JSON.stringify(type)}`;
  const docker = obj(o.docker);
  if (!docker || typeof docker.name !== 'string') return 'container.mesos.image.docker.name is required for a DOCKER image';
  try {
    parseImageReference(docker.name);
  } catch (e) {
    if (e instanceof ImageReferenceError) return `container.mesos.image.docker.name: ${e.message}`;
    throw e;
  }
  if (docker.credential !== undefined || docker.config !== undefined) return 'container.mesos.image.docker: registry credentials (credential, config) are not supported by this agent';
  if (o.cached !== undefined && typeof o.cached !== 'boolean') return 'container.mesos.image.cached must be a boolean';
  return { type: 'DOCKER', name: docker.name, ...(o.cached === false ? { cached: false } : {}) };
}

/** The spec of a ContainerInfo, or the error naming what is wrong with it (for TASK_ERROR). */
export function containerSpecOf(info: ContainerInfo | undefined): ContainerSpecResult {
  if (!info) return {};
  if (info.type === 'DOCKER') {
    return {
      error:
        'ContainerInfo.type DOCKER needs the Docker containerizer, which this agent does not run (--containerizers=mesos): ' +
        'use type MESOS with mesos.image {type: DOCKER, docker: {name}} to run a Docker image without a daemon',
    };
  }
  if (info.type !== 'MESOS') return { error: `container.type must be MESOS or DOCKER, got ${JSON.stringify(info.type)}` };
  const spec: ContainerSpec = {};
  if (info.mesos?.image !== undefined) {
    const img = image(info.mesos.image);
    if (typeof img === 'string') return { error: img };
    spec.image = img;
  }
  const volumes: VolumeSpec[] = [];
  for (const [i, v] of (info.volumes ?? []).entries()) {
    const where = `container.volumes[${i}]`;
    if (v.image !== undefined || v.source !== undefined) return { error: `${where}: image and source volumes are not supported by this agent; give host_path` };
    if (typeof v.container_path !== 'string' || v.container_path === '') return { error: `${where}.container_path is required` };
    if (typeof v.host_path !== 'string' || v.host_path === '') return { error: `${where}.host_path is required` };
    if (v.mode !== undefined && v.mode !== 'RW' && v.mode !== 'RO') return { error: `${where}.mode must be RW or RO` };
    for (const p of [v.container_path, v.host_path]) if (p.split('/').includes('..') || p.includes('\0')) return { error: `${where}: ${JSON.stringify(p)} has a '..' component` };
    volumes.push({ containerPath: v.container_path, hostPath: v.host_path, readOnly: v.mode === 'RO' });
  }
  if (volumes.length > 0) spec.volumes = volumes;
  try {
    const rlimits = parseRLimitInfo(info.rlimit_info);
    if (rlimits.length > 0) spec.rlimits = rlimits;
  } catch (e) {
    return { error: (e as Error).message };
  }
  return spec.image || spec.volumes || spec.rlimits ? { spec } : {};
}
