/**
 * A Chronos-like scheduler: each job runs on its ISO 8601 repeating schedule
 * (at the times of the runtime's clock), or after its parents all succeeded;
 * a failed run is retried (`retries` times, `retryDelaySeconds` apart); every
 * attempt is recorded in the history (memory, a JSON file, GET /jobs/history).
 * Runs waiting for resources are queued; offers are revived when one is queued
 * and declined while none is.
 */
import { authenticatedRuntime } from '../../framework/runtime.js';
import { Random, defaultRuntime, type Runtime } from 'libprocess-ts';
import { isTerminal } from '../../protocol/task-states.js';
import type { Offer, TaskStatus } from '../../protocol/types.js';
import { SchedulerDriver, firstFit, type MasterSpec, type Scheduler } from '../../framework/index.js';
import { History, type RunRecord } from './history.js';
import { nextOccurrence } from './iso8601.js';
import { parseJobs, type Job } from './jobs.js';
import { JobsHttpProcess } from './http.js';

export interface CronSchedulerOptions {
  master: MasterSpec;
  /** Job specs (a JSON array, validated). */
  jobs: unknown;
  runtime?: Runtime;
  random?: Random | number;
  name?: string;
  user?: string;
  /** The framework's principal and secret (its FrameworkInfo.principal; the driver authenticates with it). */
  credential?: { readonly principal: string; readonly secret: string };
  /** Keep the history as JSON in this file too. */
  historyFile?: string;
  /** Records kept (default 1000). */
  historyLimit?: number;
  /** Serve GET /jobs and /jobs/history on the runtime (default true). */
  http?: boolean;
  log?: (line: string) => void;
}

export class CronScheduler {
  readonly jobs: Map<string, Job>;
  readonly history: History;
  readonly #queue: RunRecord[] = [];
  readonly #byTask = new Map<string, RunRecord>();
  readonly #runs = new Map<string, number>();
  /** Event sequence numbers: a child runs when every parent succeeded after the child was last triggered. */
  readonly #lastSuccess = new Map<string, number>();
  readonly #lastTriggered = new Map<string, number>();
  readonly #next = new Map<string, number>();
  #seq = 0;
  readonly #log: (line: string) => void;
  readonly #random: Random;
  /** Occurrences skipped because the job's previous run was still queued. */
  skipped = 0;
  driver!: SchedulerDriver;

  private constructor(readonly options: CronSchedulerOptions, readonly runtime: Runtime) {
    this.jobs = parseJobs(options.jobs, runtime.clock.now());
    this.history = new History(options.historyLimit ?? 1000, options.historyFile);
    this.#log = options.log ?? ((l) => console.log(l));
    this.#random = options.random instanceof Random ? options.random : new Random(options.random ?? Number(process.pid) ^ 0xc207);
  }

  /** Validates the jobs (throws naming the bad one), connects, and starts every schedule. */
  static async start(options: CronSchedulerOptions): Promise<CronScheduler> {
    // With a credential, a runtime of its own whose connections authenticate as the framework's principal.
    const runtime = options.runtime ?? (options.credential !== undefined ? await authenticatedRuntime(options.credential, 'cron') : await defaultRuntime());
    const s = new CronScheduler(options, runtime);
    s.driver = await SchedulerDriver.start({
      master: options.master,
      framework: { name: options.name ?? 'cron', ...(options.user ? { user: options.user } : {}), ...(options.credential ? { principal: options.credential.principal } : {}) },
      scheduler: s.#scheduler(),
      runtime,
      random: s.#random.uint32(),
    });
    if (options.http ?? true) runtime.spawn(new JobsHttpProcess(s), 'jobs');
    for (const job of s.jobs.values()) if (job.schedule) void s.#loop(job);
    return s;
  }

  /** When each scheduled job runs next (ms since the epoch), undefined when its schedule is over. */
  nextRun(job: string): number | undefined {
    return this.#next.get(job);
  }

  /** Runs waiting for offers. */
  queued(): RunRecord[] {
    return this.#queue.map((r) => ({ ...r }));
  }

  /** Stops the driver, then waits until the history file has every change (nothing is left writing into its directory). */
  async stop(): Promise<string> {
    const status = await this.driver.stop(false);
    await this.history.flushed();
    return status;
  }

