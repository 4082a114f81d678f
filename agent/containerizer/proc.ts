/** Reading /proc: process stat lines, process groups, boot id. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** user and system time in clock ticks */
  utime: number;
  stime: number;
  /** start time in clock ticks since boot: with the pid, identifies a process */
  startTime: number;
  /** resident set in pages */
  rss: number;
}

/** Parses one /proc/<pid>/stat line; comm may hold spaces and parentheses. */
export function parseStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open).trim());
  const f = line.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field N is f[N - 3].
  if (f.length < 22) return null;
  return {
    pid,
    comm: line.slice(open + 1, close),
    state: f[0]!,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    startTime: Number(f[19]),
    rss: Number(f[21]),
  };
}

export async function readStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function readStatSync(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Whether the process `pid` that started at `startTime` is still running
 * (not gone, not a zombie, and not a different process that reused the pid).
 */
export async function isAlive(pid: number, startTime: number): Promise<boolean> {
  const st = await readStat(pid);
  return st !== null && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}

/** All live (non-zombie) processes whose process group is `pgid`. */
export async function processGroupMembers(pgid: number): Promise<ProcStat[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  await Promise.all(
    names.map(async (n) => {
      if (n.charCodeAt(0) < 48 || n.charCodeAt(0) > 57) return;
      const st = await readStat(Number(n));
      if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push(st);
    }),
  );
  return out;
}

export function processGroupMembersSync(pgid: number): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (n.charCodeAt(0) < 48 || n.charCodeAt(0) > 57) continue;
    const st = readStatSync(Number(n));
    if (st && st.pgrp === pgid && st.state !== 'Z') out.push(st.pid);
  }
  return out;
}

let ticks: number | undefined;
let pageSize: number | undefined;

function getconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

/** USER_HZ, the unit of utime/stime/starttime and cpuacct.stat. */
export function clockTicks(): number {
  return (ticks ??= getconf('CLK_TCK', 100));
}

export function pageBytes(): number {
  return (pageSize ??= getconf('PAGESIZE', 4096));
}

/** The kernel's boot id: a checkpointed pid means nothing after a reboot. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Sends `signal` to a process group, ignoring ESRCH (already gone). Returns whether it was delivered. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function killPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
