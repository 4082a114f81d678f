// CPU time of processes from /proc/<pid>/stat: a figure that load from elsewhere on the machine
// changes less than it changes a rate (a starved process waits longer, it does not work more).
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICK_MS = 10;

function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process is gone
  }
}

/**
 * CPU ms of a process (every thread, user + system) and, with `reaped`, of the children it
 * reaped (fields 14-17); 0 for an absent pid or a process that is gone.
 */
export function procCpuMs(pid: number | 'self' | undefined, reaped = true): number {
  if (pid === undefined) return 0;
  const f = statFields(pid);
  if (!f) return 0;
  const own = Number(f[11]) + Number(f[12]);
  return (reaped ? own + Number(f[13]) + Number(f[14]) : own) * TICK_MS;
}

/** This process's CPU ms, every thread (process.cpuUsage: microsecond resolution). */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The pids of a process's children (/proc/<pid>/task/<tid>/children of every thread). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim() !== '') out.push(Number(c));
    } catch {
      // the thread ended
    }
  }
  return out;
}
