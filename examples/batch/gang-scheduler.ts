/**
 * A gang scheduler (Torque/MPI-like): a job of N tasks that start together or
 * not at all. Offers are held, not used, until the held offers can host all N
 * (first fit); then every task is launched in the same instant (one ACCEPT per
 * agent, all sent together). If the gang cannot be placed within
 * `holdTimeoutMs` of the first held offer, every held offer is declined (with
 * a filter) so other frameworks get the resources, and holding starts over.
 * Rescinded offers leave the hold. Once launched, the gang lives and dies
 * together: one task failing kills the others and fails the job.
 */
import { Random, type Runtime } from 'libprocess-ts';
import { isTerminal } from '../../protocol/task-states.js';
import type { Offer, OfferID, TaskStatus } from '../../protocol/types.js';
import { SchedulerDriver, firstFit, sumResources, type MasterSpec, type Scheduler } from '../../framework/index.js';

export interface GangJob {
  /** Task ids are `<id>-<rank>`. */
  id: string;
  /** How many tasks must start together. */
  tasks: number;
  command: string;
  /** Per task, e.g. `cpus:1;mem:256`. */
  resources: string;
}

export interface GangSchedulerOptions {
  master: MasterSpec;
  job: GangJob;
  /** Longest hold of offers that cannot host the gang (default 30 s). */
  holdTimeoutMs?: number;
  /** How long the master keeps released resources from this framework (default 5 s). */
  releaseRefuseSeconds?: number;
  runtime?: Runtime;
  random?: Random | number;
  user?: string;
  /** The framework's principal and secret (its FrameworkInfo.principal; the driver authenticates with it). */
  credential?: { readonly principal: string; readonly secret: string };
  name?: string;
  log?: (line: string) => void;
}

export type GangState = 'HOLDING' | 'LAUNCHED' | 'SUCCEEDED' | 'FAILED';

export interface GangResult {
  state: 'SUCCEEDED' | 'FAILED';
  /** Each task's last state, by rank. */
  tasks: string[];
  message?: string;
}

export class GangScheduler {
  readonly #held = new Map<string, Offer>();
  readonly #states: string[];
  readonly #log: (line: string) => void;
  #state: GangState = 'HOLDING';
  /** Bumped at every release and at launch, so a stale hold timer does nothing. */
  #holdGeneration = 0;
  #holdTimerFor = -1;
  #done = false;
  #resolve!: (r: GangResult) => void;
  readonly result: Promise<GangResult>;
  /** Times every held offer was released for lack of room. */
  releases = 0;
  /** The virtual or real time of the launch, and the agents' hostnames by rank. */
  launchedAtMs: number | undefined;
  hosts: string[] = [];
  driver!: SchedulerDriver;

