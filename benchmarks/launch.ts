// `make bench-launch`: the containerizer alone (no master, no agent actor):
// N tasks running `true`, at most C at once, launched and waited through
// Containerizer with posix isolation and with cgroups (when usable), each with
// the spawn launcher and the fork-server launcher, next to the floor of plain
// child_process.spawn('true') measured in the same run.
// Writes benchmarks/results/launch.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Containerizer } from '../agent/containerizer/index.js';
import { probeCgroups } from '../agent/containerizer/isolators/cgroups-fs.js';

const N = Number(process.env.COUNT ?? 1000);
const C = Number(process.env.CONCURRENCY ?? 64);

interface Run {
  tasksPerS: number;
  launchMs: number[]; // launch() call to the process running (containerizer) / spawn event (baseline)
  totalMs: number[]; // launch() call to wait() resolved (containerizer) / exit event (baseline)
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function pool(n: number, c: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) await one(next++);
  }));
  return performance.now() - t0;
}

async function baseline(): Promise<Run> {
  const launchMs: number[] = [];
  const totalMs: number[] = [];
  const ms = await pool(N, C, () => new Promise<void>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('true', { stdio: 'ignore', detached: true });
    child.once('spawn', () => launchMs.push(performance.now() - t0));
    child.once('error', reject);
    child.once('exit', () => {
      totalMs.push(performance.now() - t0);
      resolve();
    });
  }));
  return { tasksPerS: (N / ms) * 1000, launchMs, totalMs };
}

async function containerized(isolation: string, root: string, launcher: 'spawn' | 'forkserver'): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-launch-'));
  try {
    const cz = await Containerizer.create({ metaDir: join(dir, 'meta'), isolation, cgroupsRoot: root, strict: true, launcher });
    const launchMs: number[] = [];
    const totalMs: number[] = [];
    const ms = await pool(N, C, async (i) => {
      const t0 = performance.now();
      const id = `bench-${i}`;
      const c = await cz.launch({ containerId: id, sandbox: join(dir, 'runs', id), limits: { cpus: 0.1, memMb: 32 }, command: { shell: true, value: 'true' } });
      launchMs.push(performance.now() - t0);
      const t = await c.wait();
      if (t.status?.code !== 0) throw new Error(`task ${id}: ${t.message}`);
      totalMs.push(performance.now() - t0);
    });
    cz.close();
    return { tasksPerS: (N / ms) * 1000, launchMs, totalMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: [string, Run][] = [];
  const base = await baseline();
  rows.push(['spawn("true") floor', base]);
  const posix = await containerized('posix/cpu,posix/mem', 'mesos-ts-bench', 'spawn');
  rows.push(['posix isolation, spawn launcher', posix]);
  const posixFs = await containerized('posix/cpu,posix/mem', 'mesos-ts-bench', 'forkserver');
  rows.push(['posix isolation, forkserver launcher', posixFs]);
  const probe = await probeCgroups('mesos-ts-bench');
  let cgroups: Run | undefined;
  let cgroupsFs: Run | undefined;
  if (probe.backend) {
    cgroups = await containerized('cgroups/cpu,cgroups/mem', 'mesos-ts-bench', 'spawn');
    rows.push([`cgroups v${probe.backend.version} isolation, spawn launcher`, cgroups]);
    cgroupsFs = await containerized('cgroups/cpu,cgroups/mem', 'mesos-ts-bench', 'forkserver');
    rows.push([`cgroups v${probe.backend.version} isolation, forkserver launcher`, cgroupsFs]);
  } else {
    console.log(`cgroups runs skipped: ${probe.reason}`);
  }
  console.log(`${N} tasks running \`true\` through the Containerizer (checkpoints fsync'ed), at most ${C} at once\n`);
  console.log('run                                          tasks/s   launch p50   launch p99   launch+exit p50   launch+exit p99');
  for (const [name, r] of rows) {
    console.log(
      `${name.padEnd(44)} ${r.tasksPerS.toFixed(0).padStart(7)}   ${pct(r.launchMs, 50).toFixed(2).padStart(7)} ms   ${pct(r.launchMs, 99).toFixed(2).padStart(7)} ms   ${pct(r.totalMs, 50).toFixed(2).padStart(12)} ms   ${pct(r.totalMs, 99).toFixed(2).padStart(12)} ms`,
    );
  }
  const results: Record<string, number | string> = {
    scope: 'containerizer only (launch + wait through Containerizer; no master/agent)',
    tasks: N,
    concurrency: C,
    spawn_floor_per_s: base.tasksPerS,
    baseline_spawn_ms_p50: pct(base.launchMs, 50),
    baseline_spawn_ms_p99: pct(base.launchMs, 99),
    baseline_spawn_exit_ms_p50: pct(base.totalMs, 50),
  };
  const add = (prefix: string, r: Run | undefined) => {
    if (!r) return;
    results[`${prefix}tasks_per_s`] = r.tasksPerS;
    results[`${prefix}launch_ms_p50`] = pct(r.launchMs, 50);
    results[`${prefix}launch_ms_p99`] = pct(r.launchMs, 99);
    results[`${prefix}launch_exit_ms_p50`] = pct(r.totalMs, 50);
    results[`${prefix}launch_exit_ms_p99`] = pct(r.totalMs, 99);
  };
  add('', posix);
  add('forkserver_', posixFs);
  add('cgroups_', cgroups);
  add('cgroups_forkserver_', cgroupsFs);
  for (const [k, v] of Object.entries(results)) if (typeof v === 'number') results[k] = Math.round(v * 100) / 100;
  const out = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'benchmarks', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'launch.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${join(out, 'launch.json')}`);
}

await main();
