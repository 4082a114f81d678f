// One run of `make bench-launch` through a real cluster on this machine: a
// master (startMaster, WebSocket runtime on 127.0.0.1) and a scheduler
// (the SDK's SchedulerDriver in its own WebSocket runtime) in this process,
// ONE agent (startAgent) in a child OS process. The scheduler launches N
// tasks running `true`, as many per offer as fit, and measures per task the
// time from its ACCEPT (launchTasks) to its TASK_RUNNING, and the whole run
// from the first ACCEPT to the last TASK_FINISHED.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Runtime, WsTransport, createLogger, realClock, type Timer } from 'libprocess-ts';
import { startMaster } from '../../master/main.js';
import { SchedulerDriver, commandTask, offerResources, take, type Scheduler } from '../../framework/index.js';
import type { CommandInfo, Offer, TaskInfo } from '../../protocol/types.js';
import { terminate } from '../lib/processes.js';
import { childPids, procCpuMs, selfCpuMs } from '../lib/proc-cpu.js';
import { HELPER_NAME } from '../../agent/containerizer/binaries.js';
import { agentProcessEnv } from '../../agent/thread-pool.js';

export interface ClusterRunOptions {
  readonly tasks: number;
  readonly isolation: string;
  readonly launcher: 'helper' | 'spawn' | 'forkserver';
  /** The agent's resources; the task's size decides how many run at once. */
  readonly agentResources: string;
  readonly taskResources: string;
  readonly taskCpus: number;
  readonly taskMem: number;
  /** fsync the agent's checkpoints (true: as in production). */
  readonly fsync: boolean;
  /**
   * The agent's --runtime_dir (its containers' pids and exit records): on a tmpfs when the machine has one
   * (RUNTIME_TMPFS), as Mesos's /var/run/mesos is on a systemd host; else its default under the work dir.
   */
  readonly runtimeDirOnTmpfs?: boolean;
  /** Whole run bound (a stuck run fails instead of hanging). */
  readonly timeoutMs: number;
  /** Extra node flags for the agent's process (e.g. --cpu-prof). */
  readonly agentNodeArgs?: readonly string[];
  /** Each task's command. */
  readonly command: CommandInfo;
  /**
   * Launch at this rate (tasks/s, from the first offer) instead of as many as
   * fit: an agent that is not saturated, for the launch latency alone.
   */
  readonly ratePerS?: number;
}

export interface ClusterRun {
  tasksPerS: number;
  /** ACCEPT to TASK_STARTING at the scheduler (the launch itself), per task. */
  startingMs: number[];
  /** ACCEPT (launchTasks call) to TASK_RUNNING at the scheduler, per task. */
  launchMs: number[];
  /** ACCEPT to TASK_FINISHED, per task. */
  finishMs: number[];
  /**
   * The most tasks between their ACCEPT and their TASK_FINISHED (at the
   * scheduler) at one time. Above the 80 that fit: the master frees a task's
   * resources when the agent reports its terminal state (latest_state), before
   * the scheduler has acknowledged its way to the TASK_FINISHED update.
   */
  maxInFlight: number;
  offers: number;
  /** CPU ms per task from the first ACCEPT to the last TASK_FINISHED, per process (proc-cpu.ts). */
  cpuMsPerTask: CpuPerTask;
}

export interface CpuPerTask {
  /** This process: the master and the scheduler (SDK), every thread. */
  masterAndScheduler: number;
  /** The agent's process, every thread (its thread pool, the removal worker). */
  agent: number;
  /** The launcher helper (the agent's child) and the tasks it forked and reaped. */
  launcherAndTasks: number;
  total: number;
}

/** The agent's launcher helper among its children (comm is cut to 15 characters). */
function helperPid(agentPid: number | undefined): number | undefined {
  if (agentPid === undefined) return undefined;
  return childPids(agentPid).find((c) => {
    try {
      return readFileSync(`/proc/${c}/comm`, 'utf8').startsWith(HELPER_NAME.slice(0, 15));
    } catch {
      return false;
    }
  });
}

interface CpuSample {
  self: number;
  agent: number;
  helper: number;
  helperPid: number | undefined;
}

