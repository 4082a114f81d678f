// The containerizer rows of `make bench-launch`: in a fresh Node process,
// COUNT tasks running `true` (argv) through a Containerizer alone (no master,
// no agent actor), at most CONCURRENCY at once, fsync'ed checkpoints, with the
// given launcher, while this process holds BALLAST_MB of live heap (an agent's
// size: child_process.spawn slows with the parent's memory, the helper does
// not). Reports tasks/s over IPC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Containerizer } from '../../agent/containerizer/index.js';

const [launcher, isolation, count, concurrency, ballastMb] = process.argv.slice(2);
const n = Number(count);
const c = Number(concurrency);
if ((launcher !== 'helper' && launcher !== 'spawn' && launcher !== 'forkserver') || !isolation || !(n > 0) || !(c > 0)) {
  console.error('usage: containerizer-child helper|spawn|forkserver <isolation> <count> <concurrency> <ballast MB>');
  process.exit(2);
}
// Live, touched memory: 1 MB arrays of numbers, kept until the end.
const ballast: Float64Array[] = [];
for (let i = 0; i < Number(ballastMb ?? 0); i++) ballast.push(new Float64Array(131072).fill(i));
const dir = mkdtempSync(join(tmpdir(), 'bench-launch-cz-'));
try {
  const cz = await Containerizer.create({ metaDir: join(dir, 'meta'), isolation, cgroupsRoot: 'mesos-ts-bench', strict: true, launcher });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) {
      const id = `bench-${next++}`;
      const t = await (await cz.launch({ containerId: id, sandbox: join(dir, 'runs', id), limits: { cpus: 0.1, memMb: 32 }, command: { shell: false, value: 'true', arguments: ['true'] } })).wait();
      if (t.status?.code !== 0) throw new Error(`task ${id}: ${t.message}`);
    }
  }));
  const ms = performance.now() - t0;
  cz.close();
  process.send!({ tasksPerS: (n / ms) * 1000, rssMb: process.memoryUsage().rss / 2 ** 20, ballast: ballast.length }, () => process.exit(0));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
