/**
 * The agent's GPUs (Mesos's NvidiaGpuAllocator::resources and its flags):
 *   --nvidia_gpu_devices=0,1   the GPU indices to manage; needs gpu/nvidia in
 *                              --isolation and `gpus` in --resources of the same count
 *   --nvidia_dev_dir=/dev      where the NVIDIA device nodes are (not a Mesos
 *                              flag: Mesos always looks in /dev)
 * With gpu/nvidia and neither `gpus` in --resources nor --nvidia_gpu_devices,
 * every GPU nvidia-smi lists is the agent's (`gpus:0` in --resources: none).
 * Without gpu/nvidia the agent offers no GPUs: `gpus` in --resources, or GPUs
 * nvidia-smi finds, make it refuse to start and say how to go on (a GPU given
 * to one task must not be open to every other).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { discoverGpus, type GpuDevice } from './containerizer/index.js';
import type { Resources } from '../protocol/resources.js';

export interface GpuFlags {
  readonly nvidia_gpu_devices?: readonly number[];
  readonly nvidia_dev_dir?: string;
}

export const GPU_FLAG_NAMES = ['nvidia_gpu_devices', 'nvidia_dev_dir'] as const;

type Fail = (flag: string, message: string) => Error;

const hasGpuIsolator = (isolation: string): boolean => isolation.split(',').includes('gpu/nvidia');

export function gpuFlags(input: Record<string, unknown>, isolation: string, fail: Fail): GpuFlags {
  const out: { -readonly [K in keyof GpuFlags]: GpuFlags[K] } = {};
  const devices = input.nvidia_gpu_devices;
  if (devices !== undefined) {
    const list = Array.isArray(devices) ? devices.map(String) : String(devices).split(',').map((s) => s.trim());
    if (list.length === 0 || list.some((s) => !/^\d+$/.test(s))) throw fail('nvidia_gpu_devices', `--nvidia_gpu_devices=${String(devices)}: expected GPU indices such as 0,1`);
    const indices = list.map(Number);
    if (new Set(indices).size !== indices.length) throw fail('nvidia_gpu_devices', `--nvidia_gpu_devices=${String(devices)}: contains duplicates`);
    out.nvidia_gpu_devices = indices;
  }
  if (input.nvidia_dev_dir !== undefined) {
    const dir = String(input.nvidia_dev_dir);
    if (!dir.startsWith('/')) throw fail('nvidia_dev_dir', `--nvidia_dev_dir=${dir}: expected an absolute directory path`);
    out.nvidia_dev_dir = dir;
  }
  const given = GPU_FLAG_NAMES.find((k) => input[k] !== undefined);
  if (given !== undefined && !hasGpuIsolator(isolation)) throw fail(given, `--${given} can only be given if --isolation contains gpu/nvidia`);
  return out;
}

/** The `gpus` of --resources: undefined when it does not name them (a `gpus:0` leaves no resource behind: the text says it, as Mesos reads it). */
function givenGpus(text: string | undefined, resources: Resources | undefined): number | undefined {
  if (resources !== undefined && resources.names().includes('gpus')) return resources.scalar('gpus');
  return text !== undefined && /(^|;)\s*gpus\s*[(:]/.test(text) ? 0 : undefined;
}

/**
 * The GPUs this agent manages (index and minor number each), checked against
 * --resources, --nvidia_gpu_devices, what nvidia-smi lists and the device
 * nodes in the dev dir. Throws, through `fail`, naming what does not fit.
 */
export async function agentGpus(
  flags: GpuFlags & { readonly isolation: string; readonly resources?: string },
  resources: Resources | undefined,
  fail: Fail,
  discover: () => Promise<GpuDevice[]> = () => discoverGpus(),
): Promise<GpuDevice[]> {
  const given = givenGpus(flags.resources, resources);
  const host = async (): Promise<GpuDevice[]> => {
    try {
      return await discover();
    } catch (e) {
      throw fail('isolation', `cannot list this host's GPUs: ${(e as Error).message}`);
    }
  };
  if (!hasGpuIsolator(flags.isolation)) {
    if (given !== undefined && given > 0) throw fail('resources', `--resources gives gpus:${given}, but GPUs are offered only with the gpu/nvidia isolator (which gives each task its own): add gpu/nvidia to --isolation`);
    // As Mesos: without the isolator the host's GPUs are not looked for, nor offered (an agent on a GPU host starts as
    // it would anywhere else; --isolation=...,gpu/nvidia offers them, each task getting its own).
    return [];
  }
  if (given === 0) {
    if (flags.nvidia_gpu_devices !== undefined) throw fail('nvidia_gpu_devices', '--nvidia_gpu_devices cannot be given when --resources gives gpus:0');
    return [];
  }
  if (flags.nvidia_gpu_devices !== undefined && given === undefined) throw fail('nvidia_gpu_devices', "--nvidia_gpu_devices cannot be given without 'gpus' in --resources");
  if (given !== undefined && flags.nvidia_gpu_devices === undefined) throw fail('resources', "'gpus' in --resources needs --nvidia_gpu_devices (the indices of those GPUs)");
  if (given !== undefined && !Number.isInteger(given)) throw fail('resources', `--resources: gpus:${given} is not a whole number of GPUs`);
  if (given !== undefined && flags.nvidia_gpu_devices!.length !== given) {
    throw fail('nvidia_gpu_devices', `--resources gives gpus:${given} but --nvidia_gpu_devices names ${flags.nvidia_gpu_devices!.length} GPU(s) (${flags.nvidia_gpu_devices!.join(',')})`);
  }
  const found = await host();
  let gpus = found;
  if (flags.nvidia_gpu_devices !== undefined) {
    const missing = flags.nvidia_gpu_devices.filter((i) => !found.some((g) => g.index === i));
    if (missing.length > 0) throw fail('nvidia_gpu_devices', `--nvidia_gpu_devices: GPU(s) ${missing.join(',')} not on this host (nvidia-smi lists ${found.length === 0 ? 'none' : found.map((g) => g.index).join(',')})`);
    gpus = flags.nvidia_gpu_devices.map((i) => found.find((g) => g.index === i)!);
  }
  const devDir = flags.nvidia_dev_dir ?? '/dev';
  const absent = gpus.filter((g) => !existsSync(join(devDir, `nvidia${g.minor}`)));
  if (absent.length > 0) throw fail('nvidia_dev_dir', `GPU(s) ${absent.map((g) => `${g.index} (${join(devDir, `nvidia${g.minor}`)})`).join(', ')}: no device node`);
  return gpus;
}
