/**
 * SchedulerDriver: the framework side of the master <-> scheduler protocol, in
 * the shape of Mesos's MesosSchedulerDriver.
 *
 * The driver is a facade over one actor (`DriverProcess`) that:
 *  - asks a MasterDetector which master to use, links it and subscribes
 *    (`subscribe` for a new framework, `resubscribe` with the id once it has one);
 *  - retries a subscription that gets no answer, and reconnects after the link
 *    to the master breaks (or after two heartbeat intervals of silence),
 *    with exponential backoff and seeded
 *    jitter, asking the detector again each time (so a list of masters is
 *    walked in turn);
 *  - follows a master that answers `not_leader` (high availability): to the
 *    leader it names at once, or, during an election, to the next master
 *    shortly; after the leader is lost it tries the next master at once, so
 *    a failover costs the election, not a backoff (bounded: after about 3 s
 *    of quick retries, or 10 leaders named, without a subscription, the
 *    backoff applies);
 *  - checkpoints the framework id to `frameworkIdFile` so a restarted scheduler
 *    fails over to the same framework;
 *  - delivers the master's events to the Scheduler callbacks and to
 *    `events()` iterators, and acknowledges status updates after the
 *    callback returns (unless `implicitAcknowledgements: false`).
 *
 * Calls (launchTasks, declineOffer, ...) are synchronous and may be made from
 * callbacks or from any other code. They return true when the call went to the
 * master and false when the driver is not subscribed at that moment (it is
 * reconnecting): nothing is queued, because offers die with the connection and
 * the scheduler learns what happened through `reregistered` + reconciliation.
 * A launch refused that way comes back as a TASK_DROPPED status update
 * (reason REASON_MASTER_DISCONNECTED), so the normal status path handles it.
 * Calls after `stop()` or an abort throw a SchedulerDriverError.
 */
import { userInfo } from 'node:os';
import { Random, osSeed, spawn, type Logger, type PID, type Runtime } from 'libprocess-ts';
import { authenticatedRuntime } from '../runtime.js';
import type { AgentID, ExecutorID, Filters, FrameworkInfo, KillPolicy, MasterInfo, Offer, OfferID, OfferOperation, TaskID, TaskInfo, TaskStatus } from '../../protocol/types.js';
import { Backoff } from './backoff.js';
import { toDetector } from './detector.js';
import { DriverProcess } from './driver-process.js';
import { SchedulerDriverError, type SchedulerDriverOptions } from './driver-options.js';
import { ReplicaSetDetector } from './replica-detector.js';
import { readFrameworkId } from './framework-id-file.js';
import type { DriverEvent, DriverStatus } from './scheduler.js';

export { SchedulerDriverError, type SchedulerDriverOptions } from './driver-options.js';

type TaskRef = { task_id: TaskID; agent_id?: AgentID };

let driverCount = 0;

