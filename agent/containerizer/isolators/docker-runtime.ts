/**
 * docker/runtime (Mesos's isolator of that name): a container with a Docker
 * image runs the image's Entrypoint/Cmd unless its CommandInfo names a
 * command, with the image's Env (below the task's own) and in its WorkingDir.
 * Mesos's table (docs/isolators/docker-runtime.md):
 *
 *   shell=true,  value set   -> /bin/sh -c value (the image's Entrypoint/Cmd ignored)
 *   shell=true,  no value    -> error
 *   shell=false, value set   -> value with arguments
 *   shell=false, no value    -> Entrypoint + (arguments, else Cmd); no Entrypoint: Cmd[0] + (arguments, else Cmd[1..])
 */
import type { Provisioner } from '../../provisioner/provisioner.js';
import { envMap, type ImageConfig } from '../../provisioner/image-config.js';
import { ContainerizerError, type CommandSpec } from '../types.js';
import { PassiveIsolator } from './passive.js';
import type { Isolator, PrepareInfo, PrepareResult } from './isolator.js';

/** The command a container with an image runs. Throws INVALID_CONFIG when there is none. */
export function imageCommand(command: CommandSpec, image: ImageConfig, imageName: string): CommandSpec {
  if (command.shell) {
    if (!command.value) throw new ContainerizerError('INVALID_CONFIG', `A shell command needs a value (image ${imageName}); set shell=false to run the image's Entrypoint/Cmd`);
    return command;
  }
  if (command.value) return command;
  const entry = image.entrypoint ?? [];
  const cmd = image.cmd ?? [];
  const args = command.arguments;
  let argv: string[];
  if (entry.length > 0) argv = [...entry, ...(args ?? cmd)];
  else if (cmd.length > 0) argv = [cmd[0]!, ...(args ?? cmd.slice(1))];
  else throw new ContainerizerError('INVALID_CONFIG', `No command to run: the task's CommandInfo has no value and image ${imageName} has neither Entrypoint nor Cmd`);
  const out: CommandSpec = { shell: false, value: argv[0]!, arguments: argv };
  if (command.environment) out.environment = command.environment;
  return out;
}

export class DockerRuntimeIsolator extends PassiveIsolator implements Isolator {
  readonly name = 'docker/runtime';
  constructor(private readonly provisioner: Provisioner | null) {
    super();
  }

  async prepare(containerId: string, info: PrepareInfo): Promise<PrepareResult | void> {
    const image = info.config?.container?.image;
    if (!image || !info.config) return;
    if (!this.provisioner) throw new ContainerizerError('INVALID_CONFIG', `No image provider for DOCKER images (image ${image.name}): start the agent with --image_providers=docker`);
    const { image: img } = await this.provisioner.provision(containerId, image);
    try {
      return { command: imageCommand(info.config.command, img.config, image.name), env: envMap(img.config.env) };
    } catch (e) {
      if (e instanceof ContainerizerError) throw e;
      throw new ContainerizerError('INVALID_CONFIG', `image ${image.name}: ${(e as Error).message}`);
    }
  }
  async recover(): Promise<void> {}
  async cleanup(): Promise<void> {}
}
