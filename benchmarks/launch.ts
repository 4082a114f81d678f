// `make bench-launch`: COUNT tasks running `true` (default 1,000) through a real
// master, the SDK's scheduler driver and ONE agent on this machine
// (launch/cluster.ts: master + scheduler here, the agent in a child process,
// WebSockets on 127.0.0.1), from the first ACCEPT to the last TASK_FINISHED,
// tasks sized so that 80 fit at once; per task ACCEPT -> TASK_RUNNING.
//
// Baseline, in the same run: the spawn floor, a small separate Node process
// (launch/floor-child.ts) running spawn('true') COUNT times, 80 at once: the
// same work (one exec of `true` per task, tasks here are argv commands), none
// of the cluster. Floor and cluster rows alternate over ROUNDS rounds (after a
// warm-up round), the order flipped each round (lib/rounds.ts); reported: the
// median of each row's tasks/s and of its per-round ratio to that round's floor.
//
// Rows: posix isolation with the helper (default; and with the agent's runtime dir on the disk),
// spawn and forkserver launchers; cgroups with the helper and spawn (when usable); a paced row,
// PACED_COUNT tasks at PACED_RATE tasks/s (default 100 at 10/s): ACCEPT ->
// TASK_RUNNING when the agent is not saturated; and the Containerizer alone
// (launch/containerizer-child.ts) with each launcher in a process holding
// BALLAST_MB (600) of heap, and spawn in an empty one, CZ_COUNT (200) tasks
// each: which launcher is faster.
// Env: COUNT, ROUNDS (default 3), PACED_COUNT, PACED_RATE, ROWS (';'-separated list of
// row names to run), AGENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
// FSYNC=0 (the agent's checkpoints without fsync: a diagnostic, never a result),
// RUNTIME_DIR=work_dir (the agent's --runtime_dir at its default under the work dir instead of on
// the tmpfs /dev/shm, where a production host keeps it as Mesos keeps /var/run/mesos).
// Then the image row (launch/image.ts): the same tasks through the Containerizer on
// the host filesystem and in a busybox image (provisioning cached), in interleaved
// rounds of their own; ONLY=image runs it alone (into results/launch-image.json),
// ONLY=rows skips it.
// Each cluster row also records its CPU ms per task by process (master and scheduler, agent,
// launcher helper with its tasks; /proc/<pid>/stat), and the floor its own: the figures that
// load from elsewhere on the machine changes least.
// Writes benchmarks/results/launch.json.
import { loadavg } from 'node:os';
import { probeCgroups } from '../agent/containerizer/isolators/cgroups-fs.js';
import { findHelper } from '../agent/containerizer/binaries.js';
import { existsSync } from 'node:fs';
import { clusterRun, RUNTIME_TMPFS, type ClusterRun, type ClusterRunOptions } from './launch/cluster.js';
import { containerizerRun, floorRun } from './launch/floor.js';
import { imageRows, imageRowUnavailable, type ImageRows } from './launch/image.js';
import { startRun, writeResults } from './lib/results.js';
import { interleave } from './lib/rounds.js';
import { median, percentile, round, sorted } from './lib/stats.js';

