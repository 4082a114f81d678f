/**
 * A long-running service scheduler (Marathon-like, reduced): keeps `instances`
 * copies of one app running, replaces any that end, scales, places at most one
 * instance per host when asked, and rolls to a new version of the app one
 * instance at a time: it starts a new-version instance, waits until it is
 * healthy (the agent runs the app's health check), then kills an old one, and
 * so on. It survives its own restart without duplicates (the framework id is
 * checkpointed, so is the app spec; after every (re)registration it reconciles
 * and adopts the instances the master still knows before launching anything).
 * Maintenance: an inverse offer for an agent (its machine is scheduled to go
 * down) is accepted, and the instances there are moved off it the way a
 * rolling update moves them, before the unavailability starts: a replacement
 * elsewhere first, the old instance killed once it is ready; offers that
 * carry an unavailability are not used for new instances.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Random, type Runtime } from 'libprocess-ts';
import { Resources } from '../../protocol/resources.js';
import { isTerminal, type TaskState } from '../../protocol/task-states.js';
import type { InverseOffer } from '../../protocol/maintenance.js';
import type { Offer, TaskStatus } from '../../protocol/types.js';
import { SchedulerDriver, TaskIdGenerator, firstFit, reconcileTasks, type MasterSpec, type Placement, type Scheduler, type TaskRequest } from '../../framework/index.js';
import { appVersion, instanceTask, parseAppSpec, type AppSpec } from './app-spec.js';
import { AppsHttpProcess } from './http.js';

export type { AppSpec } from './app-spec.js';

export interface ServiceSchedulerOptions {
  master: MasterSpec;
  app: AppSpec;
  frameworkIdFile?: string;
  /** Where the app spec is kept across restarts (default `<frameworkIdFile>.app.json`); a spec found there wins over `app`. */
  specFile?: string;
  /** How long the master keeps the instances while the scheduler is away (default one week). */
  failoverTimeoutSeconds?: number;
  name?: string;
  user?: string;
  /** The framework's principal and secret (its FrameworkInfo.principal; the driver authenticates with it). */
  credential?: { readonly principal: string; readonly secret: string };
  runtime?: Runtime;
  random?: Random | number;
  /** After a (re)registration, how long to wait for the master's implicit reconciliation answers before launching (default 2 s). */
  reconcileSettleMs?: number;
  /** Serve GET /apps, GET and PUT /apps/<id> on the scheduler's runtime (default true). */
  http?: boolean;
  log?: (line: string) => void;
}

export interface Instance {
  taskId: string;
  agentId: string;
  hostname: string | undefined;
  state: TaskState;
  /** The app version it runs (from its task id). */
  version: string;
  /** Last health check result the agent reported (undefined: none yet). */
  healthy: boolean | undefined;
  /** A kill was sent (scale down or rolled out). */
  killing: boolean;
  /** Its ports ($PORT0...), when launched by this scheduler instance (an adopted one's are unknown). */
  ports: number[];
}

export class ServiceScheduler {
  readonly #instances = new Map<string, Instance>();
  readonly #hostnames = new Map<string, string>();
  /** Agents whose machine is going into maintenance (an inverse offer came): agent id -> when it becomes unavailable (ms). */
  readonly #leaving = new Map<string, number>();
  readonly #log: (line: string) => void;
  readonly #random: Random;
  #ids: TaskIdGenerator;
  #reconciling = true;
  #app: AppSpec;
  #version: string;
  /** The spec saves in flight, chained: each starts when the one before has ended. */
  #saving: Promise<unknown> = Promise.resolve();
  /** Launches and replacements so far; instances moved off machines going into maintenance. */
  launched = 0;
  replaced = 0;
  moved = 0;
  driver!: SchedulerDriver;

