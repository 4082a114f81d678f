/**
 * One MPI job on a mesos-ts cluster (what `mesos-ts mpiexec` runs): its own
 * framework gathers the slots from offers (gather.ts), starts Hydra's
 * mpiexec here with its manual launcher, launches each proxy whose command
 * line it prints as a task on the agent of its node,
 * streams the job's output, and ends with the job's exit status. A rank that
 * exits non-zero (named by the wrapper, hydra.ts) or a proxy task that ends
 * early fails the job: every task is killed, mpiexec is stopped, and the exit
 * status is the failed rank's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Clock } from 'libprocess-ts';
import { SchedulerDriver } from '../../framework/scheduler/index.js';
import type { Resources } from '../../framework/scheduler/helpers.js';
import type { Credential } from '../../protocol/credentials.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { TaskState, TaskStatus } from '../../protocol/types.js';
import { SlotGatherer } from './gather.js';
import { HYDRA, LAUNCH_END, hydraArgs, onPath, parseLaunchLine, parseRankFailure, proxyTaskCommand } from './hydra.js';
import { capacityOfAgents, type Node } from './placement.js';

export interface MpiJobOptions {
  readonly masters: readonly string[];
  readonly credential?: Credential;
  readonly ranks: number;
  readonly perRank: Resources;
  readonly program: string;
  readonly args: readonly string[];
  /** The framework's name (and its tasks'). */
  readonly name: string;
  readonly role: string;
  readonly timeoutMs: number;
  readonly maxPerAgent?: number;
  /** Hydra's -localhost: where the proxies reach mpiexec (default: this machine's hostname). */
  readonly controlHost?: string;
  /** The cluster's agents with their total resources, for the early check that the job can ever fit. */
  readonly agents?: () => Promise<readonly { hostname: string; resources: Record<string, unknown> }[]>;
  readonly clock: Clock;
  /** Our own lines (stderr); the job's output goes to `stdout`/`stderr`. */
  readonly log: (line: string) => void;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface MpiJobResult {
  readonly code: number;
  /** Why the job failed, when it did because of us or a rank. */
  readonly message?: string;
  /** Milliseconds from the start: slots gathered, mpiexec started, every node's task running, the end. */
  readonly timings: { gathered?: number; mpiexec?: number; running?: number; ended: number };
}

/** How long the job waits for its tasks to end after killing them, and for mpiexec after SIGTERM. */
const TASKS_END_MS = 15_000;
const MPIEXEC_TERM_MS = 2_000;

interface NodeTask {
  readonly node: Node;
  readonly taskId: string;
  launched?: boolean;
  state?: TaskState;
}

export class MpiJob {
  readonly #o: MpiJobOptions;
  readonly #t0: number;
  readonly #timings: { gathered?: number; mpiexec?: number; running?: number; ended: number } = { ended: 0 };
  readonly #gatherer: SlotGatherer;
  #driver: SchedulerDriver | undefined;
  #tasks: NodeTask[] = [];
  #mpiexec: ChildProcess | undefined;
  #failure: { code: number; message: string } | undefined;
  /** Waiting for every launched task to end (the failure's teardown, and the end after mpiexec). */
  readonly #tasksEnded: (() => void)[] = [];

  constructor(options: MpiJobOptions) {
    this.#o = options;
    this.#t0 = options.clock.now();
    this.#gatherer = new SlotGatherer({ ranks: options.ranks, perRank: options.perRank, timeoutMs: options.timeoutMs, clock: options.clock, log: options.log, ...(options.maxPerAgent !== undefined ? { maxPerAgent: options.maxPerAgent } : {}) });
  }

