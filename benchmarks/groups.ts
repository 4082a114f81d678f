// `make bench-groups`: what running tasks as a group costs. Through a real master (here) and ONE
// agent in a child process (benchmarks/launch/cluster.ts's), an SDK scheduler ACCEPTs, round after
// round, K tasks running `true`:
//   group:    one LAUNCH_GROUP under a new DEFAULT executor (the agent starts the default executor,
//             a Node.js process, which launches each task in a nested container over the agent's
//             HTTP API and reports each task's states);
//   command:  one LAUNCH of the same K tasks as command tasks (the agent plays the executor): the
//             same-run baseline.
// Each measurement: ACCEPT to the last of the K tasks' TASK_RUNNING, and to the last TASK_FINISHED.
// Interleaved rounds (benchmarks/lib/rounds.ts), one warm-up round. Writes benchmarks/results/groups.json.
// Env: TASKS (K, default 3), ROUNDS (default 8).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import type { ChildProcess } from 'node:child_process';
import { startMaster } from '../master/main.js';
import { SchedulerDriver, commandTask, offerResources, take, type Scheduler } from '../framework/index.js';
import type { Offer, OfferOperation, TaskStatus } from '../protocol/types.js';
import { startAgentChild } from './launch/cluster.js';
import { startRun, writeResults } from './lib/results.js';
import { interleave } from './lib/rounds.js';
import { round } from './lib/stats.js';
import { terminate } from './lib/processes.js';

