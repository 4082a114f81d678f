/**
 * The cgroup filesystem, v1 and v2 behind one interface.
 *
 * Layout (v1, one directory per hierarchy the isolators need):
 *   <mount of cpu>/<root>/<container_id>      cpu.shares, cpu.cfs_quota_us
 *   <mount of cpuacct>/<root>/<container_id>  cpuacct.stat
 *   <mount of memory>/<root>/<container_id>   memory.limit_in_bytes, memory.oom_control
 * Layout (v2): <cgroup2 mount>/<root>/<container_id> with cpu and memory enabled
 * in <root>'s cgroup.subtree_control. <root> is 'mesos-ts' by default.
 *
 * Files of a cgroup filesystem live in memory: they are read and written
 * synchronously, which costs a few microseconds, far less than a round trip
 * through libuv's thread pool per file (measured: ~1.5x launch throughput).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { chown, mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from 'libprocess-ts';
import { clockTicks, killPid } from '../proc.js';
import { ContainerizerError, type ResourceStatistics } from '../types.js';

export type Subsystem = 'cpu' | 'cpuacct' | 'memory';

/** subsystem -> absolute directory of the container's cgroup in that hierarchy */
export type CgroupPaths = Partial<Record<Subsystem, string>>;

export interface CgroupBackend {
  readonly version: 1 | 2;
  readonly root: string;
  describe(): string;
  /** Where a container's groups live (no I/O). */
  paths(containerId: string, subsystems: Subsystem[]): CgroupPaths;
  create(paths: CgroupPaths, owner?: { uid: number; gid: number }): Promise<void>;
  setCpu(paths: CgroupPaths, cpus: number, cfsQuota: boolean): Promise<void>;
  /** The hard and soft limits; `softOnly`: the soft limit alone (v2: memory.high), the hard one kept. */
  setMemory(paths: CgroupPaths, bytes: number, softOnly?: boolean): Promise<void>;
  procsFiles(paths: CgroupPaths): string[];
  pids(paths: CgroupPaths): Promise<number[]>;
  cpuStats(paths: CgroupPaths): Promise<Partial<ResourceStatistics>>;
  memoryStats(paths: CgroupPaths): Promise<Partial<ResourceStatistics> & { memory_stat?: string }>;
  /** How many OOM kills happened in the container's memory group. */
  oomKills(paths: CgroupPaths): Promise<number>;
  /** Kills every process in the groups, then removes the groups. Idempotent. */
  destroy(paths: CgroupPaths, clock: Clock): Promise<void>;
}

/** Mesos constants (src/slave/containerizer/mesos/isolators/cgroups/constants.hpp). */
export const CPU_SHARES_PER_CPU = 1024;
export const MIN_CPU_SHARES = 2;
export const CPU_CFS_PERIOD_US = 100_000;
export const MIN_CPU_CFS_QUOTA_US = 1_000;
export const MIN_MEMORY_BYTES = 32 * 1024 * 1024;

export function cpuShares(cpus: number): number {
  return Math.max(MIN_CPU_SHARES, Math.floor(CPU_SHARES_PER_CPU * cpus));
}
export function cfsQuotaUs(cpus: number): number {
  return Math.max(MIN_CPU_CFS_QUOTA_US, Math.floor(CPU_CFS_PERIOD_US * cpus));
}

interface Mount {
  point: string;
  fstype: string;
  superOpts: string[];
}

export function readMounts(text = readFileSync('/proc/self/mountinfo', 'utf8')): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({ point: left[4]!.replace(/\\040/g, ' '), fstype: right[0]!, superOpts: (right[2] ?? '').split(',') });
  }
  return out;
}

const delay = (clock: Clock, ms: number) => new Promise<void>((r) => clock.timer(ms, r));