  #now(): number {
    return this.runtime.clock.now();
  }

  #iso(ms = this.#now()): string {
    return new Date(ms).toISOString();
  }

  async #loop(job: Job): Promise<void> {
    let from = this.#now();
    for (;;) {
      const next = nextOccurrence(job.schedule!, from);
      if (next === undefined) {
        this.#next.delete(job.name);
        this.#log(`${job.name}: schedule ${job.schedule!.text} has no more occurrences`);
        return;
      }
      this.#next.set(job.name, next.atMs);
      await this.driver.sleep(Math.max(0, next.atMs - this.#now()));
      if (this.driver.status !== 'DRIVER_RUNNING') return;
      // At most one scheduled run of a job waits for resources: no pile-up while the master is away or the cluster is full.
      if (this.#queue.some((r) => r.job === job.name && r.trigger === 'schedule')) {
        this.skipped++;
        this.#log(`${job.name}: occurrence at ${this.#iso(next.atMs)} skipped, the previous run is still waiting for resources`);
      } else this.#enqueue(job, 'schedule', next.atMs);
      from = next.atMs + 1;
    }
  }

  #enqueue(job: Job, trigger: string, dueMs: number, retryOf?: RunRecord): void {
    const run = retryOf?.run ?? (this.#runs.get(job.name) ?? 0) + 1;
    this.#runs.set(job.name, Math.max(run, this.#runs.get(job.name) ?? 0));
    const attempt = (retryOf?.attempt ?? 0) + 1;
    const taskId = `${job.name}-${run}-${attempt}-${this.#random.uint32().toString(16).padStart(8, '0')}`;
    const rec = this.history.add({ job: job.name, run, attempt, trigger, taskId, dueAt: this.#iso(dueMs), state: 'QUEUED' });
    this.#queue.push(rec);
    this.#byTask.set(taskId, rec);
    this.#log(`${job.name} run ${run}${attempt > 1 ? ` attempt ${attempt}` : ''} queued (${trigger})`);
    if (this.driver.connected) this.driver.reviveOffers();
  }

  #scheduler(): Scheduler {
    return {
      registered: (_d, id) => this.#log(`registered as ${id.value}`),
      reregistered: (driver) => {
        this.#log('reregistered');
        if (this.#queue.length > 0) driver.reviveOffers();
      },
      disconnected: () => this.#log('disconnected from the master'),
      resourceOffers: (driver, offers) => this.#offers(driver, offers),
      statusUpdate: (_d, status) => this.#update(status),
      error: (_d, message) => this.#log(`error: ${message}`),
    };
  }

  #offers(driver: SchedulerDriver, offers: Offer[]): void {
    if (this.#queue.length === 0) {
      driver.declineOffers(offers.map((o) => o.id), { refuse_seconds: 30 });
      return;
    }
    const plan = firstFit(
      offers,
      this.#queue.map((rec) => {
        const job = this.jobs.get(rec.job)!;
        return {
          id: rec.taskId,
          resources: job.resources,
          command: { value: job.command, shell: true, environment: { variables: [{ name: 'CRON_JOB', type: 'VALUE' as const, value: job.name }, { name: 'CRON_RUN', type: 'VALUE' as const, value: String(rec.run) }, { name: 'CRON_ATTEMPT', type: 'VALUE' as const, value: String(rec.attempt) }] } },
          name: `${job.name} run ${rec.run}`,
        };
      }),
    );
    for (const { offer, tasks } of plan.launches.values()) {
      for (const t of tasks) {
        const rec = this.#byTask.get(t.task_id.value)!;
        rec.state = 'LAUNCHED';
        rec.launchedAt = this.#iso();
        rec.agent = offer.hostname;
        this.#queue.splice(this.#queue.indexOf(rec), 1);
        this.#log(`${rec.job} run ${rec.run} launched as ${rec.taskId} on ${offer.hostname}`);
      }
      driver.launchTasks([offer.id], tasks);
    }
    this.history.changed();
    if (plan.unused.length > 0) driver.declineOffers(plan.unused.map((o) => o.id), { refuse_seconds: plan.unplaced.length > 0 ? 5 : 30 });
  }

  #update(status: TaskStatus): void {
    const rec = this.#byTask.get(status.task_id.value);
    if (rec === undefined || rec.state === 'SUCCEEDED' || rec.state === 'FAILED') return;
    rec.taskState = status.state;
    if (status.message) rec.message = status.message;
    if (!isTerminal(status.state)) {
      if (status.state === 'TASK_RUNNING') rec.state = 'RUNNING';
      this.history.changed();
      return;
    }
    this.#byTask.delete(rec.taskId);
    rec.finishedAt = this.#iso();
    const job = this.jobs.get(rec.job)!;
    if (status.state === 'TASK_FINISHED') {
      rec.state = 'SUCCEEDED';
      this.history.changed();
      this.#log(`${rec.job} run ${rec.run} succeeded`);
      this.#lastSuccess.set(job.name, ++this.#seq);
      for (const c of job.children) this.#maybeTrigger(this.jobs.get(c)!, job.name);
      return;
    }
    rec.state = 'FAILED';
    this.history.changed();
    const left = job.retries - (rec.attempt - 1);
    this.#log(`${rec.job} run ${rec.run} attempt ${rec.attempt} failed: ${status.state}${status.message ? ` (${status.message})` : ''}; ${left > 0 ? `retrying in ${job.retryDelaySeconds}s` : 'no retries left'}`);
    if (left <= 0) return;
    const dueMs = this.#now() + job.retryDelaySeconds * 1000;
    void this.driver.sleep(job.retryDelaySeconds * 1000).then(() => {
      if (this.driver.status === 'DRIVER_RUNNING') this.#enqueue(job, 'retry', dueMs, rec);
    });
  }

  #maybeTrigger(child: Job, parent: string): void {
    const since = this.#lastTriggered.get(child.name) ?? 0;
    if (!child.parents.every((p) => (this.#lastSuccess.get(p) ?? 0) > since)) return;
    this.#lastTriggered.set(child.name, ++this.#seq);
    this.#enqueue(child, `after ${parent}`, this.#now());
  }
}
