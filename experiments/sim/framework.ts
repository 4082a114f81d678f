/**
 * A framework with a workload, for the experiments in the simulator: a real
 * SDK `SchedulerDriver` whose scheduler runs jobs in one of three shapes.
 *
 * - `elastic`: a job is a bag of tasks; the scheduler launches whatever of
 *   its queue the offers hold (batch, Hadoop-like; iterative, Spark-like:
 *   long tasks holding memory). With `demand` it never runs out of tasks (a
 *   user of the DRF and ramp-up experiments).
 * - `gang`: a job's N tasks start together or not at all (MPI-like): offers
 *   are held until together they host the whole gang, then every task is
 *   launched at once; a hold that cannot complete within `holdMs` is
 *   declined, so others get the resources, and holding starts over.
 * - `service`: instances that run until killed; the experiment sets how many
 *   are wanted (a web farm following its load); extra ones are killed.
 *
 * A task is a simulated process (`sim run=<ms> exit=0`, sim/containerizer.ts)
 * that holds its resources for its run time. Offers this framework has no use
 * for are declined with a short filter, and the framework suppresses offers
 * while it has nothing to run (reviving them when work arrives), so the
 * allocator's DRF decides who gets what is free.
 */
import type { Clock, Runtime } from 'libprocess-ts';
import { SchedulerDriver, type Scheduler } from '../../framework/index.js';
import { Resources } from '../../protocol/resources.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { Offer, TaskInfo, TaskStatus } from '../../protocol/types.js';
import { planCommand } from '../../sim/containerizer.js';

export type Shape = 'elastic' | 'gang' | 'service';

export interface TaskShape {
  readonly cpus: number;
  readonly mem: number;
}

export interface Job {
  readonly id: string;
  readonly arriveMs: number;
  /** One run time per task, ms. */
  readonly taskMs: readonly number[];
}

export interface JobDone {
  readonly framework: string;
  readonly job: string;
  readonly arriveMs: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly tasks: number;
}

export interface FrameworkSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly task: TaskShape;
  /** At most one task per offer (the rest declined without a filter): DRF then decides every task's worth. */
  readonly onePerOffer?: boolean;
  /** Elastic with endless demand: a new task of this run time whenever an offer fits one. */
  readonly demand?: () => number;
  /** Gang: how long to hold offers that cannot host the gang yet (default 20 s). */
  readonly holdMs?: number;
}

interface Pending {
  readonly job: JobState;
  readonly runMs: number;
}

interface JobState {
  readonly job: Job;
  left: number;
  startMs: number | undefined;
}

const EPS = 1e-9;

export class WorkloadFramework {
  driver: SchedulerDriver | undefined;
  /** Tasks launched and not terminal: id → its shape (the world reads it to price processes). */
  readonly active = new Map<string, { readonly job: JobState | undefined; readonly runMs: number }>();
  readonly done: JobDone[] = [];
  tasksFinished = 0;
  /** Service: instances wanted. */
  wanted = 0;
  /** Virtual time the trace started at: jobs' times are ms since it. */
  origin = 0;
  #queue: Pending[] = [];
  /** Jobs not yet started, gang: one at a time at the head. */
  #gangs: JobState[] = [];
  #held = new Map<string, { offer: Offer; at: number }>();
  #next = 0;
  #suppressed = false;
  #stopped = false;

  constructor(
    readonly spec: FrameworkSpec,
    readonly masters: readonly string[],
    readonly clock: Clock,
    readonly onDone: (d: JobDone) => void = () => {},
  ) {}

  get name(): string {
    return this.spec.name;
  }

  async start(runtime: Runtime): Promise<void> {
    this.driver = await SchedulerDriver.start({
      master: [...this.masters],
      framework: { name: this.spec.name, user: 'sim', failover_timeout: 3600 },
      scheduler: this.#scheduler(),
      runtime,
      processId: 'scheduler',
      backoff: { minMs: 500, maxMs: 5_000 },
    });
  }

