/**
 * disk/du: a periodic `du -k -s` of the sandbox against the container's disk
 * limit (Mesos's posix/disk with --enforce_container_disk_quota); going over
 * is a REASON_CONTAINER_LIMITATION_DISK limitation.
 */
import { execFile } from 'node:child_process';
import type { Clock } from 'libprocess-ts';
import type { Limitation, Limits, ResourceStatistics } from '../types.js';
import { Deferred, formatBytes, type Isolator, type PrepareInfo, type RecoverInfo } from './isolator.js';

interface State {
  sandbox: string;
  limitBytes?: number;
  usedBytes?: number;
  limitation: Deferred<Limitation>;
  timer?: { cancel(): void };
  stopped: boolean;
}

export interface DiskIsolatorOptions {
  clock: Clock;
  /** Mesos's --container_disk_watch_interval; default 15 s. */
  intervalMs?: number;
  /** Report going over the limit as a limitation (else only measure). Default true. */
  enforce?: boolean;
}

export function duBytes(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('du', ['-k', '-s', path], { encoding: 'utf8' }, (err, stdout) => {
      const kb = Number(stdout?.split(/\s/)[0]);
      if (Number.isFinite(kb) && stdout) resolve(kb * 1024);
      else reject(new Error(`du of ${path} failed: ${err?.message ?? stdout}`));
    });
  });
}

export class DiskDuIsolator implements Isolator {
  readonly name = 'disk/du';
  private readonly containers = new Map<string, State>();

  constructor(private readonly opts: DiskIsolatorOptions) {}

  async update(containerId: string, limits: Limits): Promise<void> {
    const st = this.containers.get(containerId);
    if (st && limits.diskMb !== undefined) st.limitBytes = Math.round(limits.diskMb * 1024 * 1024);
  }

  async prepare(containerId: string, info: PrepareInfo): Promise<void> {
    this.containers.set(containerId, {
      sandbox: info.sandbox,
      ...(info.limits.diskMb !== undefined ? { limitBytes: Math.round(info.limits.diskMb * 1024 * 1024) } : {}),
      limitation: new Deferred(),
      stopped: false,
    });
  }

  async isolate(containerId: string): Promise<void> {
    this.schedule(containerId);
  }

  async recover(containerId: string, info: RecoverInfo): Promise<void> {
    await this.prepare(containerId, info);
    this.schedule(containerId);
  }

  private schedule(containerId: string): void {
    const st = this.containers.get(containerId);
    if (!st || st.stopped) return;
    st.timer = this.opts.clock.timer(this.opts.intervalMs ?? 15_000, () => {
      void this.check(containerId).then(() => this.schedule(containerId));
    });
  }

  private async check(containerId: string): Promise<void> {
    const st = this.containers.get(containerId);
    if (!st || st.stopped) return;
    try {
      st.usedBytes = await duBytes(st.sandbox);
    } catch {
      return;
    }
    if ((this.opts.enforce ?? true) && st.limitBytes !== undefined && st.usedBytes > st.limitBytes) {
      st.limitation.resolve({
        resource: 'disk',
        reason: 'REASON_CONTAINER_LIMITATION_DISK',
        message: `Disk usage (${formatBytes(st.usedBytes)}) exceeds quota (${formatBytes(st.limitBytes)})`,
      });
    }
  }

  watch(containerId: string): Promise<Limitation> {
    return this.containers.get(containerId)?.limitation.promise ?? new Promise(() => {});
  }

  async usage(containerId: string): Promise<Partial<ResourceStatistics>> {
    const st = this.containers.get(containerId);
    if (!st) return {};
    if (st.usedBytes === undefined) st.usedBytes = await duBytes(st.sandbox).catch(() => undefined);
    return {
      ...(st.usedBytes !== undefined ? { disk_used_bytes: st.usedBytes } : {}),
      ...(st.limitBytes !== undefined ? { disk_limit_bytes: st.limitBytes } : {}),
    };
  }

  async cleanup(containerId: string): Promise<void> {
    const st = this.containers.get(containerId);
    if (!st) return;
    st.stopped = true;
    st.timer?.cancel();
    this.containers.delete(containerId);
  }
}
