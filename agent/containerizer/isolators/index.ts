/**
 * Isolator selection from an --isolation string, as in Mesos:
 * 'posix/cpu,posix/mem' (the default), 'cgroups/cpu,cgroups/mem', 'disk/du', 'namespaces/pid', 'posix/rlimits',
 * 'network/ports', 'filesystem/linux', 'docker/runtime', 'gpu/nvidia'.
 */
import type { Clock } from 'libprocess-ts';
import { ContainerizerError, type Logger } from '../types.js';
import { probeCgroups, type CgroupBackend } from './cgroups-fs.js';
import { CgroupsIsolator } from './cgroups.js';
import { DiskDuIsolator } from './disk.js';
import type { Isolator } from './isolator.js';
import { PidNamespaceIsolator, unshareUsable } from './namespaces.js';
import { PosixIsolator } from './posix.js';
import { RLimitsIsolator } from './rlimits.js';
import { NetworkPortsIsolator, type NetworkPortsOptions } from './network-ports.js';
import { imageIsolator, orderImageIsolatorsLast, type ImageIsolationOptions } from './image-isolators.js';
import { DevicesCgroups, findDevicesHierarchy } from './devices-cgroup.js';
import { NvidiaGpuIsolator } from './gpu-nvidia.js';
import type { GpuAllocator } from '../nvidia.js';

export const KNOWN_ISOLATORS = ['posix/cpu', 'posix/mem', 'cgroups/cpu', 'cgroups/mem', 'disk/du', 'namespaces/pid', 'filesystem/linux', 'docker/runtime', 'posix/rlimits', 'network/ports', 'gpu/nvidia'] as const;
export const DEFAULT_ISOLATION = 'posix/cpu,posix/mem';

export interface IsolationOptions extends ImageIsolationOptions {
  clock: Clock;
  logger: Logger;
  /** Refuse (throw ISOLATOR_UNAVAILABLE) instead of falling back to posix when cgroups are unusable. */
  strict?: boolean;
  /** The parent group's name under each hierarchy. Default 'mesos-ts'. */
  cgroupsRoot?: string;
  /** A backend to use instead of probing (tests). */
  cgroupsBackend?: CgroupBackend;
  /** /proc/self/mountinfo text to probe instead of the host's (tests). */
  mountinfo?: string;
  cfsQuota?: boolean;
  oomPollMs?: number;
  diskWatchIntervalMs?: number;
  enforceDiskQuota?: boolean;
  /** network/ports: the watch interval, enforcement, the ports checked. */
  networkPorts?: Omit<NetworkPortsOptions, 'clock' | 'logger' | 'extraPids'>;
  /** gpu/nvidia: the agent's GPUs (required with it). */
  gpuAllocator?: GpuAllocator;
  /** gpu/nvidia: where the NVIDIA device nodes are. Default /dev. */
  nvidiaDevDir?: string;
}

export interface Isolation {
  isolators: Isolator[];
  /** The names actually in effect after any fallback. */
  names: string[];
  cgroups: CgroupBackend | null;
  warnings: string[];
}

/** Parses the names, with a clear error for an unknown one. */
export function parseIsolationNames(isolation: string): string[] {
  const names = isolation.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new ContainerizerError('UNKNOWN_ISOLATOR', `--isolation is empty; known isolators: ${KNOWN_ISOLATORS.join(', ')}`);
  for (const n of names) {
    if (!(KNOWN_ISOLATORS as readonly string[]).includes(n)) {
      throw new ContainerizerError('UNKNOWN_ISOLATOR', `Unknown isolator '${n}' in --isolation=${isolation}; known isolators: ${KNOWN_ISOLATORS.join(', ')}`);
    }
  }
  return [...new Set(names)];
}