  private constructor(readonly options: ServiceSchedulerOptions, app: AppSpec) {
    this.#log = options.log ?? ((l) => console.log(l));
    this.#app = app;
    this.#version = appVersion(app);
    this.#random = options.random instanceof Random ? options.random : new Random(options.random ?? Number(process.pid) ^ 0x5eed);
    this.#ids = new TaskIdGenerator(`${app.id}-${this.#version}`, this.#random);
  }

  static async start(options: ServiceSchedulerOptions): Promise<ServiceScheduler> {
    const app = parseAppSpec(options.app);
    const specFile = options.specFile ?? (options.frameworkIdFile ? `${options.frameworkIdFile}.app.json` : undefined);
    const saved = specFile ? await readSavedSpec(specFile, app.id) : undefined;
    const s = new ServiceScheduler({ ...options, ...(specFile ? { specFile } : {}) }, saved ?? app);
    if (saved) s.#log(`using the app spec saved in ${specFile} (version ${s.#version})`);
    s.driver = await SchedulerDriver.start({
      master: options.master,
      framework: { name: options.name ?? `services (${app.id})`, failover_timeout: options.failoverTimeoutSeconds ?? 7 * 24 * 3600, ...(options.user ? { user: options.user } : {}), ...(options.credential ? { principal: options.credential.principal } : {}) },
      // The driver authenticates its connections with it (its own runtime, as that principal).
      ...(options.credential ? { credential: options.credential } : {}),
      scheduler: s.#scheduler(),
      ...(options.frameworkIdFile ? { frameworkIdFile: options.frameworkIdFile } : {}),
      ...(options.runtime ? { runtime: options.runtime } : {}),
      random: s.#random.uint32(),
    });
    if (options.http ?? true) s.driver.runtime.spawn(new AppsHttpProcess(s), 'apps');
    return s;
  }

  get app(): AppSpec {
    return this.#app;
  }

  /** The version (digest) new instances get. */
  get version(): string {
    return this.#version;
  }

