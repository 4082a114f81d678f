/** The provisioner from the agent's image flags (undefined without --image_providers). */
import { join } from 'node:path';
import type { Clock } from 'libprocess-ts';
import { DEFAULT_DOCKER_REGISTRY, dockerStoreDir, type ImageFlags } from '../image-flags.js';
import { LocalPuller } from './local-puller.js';
import { Provisioner } from './provisioner.js';
import { RegistryPuller } from './registry-puller.js';
import type { Puller } from './store.js';
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
  });
}

export { Provisioner } from './provisioner.js';
export { ImageStore, type Puller, type ProvisionedImage } from './store.js';

export function imageIsolation(flags: ImageFlags & { work_dir: string }, clock: Clock): ImageIsolationOptions {
  const provisioner = createProvisioner(flags, clock);
  return {
    ...(provisioner ? { provisioner } : {}),
    ...(flags.sandbox_directory ? { sandboxDirectory: flags.sandbox_directory } : {}),
  };
}
