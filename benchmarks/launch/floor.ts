// Runs the spawn floor (floor-child.ts) in a fresh small Node process and returns its rate.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FloorRun {
  tasksPerS: number;
  /** The floor process's resident size at its end: the "small Node process" it is. */
  rssMb: number;
}

export function floorRun(count: number, concurrency: number): Promise<FloorRun> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./floor-child.js', import.meta.url)), [String(count), String(concurrency)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: FloorRun | undefined;
    child.once('message', (m) => (result = m as FloorRun));
    child.once('error', reject);
    child.once('exit', (code, signal) => (result ? resolve(result) : reject(new Error(`the spawn floor process exited without a result (code ${code}, signal ${signal})`))));
  });
}
