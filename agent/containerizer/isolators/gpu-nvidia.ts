/**
 * gpu/nvidia (Mesos's isolator of that name): each container gets whole GPUs
 * from the agent's GpuAllocator, as many as its `gpus` resource, and a cgroup
 * v1 devices group that denies every device except the standard ones, the
 * NVIDIA control devices (nvidiactl, nvidia-uvm, nvidia-uvm-tools, where the
 * dev dir has them) once it holds a GPU, and its own /dev/nvidia<minor>.
 * CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES name its indices; a container
 * with an image gets the same nodes made in its own /dev (filesystem/linux). The GPUs
 * are checkpointed with the container, claimed again on recovery and freed at
 * cleanup. A nested container (`<parent>.<child>`) joins its parent's group
 * and sees its parent's GPUs, as Mesos's nested containers share the parent's
 * devices cgroup.
 */
import { join } from 'node:path';
import type { Clock } from 'libprocess-ts';
import { NVIDIA_MAJOR, type GpuAllocator, type GpuDevice } from '../nvidia.js';
import { ContainerizerError, type Limits, type Logger } from '../types.js';
import { DEFAULT_ALLOWED_DEVICES, deviceAt, type DeviceEntry, type DevicesCgroups } from './devices-cgroup.js';
import type { DeviceNode, Isolator, PrepareInfo, PrepareResult, RecoverInfo } from './isolator.js';
import { PassiveIsolator } from './passive.js';

export interface GpuIsolatorOptions {
  allocator: GpuAllocator;
  cgroups: DevicesCgroups;
  /** Where the device nodes are (default /dev; tests: a directory of fake nodes). */
  devDir: string;
  clock: Clock;
  logger: Logger;
}

interface State {
  dir: string;
  gpus: GpuDevice[];
  /** A nested container in its parent's group: nothing of its own to free. */
  nested: boolean;
}

interface Saved {
  dir?: string;
  indices?: number[];
}

export const CONTROL_DEVICES = ['nvidiactl', 'nvidia-uvm', 'nvidia-uvm-tools'] as const;

export class NvidiaGpuIsolator extends PassiveIsolator implements Isolator {
  readonly name = 'gpu/nvidia';
  private readonly containers = new Map<string, State>();

  constructor(private readonly opts: GpuIsolatorOptions) {
    super();
  }

  /** The control devices the dev dir has, as devices cgroup entries. */
  private controlDevices(): DeviceEntry[] {
    return CONTROL_DEVICES.map((n) => deviceAt(join(this.opts.devDir, n))).filter((e): e is DeviceEntry => e !== undefined);
  }

  private gpuEntry(g: GpuDevice): DeviceEntry {
    return deviceAt(join(this.opts.devDir, `nvidia${g.minor}`)) ?? { type: 'c', major: NVIDIA_MAJOR, minor: g.minor, access: 'rwm' };
  }

  private allowed(gpus: readonly GpuDevice[]): DeviceEntry[] {
    return [...DEFAULT_ALLOWED_DEVICES, ...(gpus.length > 0 ? this.controlDevices() : []), ...gpus.map((g) => this.gpuEntry(g))];
  }

  /** The nodes a container with its own root needs in its /dev: the control devices and its GPUs, named as on the host. */
  private nodes(gpus: readonly GpuDevice[]): DeviceNode[] {
    if (gpus.length === 0) return [];
    const named = [...CONTROL_DEVICES, ...gpus.map((g) => `nvidia${g.minor}`)].map((name) => ({ name, e: deviceAt(join(this.opts.devDir, name)) }));
    return named.flatMap(({ name, e }) => (e && e.type === 'c' && e.major !== '*' && e.minor !== '*' ? [{ name, major: e.major, minor: e.minor }] : []));
  }

  private env(gpus: readonly GpuDevice[]): Record<string, string> | undefined {
    if (gpus.length === 0) return undefined;
    const list = gpus.map((g) => g.index).join(',');
    return { CUDA_VISIBLE_DEVICES: list, NVIDIA_VISIBLE_DEVICES: list };
  }