  private constructor(readonly options: GangSchedulerOptions) {
    const { job } = options;
    if (!Number.isInteger(job.tasks) || job.tasks < 1) throw new Error(`gang job ${job.id}: tasks must be a positive integer, got ${job.tasks}`);
    this.#states = Array.from({ length: job.tasks }, () => 'PENDING');
    this.#log = options.log ?? ((l) => console.log(l));
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  static async start(options: GangSchedulerOptions): Promise<GangScheduler> {
    const s = new GangScheduler(options);
    s.driver = await SchedulerDriver.start({
      master: options.master,
      framework: { name: options.name ?? `batch (${options.job.id})`, ...(options.user ? { user: options.user } : {}), ...(options.credential ? { principal: options.credential.principal } : {}) },
      // The driver authenticates its connections with it (its own runtime, as that principal).
      ...(options.credential ? { credential: options.credential } : {}),
      scheduler: s.#scheduler(),
      ...(options.runtime ? { runtime: options.runtime } : {}),
      ...(options.random !== undefined ? { random: options.random } : {}),
    });
    return s;
  }

  get state(): GangState {
    return this.#state;
  }

  /** The offers held right now. */
  held(): Offer[] {
    return [...this.#held.values()];
  }

  #scheduler(): Scheduler {
    return {
      registered: (_d, id) => this.#log(`registered as ${id.value}; gang of ${this.options.job.tasks} x ${this.options.job.resources}`),
      disconnected: () => {
        this.#held.clear(); // offers die with the connection
        this.#holdGeneration++;
      },
      resourceOffers: (driver, offers) => this.#offers(driver, offers),
      offerRescinded: (_d, id) => this.#rescinded(id),
      statusUpdate: (driver, status) => this.#update(driver, status),
      error: (_d, message) => this.#finish({ state: 'FAILED', tasks: [...this.#states], message }),
    };
  }

  #offers(driver: SchedulerDriver, offers: Offer[]): void {
    if (this.#state !== 'HOLDING') {
      driver.declineOffers(offers.map((o) => o.id), { refuse_seconds: 3600 });
      return;
    }
    for (const o of offers) this.#held.set(o.id.value, o);
    const job = this.options.job;
    const held = this.held();
    const plan = firstFit(
      held,
      Array.from({ length: job.tasks }, (_, rank) => ({ id: `${job.id}-${rank}`, resources: job.resources, command: job.command })),
    );
    if (plan.unplaced.length > 0) {
      this.#log(`holding ${held.length} offer(s): room for ${job.tasks - plan.unplaced.length} of ${job.tasks} tasks`);
      this.#armHoldTimer(driver);
      return;
    }
    // Everything fits: launch the whole gang now, with each task told its rank and the gang's hosts.
    this.hosts = plan.placements.map((p) => p.offer.hostname);
    for (const p of plan.placements) {
      const rank = Number(p.task.task_id.value.slice(job.id.length + 1));
      p.task.command = {
        value: job.command,
        shell: true,
        environment: {
          variables: [
            { name: 'GANG_RANK', type: 'VALUE', value: String(rank) },
            { name: 'GANG_SIZE', type: 'VALUE', value: String(job.tasks) },
            { name: 'GANG_HOSTS', type: 'VALUE', value: this.hosts.join(',') },
          ],
        },
      };
      this.#states[rank] = 'TASK_STAGING';
    }
    this.#state = 'LAUNCHED';
    this.#holdGeneration++;
    this.launchedAtMs = driver.runtime.clock.now();
    for (const { offer, tasks } of plan.launches.values()) driver.launchTasks([offer.id], tasks);
    if (plan.unused.length > 0) driver.declineOffers(plan.unused.map((o) => o.id), { refuse_seconds: 3600 });
    this.#held.clear();
    driver.suppressOffers();
    this.#log(`launched the gang of ${job.tasks} on ${plan.launches.size} agent(s): ${this.hosts.join(', ')}`);
  }

  #armHoldTimer(driver: SchedulerDriver): void {
    const generation = this.#holdGeneration;
    if (this.#holdTimerFor === generation) return;
    this.#holdTimerFor = generation;
    const timeout = this.options.holdTimeoutMs ?? 30_000;
    void driver.sleep(timeout).then(() => {
      if (generation !== this.#holdGeneration || this.#state !== 'HOLDING' || this.#held.size === 0) return;
      const total = sumResources(this.held());
      this.#log(`the gang does not fit in ${this.#held.size} held offer(s) (${total}) after ${timeout} ms: releasing them`);
      this.releases++;
      this.#holdGeneration++;
      driver.declineOffers(this.held().map((o) => o.id), { refuse_seconds: this.options.releaseRefuseSeconds ?? 5 });
      this.#held.clear();
    });
  }

  #rescinded(id: OfferID): void {
    if (!this.#held.delete(id.value)) return;
    this.#log(`held offer ${id.value} rescinded; ${this.#held.size} still held`);
  }

  #update(driver: SchedulerDriver, status: TaskStatus): void {
    const job = this.options.job;
    const id = status.task_id.value;
    if (!id.startsWith(`${job.id}-`)) return;
    const rank = Number(id.slice(job.id.length + 1));
    if (!(rank >= 0 && rank < job.tasks)) return;
    this.#states[rank] = status.state;
    if (!isTerminal(status.state)) return;
    if (status.state === 'TASK_FINISHED') {
      if (this.#states.every((s) => s === 'TASK_FINISHED')) this.#finish({ state: 'SUCCEEDED', tasks: [...this.#states] });
      return;
    }
    if (this.#state === 'LAUNCHED') {
      this.#log(`task ${id} is ${status.state}${status.message ? ` (${status.message})` : ''}: the gang fails together`);
      this.#state = 'FAILED';
      this.#states.forEach((s, r) => {
        if (!isTerminal(s as TaskStatus['state'])) driver.killTask(`${job.id}-${r}`);
      });
    }
    if (this.#states.every((s) => isTerminal(s as TaskStatus['state']))) this.#finish({ state: 'FAILED', tasks: [...this.#states], message: `a task ended ${status.state}` });
  }

  #finish(r: GangResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#state = r.state;
    this.#log(`gang ${this.options.job.id} ${r.state}: ${r.tasks.join(', ')}`);
    this.#resolve(r);
  }

  stop(): Promise<string> {
    return this.driver.stop(false);
  }
}
