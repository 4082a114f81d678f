/**
 * cgroups/cpu and cgroups/mem: one group per container under <root>, cpu
 * shares (and CFS quota) from cpus, a hard memory limit from mem, OOM kills
 * reported as REASON_CONTAINER_LIMITATION_MEMORY, usage read back from the
 * groups, groups removed on cleanup after killing whatever is left in them.
 */
import type { Clock } from 'libprocess-ts';
import type { Limitation, Limits, ResourceStatistics } from '../types.js';
import type { CgroupBackend, CgroupPaths, Subsystem } from './cgroups-fs.js';
import { Deferred, formatBytes, type Isolator, type PrepareInfo, type PrepareResult, type RecoverInfo } from './isolator.js';

interface State {
  paths: CgroupPaths;
  memBytes?: number;
  cpus?: number;
  limitation: Deferred<Limitation>;
  timer?: { cancel(): void };
  stopped: boolean;
}

export interface CgroupsIsolatorOptions {
  backend: CgroupBackend;
  clock: Clock;
  /** Enforce cpus with a CFS quota as well as shares (Mesos --cgroups_enable_cfs). Default true. */
  cfsQuota?: boolean;
  /** How often memory groups are checked for OOM kills. Default 250 ms. */
  oomPollMs?: number;
}

export class CgroupsIsolator implements Isolator {
  readonly name: string;
  private readonly containers = new Map<string, State>();
  private readonly subsystems: Subsystem[];

  constructor(
    readonly kind: 'cpu' | 'mem',
    private readonly opts: CgroupsIsolatorOptions,
  ) {
    this.name = `cgroups/${kind}`;
    this.subsystems = kind === 'cpu' ? ['cpu', 'cpuacct'] : ['memory'];
  }

  get backend(): CgroupBackend {
    return this.opts.backend;
  }

  async prepare(containerId: string, info: PrepareInfo): Promise<PrepareResult> {
    const paths = this.opts.backend.paths(containerId, this.subsystems);
    const owner = info.uid !== undefined ? { uid: info.uid, gid: info.gid ?? 0 } : undefined;
    await this.opts.backend.create(paths, owner);
    const st: State = { paths, limitation: new Deferred(), stopped: false };
    this.containers.set(containerId, st);
    if (this.kind === 'cpu' && info.limits.cpus !== undefined) {
      st.cpus = info.limits.cpus;
      await this.opts.backend.setCpu(paths, info.limits.cpus, this.opts.cfsQuota ?? true);
    }
    if (this.kind === 'mem' && info.limits.memMb !== undefined) {
      st.memBytes = Math.round(info.limits.memMb * 1024 * 1024);
      await this.opts.backend.setMemory(paths, st.memBytes);
    }
    return { cgroupProcs: this.opts.backend.procsFiles(paths) };
  }

  /**
   * New limits for a running container (a custom executor given a task, or one of its tasks ended):
   * cpu shares and quota follow; the memory soft limit follows, and the hard limit only grows, as
   * in Mesos (lowering it under the container's usage would have the kernel kill it).
   */
  async update(containerId: string, limits: Limits): Promise<void> {
    const st = this.containers.get(containerId);
    if (!st) return;
    if (this.kind === 'cpu' && limits.cpus !== undefined && limits.cpus !== st.cpus) {
      st.cpus = limits.cpus;
      await this.opts.backend.setCpu(st.paths, limits.cpus, this.opts.cfsQuota ?? true);
    }
    if (this.kind === 'mem' && limits.memMb !== undefined) {
      const bytes = Math.round(limits.memMb * 1024 * 1024);
      if (bytes !== st.memBytes) {
        await this.opts.backend.setMemory(st.paths, bytes, st.memBytes !== undefined && bytes < st.memBytes);
        st.memBytes = Math.max(bytes, st.memBytes ?? 0);
      }
    }
  }

  async isolate(containerId: string): Promise<void> {
    // The launcher's prelude writes the process into the groups before it execs
    // the command, so nothing the command forks can start outside them. The
    // pid is not written from here as well: every cgroup attach takes the
    // kernel's cgroup_threadgroup_rwsem for writing, which stalls every fork on
    // the host, and halving the attaches is worth ~1.5x in launch throughput.
    if (this.kind === 'mem') this.startOomPolling(containerId);
  }

  checkpointState(containerId: string): unknown {
    const st = this.containers.get(containerId);
    return st ? { version: this.opts.backend.version, paths: st.paths } : undefined;
  }

  async recover(containerId: string, info: RecoverInfo): Promise<void> {
    const saved = info.state as { paths?: CgroupPaths } | undefined;
    const paths = saved?.paths ?? this.opts.backend.paths(containerId, this.subsystems);
    const st: State = { paths, limitation: new Deferred(), stopped: false };
    if (info.limits.cpus !== undefined) st.cpus = info.limits.cpus;
    if (info.limits.memMb !== undefined) st.memBytes = Math.round(info.limits.memMb * 1024 * 1024);
    this.containers.set(containerId, st);
    if (this.kind === 'mem') this.startOomPolling(containerId);
  }

  private startOomPolling(containerId: string): void {
    const st = this.containers.get(containerId);
    if (!st || st.stopped) return;
    const tick = () => {
      st.timer = undefined;
      if (st.stopped) return;
      void this.limitationAtExit(containerId).then((l) => {
        if (st.stopped) return;
        if (l) st.limitation.resolve(l);
        else st.timer = this.opts.clock.timer(this.opts.oomPollMs ?? 250, tick);
      });
    };
    st.timer = this.opts.clock.timer(this.opts.oomPollMs ?? 250, tick);
  }

  watch(containerId: string): Promise<Limitation> {
    return this.containers.get(containerId)?.limitation.promise ?? new Promise(() => {});
  }

  async limitationAtExit(containerId: string): Promise<Limitation | null> {
    const st = this.containers.get(containerId);
    if (!st || this.kind !== 'mem') return null;
    if ((await this.opts.backend.oomKills(st.paths)) === 0) return null;
    const m = await this.opts.backend.memoryStats(st.paths);
    // Mesos's text (memory isolator's oomWaited).
    const message =
      `Memory limit exceeded: Requested: ${formatBytes(st.memBytes ?? m.mem_limit_bytes ?? 0)} ` +
      `Maximum Used: ${formatBytes(m.mem_max_usage_bytes ?? m.mem_total_bytes ?? 0)}\n\nMEMORY STATISTICS: \n${m.memory_stat ?? ''}`;
    return { resource: 'mem', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message };
  }

  async usage(containerId: string): Promise<Partial<ResourceStatistics>> {
    const st = this.containers.get(containerId);
    if (!st) return {};
    if (this.kind === 'cpu') {
      const u = await this.opts.backend.cpuStats(st.paths);
      return st.cpus !== undefined ? { ...u, cpus_limit: st.cpus } : u;
    }
    const { memory_stat: _ignored, ...u } = await this.opts.backend.memoryStats(st.paths);
    void _ignored;
    return u;
  }

  async pids(containerId: string): Promise<number[]> {
    const st = this.containers.get(containerId);
    return st ? this.opts.backend.pids(st.paths) : [];
  }

  async cleanup(containerId: string): Promise<void> {
    const st = this.containers.get(containerId);
    if (!st) return;
    st.stopped = true;
    st.timer?.cancel();
    this.containers.delete(containerId);
    await this.opts.backend.destroy(st.paths, this.opts.clock);
  }
}
