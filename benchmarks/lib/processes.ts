import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** SIGTERM to a child that is still running, resolved once it has exited (at once if it already has). */
export async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; NaN where there is no such file
 * (another OS, a process gone). A figure that machine load does not stretch, unlike wall time.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): state is the 3rd, utime the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return NaN;
  }
}

/**
 * Time (ms) a process has spent runnable but waiting for a CPU so far, from /proc/<pid>/schedstat (its second
 * field, ns); NaN where there is none. Beside cpuMs it tells a slow program from a starved one: at load 22-29 on
 * 2 cores a master waited 290-970 ms of every second.
 */
export function runQueueWaitMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    return Number(fields[1]) / 1e6;
  } catch {
    return NaN;
  }
}