export async function createIsolators(isolation: string, opts: IsolationOptions): Promise<Isolation> {
  const names = parseIsolationNames(isolation);
  const warnings: string[] = [];
  let backend: CgroupBackend | null = null;
  const effective: string[] = [];
  const wantsCgroups = names.some((n) => n.startsWith('cgroups/'));
  if (wantsCgroups) {
    if (opts.cgroupsBackend) backend = opts.cgroupsBackend;
    else {
      const probe = await probeCgroups(opts.cgroupsRoot ?? 'mesos-ts', opts.mountinfo);
      backend = probe.backend;
      if (!backend) {
        const msg = `cgroups isolation is not usable on this host: ${probe.reason}`;
        if (opts.strict) throw new ContainerizerError('ISOLATOR_UNAVAILABLE', msg);
        warnings.push(`${msg}; falling back to posix/cpu,posix/mem`);
      }
    }
  }
  for (const n of names) {
    if (n.startsWith('cgroups/') && !backend) effective.push(n.replace('cgroups/', 'posix/'));
    else if (n === 'namespaces/pid') {
      const why = unshareUsable();
      if (why) {
        if (opts.strict) throw new ContainerizerError('ISOLATOR_UNAVAILABLE', `namespaces/pid is not usable on this host: ${why}`);
        warnings.push(`namespaces/pid is not usable on this host (${why}); running without it`);
      } else effective.push(n);
    } else effective.push(n);
  }
  const devices = names.includes('gpu/nvidia') ? gpuDevicesCgroups(opts) : undefined;
  const unique = orderImageIsolatorsLast([...new Set(effective)], opts.strict === true, warnings);
  const isolators: Isolator[] = unique.map((n): Isolator => {
    switch (n) {
      case 'posix/cpu':
        return new PosixIsolator('cpu');
      case 'posix/mem':
        return new PosixIsolator('mem');
      case 'cgroups/cpu':
      case 'cgroups/mem':
        return new CgroupsIsolator(n === 'cgroups/cpu' ? 'cpu' : 'mem', {
          backend: backend!,
          clock: opts.clock,
          ...(opts.cfsQuota !== undefined ? { cfsQuota: opts.cfsQuota } : {}),
          ...(opts.oomPollMs !== undefined ? { oomPollMs: opts.oomPollMs } : {}),
        });
      case 'disk/du':
        return new DiskDuIsolator({
          clock: opts.clock,
          ...(opts.diskWatchIntervalMs !== undefined ? { intervalMs: opts.diskWatchIntervalMs } : {}),
          ...(opts.enforceDiskQuota !== undefined ? { enforce: opts.enforceDiskQuota } : {}),
        });
      case 'namespaces/pid':
        return new PidNamespaceIsolator();
      case 'posix/rlimits':
        return new RLimitsIsolator();
      case 'network/ports':
        return new NetworkPortsIsolator({
          intervalMs: 30_000,
          enforce: false,
          ...opts.networkPorts,
          clock: opts.clock,
          logger: opts.logger,
          // The container's cgroups' members, when a cgroups isolator tracks them (a child that left the group).
          extraPids: async (id) => (await Promise.all(isolators.filter((i) => i.pids && i.name !== 'network/ports').map((i) => i.pids!(id)))).flat(),
        });
      case 'gpu/nvidia':
        return new NvidiaGpuIsolator({ allocator: opts.gpuAllocator!, cgroups: devices!, devDir: opts.nvidiaDevDir ?? '/dev', clock: opts.clock, logger: opts.logger });
      default:
        return imageIsolator(n, unique, opts);
    }
  });
  for (const w of warnings) opts.logger.warn(w);
  if (backend) opts.logger.info(`using ${backend.describe()}`);
  return { isolators, names: unique, cgroups: backend, warnings };
}

/** gpu/nvidia's devices groups; it has no fallback (GPUs unisolated would be offered as if they were): ISOLATOR_UNAVAILABLE naming why. */
function gpuDevicesCgroups(opts: IsolationOptions): DevicesCgroups {
  if (!opts.gpuAllocator) throw new ContainerizerError('INVALID_CONFIG', "gpu/nvidia needs the agent's GPUs (--nvidia_gpu_devices, or found by nvidia-smi)");
  const found = findDevicesHierarchy(opts.mountinfo);
  if ('reason' in found) throw new ContainerizerError('ISOLATOR_UNAVAILABLE', `gpu/nvidia is not usable on this host: ${found.reason}`);
  return new DevicesCgroups(found.mount, opts.cgroupsRoot ?? 'mesos-ts');
}

export type { Isolator, PrepareInfo, PrepareResult, RecoverInfo } from './isolator.js';
export { CgroupsIsolator } from './cgroups.js';
export { CgroupsV1, CgroupsV2, probeCgroups, type CgroupBackend, type CgroupPaths } from './cgroups-fs.js';
export { DiskDuIsolator } from './disk.js';
export { PosixIsolator } from './posix.js';
export { PidNamespaceIsolator } from './namespaces.js';