  /** Stops launching, kills what runs and unregisters (a user leaving). */
  async leave(): Promise<void> {
    this.#stopped = true;
    this.#queue = [];
    this.#gangs = [];
    const d = this.driver;
    if (d === undefined) return;
    await d.stop(false);
  }

  submit(job: Job): void {
    const js: JobState = { job, left: job.taskMs.length, startMs: undefined };
    if (this.spec.shape === 'gang') this.#gangs.push(js);
    else for (const runMs of job.taskMs) this.#queue.push({ job: js, runMs });
    this.#wake();
  }

  /** Service: how many instances are wanted now. */
  setWanted(n: number): void {
    this.wanted = n;
    const running = [...this.active.keys()];
    // Newest first: the longest-lived instances stay.
    for (let i = running.length - 1; i >= this.wanted; i--) {
      const id = running[i]!;
      this.driver?.killTask(id);
    }
    if (running.length < this.wanted) this.#wake();
  }

  /** Work waiting for resources (tasks, gangs' tasks, instances). */
  backlog(): number {
    if (this.spec.shape === 'service') return Math.max(0, this.wanted - this.active.size);
    if (this.spec.demand !== undefined) return this.#stopped ? 0 : 1;
    return this.#queue.length + this.#gangs.reduce((n, g) => n + g.job.taskMs.length, 0);
  }

  #wake(): void {
    if (!this.#suppressed || this.driver === undefined) return;
    this.#suppressed = false;
    this.driver.reviveOffers();
  }