function ids(list: readonly (OfferID | string)[] | OfferID | string): OfferID[] {
  const arr = Array.isArray(list) ? list : [list as OfferID | string];
  return arr.map((o) => (typeof o === 'string' ? { value: o } : { value: o.value }));
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

export class SchedulerDriver {
  readonly #process: DriverProcess;
  readonly #runtime: Runtime;
  readonly logger: Logger;

  private constructor(process: DriverProcess, runtime: Runtime, logger: Logger) {
    this.#process = process;
    this.#runtime = runtime;
    this.logger = logger;
  }

  /** Creates the driver, spawns its actor and starts connecting (does not wait for the subscription: see `registeredPromise`). */
  static async start(options: SchedulerDriverOptions): Promise<SchedulerDriver> {
    // On the real network (the driver's own runtime), masters given as text learn their replica set (replica-detector.ts).
    const learn = options.runtime === undefined && (typeof options.master === 'string' || Array.isArray(options.master));
    const detector = learn ? new ReplicaSetDetector(options.master as string | readonly string[], options.credential !== undefined ? { credential: options.credential } : {}) : toDetector(options.master);
    let frameworkId = options.framework.id?.value;
    if (options.frameworkIdFile !== undefined) frameworkId = (await readFrameworkId(options.frameworkIdFile)) ?? frameworkId;
    const random = options.random instanceof Random ? options.random : new Random(options.random ?? osSeed());
    const info: FrameworkInfo = { ...options.framework, user: options.framework.user ?? osUser() };
    delete info.id;
    if (options.credential !== undefined && info.principal === undefined) info.principal = options.credential.principal;
    const processId = options.processId ?? `scheduler-${++driverCount}`;
    const process = new DriverProcess(detector, info, frameworkId, options, new Backoff(random, options.backoff));
    if (options.runtime !== undefined) options.runtime.spawn(process, processId);
    else if (options.credential !== undefined) {
      const own = await authenticatedRuntime(options.credential, 'scheduler');
      own.spawn(process, processId);
      void process.ended.promise.then(() => own.stop());
    } else await spawn(process, processId);
    const logger = options.logger ?? process.runtime.logger.child(processId);
    const driver = new SchedulerDriver(process, process.runtime, logger);
    process.attach(driver, logger);
    process.start();
    return driver;
  }

  // ---- state ----

  get status(): DriverStatus {
    return this.#process.status;
  }
  /** Subscribed to a master right now. */
  get connected(): boolean {
    return this.#process.subscribed;
  }
  get frameworkId(): string | undefined {
    return this.#process.frameworkId;
  }
  /** The master's PID text, once one was detected. */
  get master(): string | undefined {
    return this.#process.master?.toString();
  }
  get masterInfo(): MasterInfo | undefined {
    return this.#process.masterInfo;
  }
  get pid(): PID {
    return this.#process.pid;
  }
  get runtime(): Runtime {
    return this.#runtime;
  }
  /** Messages from masters refused because their body did not match the protocol (counted, logged, dropped). */
  get invalidMessages(): number {
    return this.#process.invalidMessages;
  }
  /** Offers received and not yet used, declined or rescinded (cleared on disconnection). */
  offers(): ReadonlyMap<string, Offer> {
    return this.#process.offers;
  }
  /** The latest status of every task launched through this driver or reported by the master that is not terminal. */
  tasks(): ReadonlyMap<string, TaskStatus> {
    return this.#process.tasks;
  }
  /** Resolves with the framework id at the first subscription; rejects if the driver stops or aborts first. */
  registeredPromise(): Promise<string> {
    return this.#process.registered.promise;
  }
  /** Resolves when the driver stops or aborts, with the final status. */
  join(): Promise<DriverStatus> {
    return this.#process.ended.promise;
  }
  /** Resolves after `ms` of the runtime's clock (virtual in tests). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#process.runLater(ms, resolve));
  }

  /** Every event from now on, as an async iterator; ends when the driver stops or aborts. */
  events(): AsyncIterableIterator<DriverEvent> {
    return this.#process.stream();
  }
  /** A listener for every event (runs inside the driver, after the Scheduler callback); returns an unsubscribe function. */
  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.#process.listen(listener);
  }

  // ---- calls ----

  /** LAUNCH `tasks` on the offers (all on one agent). Unused resources return with `filters` (default refuse 5 s). */
  launchTasks(offerIds: readonly (OfferID | string)[] | OfferID | string, tasks: readonly TaskInfo[], filters?: Filters): boolean {
    return this.acceptOffers(offerIds, [{ type: 'LAUNCH', launch: { task_infos: [...tasks] } }], filters);
  }

  acceptOffers(offerIds: readonly (OfferID | string)[] | OfferID | string, operations: readonly OfferOperation[], filters?: Filters): boolean {
    this.#running('acceptOffers');
    return this.#process.accept(ids(offerIds), [...operations], filters);
  }

  declineOffer(offerId: OfferID | string, filters?: Filters): boolean {
    return this.declineOffers([offerId], filters);
  }

  declineOffers(offerIds: readonly (OfferID | string)[], filters?: Filters): boolean {
    this.#running('declineOffer');
    const offer_ids = ids(offerIds);
    for (const o of offer_ids) this.#process.offers.delete(o.value);
    return this.#process.call('decline', { offer_ids, ...(filters ? { filters } : {}) });
  }

  /** ACCEPT_INVERSE_OFFERS: the framework will free the agents' resources before their unavailability starts. */
  acceptInverseOffers(inverseOfferIds: readonly (OfferID | string)[] | OfferID | string, filters?: Filters): boolean {
    this.#running('acceptInverseOffers');
    return this.#process.call('accept_inverse_offers', { inverse_offer_ids: ids(inverseOfferIds), ...(filters ? { filters } : {}) });
  }

  /** DECLINE_INVERSE_OFFERS: it cannot (the operator sees the answer in GET_MAINTENANCE_STATUS). */
  declineInverseOffers(inverseOfferIds: readonly (OfferID | string)[] | OfferID | string, filters?: Filters): boolean {
    this.#running('declineInverseOffers');
    return this.#process.call('decline_inverse_offers', { inverse_offer_ids: ids(inverseOfferIds), ...(filters ? { filters } : {}) });
  }

  /** Kills a task; the agent id is taken from the driver's books when not given. */
  killTask(taskId: TaskID | string, agentId?: AgentID | string, killPolicy?: KillPolicy): boolean {
    this.#running('killTask');
    const task_id = typeof taskId === 'string' ? { value: taskId } : taskId;
    const agent = agentId ?? this.#process.tasks.get(task_id.value)?.agent_id;
    const agent_id = typeof agent === 'string' ? { value: agent } : agent;
    return this.#process.call('kill', { task_id, ...(agent_id ? { agent_id } : {}), ...(killPolicy ? { kill_policy: killPolicy } : {}) });
  }

  /** Clears decline filters and asks for offers again (for `roles`, default all of the framework's). */
  reviveOffers(roles?: string[]): boolean {
    this.#running('reviveOffers');
    return this.#process.call('revive', roles ? { roles } : {});
  }

  /** Asks the master to stop sending offers (for `roles`, default all). */
  suppressOffers(roles?: string[]): boolean {
    this.#running('suppressOffers');
    return this.#process.call('suppress', roles ? { roles } : {});
  }

  /** Explicit acknowledgement (with `implicitAcknowledgements: false`); a status without uuid needs none (returns true). */
  acknowledgeStatusUpdate(status: TaskStatus): boolean {
    this.#running('acknowledgeStatusUpdate');
    if (status.uuid === undefined || status.agent_id === undefined) return true;
    this.#process.rememberAck(status.task_id.value, status.uuid);
    return this.#process.call('acknowledge', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
  }

  /** Explicit reconciliation of the tasks named (statuses or `{task_id, agent_id}`), implicit (every task the master knows) with an empty list. */
  reconcileTasks(tasks: readonly (TaskStatus | TaskRef)[] = []): boolean {
    this.#running('reconcileTasks');
    return this.#process.call('reconcile', { tasks: tasks.map((t) => ({ task_id: t.task_id, ...(t.agent_id ? { agent_id: t.agent_id } : {}) })) });
  }

  sendFrameworkMessage(executorId: ExecutorID | string, agentId: AgentID | string, data: Uint8Array | string): boolean {
    this.#running('sendFrameworkMessage');
    return this.#process.call('message', {
      executor_id: typeof executorId === 'string' ? { value: executorId } : executorId,
      agent_id: typeof agentId === 'string' ? { value: agentId } : agentId,
      data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
    });
  }

  /** Asks the agent to shut an executor down (and its tasks). */
  shutdownExecutor(executorId: ExecutorID | string, agentId: AgentID | string): boolean {
    this.#running('shutdownExecutor');
    return this.#process.call('shutdown', {
      executor_id: typeof executorId === 'string' ? { value: executorId } : executorId,
      agent_id: typeof agentId === 'string' ? { value: agentId } : agentId,
    });
  }

  /** UPDATE_FRAMEWORK: new name, roles, capabilities... (same id); kept for later resubscriptions too. */
  updateFramework(info: Partial<FrameworkInfo>, suppressedRoles?: string[]): boolean {
    this.#running('updateFramework');
    return this.#process.update(info, suppressedRoles);
  }

  /**
   * Without failover: tears the framework down (the master kills its tasks and
   * forgets it; the id file is removed). With failover: just leaves, so another
   * scheduler instance can take over with the same id within failover_timeout
   * (the master notices when this process's connection goes away, or when the
   * other instance subscribes). Idempotent.
   */
  async stop(failover = false): Promise<DriverStatus> {
    await this.#process.stop(failover);
    return this.join();
  }

  /** Stops without teardown and with status DRIVER_ABORTED. */
  async abort(): Promise<DriverStatus> {
    this.#process.abort(undefined);
    return this.join();
  }

  #running(call: string): void {
    const s = this.#process.status;
    if (s !== 'DRIVER_RUNNING') throw new SchedulerDriverError('E_NOT_RUNNING', `${call}: the scheduler driver is ${s === 'DRIVER_STOPPED' ? 'stopped' : s === 'DRIVER_ABORTED' ? 'aborted' : 'not started'}`);
  }
}
