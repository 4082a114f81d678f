// The spawn floor of `make bench-launch`: a small Node process (nothing but
// this file loaded) that starts COUNT processes running `true` with
// child_process.spawn, at most CONCURRENCY at once, each detached with stdio
// ignored, and reports over IPC how many it started and reaped per second.
// Started afresh for every round, alternated with the cluster runs. Also reports its CPU ms per
// spawn: its own and its reaped children's (the `true`s).
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { procCpuMs } from '../lib/proc-cpu.js';

const n = Number(process.argv[2]);
const c = Number(process.argv[3]);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(c) || c < 1) {
  console.error('usage: floor-child <count> <concurrency>');
  process.exit(2);
}
let next = 0;
const one = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn('true', { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`true exited with ${code}`))));
  });
const t0 = performance.now();
const cpu0 = procCpuMs('self');
await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
  while (next < n) {
    next++;
    await one();
  }
}));
const ms = performance.now() - t0;
process.send!({ tasksPerS: (n / ms) * 1000, rssMb: process.memoryUsage().rss / 2 ** 20, cpuMsPerTask: (procCpuMs('self') - cpu0) / n }, () => process.exit(0));