const N = Number(process.env.COUNT ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PACED_N = Number(process.env.PACED_COUNT ?? 100);
const PACED_RATE = Number(process.env.PACED_RATE ?? 10);
/** The containerizer rows' heap: an agent's size (issue 22: a 600 MB Node process spawns ~38/s here). */
const BALLAST_MB = Number(process.env.BALLAST_MB ?? 600);
/** Tasks per containerizer row (spawn from a 600 MB process runs a few per second on a loaded machine). */
const CZ_N = Number(process.env.CZ_COUNT ?? 200);
/** At most this many tasks at once in the cluster (the agent's size), and the floor's concurrency. */
const AT_ONCE = 80;
const AGENT_RESOURCES = 'cpus:8;mem:8192;disk:8192;ports:[31000-32000]';
const TASK = { resources: 'cpus:0.1;mem:32', cpus: 0.1, mem: 32 };
const TRUE = { shell: false, value: 'true', arguments: ['true'] };
/** The agent's --runtime_dir on a tmpfs (RUNTIME_DIR=work_dir: its default under the work dir, on the disk). */
const RUNTIME_ON_TMPFS = process.env.RUNTIME_DIR !== 'work_dir' && existsSync(RUNTIME_TMPFS);

interface Row {
  name: string;
  isolation: string;
  launcher: ClusterRunOptions['launcher'];
  paced?: boolean;
  /** The agent's runtime dir at its default under the work dir (on the disk), not on the tmpfs. */
  runtimeOnDisk?: boolean;
  /** The Containerizer alone in a process holding this much heap (no master, no agent actor). */
  ballastMb?: number;
}

const pct = (xs: number[], p: number): number => percentile(sorted(xs), p);

function run(row: Row): Promise<ClusterRun> {
  return clusterRun({
    tasks: row.paced ? PACED_N : N,
    isolation: row.isolation,
    launcher: row.launcher,
    agentResources: AGENT_RESOURCES,
    taskResources: TASK.resources,
    taskCpus: TASK.cpus,
    taskMem: TASK.mem,
    command: TRUE,
    fsync: process.env.FSYNC !== '0',
    runtimeDirOnTmpfs: RUNTIME_ON_TMPFS && row.runtimeOnDisk !== true,
    timeoutMs: 600_000,
    agentNodeArgs: (process.env.AGENT_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
    ...(row.paced ? { ratePerS: PACED_RATE } : {}),
  });
}

// Ten rounds of 100 rather than five of 200 (the same tasks a row): each row's figure is the median of its rounds,
// and on a shared machine ten short rounds give a steadier median than five long ones.
const IMAGE_ROUNDS = 10;

/** The image row, or why it did not run. */
async function imageRow(): Promise<{ image: ImageRows | null; why: string | null }> {
  const why = process.env.ONLY === 'rows' ? 'not asked for (ONLY=rows)' : imageRowUnavailable();
  const image = why === null ? await imageRows(N, AT_ONCE, IMAGE_ROUNDS) : null;
  if (image) {
    console.log(`\nimage row: ${image.rounds} interleaved rounds of ${image.tasksPerRound} tasks running \`true\` through the Containerizer (posix isolation, default launcher), at most ${AT_ONCE} at once`);
    console.log(`host filesystem                        ${image.host.median.toFixed(0).padStart(7)} tasks/s (rounds ${image.host.rounds.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`busybox image (provisioning cached)    ${image.image.median.toFixed(0).padStart(7)} tasks/s (rounds ${image.image.rounds.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`the same, writable layer in tmpfs    ${image.imageTmpfs.median.toFixed(0).padStart(7)} tasks/s (rounds ${image.imageTmpfs.rounds.map((r) => r.toFixed(0)).join(', ')})`);
    console.log(`image / host: ${(image.image.median / image.host.median).toFixed(2)}x (target >= 0.7x); with the layer in tmpfs ${(image.imageTmpfs.median / image.host.median).toFixed(2)}x`);
    const p = image.paired;
    console.log(`paired (the median of each round's ratio): image / host ${p.imageRate.toFixed(2)}x, tmpfs / host ${p.tmpfsRate.toFixed(2)}x; CPU image / host ${p.imageCpu.toFixed(2)}x, tmpfs / host ${p.tmpfsCpu.toFixed(2)}x, tmpfs / image ${p.tmpfsOverImageCpu.toFixed(2)}x`);
    console.log(`CPU per task (this process + the row's launcher and its tasks): host ${image.hostCpuMs.median.toFixed(2)} ms, image ${image.imageCpuMs.median.toFixed(2)} ms, image with the layer in tmpfs ${image.imageTmpfsCpuMs.median.toFixed(2)} ms; host / image ${(image.hostCpuMs.median / image.imageCpuMs.median).toFixed(2)}x, host / tmpfs ${(image.hostCpuMs.median / image.imageTmpfsCpuMs.median).toFixed(2)}x`);
  } else console.log(`\nimage row skipped: ${why}`);
  return { image, why };
}

function imageResults({ image, why }: { image: ImageRows | null; why: string | null }): unknown {
  if (!image) return `skipped: ${why}`;
  return {
    scope: 'the same tasks on the host filesystem and in a busybox image (filesystem/linux + docker/runtime, provisioning cached), Containerizer alone, posix isolation, the default launcher, interleaved rounds',
    tasks_per_round: image.tasksPerRound,
    host_tasks_per_s: round(image.host.median, 1),
    image_tasks_per_s: round(image.image.median, 1),
    host_rounds: image.host.rounds.map((x) => round(x, 1)),
    image_rounds: image.image.rounds.map((x) => round(x, 1)),
    image_over_host: round(image.image.median / image.host.median),
    paired: {
      scope: "the median over rounds of each round's ratio (the rows run in turn within a round): rates over the host row's; CPU per task over the host row's, and the tmpfs row's over the image row's",
      image_over_host: round(image.paired.imageRate),
      image_tmpfs_over_host: round(image.paired.tmpfsRate),
      image_cpu_over_host: round(image.paired.imageCpu),
      image_tmpfs_cpu_over_host: round(image.paired.tmpfsCpu),
      image_tmpfs_cpu_over_image: round(image.paired.tmpfsOverImageCpu),
    },
    image_tmpfs: {
      scope: "the image row with each container's writable layer in a tmpfs of its own (--image_provisioner_scratch=tmpfs), in the same rounds",
      tasks_per_s: round(image.imageTmpfs.median, 1),
      rounds: image.imageTmpfs.rounds.map((x) => round(x, 1)),
      over_host: round(image.imageTmpfs.median / image.host.median),
      cpu_ms_per_task: round(image.imageTmpfsCpuMs.median, 2),
      cpu_rounds: image.imageTmpfsCpuMs.rounds.map((x) => round(x, 2)),
    },
    cpu_ms_per_task: {
      scope: "each round's CPU time over its tasks: the benchmark process (every thread) plus the row's launcher helper and the tasks it reaped (/proc/<pid>/stat utime+stime+cutime+cstime)",
      host: round(image.hostCpuMs.median, 2),
      image: round(image.imageCpuMs.median, 2),
      host_rounds: image.hostCpuMs.rounds.map((x) => round(x, 2)),
      image_rounds: image.imageCpuMs.rounds.map((x) => round(x, 2)),
      host_over_image: round(image.hostCpuMs.median / image.imageCpuMs.median),
    },
  };
}

async function main(): Promise<void> {
  const meta = startRun('bench-launch');
  if (process.env.ONLY === 'image') {
    // Its own file, so that the other rows' last full results stay.
    console.log(`\nwrote ${writeResults('launch-image', meta, { image_row: imageResults(await imageRow()) })}`);
    return;
  }
  if (!findHelper()) throw new Error('bench-launch: the launcher helper is not built: run make build');
  const probe = await probeCgroups('mesos-ts-bench');
  if (!probe.backend) console.log(`cgroups rows skipped: ${probe.reason}`);
  const cg = probe.backend ? `cgroups v${probe.backend.version}` : undefined;
  const posix = 'posix/cpu,posix/mem';
  const cgroups = 'cgroups/cpu,cgroups/mem';
  let rows: Row[] = [
    { name: 'posix, helper', isolation: posix, launcher: 'helper' },
    ...(RUNTIME_ON_TMPFS ? [{ name: 'posix, helper, runtime dir on disk', isolation: posix, launcher: 'helper' as const, runtimeOnDisk: true }] : []),
    { name: 'posix, spawn', isolation: posix, launcher: 'spawn' },
    { name: 'posix, forkserver', isolation: posix, launcher: 'forkserver' },
    ...(cg ? [{ name: `${cg}, helper`, isolation: cgroups, launcher: 'helper' as const }, { name: `${cg}, spawn`, isolation: cgroups, launcher: 'spawn' as const }] : []),
    { name: `posix, helper, paced ${PACED_RATE}/s`, isolation: posix, launcher: 'helper', paced: true },
    ...(['helper', 'spawn', 'forkserver'] as const).map((launcher) => ({ name: `containerizer, ${launcher}, ${BALLAST_MB} MB heap`, isolation: posix, launcher, ballastMb: BALLAST_MB })),
    { name: 'containerizer, spawn, empty heap', isolation: posix, launcher: 'spawn', ballastMb: 0 },
  ];
  const only = process.env.ROWS?.split(';').map((s) => s.trim());
  if (only) rows = rows.filter((r) => only.includes(r.name));

  let floorRss = 0;
  const floorCpu: number[] = [];
  const runs = new Map<string, ClusterRun[]>(rows.map((r) => [r.name, []]));
  const czRuns = new Map<string, number[]>(rows.map((r) => [r.name, []]));
  const contenders = [
    {
      name: 'floor',
      measure: async () => {
        const f = await floorRun(N, AT_ONCE);
        floorRss = Math.max(floorRss, f.rssMb);
        floorCpu.push(f.cpuMsPerTask ?? NaN);
        return f.tasksPerS;
      },
    },
    ...rows.map((row) => ({
      name: row.name,
      measure: async () => {
        if (row.ballastMb !== undefined) {
          const z = await containerizerRun(row.launcher, row.isolation, CZ_N, AT_ONCE, row.ballastMb);
          czRuns.get(row.name)!.push(z.tasksPerS);
          console.log(`  ${row.name}: ${z.tasksPerS.toFixed(0)} tasks/s, rss ${z.rssMb.toFixed(0)} MB (load ${loadavg()[0]!.toFixed(1)})`);
          return z.tasksPerS;
        }
        const r = await run(row);
        runs.get(row.name)!.push(r);
        console.log(`  ${row.name}: ${r.tasksPerS.toFixed(0)} tasks/s, ACCEPT->RUNNING p50 ${pct(r.launchMs, 50).toFixed(1)} ms (load ${loadavg()[0]!.toFixed(1)})`);
        return row.paced ? pct(r.launchMs, 50) : r.tasksPerS;
      },
    })),
  ];
  const figures = await interleave(contenders, ROUNDS, 1);
  // The recorded rounds only (the warm-up round's runs are the first of each list).
  const recorded = (name: string): ClusterRun[] => runs.get(name)!.slice(-ROUNDS);
  const floorRounds = figures.get('floor')!.rounds;

  const czTable = rows.filter((row) => row.ballastMb !== undefined).map((row) => {
    const rs = czRuns.get(row.name)!.slice(-ROUNDS);
    return {
      row: row.name,
      launcher: row.launcher,
      heap_ballast_mb: row.ballastMb!,
      tasks: CZ_N,
      tasks_per_s_median: round(median(rs), 1),
      tasks_per_s_rounds: rs.map((x) => round(x, 1)),
      ratio_to_floor_median: round(median(rs.map((x, i) => x / floorRounds[i]!)), 3),
    };
  });
  const table = rows.filter((row) => row.ballastMb === undefined).map((row) => {
    const rs = recorded(row.name);
    const all = (k: 'launchMs' | 'startingMs' | 'finishMs'): number[] => rs.flatMap((r) => r[k]);
    const perS = figures.get(row.name)!;
    const cpu = (k: keyof ClusterRun['cpuMsPerTask']): number => round(median(rs.map((r) => r.cpuMsPerTask[k])), 2);
    return {
      row: row.name,
      isolation: row.isolation,
      launcher: row.launcher,
      tasks: row.paced ? PACED_N : N,
      ...(row.paced ? { paced_per_s: PACED_RATE } : {}),
      tasks_per_s_median: round(median(rs.map((r) => r.tasksPerS)), 1),
      tasks_per_s_rounds: rs.map((r) => round(r.tasksPerS, 1)),
      ratio_to_floor_median: row.paced ? null : round(median(rs.map((r, i) => r.tasksPerS / floorRounds[i]!)), 3),
      starting_p50_ms: round(pct(all('startingMs'), 50), 1),
      launch_p50_ms: round(pct(all('launchMs'), 50), 1),
      launch_p99_ms: round(pct(all('launchMs'), 99), 1),
      finish_p50_ms: round(pct(all('finishMs'), 50), 1),
      launch_p50_ms_rounds: rs.map((r) => round(pct(r.launchMs, 50), 1)),
      max_in_flight: Math.max(...rs.map((r) => r.maxInFlight)),
      cpu_ms_per_task: {
        master_and_scheduler: cpu('masterAndScheduler'),
        agent: cpu('agent'),
        launcher_and_tasks: cpu('launcherAndTasks'),
        total: cpu('total'),
        total_rounds: rs.map((r) => round(r.cpuMsPerTask.total, 2)),
      },
      rounds_measure: perS.rounds.map((x) => round(x, 1)),
    };
  });

  const floorMedian = figures.get('floor')!.median;
  const floorCpuMedian = median(floorCpu.slice(-ROUNDS));
  console.log(`\nload average (1 min): ${meta.loadavg_start[0]} at the start, ${loadavg()[0]!.toFixed(2)} at the end`);
  console.log(`spawn('true') floor, a small Node process (rss ${floorRss.toFixed(0)} MB), ${N} spawns, ${AT_ONCE} at once: median ${floorMedian.toFixed(0)}/s over ${ROUNDS} rounds (${floorRounds.map((x) => x.toFixed(0)).join(', ')}), CPU ${floorCpuMedian.toFixed(2)} ms per spawn\n`);
  console.log(`tasks running \`true\` through a master and one agent (agent ${AGENT_RESOURCES}, tasks ${TASK.resources}; checkpoints fsync'ed), medians over ${ROUNDS} rounds`);
  console.log('row                              tasks/s   x floor   ACCEPT->STARTING p50   ->RUNNING p50     p99   ->FINISHED p50');
  for (const t of table) {
    console.log(
      `${t.row.padEnd(32)} ${String(t.tasks_per_s_median).padStart(7)}   ${(t.ratio_to_floor_median === null ? '-' : t.ratio_to_floor_median.toFixed(2)).padStart(7)}   ${t.starting_p50_ms.toFixed(1).padStart(17)} ms ${t.launch_p50_ms.toFixed(1).padStart(12)} ms ${t.launch_p99_ms.toFixed(1).padStart(7)} ms ${t.finish_p50_ms.toFixed(1).padStart(12)} ms`,
    );
  }

  console.log('\nCPU ms per task, medians (/proc/<pid>/stat from the first ACCEPT to the last TASK_FINISHED)');
  console.log('row                              master+scheduler   agent   launcher+tasks   total   x floor CPU');
  for (const t of table) {
    const c = t.cpu_ms_per_task;
    console.log(`${t.row.padEnd(32)} ${c.master_and_scheduler.toFixed(2).padStart(16)} ${c.agent.toFixed(2).padStart(7)} ${c.launcher_and_tasks.toFixed(2).padStart(16)} ${c.total.toFixed(2).padStart(7)} ${(c.total / floorCpuMedian).toFixed(1).padStart(11)}`);
  }

  if (czTable.length > 0) {
    console.log(`\n${CZ_N} tasks running \`true\` through the Containerizer alone (posix, fsync'ed checkpoints, ${AT_ONCE} at once), in a process holding the given heap; medians over ${ROUNDS} rounds`);
    console.log('row                                        tasks/s   x floor');
    for (const t of czTable) console.log(`${t.row.padEnd(42)} ${String(t.tasks_per_s_median).padStart(7)}   ${t.ratio_to_floor_median.toFixed(2).padStart(7)}`);
  }

  const headline = table.find((t) => t.row === 'posix, helper');
  const paced = table.find((t) => t.paced_per_s !== undefined);
  const results = {
    scope: 'tasks running `true` (argv) through a real master, the SDK scheduler driver and one agent (child process), WebSockets on 127.0.0.1; first ACCEPT to last TASK_FINISHED; rows alternated with the spawn floor over rounds',
    tasks: N,
    rounds: ROUNDS,
    agent_resources: AGENT_RESOURCES,
    agent_runtime_dir: RUNTIME_ON_TMPFS ? `on the tmpfs ${RUNTIME_TMPFS}` : 'under the work dir (disk)',
    task_resources: TASK.resources,
    tasks_per_s: headline?.tasks_per_s_median ?? null,
    ratio_to_floor: headline?.ratio_to_floor_median ?? null,
    paced_launch_p50_ms: paced?.launch_p50_ms ?? null,
    spawn_floor_per_s: round(floorMedian, 1),
    spawn_floor_rounds: floorRounds.map((x) => round(x, 1)),
    spawn_floor_concurrency: AT_ONCE,
    spawn_floor_rss_mb: round(floorRss, 1),
    spawn_floor_cpu_ms_per_task: round(floorCpuMedian, 2),
    cgroups: cg ?? `skipped: ${probe.reason}`,
    rows: table,
    containerizer_rows: czTable,
    image_row: imageResults(await imageRow()),
  };
  console.log(`\nwrote ${writeResults('launch', meta, results)}`);
}

await main();