  /** The instances known to be staging, starting or running (including those being killed). */
  instances(): Instance[] {
    return [...this.#instances.values()];
  }

  get desired(): number {
    return this.#app.instances;
  }

  /** Whether it is still reconciling (launches wait until it is done). */
  get reconciling(): boolean {
    return this.#reconciling;
  }

  /** A rolling update is in progress: instances of another version are still up. */
  get deploying(): boolean {
    return this.#live().some((i) => i.version !== this.#version);
  }

  /** Agents it is moving instances off (their machine is scheduled for maintenance). */
  get leaving(): string[] {
    return [...this.#leaving.keys()];
  }

  /** To be replaced: of another version, or on a machine going into maintenance. */
  #outgoing(i: Instance): boolean {
    return i.version !== this.#version || this.#leaving.has(i.agentId);
  }

  /** Scales to `n` instances: kills the newest extras, or asks for offers to launch more. */
  scale(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`instances must be a non-negative integer, got ${n}`);
    this.update({ instances: n }).catch((e: unknown) => this.#log(`scale to ${n}: ${(e as Error).message}`));
  }

  /**
   * Applies a (partial) spec from outside: only `instances` changed means a
   * scale; anything that shapes a task means a new version, rolled out. Throws
   * on an invalid spec (the message names the field). Resolves once saved.
   */
  async update(change: unknown): Promise<AppSpec> {
    const next = parseAppSpec(change, this.#app);
    const version = appVersion(next);
    if (next.instances !== this.#app.instances) this.#log(`scaling ${next.id} from ${this.#app.instances} to ${next.instances}`);
    if (version !== this.#version) {
      this.#log(`deploying ${next.id} version ${version} (was ${this.#version}), one instance at a time`);
      this.#ids = new TaskIdGenerator(`${next.id}-${version}`, this.#random);
    }
    this.#app = next;
    this.#version = version;
    this.#converge();
    const file = this.options.specFile;
    if (file !== undefined) {
      // Saves run one after another, so the file ends with the latest spec (two at once shared
      // the .tmp file and could rename an older spec over a newer one).
      const saved = this.#saving.then(() => saveSpec(file, next));
      this.#saving = saved.catch(() => undefined);
      await saved;
    }
    return next;
  }

  /**
   * With failover (default): leave the instances running for the next scheduler instance.
   * Without: tear everything down. Either way the spec saves already asked for end first, so
   * the next instance reads the latest spec.
   */
  async stop(failover = true): Promise<string> {
    await this.#saving;
    return this.driver.stop(failover);
  }

  #mine(taskId: string): boolean {
    return taskId.startsWith(`${this.#app.id}-`);
  }

  #versionOf(taskId: string): string {
    return /^([0-9a-f]{8})-/.exec(taskId.slice(this.#app.id.length + 1))?.[1] ?? 'unknown';
  }

  /** Running, and healthy when the app has a health check. */
  #ready(i: Instance): boolean {
    return i.state === 'TASK_RUNNING' && (this.#app.healthCheck === undefined || i.healthy === true);
  }

  #live(): Instance[] {
    return this.instances().filter((i) => !i.killing);
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
      inverseOffers: (driver, inverseOffers) => this.#inverseOffers(driver, inverseOffers),
      inverseOfferRescinded: () => {},
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
    this.#log(`reconciled: ${this.#instances.size} instance(s) running, ${this.desired} wanted`);
    this.#converge();
  }

  /**
   * The master asks for an agent back (its machine is scheduled for
   * maintenance): accepted (these instances will be gone before the
   * unavailability starts), and they are moved now.
   */
  #inverseOffers(driver: SchedulerDriver, inverseOffers: readonly InverseOffer[]): void {
    for (const o of inverseOffers) {
      const agentId = o.agent_id?.value;
      if (agentId === undefined) continue;
      const startMs = o.unavailability.start.nanoseconds / 1e6;
      const here = this.#live().filter((i) => i.agentId === agentId);
      if (!this.#leaving.has(agentId)) this.#log(`agent ${agentId} (${this.#hostnames.get(agentId) ?? 'unknown host'}) is going into maintenance at ${new Date(startMs).toISOString()}: moving ${here.length} instance(s) off it`);
      this.#leaving.set(agentId, startMs);
    }
    driver.acceptInverseOffers(inverseOffers.map((o) => o.id));
    this.#converge();
  }

  /** How many instances to launch now. While instances are outgoing (another version, a machine going away): one at a time, and only once the previous new one is ready. */
  #toLaunch(): number {
    const live = this.#live();
    const fresh = live.filter((i) => !this.#outgoing(i));
    const missing = this.desired - fresh.length;
    if (missing <= 0) return 0;
    if (live.length === fresh.length) return missing;
    const waiting = fresh.some((i) => !this.#ready(i));
    return Math.min(missing, Math.max(waiting ? 0 : 1, this.desired - live.length));
  }

  #kill(i: Instance, why: string): void {
    i.killing = true;
    this.#log(`killing ${i.taskId} (${why})`);
    this.driver.killTask(i.taskId, i.agentId);
  }

  #converge(): void {
    if (this.#reconciling || this.driver === undefined || this.driver.status !== 'DRIVER_RUNNING') return;
    const live = this.#live();
    const fresh = live.filter((i) => !this.#outgoing(i));
    const old = live.filter((i) => this.#outgoing(i));
    // Newest first among the current version's extras.
    for (const i of fresh.reverse().slice(0, Math.max(0, fresh.length - this.desired))) this.#kill(i, 'scale down');
    // Each ready new-version instance lets one old one go (oldest first).
    const ready = fresh.filter((i) => this.#ready(i)).length;
    const retire = Math.min(old.length, Math.max(0, ready + old.length - this.desired));
    for (const i of old.slice(0, retire)) {
      if (this.#leaving.has(i.agentId)) {
        this.moved++;
        this.#kill(i, `moved off agent ${i.agentId}, going into maintenance`);
      } else this.#kill(i, `replaced by version ${this.#version}`);
    }
    if (old.length - retire === 0 && old.some((i) => i.version !== this.#version)) this.#log(`deployment of ${this.#app.id} version ${this.#version} complete`);
    if (this.#toLaunch() > 0) this.driver.reviveOffers();
  }

  #offers(driver: SchedulerDriver, all: Offer[]): void {
    for (const o of all) this.#hostnames.set(o.agent_id.value, o.hostname);
    // An offer without unavailability from an agent it was leaving: the machine is out of the schedule again.
    for (const o of all) {
      if (o.unavailability === undefined && this.#leaving.delete(o.agent_id.value)) this.#log(`agent ${o.agent_id.value} (${o.hostname}) is no longer scheduled for maintenance`);
    }
    // Nothing new on a machine going into maintenance.
    const offers = all.filter((o) => o.unavailability === undefined && !this.#leaving.has(o.agent_id.value));
    for (const o of all) if (!offers.includes(o)) driver.declineOffer(o.id, { refuse_seconds: 60 });
    const missing = this.#reconciling ? 0 : this.#toLaunch();
    if (missing <= 0) {
      for (const o of offers) driver.declineOffer(o.id, { refuse_seconds: this.#reconciling ? 1 : 60 });
      return;
    }
    const app = this.#app;
    const onePerHost = (offer: Offer, placed: readonly Placement[]): boolean =>
      !this.instances().some((i) => i.agentId === offer.agent_id.value || (i.hostname !== undefined && i.hostname === offer.hostname)) &&
      !placed.some((p) => p.offer.hostname === offer.hostname);
    const requests: TaskRequest[] = Array.from({ length: missing }, () => ({
      resources: app.resources,
      ...(app.ports ? { ports: app.ports } : {}),
      ...(app.constraints ? { constraints: app.constraints } : {}),
      ...(app.onePerHost ? { accept: onePerHost } : {}),
      build: ({ taskId, offer, resources }) => instanceTask(app, taskId, offer, resources),
    }));
    const plan = firstFit(offers, requests, this.#ids);
    for (const { offer, tasks } of plan.launches.values()) {
      for (const t of tasks) {
        const ports = Resources.of(t.resources ?? []).ranges('ports').flatMap((r) => Array.from({ length: r.end - r.begin + 1 }, (_, k) => r.begin + k));
        this.#instances.set(t.task_id.value, { taskId: t.task_id.value, agentId: offer.agent_id.value, hostname: offer.hostname, state: 'TASK_STAGING', version: this.#version, healthy: undefined, killing: false, ports });
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
      if (!known.killing && this.#live().length < this.desired) {
        this.replaced++;
        this.#log(`replacing ${id}`);
      }
      this.#converge();
      return;
    }
    const agentId = status.agent_id?.value ?? known?.agentId ?? '';
    if (known === undefined) this.#log(`adopting ${id} (${status.state}) on agent ${agentId}`);
    const healthy = status.healthy ?? known?.healthy;
    if (status.healthy !== undefined && status.healthy !== known?.healthy) this.#log(`${id} is ${status.healthy ? 'healthy' : 'unhealthy'}${status.message ? ` (${status.message})` : ''}`);
    this.#instances.set(id, { taskId: id, agentId, hostname: known?.hostname ?? this.#hostnames.get(agentId), state: status.state, version: known?.version ?? this.#versionOf(id), healthy, killing: known?.killing ?? false, ports: known?.ports ?? [] });
    this.#converge();
  }
}

async function readSavedSpec(file: string, appId: string): Promise<AppSpec | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const spec = parseAppSpec(json);
  return spec.id === appId ? spec : undefined;
}

async function saveSpec(file: string, app: AppSpec): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(app, null, 2)}\n`);
  await rename(tmp, file);
}
