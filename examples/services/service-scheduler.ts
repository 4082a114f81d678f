/**
 * A long-running service scheduler (Marathon-like, reduced): keeps `instances`
 * copies of one app running, replaces any that end, can be scaled, places at
 * most one instance per host when asked, and survives its own restart without
 * duplicates (the framework id is checkpointed; after every (re)registration it
 * reconciles and adopts the instances the master still knows before launching
 * anything).
 */
import { Random, type Runtime } from 'libprocess-ts';
import type { AttributeConstraint } from '../../protocol/attributes.js';
import { isTerminal, type TaskState } from '../../protocol/task-states.js';
import type { Offer, TaskStatus } from '../../protocol/types.js';
import { SchedulerDriver, TaskIdGenerator, firstFit, reconcileTasks, type MasterSpec, type Placement, type Scheduler, type TaskRequest } from '../../framework/index.js';

export interface AppSpec {
  /** Task ids are `<id>-<n>-<hex>`; tasks of other apps are left alone. */
  id: string;
  command: string;
  instances: number;
  /** Per instance, e.g. `cpus:0.1;mem:32`. */
  resources: string;
  /** Free ports per instance (given to the command as $PORT0, $PORT1 ...). */
  ports?: number;
  constraints?: AttributeConstraint[];
  /** At most one instance per hostname (Marathon's `hostname:UNIQUE`). */
  onePerHost?: boolean;
}

export interface ServiceSchedulerOptions {
  master: MasterSpec;
  app: AppSpec;
  frameworkIdFile?: string;
  /** How long the master keeps the instances while the scheduler is away (default one week). */
  failoverTimeoutSeconds?: number;
  name?: string;
  user?: string;
  runtime?: Runtime;
  random?: Random | number;
  /** After a (re)registration, how long to wait for the master's implicit reconciliation answers before launching (default 2 s). */
  reconcileSettleMs?: number;
  log?: (line: string) => void;
}

export interface Instance {
  taskId: string;
  agentId: string;
  hostname: string | undefined;
  state: TaskState;
}

export class ServiceScheduler {
  readonly #instances = new Map<string, Instance>();
  readonly #hostnames = new Map<string, string>();
  readonly #log: (line: string) => void;
  readonly #ids: TaskIdGenerator;
  #reconciling = true;
  #desired: number;
  /** Launches and replacements so far. */
  launched = 0;
  replaced = 0;
  driver!: SchedulerDriver;

  private constructor(readonly options: ServiceSchedulerOptions) {
    this.#log = options.log ?? ((l) => console.log(l));
    this.#desired = options.app.instances;
    const random = options.random instanceof Random ? options.random : options.random !== undefined ? new Random(options.random) : undefined;
    this.#ids = new TaskIdGenerator(options.app.id, random ?? new Random(Number(process.pid) ^ 0x5eed));
  }

  static async start(options: ServiceSchedulerOptions): Promise<ServiceScheduler> {
    const s = new ServiceScheduler(options);
    s.driver = await SchedulerDriver.start({
      master: options.master,
      framework: { name: options.name ?? `services (${options.app.id})`, failover_timeout: options.failoverTimeoutSeconds ?? 7 * 24 * 3600, ...(options.user ? { user: options.user } : {}) },
      scheduler: s.#scheduler(),
      ...(options.frameworkIdFile ? { frameworkIdFile: options.frameworkIdFile } : {}),
      ...(options.runtime ? { runtime: options.runtime } : {}),
      ...(options.random !== undefined ? { random: options.random } : {}),
    });
    return s;
  }

  /** The instances known to be staging, starting or running. */
  instances(): Instance[] {
    return [...this.#instances.values()];
  }

  get desired(): number {
    return this.#desired;
  }

  /** Whether it is still reconciling (launches wait until it is done). */
  get reconciling(): boolean {
    return this.#reconciling;
  }

  /** Scales to `n` instances: kills the newest extras, or asks for offers to launch more. */
  scale(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`instances must be a non-negative integer, got ${n}`);
    this.#log(`scaling ${this.options.app.id} from ${this.#desired} to ${n}`);
    this.#desired = n;
    this.#converge();
  }

  /** With failover (default): leave the instances running for the next scheduler instance. Without: tear everything down. */
  stop(failover = true): Promise<string> {
    return this.driver.stop(failover);
  }

