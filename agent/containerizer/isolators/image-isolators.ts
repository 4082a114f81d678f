/**
 * Selection of the image isolators (filesystem/linux, docker/runtime): their
 * host checks, their order (last, so that their wrapper, which pivots into the
 * image, runs innermost: after unshare --pid and the cgroups prelude), and their
 * shared provisioner.
 */
import type { Provisioner } from '../../provisioner/provisioner.js';
import { ContainerizerError } from '../types.js';
import { DockerRuntimeIsolator } from './docker-runtime.js';
import { DEFAULT_SANDBOX_DIRECTORY, FilesystemLinuxIsolator, filesystemLinuxUsable } from './filesystem-linux.js';
import type { Isolator } from './isolator.js';

export interface ImageIsolationOptions {
  /** The image provisioner (`--image_providers=docker`); without it, a container with an image is refused. */
  provisioner?: Provisioner;
  /** Where the sandbox appears in a container with an image (Mesos's --sandbox_directory). */
  sandboxDirectory?: string;
}

const IMAGE_ISOLATORS = ['docker/runtime', 'filesystem/linux'];

/** Moves the image isolators to the end (docker/runtime before filesystem/linux); checks the host and the pairing. */
export function orderImageIsolatorsLast(names: string[], strict: boolean, warnings: string[]): string[] {
  const rest = names.filter((n) => !IMAGE_ISOLATORS.includes(n));
  let image = IMAGE_ISOLATORS.filter((n) => names.includes(n));
  if (image.includes('docker/runtime') && !image.includes('filesystem/linux')) {
    throw new ContainerizerError('UNKNOWN_ISOLATOR', "docker/runtime needs filesystem/linux: use --isolation=...,filesystem/linux,docker/runtime");
  }
  if (image.length > 0) {
    const why = filesystemLinuxUsable();
    if (why) {
      if (strict) throw new ContainerizerError('ISOLATOR_UNAVAILABLE', `filesystem/linux is not usable on this host: ${why}`);
      warnings.push(`filesystem/linux is not usable on this host (${why}); running without it: containers with images or volumes will be refused`);
      image = [];
    }
  }
  return [...rest, ...image];
}

export function imageIsolator(name: string, names: string[], opts: ImageIsolationOptions): Isolator {
  const provisioner = opts.provisioner ?? null;
  if (name === 'docker/runtime') return new DockerRuntimeIsolator(provisioner);
  if (name === 'filesystem/linux') {
    return new FilesystemLinuxIsolator(provisioner, {
      sandboxDirectory: opts.sandboxDirectory ?? DEFAULT_SANDBOX_DIRECTORY,
      dockerRuntime: names.includes('docker/runtime'),
    });
  }
  throw new ContainerizerError('UNKNOWN_ISOLATOR', `Unknown isolator '${name}'`);
}
