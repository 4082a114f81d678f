/** The isolator interface (Mesos's mesos::slave::Isolator, reduced to what we need). */
import type { MountPlan } from '../mount-plan.js';
import type { RLimit } from '../rlimits.js';
import type { CommandSpec, ContainerConfig, Limitation, Limits, ResourceStatistics } from '../types.js';

/** A character device a container with its own root needs in its /dev (gpu/nvidia's GPUs), made there by filesystem/linux. */
export interface DeviceNode {
  /** Its name under /dev (no slash): `nvidia0`. */
  name: string;
  major: number;
  minor: number;
}

export interface PrepareInfo {
  limits: Limits;
  sandbox: string;
  uid?: number;
  gid?: number;
  /** The whole launch request (its command, its ContainerSpec); absent on recovery. */
  config?: ContainerConfig;
  /** Device nodes the isolators prepared before this one asked for (PrepareResult.devices). */
  devices?: DeviceNode[];
}

/** What an isolator contributes to the launch. */
export interface PrepareResult {
  /** `cgroup.procs` files the process must enter before exec. */
  cgroupProcs?: string[];
  /** A command prefix (e.g. unshare for namespaces/pid). */
  wrapper?: string[];
  env?: Record<string, string>;
  /** The command to run instead of the requested one (docker/runtime: the image's Entrypoint/Cmd). */
  command?: CommandSpec;
  /** filesystem/linux's mounts (the launcher carries them out, innermost). */
  mounts?: MountPlan;
  /** The mounts switch to the user themselves (they must be made as root): the launcher starts the process as root. */
  switchesUser?: boolean;
  /** Resource limits for the process (posix/rlimits). */
  rlimits?: RLimit[];
  /** Device nodes the container needs in its /dev when it has a root of its own (filesystem/linux makes them). */
  devices?: DeviceNode[];
}

/** What recovery knows of a container (from its checkpoint). */
export interface RecoverInfo extends PrepareInfo {
  pid: number;
  /** The isolator's own checkpointed state, as returned by checkpointState(). */
  state: unknown;
}

export interface Isolator {
  /** The --isolation name, e.g. 'cgroups/mem'. */
  readonly name: string;
  /** Sets the container up before its process exists. */
  prepare(containerId: string, info: PrepareInfo): Promise<PrepareResult | void>;
  /** Told the pid once the process runs (it leads its own process group). */
  isolate(containerId: string, pid: number): Promise<void>;
  /** State to checkpoint with the container, handed back to recover(). */
  checkpointState?(containerId: string): unknown;
  /** Takes a container back after an agent restart. */
  recover(containerId: string, info: RecoverInfo): Promise<void>;
  /** Resolves when the container hits a limit; stays pending otherwise. */
  watch(containerId: string): Promise<Limitation>;
  /** A last check when the process has exited (e.g. an OOM kill of the main process). */
  limitationAtExit?(containerId: string): Promise<Limitation | null>;
  usage(containerId: string): Promise<Partial<ResourceStatistics>>;
  /** The running container's resources changed (Mesos's Isolator::update): follow the new limits. */
  update?(containerId: string, limits: Limits): Promise<void>;
  /** Pids inside the container by this isolator's account (cgroup members), for kill. */
  pids?(containerId: string): Promise<number[]>;
  /** Kills anything left that it can see and releases everything. Idempotent. */
  cleanup(containerId: string): Promise<void>;
}

/** A promise resolved from outside; watch() implementations keep one per container. */
export class Deferred<T> {
  resolve!: (v: T) => void;
  readonly promise: Promise<T>;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((r) => {
      this.resolve = (v) => {
        if (this.settled) return;
        this.settled = true;
        r(v);
      };
    });
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024 && n % (1024 * 1024 * 1024) === 0) return `${n / 1024 / 1024 / 1024}GB`;
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 100) / 100}MB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 100) / 100}KB`;
  return `${n}B`;
}