function cpuSample(agentPid: number | undefined, helper = helperPid(agentPid)): CpuSample {
  return { self: selfCpuMs(), agent: procCpuMs(agentPid, false), helper: procCpuMs(helper), helperPid: helper };
}

function cpuPerTask(a: CpuSample, agentPid: number | undefined, tasks: number): CpuPerTask {
  // The same helper at both ends (it may have been started by the first launch, after the first sample).
  const b = cpuSample(agentPid, a.helperPid ?? helperPid(agentPid));
  const masterAndScheduler = (b.self - a.self) / tasks;
  const agent = (b.agent - a.agent) / tasks;
  const launcherAndTasks = (b.helper - a.helper) / tasks;
  return { masterAndScheduler, agent, launcherAndTasks, total: masterAndScheduler + agent + launcherAndTasks };
}

const quiet = createLogger('bench', 'silent');

/** A tmpfs for the agent's runtime dir: /dev/shm (Linux mounts one there). */
export const RUNTIME_TMPFS = '/dev/shm';

export async function startAgentChild(masterPid: string, workDir: string, o: ClusterRunOptions, runtimeDir?: string): Promise<ChildProcess> {
  const flags = {
    master: masterPid,
    ip: '127.0.0.1',
    port: 0,
    work_dir: workDir,
    ...(runtimeDir !== undefined ? { runtime_dir: runtimeDir } : {}),
    resources: o.agentResources,
    isolation: o.isolation,
    launcher: o.launcher,
    registration_backoff_factor: 0,
    fsync: o.fsync,
    strict: true,
  };
  const child = fork(fileURLToPath(new URL('./agent-child.js', import.meta.url)), [JSON.stringify(flags)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...(o.agentNodeArgs ?? [])],
    env: agentProcessEnv(process.env), // as `mesos-ts local` starts its agents (agent/thread-pool.ts)
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code, signal) => reject(new Error(`the agent exited before it was ready (code ${code}, signal ${signal})`)));
    child.once('error', reject);
  });
  return child;
}

