/**
 * The cron scheduler's HTTP endpoint on its runtime's port (process id `jobs`):
 *   GET /jobs           the jobs: schedule or parents, next run, last run
 *   GET /jobs/history   every recorded attempt, oldest first (`?job=<name>` for one job)
 */
import { Process, type Handlers, type HttpRequest, type HttpResponse } from 'libprocess-ts';
import type { CronScheduler } from './cron-scheduler.js';

type NoMessages = Record<never, never>;

export class JobsHttpProcess extends Process<NoMessages> {
  constructor(private readonly cron: CronScheduler) {
    super();
  }

  protected handlers(): Handlers<NoMessages> {
    return {};
  }

  override initialize(): void {
    this.route('', (req) => this.#jobs(req));
    this.route('/history', (req) => this.#history(req));
  }

  #jobs(req: HttpRequest): HttpResponse {
    if (req.method !== 'GET') return { status: 405, headers: { allow: 'GET' }, body: `${req.method} not allowed on /jobs; use GET\n` };
    const jobs = [...this.cron.jobs.values()].map((j) => {
      const next = this.cron.nextRun(j.name);
      const last = this.cron.history.of(j.name).at(-1);
      return {
        name: j.name,
        command: j.command,
        schedule: j.schedule?.text ?? null,
        parents: j.parents,
        retries: j.retries,
        nextRun: next === undefined ? null : new Date(next).toISOString(),
        lastRun: last ?? null,
      };
    });
    return { status: 200, body: { jobs } };
  }

  #history(req: HttpRequest): HttpResponse {
    if (req.method !== 'GET') return { status: 405, headers: { allow: 'GET' }, body: `${req.method} not allowed on /jobs/history; use GET\n` };
    const job = req.query.get('job');
    if (job !== null && !this.cron.jobs.has(job)) return { status: 404, body: { error: `no job named ${JSON.stringify(job)}` } };
    return { status: 200, body: { runs: job === null ? this.cron.history.all() : this.cron.history.of(job) } };
  }
}