  #since(): number {
    return this.#o.clock.now() - this.#t0;
  }

  /** Runs the job to its end. */
  async run(): Promise<MpiJobResult> {
    const o = this.#o;
    const hydra = onPath(HYDRA);
    if (hydra === undefined) return this.#end(127, `${HYDRA} is not on the PATH: install MPICH (Debian: make mpich, or apt-get install mpich libmpich-dev)`);
    // Whether the cluster could ever hold the job, asked beside the subscription (not before it: start-up counts).
    const impossible = o.agents === undefined ? Promise.resolve(undefined) : o.agents().then(
      (agents) => {
        const cap = capacityOfAgents(agents, o.perRank, o.ranks, o.maxPerAgent);
        if (cap.total >= o.ranks) return undefined;
        const where = cap.byHost.length === 0 ? 'it has no agents' : `its ${cap.byHost.length} agent(s) have room for ${cap.total} at most, even with nothing else running (${cap.byHost.map((h) => `${h.hostname}: ${h.slots}`).join(', ')})`;
        return `the cluster cannot fit the job: it needs ${o.ranks} slot(s) of ${o.perRank.toString()}, and ${where}`;
      },
      (e: unknown) => {
        o.log(`could not read the cluster's agents (${(e as Error).message}); waiting for offers`);
        return undefined;
      },
    );
    this.#driver = await SchedulerDriver.start({
      master: [...o.masters],
      framework: { name: o.name, role: o.role, failover_timeout: 0, ...(o.credential !== undefined ? { principal: o.credential.principal } : {}) },
      ...(o.credential !== undefined ? { credential: o.credential } : {}),
      scheduler: {
        registered: (_d, id) => o.log(`subscribed as framework ${id.value}; gathering ${o.ranks} slot(s) of ${o.perRank.toString()}`),
        resourceOffers: (d, offers) => this.#gatherer.offers(d, offers),
        offerRescinded: (_d, id) => this.#gatherer.rescinded(id),
        disconnected: () => this.#gatherer.disconnected(),
        statusUpdate: (_d, status) => this.#update(status),
        error: (_d, message) => this.#fail(1, `the master ended the framework: ${message}`),
      },
    });
    this.#gatherer.start(() => this.#driver);
    void impossible.then((message) => {
      if (message !== undefined) this.#gatherer.abandon(message);
    });
    const gathered = await this.#gatherer.result;
    if ('error' in gathered) return this.#end(1, gathered.error);
    this.#timings.gathered = this.#since();
    this.#tasks = gathered.nodes.map((node, i) => ({ node, taskId: `node-${i}` }));
    o.log(`slots gathered in ${this.#timings.gathered} ms: ${this.#tasks.map((t, i) => `${t.node.hostname} (${t.node.ranks} rank(s), node ${i})`).join(', ')}`);
    if (this.#failure !== undefined) return this.#end(this.#failure.code, this.#failure.message);
    return this.#runHydra(hydra);
  }

  async #runHydra(hydra: string): Promise<MpiJobResult> {
    const o = this.#o;
    const args = hydraArgs({ ranksPerNode: this.#tasks.map((t) => t.node.ranks), program: o.program, args: o.args, ...(o.controlHost !== undefined ? { controlHost: o.controlHost } : {}) });
    const child = spawn(hydra, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    child.once('error', (e) => o.log(`${hydra} did not start: ${e.message}`));
    this.#mpiexec = child;
    this.#timings.mpiexec = this.#since();
    // Until HYDRA_LAUNCH_END, mpiexec's stdout holds the proxies' command lines (no rank runs
    // yet); then it is the job's output, passed on as it comes.
    let launching = '';
    let launched = false;
    child.stdout!.on('data', (c: Buffer) => {
      if (launched) {
        o.stdout.write(c);
        return;
      }
      launching += c.toString();
      const lines = launching.split('\n');
      launching = lines.pop()!;
      for (const line of lines) {
        if (launched) {
          o.stdout.write(`${line}\n`);
          continue;
        }
        const proxy = parseLaunchLine(line);
        if (proxy !== undefined) this.#launch(proxy.proxyId, proxy.command);
        else if (line.trim() === LAUNCH_END) launched = true;
        else o.stdout.write(`${line}\n`);
      }
      if (launched && launching !== '') {
        o.stdout.write(launching);
        launching = '';
      }
    });
    let partial = '';
    child.stderr!.on('data', (c: Buffer) => {
      o.stderr.write(c);
      partial += c.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const failed = parseRankFailure(line);
        if (failed !== undefined) this.#rankFailed(failed.rank, failed.status);
      }
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    this.#mpiexec = undefined;
    await this.#endTasks();
    const hydraCode = exit.code ?? 128 + signalNumber(exit.signal);
    if (this.#failure !== undefined) return this.#end(this.#failure.code, this.#failure.message);
    if (hydraCode !== 0) return this.#end(hydraCode, `${HYDRA} exited with status ${hydraCode}`);
    return this.#end(0);
  }

  /** Hydra's manual launcher printed proxy `index`'s command: its task goes to the node's agent. */
  #launch(index: number, command: string): void {
    const t = this.#tasks[index];
    if (t === undefined || t.launched) {
      this.#fail(1, `${HYDRA} asked for proxy ${index}, and the job has ${this.#tasks.length} node(s)${t?.launched ? ' (that one launched already)' : ''}`);
      return;
    }
    if (this.#failure !== undefined) return;
    t.launched = true;
    const first = this.#tasks.slice(0, index).reduce((s, x) => s + x.node.ranks, 0);
    const ranks = t.node.ranks === 1 ? `rank ${first}` : `ranks ${first}-${first + t.node.ranks - 1}`;
    this.#driver!.launchTasks(t.node.offerIds, [{
      name: `${this.#o.name} ${ranks}`,
      task_id: { value: t.taskId },
      agent_id: { value: t.node.agentId },
      resources: t.node.resources.toJSON(),
      command: { shell: true, value: proxyTaskCommand(command) },
    }]);
  }

  #update(status: TaskStatus): void {
    const t = this.#tasks.find((x) => x.taskId === status.task_id.value);
    if (t === undefined) return;
    t.state = status.state;
    if (this.#timings.running === undefined && this.#tasks.every((x) => x.state === 'TASK_RUNNING' || (x.state !== undefined && isTerminal(x.state)))) {
      this.#timings.running = this.#since();
      this.#o.log(`every node's proxy is running, ${this.#timings.running} ms after submission`);
    }
    if (!isTerminal(status.state)) return;
    if (status.state !== 'TASK_FINISHED' && this.#mpiexec !== undefined && this.#failure === undefined) {
      // Give the rank wrapper's line a moment to arrive: it names the rank, the task only the node.
      const at = this.#o.clock.now();
      this.#o.clock.timer(500, () => this.#fail(1, `task ${t.taskId} on ${t.node.hostname} ended ${status.state}${status.message ? ` (${status.message})` : ''} ${this.#o.clock.now() - at} ms ago, before the job did`));
    }
    if (this.#tasks.every((x) => !x.launched || (x.state !== undefined && isTerminal(x.state)))) for (const done of this.#tasksEnded.splice(0)) done();
  }

  #rankFailed(rank: number, status: number): void {
    let node = 0;
    for (let seen = 0; node < this.#tasks.length && seen + this.#tasks[node]!.node.ranks <= rank; node++) seen += this.#tasks[node]!.node.ranks;
    const host = this.#tasks[node]?.node.hostname ?? 'an unknown node';
    this.#fail(status, `rank ${rank} (on ${host}, task node-${node}) exited with status ${status}`);
  }

  /** The first failure wins: the job is torn down, its exit status is this one's. */
  #fail(code: number, message: string): void {
    if (this.#failure !== undefined) return;
    this.#failure = { code, message };
    this.#gatherer.abandon(message);
    if (this.#mpiexec === undefined) return;
    this.#o.log(`${message}: ending every task of the job`);
    void this.#endTasks().then(() => this.#stopMpiexec());
  }

  /** Kills every task not ended; resolves once all have ended (or after TASKS_END_MS). */
  #endTasks(): Promise<void> {
    const open = (): NodeTask[] => this.#tasks.filter((t) => t.launched === true && (t.state === undefined || !isTerminal(t.state)));
    for (const t of open()) this.#driver?.killTask(t.taskId, t.node.agentId);
    if (open().length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.#o.clock.timer(TASKS_END_MS, () => {
        this.#o.log(`${open().map((t) => t.taskId).join(', ')} not ended ${TASKS_END_MS / 1000} s after the kill; the framework's teardown ends them`);
        resolve();
      });
      this.#tasksEnded.push(() => {
        timer.cancel();
        resolve();
      });
    });
  }

  /** SIGTERM to mpiexec, SIGKILL if it is still there after MPIEXEC_TERM_MS (Hydra may wait on proxies that are gone). */
  #stopMpiexec(): void {
    const child = this.#mpiexec;
    if (child === undefined) return;
    child.kill('SIGTERM');
    this.#o.clock.timer(MPIEXEC_TERM_MS, () => {
      if (this.#mpiexec === child) child.kill('SIGKILL');
    });
  }

  /** Stops the job from outside (a signal to the CLI): every task ends, mpiexec stops. */
  interrupt(signal: NodeJS.Signals): void {
    this.#fail(128 + signalNumber(signal), `interrupted by ${signal}`);
    this.#gatherer.abandon(`interrupted by ${signal}`);
  }

  async #end(code: number, message?: string): Promise<MpiJobResult> {
    this.#timings.ended = this.#since();
    if (this.#driver !== undefined) {
      await this.#driver.stop(false); // TEARDOWN: the master ends anything still running
      await this.#driver.runtime.stop();
    }
    return { code, ...(message !== undefined ? { message } : {}), timings: { ...this.#timings } };
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal !== null ? osConstants.signals[signal] : undefined) ?? 1;
}