  private parentOf(containerId: string): State | undefined {
    const dot = containerId.lastIndexOf('.');
    return dot > 0 ? this.containers.get(containerId.slice(0, dot)) : undefined;
  }

  async prepare(containerId: string, info: PrepareInfo): Promise<PrepareResult> {
    const parent = this.parentOf(containerId);
    if (parent) {
      this.containers.set(containerId, { dir: parent.dir, gpus: parent.gpus, nested: true });
      const env = this.env(parent.gpus);
      return { cgroupProcs: [join(parent.dir, 'cgroup.procs')], devices: this.nodes(parent.gpus), ...(env ? { env } : {}) };
    }
    const count = info.limits.gpus ?? 0;
    let gpus: GpuDevice[];
    try {
      gpus = this.opts.allocator.allocate(count);
    } catch (e) {
      throw new ContainerizerError('LAUNCH_FAILED', `Container ${containerId}: ${(e as Error).message}`);
    }
    try {
      const owner = info.uid !== undefined ? { uid: info.uid, gid: info.gid ?? 0 } : undefined;
      const dir = this.opts.cgroups.create(containerId, this.allowed(gpus), owner);
      this.containers.set(containerId, { dir, gpus, nested: false });
      const env = this.env(gpus);
      return { cgroupProcs: [join(dir, 'cgroup.procs')], devices: this.nodes(gpus), ...(env ? { env } : {}) };
    } catch (e) {
      this.opts.allocator.release(gpus.map((g) => g.index));
      throw new ContainerizerError('CGROUPS', `Container ${containerId}: cannot set up its devices cgroup: ${(e as Error).message}`);
    }
  }

  override async isolate(): Promise<void> {
    // The launcher's prelude enters the group before exec (prepare's cgroupProcs).
  }

  checkpointState(containerId: string): unknown {
    const st = this.containers.get(containerId);
    return st && !st.nested ? { dir: st.dir, indices: st.gpus.map((g) => g.index) } : undefined;
  }

  async recover(containerId: string, info: RecoverInfo): Promise<void> {
    const parent = this.parentOf(containerId);
    if (parent) {
      this.containers.set(containerId, { dir: parent.dir, gpus: parent.gpus, nested: true });
      return;
    }
    const saved = (info.state ?? {}) as Saved;
    let gpus: GpuDevice[] = [];
    try {
      gpus = this.opts.allocator.claim(saved.indices ?? []);
    } catch (e) {
      this.opts.logger.warn(`container ${containerId}: cannot take back its GPUs ${(saved.indices ?? []).join(',')}: ${(e as Error).message}`);
    }
    this.containers.set(containerId, { dir: saved.dir ?? this.opts.cgroups.path(containerId), gpus, nested: false });
  }

  /** A custom executor's container given more or fewer GPUs (its tasks came or went): whole GPUs taken or given back, the group following. */
  async update(containerId: string, limits: Limits): Promise<void> {
    const st = this.containers.get(containerId);
    if (!st || st.nested) return;
    const want = limits.gpus ?? 0;
    if (want > st.gpus.length) {
      const more = this.opts.allocator.allocate(want - st.gpus.length);
      this.opts.cgroups.allow(st.dir, [...(st.gpus.length === 0 ? this.controlDevices() : []), ...more.map((g) => this.gpuEntry(g))]);
      st.gpus = [...st.gpus, ...more];
    } else if (want < st.gpus.length) {
      const fewer = st.gpus.slice(want);
      this.opts.cgroups.deny(st.dir, [...fewer.map((g) => this.gpuEntry(g)), ...(want === 0 ? this.controlDevices() : [])]);
      this.opts.allocator.release(fewer.map((g) => g.index));
      st.gpus = st.gpus.slice(0, want);
    }
  }

  async cleanup(containerId: string): Promise<void> {
    const st = this.containers.get(containerId);
    if (!st) return;
    this.containers.delete(containerId);
    if (st.nested) return;
    try {
      await this.opts.cgroups.destroy(st.dir, this.opts.clock);
    } finally {
      this.opts.allocator.release(st.gpus.map((g) => g.index));
    }
  }
}
