/**
 * network/ports (Mesos's isolator of that name, Mesos 1.5+): every
 * `--container_ports_watch_interval` the listening TCP sockets of the host
 * (/proc/net/tcp and tcp6, state LISTEN) are matched, by socket inode, to the
 * containers' processes (the `socket:[inode]` links of /proc/<pid>/fd); a
 * container listening on a port outside its `ports` resources is reported
 * once per new set of ports, and with `--enforce_container_ports` it hits a
 * limitation: it is killed, TASK_FAILED with REASON_CONTAINER_LIMITATION and
 * `Container <id> is listening on unallocated port(s): [p-p]`.
 *
 * Which ports are checked: all of them by default; with
 * `--check_agent_port_range_only` only those inside the agent's own `ports`
 * resource (a task may listen outside it); with
 * `--container_ports_isolated_range` only those inside that range.
 *
 * A container's processes are its main process's group, plus its cgroups'
 * members when a cgroups isolator is in use (what `pids()` of the other
 * isolators gives); the scan reads /proc once per interval for all containers.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { Clock } from 'libprocess-ts';
import { processGroupMembers } from '../proc.js';
import type { Limitation, Limits, Logger, ResourceStatistics } from '../types.js';
import { Deferred, type Isolator, type PrepareInfo, type RecoverInfo } from './isolator.js';

export type PortRanges = readonly (readonly [number, number])[];

export interface NetworkPortsOptions {
  clock: Clock;
  logger: Logger;
  /** --container_ports_watch_interval (Mesos's default 30 s). */
  intervalMs: number;
  /** --enforce_container_ports: kill (true) or only log (false, Mesos's default). */
  enforce: boolean;
  /** Only ports inside these ranges are checked (the agent's ports with --check_agent_port_range_only, or --container_ports_isolated_range); absent: all. */
  isolatedRange?: PortRanges;
  /** More pids of a container (its cgroups' members), from the other isolators. */
  extraPids?: (containerId: string) => Promise<number[]>;
}

interface Info {
  allocated: PortRanges;
  pid?: number;
  /** The last unallocated set reported (Mesos logs each new set once). */
  reported?: string;
  limitation: Deferred<Limitation>;
}

export const inRanges = (ranges: PortRanges, p: number): boolean => ranges.some(([b, e]) => p >= b && p <= e);

/** Ports as Mesos prints Value::Ranges: `[31000-31000, 31005-31007]`. */
export function rangesText(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(`${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `[${out.join(', ')}]`;
}

/** The listening sockets of /proc/net/tcp{,6} text: inode → local port. */
export function listeningSockets(...tables: string[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A: TCP_LISTEN
      const port = parseInt(f[1]!.split(':')[1]!, 16);
      const inode = Number(f[9]);
      if (inode > 0 && Number.isFinite(port)) out.set(inode, port);
    }
  }
  return out;
}

/** The socket inodes a process holds open (its /proc/<pid>/fd links `socket:[n]`); [] once it is gone. */
async function socketInodes(pid: number): Promise<number[]> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: number[] = [];
  await Promise.all(
    fds.map(async (fd) => {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) out.push(Number(m[1]));
    }),
  );
  return out;
}

export class NetworkPortsIsolator implements Isolator {
  readonly name = 'network/ports';
  private readonly containers = new Map<string, Info>();
  private timer: { cancel(): void } | undefined;
  private scanning = false;

  constructor(private readonly opts: NetworkPortsOptions) {}

  async prepare(containerId: string, info: PrepareInfo): Promise<void> {
    this.containers.set(containerId, { allocated: info.limits.ports ?? [], limitation: new Deferred() });
  }

  async isolate(containerId: string, pid: number): Promise<void> {
    const c = this.containers.get(containerId);
    if (c) c.pid = pid;
    this.arm();
  }

  async recover(containerId: string, info: RecoverInfo): Promise<void> {
    await this.prepare(containerId, info);
    await this.isolate(containerId, info.pid);
  }

  /** A running container's resources changed (the containerizer's update()): its ports with them. */
  async update(containerId: string, limits: Limits): Promise<void> {
    const c = this.containers.get(containerId);
    if (c) c.allocated = limits.ports ?? [];
  }

  watch(containerId: string): Promise<Limitation> {
    return this.containers.get(containerId)?.limitation.promise ?? new Promise(() => {});
  }

  async usage(): Promise<Partial<ResourceStatistics>> {
    return {};
  }

  async cleanup(containerId: string): Promise<void> {
    this.containers.delete(containerId);
    if (this.containers.size === 0) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }

  private arm(): void {
    if (this.timer || this.containers.size === 0) return;
    this.timer = this.opts.clock.timer(this.opts.intervalMs, () => {
      this.timer = undefined;
      void this.check().finally(() => this.arm());
    });
  }

  /** One scan: every container's listening ports against what it was given. */
  async check(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((p) => readFile(p, 'utf8').catch(() => '')));
      const listening = listeningSockets(...tables);
      if (listening.size === 0) return;
      for (const [id, c] of this.containers) {
        if (c.pid === undefined || c.limitation.settled) continue;
        const pids = new Set((await processGroupMembers(c.pid)).map((p) => p.pid));
        for (const p of (await this.opts.extraPids?.(id).catch(() => [])) ?? []) pids.add(p);
        const ports: number[] = [];
        for (const pid of pids) {
          for (const inode of await socketInodes(pid)) {
            const port = listening.get(inode);
            if (port === undefined) continue;
            if (this.opts.isolatedRange && !inRanges(this.opts.isolatedRange, port)) continue;
            if (!inRanges(c.allocated, port)) ports.push(port);
          }
        }
        if (ports.length === 0) {
          c.reported = undefined;
          continue;
        }
        const text = rangesText(ports);
        if (c.reported === text) continue;
        c.reported = text;
        const message = `Container ${id} is listening on unallocated port(s): ${text}`;
        this.opts.logger.info(message);
        if (this.opts.enforce) c.limitation.resolve({ resource: 'ports', reason: 'REASON_CONTAINER_LIMITATION', message });
      }
    } finally {
      this.scanning = false;
    }
  }
}
