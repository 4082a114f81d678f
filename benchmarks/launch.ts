// `make bench-launch`: N tasks running `true` (default 1,000)
//  1. through a real master and ONE agent on this machine (launch/cluster.ts:
//     master + SDK scheduler here, the agent in a child process, WebSockets on
//     127.0.0.1), with posix isolation and with cgroups (when usable), from
//     the first ACCEPT to the last TASK_FINISHED, tasks sized so that 80 fit
//     at once; per task ACCEPT -> TASK_RUNNING;
//  2. through the Containerizer alone (no master, no agent actor), at most C
//     at once, with the spawn and the fork-server launcher: where the time goes;
// next to the floor of plain child_process.spawn('true') measured in the same
// run. Writes benchmarks/results/launch.json.
//  3. the image row (launch/image.ts): the same containerizer tasks on the host filesystem
//     and in a busybox image (provisioning cached), in interleaved rounds;
// Env: COUNT, CONCURRENCY (containerizer rows), ONLY=cluster|containerizer|image,
// AGENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for the agent).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Containerizer } from '../agent/containerizer/index.js';
import { probeCgroups } from '../agent/containerizer/isolators/cgroups-fs.js';
import { clusterRun, type ClusterRun } from './launch/cluster.js';
import { imageRows, imageRowUnavailable, pool, type ImageRows } from './launch/image.js';
import { startRun, writeResults } from './lib/results.js';
import { percentile, sorted } from './lib/stats.js';

const N = Number(process.env.COUNT ?? 1000);
const C = Number(process.env.CONCURRENCY ?? 64);

interface Run {
  tasksPerS: number;
  launchMs: number[]; // launch() call to the process running (containerizer) / spawn event (baseline)
  totalMs: number[]; // launch() call to wait() resolved (containerizer) / exit event (baseline)
}

const pct = (xs: number[], p: number): number => percentile(sorted(xs), p);


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

const round = (v: number): number => Math.round(v * 100) / 100;
const ms = (v: number): string => `${v.toFixed(1).padStart(8)} ms`;

/** The agent's size in the cluster runs: 80 tasks of cpus:0.1;mem:32 fit at once (cpus bound). */
const AGENT_RESOURCES = 'cpus:8;mem:8192;disk:8192;ports:[31000-32000]';
const TASK = { resources: 'cpus:0.1;mem:32', cpus: 0.1, mem: 32 };

