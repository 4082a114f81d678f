// The agent's GPUs: --nvidia_gpu_devices, gpus in --resources, what nvidia-smi lists, the device nodes (Mesos's rules).
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentFlagsError, agentFlags, agentResources, parseResourcesFlag } from '../flags.js';
import { agentGpus } from '../gpu-flags.js';
import type { GpuDevice } from '../containerizer/index.js';

// The test's own dev dir: plain files stand for device nodes, only their presence is checked here.
const dev = mkdtempSync(join(tmpdir(), 'gpu-flags-'));
for (const n of ['nvidia0', 'nvidia1', 'nvidia4']) writeFileSync(join(dev, n), '');
const host: GpuDevice[] = [{ index: 0, minor: 0 }, { index: 1, minor: 4 }];
const fail = (flag: string, message: string) => new AgentFlagsError(flag, message);

async function gpus(input: Record<string, string>, found: GpuDevice[] | Error = host): Promise<GpuDevice[]> {
  const f = agentFlags({ work_dir: '/tmp/unused', ...(input.isolation?.includes('gpu/nvidia') ? { nvidia_dev_dir: dev } : {}), ...input });
  return agentGpus(f, f.resources !== undefined ? parseResourcesFlag(f.resources) : undefined, fail, async () => {
    if (found instanceof Error) throw found;
    return found;
  });
}

describe('the agent\'s GPUs', () => {
  test('with gpu/nvidia: every GPU nvidia-smi lists, or the --nvidia_gpu_devices ones, with their minor numbers; gpus:0 for none', async () => {
    expect(await gpus({ isolation: 'gpu/nvidia' })).toEqual(host);
    expect(await gpus({ isolation: 'gpu/nvidia', nvidia_gpu_devices: '1', resources: 'gpus:1' })).toEqual([{ index: 1, minor: 4 }]);
    expect(await gpus({ isolation: 'gpu/nvidia', resources: 'gpus:0' })).toEqual([]);
    expect(await gpus({ isolation: 'gpu/nvidia' }, [])).toEqual([]);
    const f = agentFlags({ work_dir: '/tmp/unused', resources: 'cpus:1;mem:1;disk:1;ports:[1-2]' });
    expect((await agentResources(f, undefined, 2)).toString()).toBe('cpus:1;mem:1;disk:1;ports:[1-2];gpus:2');
  });

  test('without gpu/nvidia no GPU is offered: gpus in --resources refuse the start saying what to do; GPUs on the host are not looked for', async () => {
    await expect(gpus({ resources: 'gpus:2' })).rejects.toThrow('--resources gives gpus:2, but GPUs are offered only with the gpu/nvidia isolator (which gives each task its own): add gpu/nvidia to --isolation');
    // The host has 2 GPUs (the fake nvidia-smi above): an agent without the isolator starts and offers none, as Mesos's.
    expect(await gpus({})).toEqual([]);
    expect(await gpus({ resources: 'gpus:0' })).toEqual([]);
    expect(await gpus({}, [])).toEqual([]);
    expect(() => agentFlags({ nvidia_gpu_devices: '0' })).toThrow('--nvidia_gpu_devices can only be given if --isolation contains gpu/nvidia');
  });

  test('flags that do not fit each other, or the host, name what is wrong', async () => {
    const iso = { isolation: 'posix/cpu,gpu/nvidia' };
    await expect(gpus({ ...iso, nvidia_gpu_devices: '0,1' })).rejects.toThrow("--nvidia_gpu_devices cannot be given without 'gpus' in --resources");
    await expect(gpus({ ...iso, resources: 'gpus:2' })).rejects.toThrow("'gpus' in --resources needs --nvidia_gpu_devices (the indices of those GPUs)");
    await expect(gpus({ ...iso, resources: 'gpus:1', nvidia_gpu_devices: '0,1' })).rejects.toThrow('--resources gives gpus:1 but --nvidia_gpu_devices names 2 GPU(s) (0,1)');
    await expect(gpus({ ...iso, resources: 'gpus:1.5', nvidia_gpu_devices: '0' })).rejects.toThrow('--resources: gpus:1.5 is not a whole number of GPUs');
    await expect(gpus({ ...iso, resources: 'gpus:1', nvidia_gpu_devices: '3' })).rejects.toThrow('--nvidia_gpu_devices: GPU(s) 3 not on this host (nvidia-smi lists 0,1)');
    await expect(gpus({ ...iso, resources: 'gpus:0', nvidia_gpu_devices: '0' })).rejects.toThrow('--nvidia_gpu_devices cannot be given when --resources gives gpus:0');
    await expect(gpus(iso, [{ index: 0, minor: 7 }])).rejects.toThrow(`GPU(s) 0 (${join(dev, 'nvidia7')}): no device node`);
    await expect(gpus(iso, new Error('nvidia-smi failed: NVIDIA-SMI has failed'))).rejects.toThrow("cannot list this host's GPUs: nvidia-smi failed: NVIDIA-SMI has failed");
    expect(() => agentFlags({ ...iso, nvidia_gpu_devices: '0,0' })).toThrow('--nvidia_gpu_devices=0,0: contains duplicates');
    expect(() => agentFlags({ ...iso, nvidia_gpu_devices: 'a' })).toThrow('--nvidia_gpu_devices=a: expected GPU indices such as 0,1');
    expect(() => agentFlags({ ...iso, nvidia_dev_dir: 'dev' })).toThrow('--nvidia_dev_dir=dev: expected an absolute directory path');
  });
});