export async function clusterRun(o: ClusterRunOptions): Promise<ClusterRun> {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-launch-cluster-'));
  const runtimeDir = o.runtimeDirOnTmpfs === true ? mkdtempSync(join(RUNTIME_TMPFS, 'bench-launch-runtime-')) : undefined;
  const master = await startMaster({ ip: '127.0.0.1', port: 0, logger: quiet });
  const masterPid = master.pid.toString();
  let agent: ChildProcess | undefined;
  let schedRt: Runtime | undefined;
  let driver: SchedulerDriver | undefined;
  try {
    agent = await startAgentChild(masterPid, workDir, o, runtimeDir);
    const agentGone = new Promise<never>((_, reject) => agent!.once('exit', (code, signal) => reject(new Error(`the agent exited during the run (code ${code}, signal ${signal})`))));
    schedRt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, name: 'scheduler', logger: quiet }).start();

    const acceptAt = new Map<string, number>();
    const startingMs: number[] = [];
    const launchMs: number[] = [];
    const finishMs: number[] = [];
    let launched = 0;
    let finished = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let offers = 0;
    let firstAccept = 0;
    let lastFinish = 0;
    let cpuAtFirstAccept: CpuSample | undefined;
    let cpu: CpuPerTask | undefined;
    let done!: () => void;
    let fail!: (e: Error) => void;
    const allDone = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });

    const fits = (offer: Offer): number => {
      const r = offerResources(offer);
      const byCpu = Math.floor((r.scalar('cpus') + 1e-9) / o.taskCpus);
      const byMem = Math.floor((r.scalar('mem') + 1e-9) / o.taskMem);
      return Math.max(0, Math.min(byCpu, byMem, o.tasks - launched));
    };
    let pacedFrom = 0;
    /** Paced: how many more tasks are due now, and the seconds until the next one is. */
    const pace = (now: number): { due: number; nextInS: number } => {
      if (o.ratePerS === undefined) return { due: Infinity, nextInS: 5 };
      if (pacedFrom === 0) pacedFrom = now;
      const due = Math.floor(((now - pacedFrom) / 1000) * o.ratePerS) + 1 - launched;
      const nextAt = pacedFrom + ((launched + Math.max(due, 0)) / o.ratePerS) * 1000;
      return { due, nextInS: Math.max(0.005, (nextAt - now) / 1000) };
    };
    // Paced: an offer that comes before the next task is due is held (a pacing framework keeps its offer, since
    // refused resources come back only with the allocator's next batch, up to a second later) and used when it is.
    let held: { d: SchedulerDriver; offer: Offer; timer: Timer } | undefined;
    const launchFrom = (d: SchedulerDriver, offer: Offer, now: number): void => {
      const { due, nextInS } = pace(now);
      const k = Math.min(fits(offer), due);
      const one = k > 0 ? take(offerResources(offer), o.taskResources) : undefined;
      if (k <= 0 || one === undefined) {
        if (o.ratePerS !== undefined && launched < o.tasks && held === undefined && fits(offer) > 0) {
          held = { d, offer, timer: realClock.timer(nextInS * 1000, () => {
            const h = held!;
            held = undefined;
            launchFrom(h.d, h.offer, performance.now());
          }) };
          return;
        }
        // Refused resources are filtered only while an offer holds no more than
        // them: freed cpus come back at once (as with Mesos's offer filters).
        d.declineOffer(offer.id, { refuse_seconds: launched >= o.tasks ? 3600 : nextInS });
        return;
      }
      launchTasksFrom(d, offer, k, one, now);
    };
    const launchTasksFrom = (d: SchedulerDriver, offer: Offer, k: number, one: NonNullable<ReturnType<typeof take>>, now: number): void => {
      const tasks: TaskInfo[] = [];
      for (let i = 0; i < k; i++) tasks.push(commandTask(`t${launched + i}`, offer, one, o.command));
      if (firstAccept === 0) {
        firstAccept = now;
        cpuAtFirstAccept = cpuSample(agent!.pid);
      }
      for (const t of tasks) acceptAt.set(t.task_id.value, now);
      launched += k;
      inFlight += k;
      maxInFlight = Math.max(maxInFlight, inFlight);
      d.launchTasks(offer.id, tasks, { refuse_seconds: pace(now).nextInS });
    };
    const scheduler: Scheduler = {
      resourceOffers(d, list) {
        for (const offer of list) {
          offers++;
          launchFrom(d, offer, performance.now());
        }
      },
      offerRescinded(_d, offerId) {
        if (held !== undefined && held.offer.id.value === offerId.value) {
          held.timer.cancel();
          held = undefined;
        }
      },
      statusUpdate(_d, status) {
        const id = status.task_id.value;
        const t0 = acceptAt.get(id);
        if (t0 === undefined) return;
        const now = performance.now();
        if (status.state === 'TASK_STARTING') startingMs.push(now - t0);
        else if (status.state === 'TASK_RUNNING') launchMs.push(now - t0);
        else if (status.state === 'TASK_FINISHED') {
          finishMs.push(now - t0);
          acceptAt.delete(id);
          inFlight--;
          lastFinish = now;
          if (++finished === o.tasks) {
            cpu = cpuPerTask(cpuAtFirstAccept!, agent!.pid, o.tasks);
            done();
          }
        } else {
          fail(new Error(`task ${id}: ${status.state} ${status.reason ?? ''} ${status.message ?? ''}`));
        }
      },
      error: (_d, message) => fail(new Error(`scheduler error: ${message}`)),
    };
    driver = await SchedulerDriver.start({ master: masterPid, framework: { name: 'bench-launch', checkpoint: true }, scheduler, runtime: schedRt, random: 1, logger: quiet });
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = realClock.timer(o.timeoutMs, () => reject(new Error(`bench-launch: ${finished}/${o.tasks} tasks finished after ${o.timeoutMs} ms`)));
    });
    try {
      await Promise.race([allDone, agentGone, timeout]);
    } finally {
      timer?.cancel();
      held?.timer.cancel();
    }
    return { tasksPerS: (o.tasks / (lastFinish - firstAccept)) * 1000, startingMs, launchMs, finishMs, maxInFlight, offers, cpuMsPerTask: cpu! };
  } finally {
    if (driver) await driver.stop().catch(() => undefined);
    if (schedRt) await schedRt.stop();
    await terminate(agent);
    await master.stop();
    rmSync(workDir, { recursive: true, force: true });
    if (runtimeDir !== undefined) rmSync(runtimeDir, { recursive: true, force: true });
  }
}