async function cluster(isolation: string, launcher: 'spawn' | 'forkserver'): Promise<ClusterRun> {
  return clusterRun({
    tasks: N,
    isolation,
    launcher,
    agentResources: AGENT_RESOURCES,
    taskResources: TASK.resources,
    taskCpus: TASK.cpus,
    taskMem: TASK.mem,
    fsync: true,
    timeoutMs: 600_000,
    agentNodeArgs: (process.env.AGENT_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  });
}

async function main(): Promise<void> {
  const only = process.env.ONLY;
  const meta = startRun('bench-launch');
  const loadBefore = loadavg()[0]!;
  const base = await baseline();
  const probe = await probeCgroups('mesos-ts-bench');
  if (!probe.backend) console.log(`cgroups runs skipped: ${probe.reason}`);
  const cg = probe.backend ? `cgroups v${probe.backend.version}` : undefined;

  const clusterRows: { isolation: string; launcher: string; run: ClusterRun }[] = [];
  if (only === undefined || only === 'cluster') {
    for (const launcher of ['spawn', 'forkserver'] as const) {
      clusterRows.push({ isolation: 'posix/cpu,posix/mem', launcher, run: await cluster('posix/cpu,posix/mem', launcher) });
      if (cg) clusterRows.push({ isolation: 'cgroups/cpu,cgroups/mem', launcher, run: await cluster('cgroups/cpu,cgroups/mem', launcher) });
    }
  }
  const czRows: [string, Run][] = [];
  if (only !== 'cluster' && only !== 'image') {
    czRows.push(['posix isolation, spawn launcher', await containerized('posix/cpu,posix/mem', 'mesos-ts-bench', 'spawn')]);
    czRows.push(['posix isolation, forkserver launcher', await containerized('posix/cpu,posix/mem', 'mesos-ts-bench', 'forkserver')]);
    if (cg) {
      czRows.push([`${cg} isolation, spawn launcher`, await containerized('cgroups/cpu,cgroups/mem', 'mesos-ts-bench', 'spawn')]);
      czRows.push([`${cg} isolation, forkserver launcher`, await containerized('cgroups/cpu,cgroups/mem', 'mesos-ts-bench', 'forkserver')]);
    }
  }

  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
  console.log(`spawn('true') floor: ${base.tasksPerS.toFixed(0)} /s (${N} spawns, at most ${C} at once; spawn p50 ${pct(base.launchMs, 50).toFixed(2)} ms, spawn+exit p50 ${pct(base.totalMs, 50).toFixed(2)} ms)\n`);
  const imageWhy = only === 'cluster' || only === 'containerizer' ? 'not asked for (ONLY)' : imageRowUnavailable();
  const image: ImageRows | null = imageWhy === null ? await imageRows(N, C, 5) : null;
  if (clusterRows.length > 0) {
    console.log(`${N} tasks running \`true\` through a master and one agent (agent ${AGENT_RESOURCES}, tasks ${TASK.resources}; checkpoints fsync'ed), first ACCEPT to last TASK_FINISHED`);
    console.log('isolation                 launcher     tasks/s  floor/s  ACCEPT->STARTING p50  ->RUNNING p50   p99         ->FINISHED p50   in flight');
    for (const { isolation, launcher, run } of clusterRows) {
      console.log(
        `${isolation.padEnd(25)} ${launcher.padEnd(10)} ${run.tasksPerS.toFixed(0).padStart(8)} ${base.tasksPerS.toFixed(0).padStart(8)}  ${ms(pct(run.startingMs, 50))}     ${ms(pct(run.launchMs, 50))}   ${ms(pct(run.launchMs, 99))}   ${ms(pct(run.finishMs, 50))}   ${String(run.maxInFlight).padStart(6)}`,
      );
    }
    console.log('');
  }
  if (czRows.length > 0) {
    console.log(`${N} tasks running \`true\` through the Containerizer alone (checkpoints fsync'ed), at most ${C} at once`);
    console.log('run                                          tasks/s   launch p50   launch p99   launch+exit p50   launch+exit p99');
    for (const [name, r] of czRows) {
      console.log(
        `${name.padEnd(44)} ${r.tasksPerS.toFixed(0).padStart(7)}   ${pct(r.launchMs, 50).toFixed(2).padStart(7)} ms   ${pct(r.launchMs, 99).toFixed(2).padStart(7)} ms   ${pct(r.totalMs, 50).toFixed(2).padStart(12)} ms   ${pct(r.totalMs, 99).toFixed(2).padStart(12)} ms`,
      );
    }
  }

  if (image) {
    const ratio = image.image.median / image.host.median;
    console.log(`\nimage row: ${image.rounds} interleaved rounds of ${image.tasksPerRound} tasks running \`true\` through the Containerizer (posix isolation, spawn launcher), at most ${C} at once`);
    console.log(`host filesystem                        ${image.host.median.toFixed(0).padStart(7)} tasks/s (rounds ${image.host.rounds.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`busybox image (provisioning cached)    ${image.image.median.toFixed(0).padStart(7)} tasks/s (rounds ${image.image.rounds.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`image / host: ${ratio.toFixed(2)}x (target >= 0.7x)`);
  } else console.log(`\nimage row skipped: ${imageWhy}`);

  const headline = clusterRows.find((r) => r.isolation.startsWith('posix') && r.launcher === 'spawn')?.run;
  const results = {
    scope: 'tasks running `true` through a real master and one agent (child process), WebSockets on 127.0.0.1; first ACCEPT to last TASK_FINISHED',
    tasks: N,
    agent_resources: AGENT_RESOURCES,
    task_resources: TASK.resources,
    tasks_per_s: headline ? round(headline.tasksPerS) : null,
    launch_p50_ms: headline ? round(pct(headline.launchMs, 50)) : null,
    launch_p99_ms: headline ? round(pct(headline.launchMs, 99)) : null,
    spawn_floor_per_s: round(base.tasksPerS),
    spawn_floor_concurrency: C,
    // Other work on the machine moves every figure (process creation most): judge ratios to the floor.
    load_avg_1m_before: round(loadBefore),
    load_avg_1m_after: round(loadavg()[0]!),
    cgroups: cg ?? `skipped: ${probe.reason}`,
    rows: clusterRows.map(({ isolation, launcher, run }) => ({
      isolation,
      launcher,
      tasks_per_s: round(run.tasksPerS),
      starting_p50_ms: round(pct(run.startingMs, 50)),
      launch_p50_ms: round(pct(run.launchMs, 50)),
      launch_p99_ms: round(pct(run.launchMs, 99)),
      finish_p50_ms: round(pct(run.finishMs, 50)),
      finish_p99_ms: round(pct(run.finishMs, 99)),
      max_in_flight: run.maxInFlight,
      offers: run.offers,
    })),
    image_row: image
      ? {
          scope: 'the same tasks on the host filesystem and in a busybox image (filesystem/linux + docker/runtime, provisioning cached), Containerizer alone, posix isolation, spawn launcher, interleaved rounds',
          tasks_per_round: image.tasksPerRound,
          host_tasks_per_s: round(image.host.median),
          image_tasks_per_s: round(image.image.median),
          host_rounds: image.host.rounds.map(round),
          image_rounds: image.image.rounds.map(round),
          image_over_host: round(image.image.median / image.host.median),
        }
      : `skipped: ${imageWhy}`,
    containerizer_only: {
      concurrency: C,
      rows: czRows.map(([name, r]) => ({
        run: name,
        tasks_per_s: round(r.tasksPerS),
        launch_p50_ms: round(pct(r.launchMs, 50)),
        launch_p99_ms: round(pct(r.launchMs, 99)),
        launch_exit_p50_ms: round(pct(r.totalMs, 50)),
        launch_exit_p99_ms: round(pct(r.totalMs, 99)),
      })),
    },
  };
  // ONLY=image writes its own file, so that the other rows' last full results stay.
  const written = only === 'image' ? writeResults('launch-image', meta, { image_row: results.image_row, spawn_floor_per_s: results.spawn_floor_per_s, load_avg_1m_before: results.load_avg_1m_before, load_avg_1m_after: results.load_avg_1m_after }) : writeResults('launch', meta, results);
  console.log(`\nwrote ${written}`);
}

await main();
