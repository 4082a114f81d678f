/** The provisioner from the agent's image flags (undefined without --image_providers). */
import { join } from 'node:path';
import type { Clock } from 'libprocess-ts';
import { DEFAULT_DOCKER_REGISTRY, dockerStoreDir, type ImageFlags } from '../image-flags.js';
import { LocalPuller } from './local-puller.js';
import { Provisioner } from './provisioner.js';
import { RegistryPuller } from './registry-puller.js';
import type { Puller } from './store.js';
import { parseImageGcConfig, startImageGc, type ImageGc } from './image-gc.js';
import type { ImageIsolationOptions } from '../containerizer/isolators/image-isolators.js';

export function pullerFor(registry: string, clock: Clock): Puller {
  return /^https?:\/\//.test(registry) ? new RegistryPuller({ url: registry, clock }) : new LocalPuller(registry);
}

export function createProvisioner(flags: ImageFlags & { work_dir: string }, clock: Clock): Provisioner | undefined {
  if (flags.image_providers !== 'docker') return undefined;
  return new Provisioner({
    dir: join(flags.work_dir, 'provisioner'),
    storeDir: dockerStoreDir(flags),
    puller: pullerFor(flags.docker_registry ?? DEFAULT_DOCKER_REGISTRY, clock),
    now: () => clock.now(),
    ...(flags.image_provisioner_scratch ? { scratch: flags.image_provisioner_scratch } : {}),
  });
}

export { Provisioner } from './provisioner.js';
export { ImageStore, type Puller, type ProvisionedImage } from './store.js';

/** The containerizer's image options, and a start for the automatic image gc (`--image_gc_config`), to stop with the agent. */
export function imageIsolation(flags: ImageFlags & { work_dir: string }, clock: Clock, log: (m: string) => void): { options: ImageIsolationOptions; startGc: () => ImageGc | undefined } {
  const provisioner = createProvisioner(flags, clock);
  const gcConfig = flags.image_gc_config;
  return {
    options: {
      ...(provisioner ? { provisioner } : {}),
      ...(flags.sandbox_directory ? { sandboxDirectory: flags.sandbox_directory } : {}),
    },
    startGc: () => (provisioner && gcConfig !== undefined ? startImageGc(provisioner.store, parseImageGcConfig(gcConfig), clock, log) : undefined),
  };
}
