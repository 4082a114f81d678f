// Runs the spawn floor (floor-child.ts) in a fresh small Node process, or the
// containerizer alone (containerizer-child.ts), and returns its rate.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FloorRun {
  tasksPerS: number;
  /** The process's resident size at its end (the floor: the "small Node process" it is). */
  rssMb: number;
  /** The floor only: CPU ms per spawn, its own and its reaped children's. */
  cpuMsPerTask?: number;
}

/** Runs one of this folder's child scripts in a fresh Node process and returns what it reports. */
function childRun(script: URL, args: string[]): Promise<FloorRun> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: FloorRun | undefined;
    child.once('message', (m) => (result = m as FloorRun));
    child.once('error', reject);
    child.once('exit', (code, signal) => (result ? resolve(result) : reject(new Error(`${script.pathname} exited without a result (code ${code}, signal ${signal})`))));
  });
}

export function floorRun(count: number, concurrency: number): Promise<FloorRun> {
  return childRun(new URL('./floor-child.js', import.meta.url), [String(count), String(concurrency)]);
}

/** The Containerizer alone in a fresh process holding `ballastMb` of heap (containerizer-child.ts). */
export function containerizerRun(launcher: string, isolation: string, count: number, concurrency: number, ballastMb: number): Promise<FloorRun> {
  return childRun(new URL('./containerizer-child.js', import.meta.url), [launcher, isolation, String(count), String(concurrency), String(ballastMb)]);
}