  #mine(taskId: string): boolean {
    return taskId.startsWith(`${this.options.app.id}-`);
  }

  #scheduler(): Scheduler {
    return {
      registered: (driver, id) => {
        this.#log(`registered as ${id.value}`);
        return this.#reconcile(driver);
      },
      reregistered: (driver) => {
        this.#log('reregistered');
        return this.#reconcile(driver);
      },
      disconnected: () => this.#log('disconnected from the master'),
      resourceOffers: (driver, offers) => this.#offers(driver, offers),
      statusUpdate: (_driver, status) => this.#update(status),
      error: (_driver, message) => this.#log(`error: ${message}`),
    };
  }

  async #reconcile(driver: SchedulerDriver): Promise<void> {
    this.#reconciling = true;
    const known = this.instances().map((i) => ({ task_id: { value: i.taskId }, agent_id: { value: i.agentId } }));
    try {
      await reconcileTasks(driver, known, { implicit: true });
      await driver.sleep(this.options.reconcileSettleMs ?? 2_000);
    } catch {
      return; // the driver ended
    }
    this.#reconciling = false;
    this.#log(`reconciled: ${this.#instances.size} instance(s) running, ${this.#desired} wanted`);
    this.#converge();
  }

  #converge(): void {
    if (this.#reconciling || this.driver.status !== 'DRIVER_RUNNING') return;
    const extra = this.#instances.size - this.#desired;
    if (extra > 0) {
      const newestFirst = this.instances().reverse().slice(0, extra);
      for (const i of newestFirst) {
        this.#log(`killing ${i.taskId} (scale down)`);
        this.driver.killTask(i.taskId, i.agentId);
      }
    } else if (extra < 0) this.driver.reviveOffers();
  }

  #offers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const o of offers) this.#hostnames.set(o.agent_id.value, o.hostname);
    const missing = this.#desired - this.#instances.size;
    if (this.#reconciling || missing <= 0) {
      for (const o of offers) driver.declineOffer(o.id, { refuse_seconds: this.#reconciling ? 1 : 60 });
      return;
    }
    const app = this.options.app;
    const onePerHost = (offer: Offer, placed: readonly Placement[]): boolean =>
      !this.instances().some((i) => i.agentId === offer.agent_id.value || (i.hostname !== undefined && i.hostname === offer.hostname)) &&
      !placed.some((p) => p.offer.hostname === offer.hostname);
    const requests: TaskRequest[] = Array.from({ length: missing }, () => ({
      resources: app.resources,
      ...(app.ports ? { ports: app.ports } : {}),
      ...(app.constraints ? { constraints: app.constraints } : {}),
      ...(app.onePerHost ? { accept: onePerHost } : {}),
      build: ({ taskId, offer, resources }) => {
        const ports = resources.ranges('ports').flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, k) => r.begin + k));
        return {
          name: `${app.id} instance`,
          task_id: { value: taskId },
          agent_id: offer.agent_id,
          resources: resources.toJSON(),
          command: { value: app.command, shell: true, environment: { variables: ports.map((p, k) => ({ name: `PORT${k}`, type: 'VALUE' as const, value: String(p) })) } },
        };
      },
    }));
    const plan = firstFit(offers, requests, this.#ids);
    for (const { offer, tasks } of plan.launches.values()) {
      for (const t of tasks) {
        this.#instances.set(t.task_id.value, { taskId: t.task_id.value, agentId: offer.agent_id.value, hostname: offer.hostname, state: 'TASK_STAGING' });
        this.#log(`launching ${t.task_id.value} on ${offer.hostname}`);
        this.launched++;
      }
      driver.launchTasks([offer.id], tasks);
    }
    for (const o of plan.unused) driver.declineOffer(o.id, { refuse_seconds: plan.unplaced.length > 0 ? 5 : 60 });
  }

  #update(status: TaskStatus): void {
    const id = status.task_id.value;
    if (!this.#mine(id)) return;
    const known = this.#instances.get(id);
    if (isTerminal(status.state) || status.state === 'TASK_UNKNOWN') {
      if (known === undefined) return;
      this.#instances.delete(id);
      this.#log(`${id} is ${status.state}${status.message ? ` (${status.message})` : ''}`);
      if (this.#instances.size < this.#desired) {
        this.replaced++;
        this.#log(`replacing ${id}`);
      }
      this.#converge();
      return;
    }
    const agentId = status.agent_id?.value ?? known?.agentId ?? '';
    if (known === undefined) this.#log(`adopting ${id} (${status.state}) on agent ${agentId}`);
    this.#instances.set(id, { taskId: id, agentId, hostname: known?.hostname ?? this.#hostnames.get(agentId), state: status.state });
    if (known === undefined) this.#converge();
  }
}