  #scheduler(): Scheduler {
    return {
      resourceOffers: (d, offers) => this.#offers(d, offers),
      offerRescinded: (_d, id) => {
        this.#held.delete(id.value);
      },
      statusUpdate: (_d, status) => this.#status(status),
    };
  }

  #status(status: TaskStatus): void {
    const id = status.task_id.value;
    if (!isTerminal(status.state)) return;
    const t = this.active.get(id);
    if (t === undefined) return;
    this.active.delete(id);
    if (status.state === 'TASK_FINISHED') {
      this.tasksFinished++;
      const js = t.job;
      if (js !== undefined && --js.left === 0) {
        const d: JobDone = { framework: this.name, job: js.job.id, arriveMs: js.job.arriveMs, startMs: js.startMs ?? js.job.arriveMs, endMs: this.clock.now() - this.origin, tasks: js.job.taskMs.length };
        this.done.push(d);
        this.onDone(d);
      }
    } else if (status.state !== 'TASK_KILLED' && t.job !== undefined && !this.#stopped) {
      // Lost or failed (not asked for): run it again.
      if (this.spec.shape === 'gang') t.job.left--;
      else this.#queue.unshift({ job: t.job, runMs: t.runMs });
      this.#wake();
    }
    if (this.spec.shape === 'service' && this.active.size < this.wanted) this.#wake();
  }

  #offers(d: SchedulerDriver, offers: Offer[]): void {
    if (this.#stopped) {
      d.declineOffers(offers.map((o) => o.id), { refuse_seconds: 60 });
      return;
    }
    if (this.spec.shape === 'gang') return this.#gangOffers(d, offers);
    for (const offer of offers) {
      const r = Resources.fromJSON(offer.resources);
      let cpus = r.scalar('cpus');
      let mem = r.scalar('mem');
      const tasks: TaskInfo[] = [];
      while (cpus + EPS >= this.spec.task.cpus && mem + EPS >= this.spec.task.mem) {
        const next = this.#nextTask();
        if (next === undefined) break;
        tasks.push(this.#task(offer, next.runMs, next.job));
        cpus -= this.spec.task.cpus;
        mem -= this.spec.task.mem;
        if (this.spec.onePerOffer === true) break;
      }
      if (tasks.length === 0) d.declineOffer(offer.id, { refuse_seconds: 1 });
      else d.launchTasks(offer.id, tasks, { refuse_seconds: this.spec.onePerOffer === true ? 0 : 1 });
    }
    this.#maybeSuppress(d);
  }

  #nextTask(): Pending | { job: undefined; runMs: number } | undefined {
    switch (this.spec.shape) {
      case 'service':
        return this.active.size < this.wanted ? { job: undefined, runMs: -1 } : undefined;
      case 'elastic':
        if (this.spec.demand !== undefined) return { job: undefined, runMs: this.spec.demand() };
        return this.#queue.shift();
      case 'gang':
        return undefined;
    }
  }

  #task(offer: Offer, runMs: number, job: JobState | undefined): TaskInfo {
    const id = `${this.name}-${++this.#next}`;
    if (job !== undefined) job.startMs ??= this.clock.now() - this.origin;
    this.active.set(id, { job, runMs });
    const command = runMs < 0 ? 'sim forever' : planCommand(Math.round(runMs), 0);
    return { name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: Resources.parse(`cpus:${this.spec.task.cpus};mem:${this.spec.task.mem}`).toJSON(), command: { value: command } };
  }

  /** Every virtual second: a gang's hold that cannot complete is given up even when no new offer comes. */
  tick(): void {
    const d = this.driver;
    if (this.spec.shape !== 'gang' || d === undefined || this.#held.size === 0) return;
    const oldest = Math.min(...[...this.#held.values()].map((h) => h.at));
    if (this.clock.now() - oldest < (this.spec.holdMs ?? 20_000)) return;
    d.declineOffers([...this.#held.values()].map((h) => h.offer.id), { refuse_seconds: 1 });
    this.#held.clear();
  }

  #maybeSuppress(d: SchedulerDriver): void {
    if (this.backlog() === 0 && !this.#suppressed) {
      this.#suppressed = true;
      d.suppressOffers();
    }
  }

  #gangOffers(d: SchedulerDriver, offers: Offer[]): void {
    const now = this.clock.now();
    const head = this.#gangs[0];
    if (head === undefined) {
      d.declineOffers(offers.map((o) => o.id), { refuse_seconds: 1 });
      this.#maybeSuppress(d);
      return;
    }
    for (const o of offers) this.#held.set(o.id.value, { offer: o, at: now });
    // First fit of the gang's tasks over the held offers, merged per agent (one ACCEPT may use several offers of an agent).
    const agents = new Map<string, { offers: Offer[]; cpus: number; mem: number; tasks: number[] }>();
    for (const h of this.#held.values()) {
      const r = Resources.fromJSON(h.offer.resources);
      const a = agents.get(h.offer.agent_id.value) ?? { offers: [], cpus: 0, mem: 0, tasks: [] };
      a.offers.push(h.offer);
      a.cpus += r.scalar('cpus');
      a.mem += r.scalar('mem');
      agents.set(h.offer.agent_id.value, a);
    }
    let placed = 0;
    for (const runMs of head.job.taskMs) {
      for (const slot of agents.values()) {
        if (slot.cpus + EPS >= this.spec.task.cpus && slot.mem + EPS >= this.spec.task.mem) {
          slot.cpus -= this.spec.task.cpus;
          slot.mem -= this.spec.task.mem;
          slot.tasks.push(runMs);
          placed++;
          break;
        }
      }
    }
    if (placed === head.job.taskMs.length) {
      this.#gangs.shift();
      for (const slot of agents.values()) {
        const ids = slot.offers.map((o) => o.id);
        if (slot.tasks.length === 0) d.declineOffers(ids, { refuse_seconds: 0 });
        else d.launchTasks(ids, slot.tasks.map((ms) => this.#task(slot.offers[0]!, ms, head)), { refuse_seconds: 0 });
      }
      this.#held.clear();
      this.#maybeSuppress(d);
      return;
    }
    this.tick();
  }
}