const K = Number(process.env.TASKS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const TASK = 'cpus:0.1;mem:32';
const EXECUTOR = 'cpus:0.1;mem:64';
const AGENT_RESOURCES = 'cpus:8;mem:8192;disk:8192;ports:[31000-32000]';
const ROUND_TIMEOUT_MS = 60_000;
const quiet = createLogger('bench', 'silent');

interface Round {
  runningMs: number;
  finishedMs: number;
}

/** Offers as they come, taken one at a time; statuses to whoever waits on a task. */
class Cluster implements Scheduler {
  readonly offers: Offer[] = [];
  #offerWaiters: (() => void)[] = [];
  readonly #watch = new Map<string, (s: TaskStatus) => void>();
  failure: Error | undefined;

  resourceOffers(_d: SchedulerDriver, list: Offer[]): void {
    this.offers.push(...list);
    for (const w of this.#offerWaiters.splice(0)) w();
  }
  offerRescinded(_d: SchedulerDriver, id: { value: string }): void {
    const i = this.offers.findIndex((o) => o.id.value === id.value);
    if (i >= 0) this.offers.splice(i, 1);
  }
  statusUpdate(_d: SchedulerDriver, status: TaskStatus): void {
    this.#watch.get(status.task_id.value)?.(status);
  }
  error(_d: SchedulerDriver, message: string): void {
    this.failure = new Error(`scheduler error: ${message}`);
  }

  /** An offer with room for the K tasks and an executor. */
  async offer(): Promise<Offer> {
    const need = `cpus:${0.1 * K + 0.1};mem:${32 * K + 64}`;
    for (;;) {
      const i = this.offers.findIndex((o) => take(offerResources(o), need) !== undefined);
      if (i >= 0) return this.offers.splice(i, 1)[0]!;
      await new Promise<void>((r) => this.#offerWaiters.push(r));
    }
  }

  watch(taskId: string, on: (s: TaskStatus) => void): void {
    this.#watch.set(taskId, on);
  }
  unwatch(taskId: string): void {
    this.#watch.delete(taskId);
  }
}

let seq = 0;

async function one(driver: SchedulerDriver, c: Cluster, kind: 'group' | 'command'): Promise<Round> {
  const offer = await c.offer();
  const n = ++seq;
  const ids = Array.from({ length: K }, (_, i) => `${kind}-${n}-${i}`);
  let running = 0;
  let finished = 0;
  let runningAt = 0;
  const t0 = performance.now();
  const done = new Promise<number>((resolve, reject) => {
    const timer = realClock.timer(ROUND_TIMEOUT_MS, () => reject(new Error(`${kind} round ${n}: ${finished}/${K} tasks finished after ${ROUND_TIMEOUT_MS} ms`)));
    for (const id of ids) {
      c.watch(id, (s) => {
        if (s.state === 'TASK_RUNNING' && ++running === K) runningAt = performance.now();
        else if (s.state === 'TASK_FINISHED') {
          c.unwatch(id);
          if (++finished === K) {
            timer.cancel();
            resolve(performance.now());
          }
        } else if (s.state !== 'TASK_STARTING' && s.state !== 'TASK_RUNNING') {
          timer.cancel();
          reject(new Error(`${kind} task ${id}: ${s.state} ${s.reason ?? ''} ${s.message ?? ''}`));
        }
      });
    }
  });
  let left = offerResources(offer);
  const piece = (r: string) => {
    const got = take(left, r)!;
    left = left.subtract(got);
    return got;
  };
  let op: OfferOperation;
  if (kind === 'group') {
    const executor = { type: 'DEFAULT' as const, executor_id: { value: `pod-${n}` }, resources: piece(EXECUTOR).toJSON() };
    op = { type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: ids.map((id) => commandTask(id, offer, piece(TASK), 'true')) } } };
  } else {
    op = { type: 'LAUNCH', launch: { task_infos: ids.map((id) => commandTask(id, offer, piece(TASK), 'true')) } };
  }
  driver.acceptOffers([offer.id], [op], { refuse_seconds: 0 });
  const end = await done;
  if (c.failure) throw c.failure;
  return { runningMs: runningAt - t0, finishedMs: end - t0 };
}

async function main(): Promise<void> {
  const meta = startRun('bench-groups');
  const loadBefore = loadavg()[0]!;
  const workDir = mkdtempSync(join(tmpdir(), 'bench-groups-'));
  const master = await startMaster({ ip: '127.0.0.1', port: 0, logger: quiet });
  let agent: ChildProcess | undefined;
  let rt: Runtime | undefined;
  let driver: SchedulerDriver | undefined;
  try {
    agent = await startAgentChild(master.pid.toString(), workDir, { tasks: 0, command: { shell: true, value: 'true' }, isolation: 'posix/cpu,posix/mem', launcher: 'spawn', agentResources: AGENT_RESOURCES, taskResources: TASK, taskCpus: 0.1, taskMem: 32, fsync: true, timeoutMs: ROUND_TIMEOUT_MS });
    rt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, name: 'scheduler', logger: quiet }).start();
    const c = new Cluster();
    driver = await SchedulerDriver.start({ master: master.pid.toString(), framework: { name: 'bench-groups', checkpoint: true }, scheduler: c, runtime: rt, random: 1, logger: quiet });
    const running = new Map<string, number[]>([['group', []], ['command', []]]);
    const d = driver;
    const figures = await interleave(
      (['group', 'command'] as const).map((kind) => ({
        name: kind,
        measure: async () => {
          const r = await one(d, c, kind);
          running.get(kind)!.push(r.runningMs);
          return r.finishedMs;
        },
      })),
      ROUNDS,
    );
    const g = figures.get('group')!;
    const b = figures.get('command')!;
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    // The warm-up round's running times are in `running` too: drop the first of each.
    const gRun = median(running.get('group')!.slice(1));
    const bRun = median(running.get('command')!.slice(1));
    console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
    console.log(`${K} tasks running \`true\`, ACCEPT to the last task's TASK_RUNNING / TASK_FINISHED, median of ${ROUNDS} interleaved rounds (min..max of finished)`);
    console.log(`group (LAUNCH_GROUP, new default executor)   running ${gRun.toFixed(1).padStart(8)} ms   finished ${g.median.toFixed(1).padStart(8)} ms   (${g.min.toFixed(0)}..${g.max.toFixed(0)})`);
    console.log(`command tasks (LAUNCH): same-run baseline    running ${bRun.toFixed(1).padStart(8)} ms   finished ${b.median.toFixed(1).padStart(8)} ms   (${b.min.toFixed(0)}..${b.max.toFixed(0)})`);
    console.log(`ratio group / command: running ${(gRun / bRun).toFixed(2)}x, finished ${(g.median / b.median).toFixed(2)}x`);
    const out = writeResults('groups', meta, {
      scope: `${K} tasks running \`true\` through a real master and one agent (child process), WebSockets on 127.0.0.1; ACCEPT to the last task's TASK_RUNNING and TASK_FINISHED`,
      tasks_per_round: K,
      rounds: ROUNDS,
      agent_resources: AGENT_RESOURCES,
      task_resources: TASK,
      executor_resources: EXECUTOR,
      group: { running_median_ms: round(gRun, 1), finished: { median_ms: round(g.median, 1), min_ms: round(g.min, 1), max_ms: round(g.max, 1), rounds_ms: g.rounds.map((x) => round(x, 1)) } },
      command_baseline: { running_median_ms: round(bRun, 1), finished: { median_ms: round(b.median, 1), min_ms: round(b.min, 1), max_ms: round(b.max, 1), rounds_ms: b.rounds.map((x) => round(x, 1)) } },
      ratio_running: round(gRun / bRun, 2),
      ratio_finished: round(g.median / b.median, 2),
      load_avg_1m_before: round(loadBefore, 2),
      load_avg_1m_after: round(loadavg()[0]!, 2),
    });
    console.log(`\nwrote ${out}`);
  } finally {
    if (driver) await driver.stop().catch(() => undefined);
    if (rt) await rt.stop();
    await terminate(agent);
    await master.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