function readNum(file: string): number | undefined {
  try {
    const v = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function parseKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

function readKeyed(file: string): Record<string, number> {
  try {
    return parseKeyed(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map(Number);
  } catch {
    return [];
  }
}

/** The agent's own user and group: a group made by it is theirs already (no chown). */
function ownIds(owner: { uid: number; gid: number }): boolean {
  return owner.uid === process.geteuid?.() && owner.gid === process.getegid?.();
}

function uniqueDirs(paths: CgroupPaths): string[] {
  return [...new Set(Object.values(paths))];
}

/**
 * Kills every process of each group (retrying while they die) and removes the groups. The cgroup filesystem's
 * mkdir, rmdir and writes run in libuv's thread pool, here and below: a memory group's rmdir takes milliseconds in
 * the kernel, and done on the loop they were most of the agent's busy time in bench-launch's cgroups row.
 */
export async function killAllAndRemove(dirs: string[], clock: Clock): Promise<void> {
  for (const dir of dirs) {
    // Processes leave the group only once they have died; retry for up to ~5 s.
    for (let i = 0; i < 100; i++) {
      const pids = readPids(join(dir, 'cgroup.procs'));
      for (const pid of pids) killPid(pid, 'SIGKILL');
      try {
        await rmdir(dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || i === 99) throw new ContainerizerError('CGROUPS', `Failed to remove cgroup ${dir}: ${(e as Error).message}`);
        await delay(clock, i < 10 ? 5 : 50);
      }
    }
  }
}

export class CgroupsV1 implements CgroupBackend {
  readonly version = 1 as const;
  constructor(
    readonly mounts: Record<Subsystem, string>,
    readonly root: string,
  ) {}

  describe(): string {
    return `cgroups v1 (cpu at ${this.mounts.cpu}, cpuacct at ${this.mounts.cpuacct}, memory at ${this.mounts.memory}, root '${this.root}')`;
  }

  paths(containerId: string, subsystems: Subsystem[]): CgroupPaths {
    const out: CgroupPaths = {};
    for (const s of subsystems) out[s] = join(this.mounts[s], this.root, containerId);
    return out;
  }

  async create(paths: CgroupPaths, owner?: { uid: number; gid: number }): Promise<void> {
    await Promise.all(uniqueDirs(paths).map(async (dir) => {
      await mkdir(dir, { recursive: true });
      if (owner && !ownIds(owner)) {
        // So that the prelude, already running as the task's user, can enter it.
        await Promise.all([dir, join(dir, 'cgroup.procs'), join(dir, 'tasks')].map((p) => chown(p, owner.uid, owner.gid)));
      }
    }));
  }

  async setCpu(paths: CgroupPaths, cpus: number, cfsQuota: boolean): Promise<void> {
    if (!paths.cpu) return;
    const cpu = paths.cpu;
    await Promise.all([
      writeFile(join(cpu, 'cpu.shares'), String(cpuShares(cpus))),
      cfsQuota && writeFile(join(cpu, 'cpu.cfs_period_us'), String(CPU_CFS_PERIOD_US)).then(() => writeFile(join(cpu, 'cpu.cfs_quota_us'), String(cfsQuotaUs(cpus)))),
    ]);
  }

  async setMemory(paths: CgroupPaths, bytes: number, softOnly = false): Promise<void> {
    if (!paths.memory) return;
    const limit = Math.max(MIN_MEMORY_BYTES, bytes);
    if (!softOnly) await writeFile(join(paths.memory, 'memory.limit_in_bytes'), String(limit));
    await writeFile(join(paths.memory, 'memory.soft_limit_in_bytes'), String(limit)).catch(() => {
      /* optional file */
    });
  }

  procsFiles(paths: CgroupPaths): string[] {
    return uniqueDirs(paths).map((d) => join(d, 'cgroup.procs'));
  }

  async pids(paths: CgroupPaths): Promise<number[]> {
    const all = new Set<number>();
    for (const d of uniqueDirs(paths)) for (const p of readPids(join(d, 'cgroup.procs'))) all.add(p);
    return [...all];
  }

  async cpuStats(paths: CgroupPaths): Promise<Partial<ResourceStatistics>> {
    const out: Partial<ResourceStatistics> = {};
    if (paths.cpuacct) {
      const st = readKeyed(join(paths.cpuacct, 'cpuacct.stat'));
      const hz = clockTicks();
      if (st.user !== undefined) out.cpus_user_time_secs = st.user / hz;
      if (st.system !== undefined) out.cpus_system_time_secs = st.system / hz;
      out.processes = (readPids(join(paths.cpuacct, 'cgroup.procs'))).length;
    }
    if (paths.cpu) {
      const st = readKeyed(join(paths.cpu, 'cpu.stat'));
      if (st.nr_periods !== undefined) out.cpus_nr_periods = st.nr_periods;
      if (st.nr_throttled !== undefined) out.cpus_nr_throttled = st.nr_throttled;
      if (st.throttled_time !== undefined) out.cpus_throttled_time_secs = st.throttled_time / 1e9;
    }
    return out;
  }

  async memoryStats(paths: CgroupPaths): Promise<Partial<ResourceStatistics> & { memory_stat?: string }> {
    if (!paths.memory) return {};
    const d = paths.memory;
    const out: Partial<ResourceStatistics> & { memory_stat?: string } = {};
    const usage = readNum(join(d, 'memory.usage_in_bytes'));
    const max = readNum(join(d, 'memory.max_usage_in_bytes'));
    const limit = readNum(join(d, 'memory.limit_in_bytes'));
    if (usage !== undefined) out.mem_total_bytes = usage;
    if (max !== undefined) out.mem_max_usage_bytes = max;
    if (limit !== undefined) out.mem_limit_bytes = limit;
    try {
      const text = readFileSync(join(d, 'memory.stat'), 'utf8');
      const st = parseKeyed(text);
      out.mem_rss_bytes = st.total_rss ?? st.rss ?? 0;
      out.mem_cache_bytes = st.total_cache ?? st.cache ?? 0;
      out.memory_stat = text;
    } catch {
      /* group gone */
    }
    return out;
  }

  async oomKills(paths: CgroupPaths): Promise<number> {
    if (!paths.memory) return 0;
    const st = readKeyed(join(paths.memory, 'memory.oom_control'));
    return (st.oom_kill ?? 0) + (st.under_oom ?? 0);
  }

  destroy(paths: CgroupPaths, clock: Clock): Promise<void> {
    return killAllAndRemove(uniqueDirs(paths), clock);
  }
}

export class CgroupsV2 implements CgroupBackend {
  readonly version = 2 as const;
  constructor(
    readonly mount: string,
    readonly root: string,
  ) {}

  describe(): string {
    return `cgroups v2 (at ${this.mount}, root '${this.root}')`;
  }

  paths(containerId: string, subsystems: Subsystem[]): CgroupPaths {
    const dir = join(this.mount, this.root, containerId);
    const out: CgroupPaths = {};
    for (const s of subsystems) out[s] = dir;
    return out;
  }

  async create(paths: CgroupPaths, owner?: { uid: number; gid: number }): Promise<void> {
    await Promise.all(uniqueDirs(paths).map(async (dir) => {
      await mkdir(dir, { recursive: true });
      if (owner && !ownIds(owner)) await Promise.all([dir, join(dir, 'cgroup.procs')].map((p) => chown(p, owner.uid, owner.gid)));
    }));
  }

  async setCpu(paths: CgroupPaths, cpus: number, cfsQuota: boolean): Promise<void> {
    if (!paths.cpu) return;
    // The kernel's own shares -> weight mapping (as in runc/systemd).
    const weight = Math.min(10000, Math.max(1, 1 + Math.floor(((cpuShares(cpus) - 2) * 9999) / 262142)));
    await Promise.all([
      writeFile(join(paths.cpu, 'cpu.weight'), String(weight)),
      cfsQuota && writeFile(join(paths.cpu, 'cpu.max'), `${cfsQuotaUs(cpus)} ${CPU_CFS_PERIOD_US}`),
    ]);
  }

  async setMemory(paths: CgroupPaths, bytes: number, softOnly = false): Promise<void> {
    if (!paths.memory) return;
    if (softOnly) {
      await writeFile(join(paths.memory, 'memory.high'), String(Math.max(MIN_MEMORY_BYTES, bytes)));
      return;
    }
    await writeFile(join(paths.memory, 'memory.max'), String(Math.max(MIN_MEMORY_BYTES, bytes)));
    await writeFile(join(paths.memory, 'memory.swap.max'), '0').catch(() => {
      /* optional file */
    });
  }

  procsFiles(paths: CgroupPaths): string[] {
    return uniqueDirs(paths).map((d) => join(d, 'cgroup.procs'));
  }

  async pids(paths: CgroupPaths): Promise<number[]> {
    const d = uniqueDirs(paths)[0];
    return d ? readPids(join(d, 'cgroup.procs')) : [];
  }

  async cpuStats(paths: CgroupPaths): Promise<Partial<ResourceStatistics>> {
    const d = paths.cpu ?? paths.cpuacct;
    if (!d) return {};
    const st = readKeyed(join(d, 'cpu.stat'));
    const out: Partial<ResourceStatistics> = { processes: (readPids(join(d, 'cgroup.procs'))).length };
    if (st.user_usec !== undefined) out.cpus_user_time_secs = st.user_usec / 1e6;
    if (st.system_usec !== undefined) out.cpus_system_time_secs = st.system_usec / 1e6;
    if (st.nr_periods !== undefined) out.cpus_nr_periods = st.nr_periods;
    if (st.nr_throttled !== undefined) out.cpus_nr_throttled = st.nr_throttled;
    if (st.throttled_usec !== undefined) out.cpus_throttled_time_secs = st.throttled_usec / 1e6;
    return out;
  }

  async memoryStats(paths: CgroupPaths): Promise<Partial<ResourceStatistics> & { memory_stat?: string }> {
    if (!paths.memory) return {};
    const d = paths.memory;
    const out: Partial<ResourceStatistics> & { memory_stat?: string } = {};
    const cur = readNum(join(d, 'memory.current'));
    const peak = readNum(join(d, 'memory.peak'));
    const max = readNum(join(d, 'memory.max'));
    if (cur !== undefined) out.mem_total_bytes = cur;
    if (peak !== undefined) out.mem_max_usage_bytes = peak;
    if (max !== undefined) out.mem_limit_bytes = max;
    try {
      const text = readFileSync(join(d, 'memory.stat'), 'utf8');
      const st = parseKeyed(text);
      out.mem_rss_bytes = st.anon ?? 0;
      out.mem_cache_bytes = st.file ?? 0;
      out.memory_stat = text;
    } catch {
      /* group gone */
    }
    return out;
  }

  async oomKills(paths: CgroupPaths): Promise<number> {
    if (!paths.memory) return 0;
    const st = readKeyed(join(paths.memory, 'memory.events'));
    return st.oom_kill ?? 0;
  }

  async destroy(paths: CgroupPaths, clock: Clock): Promise<void> {
    await Promise.all(uniqueDirs(paths).map((d) => writeFile(join(d, 'cgroup.kill'), '1').catch(() => {
      /* optional file */
    })));
    await killAllAndRemove(uniqueDirs(paths), clock);
  }
}

export interface CgroupsProbe {
  backend: CgroupBackend | null;
  /** Why cgroups cannot be used (null when they can). */
  reason: string | null;
}

/**
 * Finds a usable cgroup setup for cpu and memory: v2 when its cgroup2 mount
 * offers both controllers and they can be enabled for <root>'s children, else
 * v1 with the cpu, cpuacct and memory hierarchies. "Usable" means a child
 * group can actually be created (and removed) under <root>: the answer comes
 * from trying, not from the mount table alone.
 */
export async function probeCgroups(root = 'mesos-ts', mountinfo?: string): Promise<CgroupsProbe> {
  if (process.getuid?.() !== 0) return { backend: null, reason: 'cgroups need root (the agent runs as uid ' + process.getuid?.() + ')' };
  let mounts: Mount[];
  try {
    mounts = readMounts(mountinfo);
  } catch (e) {
    return { backend: null, reason: `cannot read /proc/self/mountinfo: ${(e as Error).message}` };
  }
  const reasons: string[] = [];
  const probeDir = `.probe-${process.pid}`;

  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  if (v2) {
    try {
      const ctrls = readFileSync(join(v2.point, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
      const missing = ['cpu', 'memory'].filter((c) => !ctrls.includes(c));
      if (missing.length > 0) throw new Error(`controllers ${missing.join(', ')} not available at ${v2.point} (it offers: ${ctrls.join(' ') || 'none'})`);
      writeFileSync(join(v2.point, 'cgroup.subtree_control'), '+cpu +memory');
      mkdirSync(join(v2.point, root), { recursive: true });
      writeFileSync(join(v2.point, root, 'cgroup.subtree_control'), '+cpu +memory');
      mkdirSync(join(v2.point, root, probeDir));
      rmdirSync(join(v2.point, root, probeDir));
      return { backend: new CgroupsV2(v2.point, root), reason: null };
    } catch (e) {
      reasons.push(`cgroup v2 unusable: ${(e as Error).message}`);
    }
  } else {
    reasons.push('no cgroup2 mount');
  }

  const find = (s: Subsystem) => mounts.find((m) => m.fstype === 'cgroup' && m.superOpts.includes(s))?.point;
  const found = { cpu: find('cpu'), cpuacct: find('cpuacct'), memory: find('memory') };
  const missing = (Object.keys(found) as Subsystem[]).filter((s) => !found[s]);
  if (missing.length > 0) {
    reasons.push(`cgroup v1 unusable: no hierarchy mounted for ${missing.join(', ')}`);
    return { backend: null, reason: reasons.join('; ') };
  }
  try {
    for (const point of new Set(Object.values(found) as string[])) {
      mkdirSync(join(point, root), { recursive: true });
      mkdirSync(join(point, root, probeDir));
      rmdirSync(join(point, root, probeDir));
    }
  } catch (e) {
    reasons.push(`cgroup v1 unusable: ${(e as Error).message}`);
    return { backend: null, reason: reasons.join('; ') };
  }
  return { backend: new CgroupsV1(found as Record<Subsystem, string>, root), reason: null };
}
