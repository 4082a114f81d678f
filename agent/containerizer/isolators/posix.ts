/**
 * posix/cpu and posix/mem: no enforcement, usage sampled from /proc for the
 * container's process group (pgid == the main process's pid).
 */
import { clockTicks, pageBytes, processGroupMembers } from '../proc.js';
import type { Limitation, Limits, ResourceStatistics } from '../types.js';
import type { Isolator, PrepareInfo, RecoverInfo } from './isolator.js';

interface Info {
  pid?: number;
  cpus?: number;
  memBytes?: number;
}

export class PosixIsolator implements Isolator {
  readonly name: string;
  private readonly containers = new Map<string, Info>();

  constructor(readonly kind: 'cpu' | 'mem') {
    this.name = `posix/${kind}`;
  }

  async prepare(containerId: string, info: PrepareInfo): Promise<void> {
    this.containers.set(containerId, {
      ...(info.limits.cpus !== undefined ? { cpus: info.limits.cpus } : {}),
      ...(info.limits.memMb !== undefined ? { memBytes: info.limits.memMb * 1024 * 1024 } : {}),
    });
  }

  async update(containerId: string, limits: Limits): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return;
    if (limits.cpus !== undefined) c.cpus = limits.cpus;
    if (limits.memMb !== undefined) c.memBytes = limits.memMb * 1024 * 1024;
  }

  async isolate(containerId: string, pid: number): Promise<void> {
    const c = this.containers.get(containerId);
    if (c) c.pid = pid;
  }

  async recover(containerId: string, info: RecoverInfo): Promise<void> {
    await this.prepare(containerId, info);
    await this.isolate(containerId, info.pid);
  }

  watch(): Promise<Limitation> {
    return new Promise(() => {});
  }

  async pids(containerId: string): Promise<number[]> {
    const pid = this.containers.get(containerId)?.pid;
    if (pid === undefined) return [];
    return (await processGroupMembers(pid)).map((p) => p.pid);
  }

  async usage(containerId: string): Promise<Partial<ResourceStatistics>> {
    const c = this.containers.get(containerId);
    if (!c || c.pid === undefined) return {};
    const procs = await processGroupMembers(c.pid);
    if (this.kind === 'cpu') {
      const hz = clockTicks();
      return {
        processes: procs.length,
        cpus_user_time_secs: procs.reduce((s, p) => s + p.utime, 0) / hz,
        cpus_system_time_secs: procs.reduce((s, p) => s + p.stime, 0) / hz,
        ...(c.cpus !== undefined ? { cpus_limit: c.cpus } : {}),
      };
    }
    return {
      processes: procs.length,
      mem_rss_bytes: procs.reduce((s, p) => s + p.rss, 0) * pageBytes(),
      ...(c.memBytes !== undefined ? { mem_limit_bytes: c.memBytes } : {}),
    };
  }

  async cleanup(containerId: string): Promise<void> {
    this.containers.delete(containerId);
  }
}
