/**
 * A greedy framework for the simulation: a real SDK `SchedulerDriver` whose
 * scheduler launches as many small tasks as its offers hold (up to a cap),
 * each a simulated process that runs for a drawn time and exits with a drawn
 * code (sim/containerizer.ts). In the quiet phase its tasks run until killed,
 * so the cluster fills up, one task per framework per allocation, and DRF
 * shares can be compared.
 *
 * What outlives a crash of the scheduler (its framework id, the next task
 * number) is kept here, as a real framework keeps it in its own store; a
 * restarted scheduler fails over to the same framework.
 */
import type { Random, Runtime } from 'libprocess-ts';
import { SchedulerDriver, type Scheduler } from '../framework/index.js';
import { Resources } from '../protocol/resources.js';
import { isTerminal } from '../protocol/task-states.js';
import type { Offer, TaskInfo, TaskStatus } from '../protocol/types.js';
import { planCommand } from './containerizer.js';
import { executorCommand } from './executor.js';

export const TASK_RESOURCES = 'cpus:0.5;mem:64';
const TASK_CPUS = 0.5;
const TASK_MEM = 64;
/**
 * Steady (quiet-phase) tasks are smaller: one task's worth of share (4% of a 3-agent cluster) stays under the 5% DRF
 * tolerance. Their cpus and mem are in the proportion of the sim's agents (2 cpus, 1024 MB), so a full agent has no
 * remainder left to offer: a mem-only remainder, which no task fits, offered first in a batch to the framework
 * behind, would weigh on its share for that batch and pass the agent that has room to the one ahead.
 */
export const STEADY_TASK_RESOURCES = 'cpus:0.25;mem:128';
const STEADY_CPUS = 0.25;
const STEADY_MEM = 128;

export interface FrameworkObserver {
  /** Every status the scheduler's callback gets. */
  update(framework: GreedyFramework, status: TaskStatus): void;
  /** A new driver starts for the framework (a restarted scheduler). */
  restarted(framework: GreedyFramework): void;
}

export class GreedyFramework {
  frameworkId: string | undefined;
  driver: SchedulerDriver | undefined;
  /** Tasks launched and not seen terminal (task id → agent id). */
  readonly active = new Map<string, string>();
  #next = 0;
  /** Quiet phase: tasks run until killed. */
  steady = false;
  /** Torn down (a fresh framework replaces it). */
  removed = false;

  constructor(
    readonly name: string,
    readonly masters: readonly string[],
    readonly random: Random,
    readonly observer: FrameworkObserver,
    readonly maxTasks: number,
    /** How long a task of the chaos phase runs, ms (drawn in [min, max]). */
    readonly taskRunMs: readonly [number, number],
    /** The share of tasks given a custom executor (sim/executor.ts) instead of a command. */
    readonly executorShare = 0,
    /** How long an offer it cannot use a task of is declined for (refuse_seconds; Mesos's default filter is 5 s). */
    readonly declineSeconds = 1,
  ) {}

  async start(runtime: Runtime): Promise<void> {
    this.observer.restarted(this);
    const framework = {
      name: this.name,
      user: 'sim',
      checkpoint: true,
      failover_timeout: 3600,
      capabilities: [{ type: 'PARTITION_AWARE' as const }],
      ...(this.frameworkId !== undefined ? { id: { value: this.frameworkId } } : {}),
    };
    this.driver = await SchedulerDriver.start({
      master: [...this.masters],
      framework,
      scheduler: this.#scheduler(),
      runtime,
      random: this.random.fork(),
      processId: 'scheduler',
      backoff: { minMs: 500, maxMs: 5_000 },
    });
  }

  #scheduler(): Scheduler {
    return {
      registered: (_d, id) => {
        this.frameworkId = id.value;
      },
      reregistered: (d) => {
        d.reconcileTasks([]);
      },
      resourceOffers: (d, offers) => this.#offers(d, offers),
      statusUpdate: (_d, status) => {
        this.observer.update(this, status);
        const id = status.task_id.value;
        if (isTerminal(status.state)) this.active.delete(id);
        else if (status.agent_id !== undefined) this.active.set(id, status.agent_id.value);
      },
      error: () => {
        this.removed = true;
      },
    };
  }

  #offers(d: SchedulerDriver, offers: Offer[]): void {
    // What it cannot use is declined in one call (DECLINE takes many offer ids), not one message an offer.
    const unusable: string[] = [];
    // Steady (the quiet phase): one task per `offers` event, the other offers declined without a filter, so the
    // allocator's DRF decides who gets each task's worth at each allocation (taking whole agents would make shares
    // differ by an agent; one task per offer would let a framework that got more agents' remainders in one batch
    // take more tasks in it, and shares drift apart by several tasks).
    const passed: string[] = [];
    let launched = false;
    for (const offer of offers) {
      if (this.steady && launched) {
        passed.push(offer.id.value);
        continue;
      }
      const r = Resources.fromJSON(offer.resources);
      const [cpus, mem] = this.steady ? [STEADY_CPUS, STEADY_MEM] : [TASK_CPUS, TASK_MEM];
      let fit = Math.min(Math.floor(r.scalar('cpus') / cpus + 1e-9), Math.floor(r.scalar('mem') / mem + 1e-9));
      fit = Math.min(fit, this.maxTasks - this.active.size);
      if (this.steady) fit = Math.min(fit, 1);
      if (fit <= 0) {
        unusable.push(offer.id.value);
        continue;
      }
      const tasks: TaskInfo[] = [];
      for (let i = 0; i < fit; i++) {
        const id = `${this.name}-${++this.#next}`;
        const runMs = this.steady ? 'forever' : this.taskRunMs[0] + this.random.int(this.taskRunMs[1] - this.taskRunMs[0]);
        const exit = this.steady ? 0 : this.random.chance(0.2) ? 1 : 0;
        const task: TaskInfo = { name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: Resources.parse(this.steady ? STEADY_TASK_RESOURCES : TASK_RESOURCES).toJSON() };
        // A custom executor of its own (its id the task's), or a command the agent runs itself.
        if (this.executorShare > 0 && this.random.chance(this.executorShare)) task.executor = { executor_id: { value: id }, name: id, command: { value: executorCommand(runMs, exit) } };
        else task.command = { value: runMs === 'forever' ? 'sim forever' : planCommand(runMs, exit) };
        tasks.push(task);
        this.active.set(id, offer.agent_id.value);
      }
      d.launchTasks(offer.id, tasks, { refuse_seconds: this.steady ? 0 : this.declineSeconds });
      launched = true;
    }
    if (unusable.length > 0) d.declineOffers(unusable, { refuse_seconds: this.declineSeconds });
    if (passed.length > 0) d.declineOffers(passed, { refuse_seconds: 0 });
  }
}

