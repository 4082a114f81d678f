/**
 * The scheduler driver's actor (internal: authors use SchedulerDriver, driver.ts): it finds the
 * master, subscribes and resubscribes, follows not_leader answers, keeps the offers and tasks it
 * has seen, delivers events to the Scheduler and acknowledges updates. Its behaviour is described
 * at the top of driver.ts.
 */
import { PID, Process, type Handlers, type Logger, type Timer } from 'libprocess-ts';
import type { FromNonLeader } from '../../protocol/messages/leader.js';
import type { MasterToScheduler, SchedulerToMaster } from '../../protocol/messages/master-scheduler.js';
import { FROM_NON_LEADER, MASTER_TO_SCHEDULER } from '../../protocol/messages/schemas.js';
import { MessageValidator, validated } from '../../protocol/messages/validate.js';
import { isTerminal } from '../../protocol/task-states.js';
import type { Filters, FrameworkID, FrameworkInfo, MasterInfo, Offer, OfferID, OfferOperation, TaskInfo, TaskStatus } from '../../protocol/types.js';
import type { Backoff } from './backoff.js';
import { masterPidText, type MasterDetector } from './detector.js';
import type { SchedulerDriver } from './driver.js';
import { SchedulerDriverError, type SchedulerDriverOptions } from './driver-options.js';
import { removeFrameworkId, writeFrameworkId } from './framework-id-file.js';
import { EventStream, type DriverEvent, type DriverStatus, type Scheduler } from './scheduler.js';

class Deferred<T> {
  resolve!: (v: T) => void;
  reject!: (e: Error) => void;
  settled = false;
  readonly promise: Promise<T>;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = (v) => {
        this.settled = true;
        res(v);
      };
      this.reject = (e) => {
        this.settled = true;
        rej(e);
      };
    });
    this.promise.catch(() => {});
  }
}

type ConnState = 'idle' | 'connecting' | 'subscribed';

/** Acknowledged updates remembered to recognise their redeliveries. */
const ACKED_KEPT = 10_000;

function ackKey(taskId: string, uuid: Uint8Array): string {
  let hex = '';
  for (const b of uuid) hex += (b < 16 ? '0' : '') + b.toString(16);
  return `${taskId}/${hex}`;
}

/** The driver's actor. Internal: authors use SchedulerDriver. */
/** Waits of a quick retry (ms): after a lost leader, and while an election is under way. */
const QUICK_RETRY_MS = { lost: 100, electing: 200 } as const;
/** Quick retries per master between two subscriptions (about 3 s of an election), then the backoff applies. */
const QUICK_RETRIES_PER_MASTER = 5;
/** Leaders named by not_leader followed between two subscriptions (masters passing the lead around during an election). */
const MAX_LEADER_HINTS = 10;

/** Every body from a master is checked against its schema before the scheduler sees it (ids are not paths here: any id the master sends is kept). */
const SCHEDULER_MESSAGES = new MessageValidator<MasterToScheduler & FromNonLeader>({ ...MASTER_TO_SCHEDULER, ...FROM_NON_LEADER }, {}, 'all');

export class DriverProcess extends Process<MasterToScheduler & FromNonLeader> {
  /** Messages refused because their body did not match the protocol. */
  invalidMessages = 0;
  status: DriverStatus = 'DRIVER_NOT_STARTED';
  frameworkId: string | undefined;
  master: PID<SchedulerToMaster> | undefined;
  masterInfo: MasterInfo | undefined;
  readonly offers = new Map<string, Offer>();
  readonly tasks = new Map<string, TaskStatus>();
  /** `task/uuid` of the updates acknowledged (the most recent ACKED_KEPT): a redelivery is acknowledged again, not delivered. */
  readonly acknowledged = new Set<string>();

  rememberAck(taskId: string, uuid: Uint8Array): void {
    this.acknowledged.add(ackKey(taskId, uuid));
    if (this.acknowledged.size > ACKED_KEPT) this.acknowledged.delete(this.acknowledged.values().next().value!);
  }
  readonly registered = new Deferred<string>();
  readonly ended = new Deferred<DriverStatus>();

  #driver!: SchedulerDriver;
  #log!: Logger;
  #conn: ConnState = 'idle';
  #attempt = 0;
  #everSubscribed = false;
  #failover: boolean;
  #timer: Timer | undefined;
  #watchdog: Timer | undefined;
  #heartbeatMs: number | undefined;
  #writtenId: string | undefined;
  /** The framework id file's writes and its removal, one after another; stop() waits for the last. */
  #idFileWrites: Promise<void> = Promise.resolve();
  #suppressedRoles: string[];
  /** The leader a master named in `not_leader`: the next connection goes there. */
  #leaderHint: string | undefined;
  /** Quick retries since the last subscription (bounded, then the backoff applies). */
  #quickRetries = 0;
  /** Leader hints followed since the last subscription. */
  #hints = 0;
  /** The next connection is a quick one: its no-answer timeout does not advance the backoff. */
  #quickConnect = false;
  /** The master whose link broke last: until a subscription succeeds, followers naming it (their news is stale during an election) are not followed. */
  #lostMaster: string | undefined;
  readonly #listeners = new Set<(e: DriverEvent) => void>();
  readonly #streams = new Set<EventStream<DriverEvent>>();
  readonly #scheduler: Scheduler;
  readonly #implicitAcks: boolean;

  constructor(
    readonly detector: MasterDetector,
    public info: FrameworkInfo,
    frameworkId: string | undefined,
    readonly options: SchedulerDriverOptions,
    readonly backoff: Backoff,
  ) {
    super();
    this.frameworkId = frameworkId;
    this.#writtenId = options.frameworkIdFile !== undefined ? frameworkId : undefined;
    // A scheduler that starts with an id is a new instance of that framework: a failover.
    this.#failover = frameworkId !== undefined;
    this.#suppressedRoles = options.suppressedRoles ?? [];
    this.#scheduler = options.scheduler ?? {};
    this.#implicitAcks = options.implicitAcknowledgements ?? true;
  }

  attach(driver: SchedulerDriver, logger: Logger): void {
    this.#driver = driver;
    this.#log = logger;
  }

  get subscribed(): boolean {
    return this.#conn === 'subscribed' && this.status === 'DRIVER_RUNNING';
  }

  protected handlers(): Handlers<MasterToScheduler & FromNonLeader> {
    return validated<MasterToScheduler & FromNonLeader, PID>({
      not_leader: (b, from) => this.#notLeader(b, from),
      subscribed: (b, from) => this.#fromMaster(from) && this.#subscribed(b.framework_id, b.heartbeat_interval_seconds, b.master_info),
      offers: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        const offers = b.offers ?? [];
        for (const o of offers) this.offers.set(o.id.value, o);
        this.#deliver({ type: 'offers', offers }, (s) => s.resourceOffers?.(this.#driver, offers));
      },
      rescind: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        this.offers.delete(b.offer_id.value);
        this.#deliver({ type: 'rescind', offerId: b.offer_id }, (s) => s.offerRescinded?.(this.#driver, b.offer_id));
      },
      status_update: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        this.#statusUpdate(b.status, true);
      },
      inverse_offers: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        const inverseOffers = b.inverse_offers ?? [];
        this.#deliver({ type: 'inverse_offers', inverseOffers }, (s) => s.inverseOffers?.(this.#driver, inverseOffers));
      },
      update_operation_status: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        const status = b.status;
        const ack = (): void => {
          if (!this.#implicitAcks || status.uuid === undefined || status.operation_id === undefined || this.status !== 'DRIVER_RUNNING') return;
          this.call('acknowledge_operation_status', { uuid: status.uuid.value, operation_id: status.operation_id, ...(status.agent_id !== undefined ? { agent_id: status.agent_id } : {}) });
        };
        this.#deliver({ type: 'operation_status', status }, (s) => s.operationStatus?.(this.#driver, status), ack);
      },
      rescind_inverse_offer: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        this.#deliver({ type: 'rescind_inverse_offer', inverseOfferId: b.inverse_offer_id }, (s) => s.inverseOfferRescinded?.(this.#driver, b.inverse_offer_id));
      },
      framework_message: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        const data = b.data instanceof Uint8Array ? b.data : new Uint8Array(b.data ?? []);
        this.#deliver({ type: 'message', executorId: b.executor_id, agentId: b.agent_id, data }, (s) => s.frameworkMessage?.(this.#driver, b.executor_id, b.agent_id, data));
      },
      failure: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed || b.agent_id === undefined) return;
        const agentId = b.agent_id;
        if (b.executor_id !== undefined) {
          const executorId = b.executor_id;
          this.#deliver({ type: 'executor_lost', executorId, agentId, status: b.status }, (s) => s.executorLost?.(this.#driver, executorId, agentId, b.status));
        } else this.#deliver({ type: 'agent_lost', agentId }, (s) => s.agentLost?.(this.#driver, agentId));
      },
      agent_lost: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        this.#deliver({ type: 'agent_lost', agentId: b.agent_id }, (s) => s.agentLost?.(this.#driver, b.agent_id));
      },
      error: (b, from) => {
        if (!this.#fromMaster(from)) return;
        const message = b.message;
        if (this.#scheduler.warning === undefined) this.#log.warn(`master: ${message}`);
        this.#deliver({ type: 'warning', message }, (s) => s.warning?.(this.#driver, message));
      },
      heartbeat: (_b, from) => {
        if (!this.#fromMaster(from)) return;
        this.#armWatchdog();
      },
      framework_error: (b, from) => {
        if (!this.#fromMaster(from) || this.status !== 'DRIVER_RUNNING') return;
        this.#log.error(`framework ${this.frameworkId ?? '(new)'}: ${b.message}`);
        this.abort(b.message);
      },
      task_unknown: (b, from) => {
        if (!this.#fromMaster(from) || !this.subscribed) return;
        this.#statusUpdate({ task_id: b.task_id, state: 'TASK_UNKNOWN', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', message: 'Task is unknown to the master', ...(b.agent_id ? { agent_id: b.agent_id } : {}) }, false);
      },
    }, SCHEDULER_MESSAGES, { count: () => this.invalidMessages++, warn: (m) => this.#log.warn(m) }, (from) => from.address !== this.pid.address);
  }

  // ---- connection ----

  start(): void {
    this.status = 'DRIVER_RUNNING';
    this.defer(() => this.connect())();
  }

  connect(): void {
    if (this.status !== 'DRIVER_RUNNING') return;
    const attempt = ++this.#attempt;
    this.#conn = 'connecting';
    this.#timer?.cancel();
    const previous = this.master?.toString();
    const hint = this.#leaderHint;
    this.#leaderHint = undefined;
    let detected: Promise<string>;
    try {
      detected = hint !== undefined ? Promise.resolve(hint) : this.detector.detect(previous);
    } catch (e) {
      detected = Promise.reject(e);
    }
    detected.then(
      this.defer((text: string) => this.#_connect(attempt, text)),
      this.defer((e: unknown) => {
        if (attempt !== this.#attempt) return;
        this.#log.warn(`no master detected: ${(e as Error)?.message ?? e}`);
        this.#retryLater(attempt);
      }),
    );
  }

  #_connect(attempt: number, text: string): void {
    // Not 'connecting' any more: the answer to an earlier attempt's subscription arrived while the detector was asked
    // again (a retry after the backoff). That subscription stands; going on would subscribe elsewhere and undo it.
    if (attempt !== this.#attempt || this.status !== 'DRIVER_RUNNING' || this.#conn !== 'connecting') return;
    let master: PID<SchedulerToMaster>;
    try {
      master = PID.parse<SchedulerToMaster>(text);
    } catch (e) {
      this.#log.warn(`detector gave a bad master PID ${JSON.stringify(text)}: ${(e as Error).message}`);
      this.#retryLater(attempt);
      return;
    }
    this.master = master;
    this.link(master);
    this.#subscribe();
    // No answer within the backoff: try again (asking the detector again).
    const wait = this.#quickConnect ? this.backoff.minMs : this.backoff.next();
    this.#quickConnect = false;
    this.#timer = this.delay(wait, () => {
      if (attempt === this.#attempt && this.#conn === 'connecting') this.connect();
    });
  }

  #subscribe(): void {
    const master = this.master!;
    const suppressed = this.#suppressedRoles.length > 0 ? { suppressed_roles: this.#suppressedRoles } : {};
    if (this.frameworkId === undefined) {
      this.#log.info(`subscribing to ${master} as a new framework`);
      this.send(master, 'subscribe', { framework_info: this.info, ...suppressed });
    } else {
      this.#log.info(`subscribing to ${master} with framework id ${this.frameworkId} (failover ${this.#failover})`);
      this.send(master, 'resubscribe', { framework_info: { ...this.info, id: { value: this.frameworkId } }, failover: this.#failover, ...suppressed });
    }
  }

  #retryLater(attempt: number, quickMs?: number): void {
    if (attempt !== this.#attempt || this.status !== 'DRIVER_RUNNING') return;
    this.#timer?.cancel();
    const quick = quickMs !== undefined && this.#quickRetries < QUICK_RETRIES_PER_MASTER * this.#masterCount();
    if (quick) this.#quickRetries++;
    this.#quickConnect = quick;
    const wait = quick ? Math.round(quickMs * (0.5 + this.backoff.random.float())) : this.backoff.next();
    this.#log.info(`reconnecting in ${wait} ms`);
    this.#timer = this.delay(wait, () => {
      if (attempt === this.#attempt) this.connect();
    });
  }

  /** How many masters the detector walks (1 when it does not say). */
  #masterCount(): number {
    const masters = (this.detector as { masters?: readonly string[] }).masters;
    return Array.isArray(masters) ? Math.max(1, masters.length) : 1;
  }

  /** The master does not lead: to the leader it names, or (election under way) to the next master shortly. */
  #notLeader(b: FromNonLeader['not_leader'], from: PID): void {
    if (!this.#fromMaster(from) || this.status !== 'DRIVER_RUNNING') return;
    let leader: string | undefined;
    if (typeof b?.leader === 'string') {
      try {
        leader = masterPidText(b.leader);
      } catch (e) {
        this.#log.warn(`${from} named a bad leader: ${(e as Error).message}`);
      }
    }
    this.#log.info(`${from} does not lead; ${leader !== undefined ? `the leader is ${leader}` : 'no leader elected yet'}`);
    this.#watchdog?.cancel();
    const attempt = ++this.#attempt;
    if (this.#conn === 'subscribed') {
      this.#conn = 'idle';
      this.offers.clear();
      this.#deliver({ type: 'disconnected' }, (s) => s.disconnected?.(this.#driver));
    } else this.#conn = 'idle';
    if (leader !== undefined && leader !== from.toString() && leader !== this.#lostMaster && this.#hints < MAX_LEADER_HINTS) {
      this.#hints++;
      this.#quickConnect = true;
      this.#leaderHint = leader;
      this.#timer?.cancel();
      this.#timer = undefined;
      this.connect();
      return;
    }
    this.#retryLater(attempt, QUICK_RETRY_MS.electing);
  }

  #fromMaster(from: PID): boolean {
    return this.master !== undefined && from.toString() === this.master.toString();
  }

  #subscribed(id: FrameworkID, heartbeatSeconds: number | undefined, masterInfo: MasterInfo | undefined): void {
    if (this.status !== 'DRIVER_RUNNING' || this.#conn === 'subscribed') return;
    if (this.frameworkId !== undefined && id?.value !== this.frameworkId) {
      // The answer to a SUBSCRIBE sent before this framework had its id, handled late (a deposed leader reading it
      // after a pause): a second framework that only that master knows. This one keeps its id.
      this.#log.warn(`ignoring a subscription as framework ${String(id?.value)} from ${this.master}: this driver is framework ${this.frameworkId}`);
      return;
    }
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#conn = 'subscribed';
    this.#failover = false;
    this.#quickRetries = 0;
    this.#hints = 0;
    this.#lostMaster = undefined;
    this.backoff.reset();
    this.frameworkId = id.value;
    this.masterInfo = masterInfo;
    this.#heartbeatMs = heartbeatSeconds !== undefined && heartbeatSeconds > 0 ? heartbeatSeconds * 1000 : undefined;
    // The master sends heartbeats every heartbeat_interval_seconds (to drivers too): a subscription expects them from
    // its start, so a master that steps down right after (its not_leader lost) does not leave the driver waiting.
    this.#armWatchdog();
    this.#checkpointId(id.value);
    if (!this.#everSubscribed) {
      this.#everSubscribed = true;
      this.#log.info(`registered as framework ${id.value} with ${this.master}`);
      this.registered.resolve(id.value);
      this.#deliver({ type: 'registered', frameworkId: id, masterInfo }, (s) => s.registered?.(this.#driver, id, masterInfo));
    } else {
      this.#log.info(`reregistered framework ${id.value} with ${this.master}`);
      this.#deliver({ type: 'reregistered', masterInfo }, (s) => s.reregistered?.(this.#driver, masterInfo));
    }
  }

  #checkpointId(id: string): void {
    const file = this.options.frameworkIdFile;
    if (file === undefined || this.#writtenId === id) return;
    this.#writtenId = id;
    this.#idFileWrites = this.#idFileWrites
      .then(() => writeFrameworkId(file, id))
      .catch(this.defer((e: unknown) => this.#log.error(`cannot write the framework id to ${file}: ${(e as Error).message}`)));
  }

  #armWatchdog(): void {
    this.#watchdog?.cancel();
    if (this.#heartbeatMs === undefined || this.#conn !== 'subscribed') return;
    const master = this.master!;
    this.#watchdog = this.delay(2 * this.#heartbeatMs, () => {
      this.#log.warn(`no heartbeat from ${master} for ${2 * this.#heartbeatMs!} ms`);
      this.#lost(master);
    });
  }

  override exited(pid: PID): void {
    if (this.master === undefined || pid.toString() !== this.master.toString()) return;
    this.#lost(pid);
  }

  /** The master went away (link broken or silent): tell the scheduler once, then reconnect after a backoff. */
  #lost(pid: PID): void {
    if (this.status !== 'DRIVER_RUNNING') return;
    this.#watchdog?.cancel();
    const attempt = ++this.#attempt;
    this.#lostMaster = pid.toString();
    if (this.#conn === 'subscribed') {
      this.#log.warn(`disconnected from master ${pid}`);
      this.#conn = 'idle';
      this.offers.clear();
      this.#deliver({ type: 'disconnected' }, (s) => s.disconnected?.(this.#driver));
    } else this.#conn = 'idle';
    // With several masters the next one may lead already: try it soon rather than after a backoff.
    this.#retryLater(attempt, this.#masterCount() > 1 ? QUICK_RETRY_MS.lost : undefined);
  }

  // ---- events ----

  #statusUpdate(status: TaskStatus, fromMaster: boolean): void {
    const id = status.task_id.value;
    const key = status.uuid !== undefined ? ackKey(id, status.uuid) : undefined;
    if (fromMaster && key !== undefined && status.agent_id !== undefined && this.acknowledged.has(key)) {
      // Delivered and acknowledged already (a duplicate on the wire, or the agent resending because our
      // acknowledgement was lost): acknowledge it again, but it is not news to the scheduler.
      if (this.status === 'DRIVER_RUNNING') this.call('acknowledge', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid! });
      return;
    }
    if (isTerminal(status.state)) this.tasks.delete(id);
    else if (status.state !== 'TASK_UNKNOWN' || this.tasks.has(id)) this.tasks.set(id, status);
    const ack = (): void => {
      if (!fromMaster || !this.#implicitAcks || status.uuid === undefined || status.agent_id === undefined) return;
      // Stopped meanwhile (stop() inside the callback): the agent retries the update to whoever comes next.
      if (this.status !== 'DRIVER_RUNNING') return;
      this.rememberAck(id, status.uuid);
      this.call('acknowledge', { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
    };
    this.#deliver({ type: 'update', status }, (s) => s.statusUpdate?.(this.#driver, status), ack);
  }

  /**
   * Runs the callback, then listeners and streams. `after` runs once the
   * callback returned (or its promise resolved); not when it failed.
   */
  #deliver(event: DriverEvent, callback: (s: Scheduler) => void | Promise<void> | undefined, after?: () => void): void {
    let result: void | Promise<void> | undefined;
    let failed = false;
    try {
      result = callback(this.#scheduler);
    } catch (e) {
      failed = true;
      this.#log.error(`scheduler callback for ${event.type} threw: ${(e as Error)?.stack ?? e}`);
    }
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (e) {
        this.#log.error(`event listener threw on ${event.type}: ${(e as Error)?.message ?? e}`);
      }
    }
    for (const s of this.#streams) s.push(event);
    if (failed || after === undefined) return;
    if (result instanceof Promise) {
      result.then(
        this.defer(() => after()),
        this.defer((e: unknown) => this.#log.error(`scheduler callback for ${event.type} failed: ${(e as Error)?.stack ?? e}`)),
      );
    } else after();
  }

  listen(listener: (e: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stream(): EventStream<DriverEvent> {
    const s: EventStream<DriverEvent> = new EventStream(() => this.#streams.delete(s));
    if (this.status === 'DRIVER_STOPPED' || this.status === 'DRIVER_ABORTED') s.close();
    else this.#streams.add(s);
    return s;
  }

  runLater(ms: number, fn: () => void): void {
    this.delay(ms, fn);
  }

  // ---- calls ----

  /** Sends a call to the master when subscribed; false (and a log line) otherwise. */
  call<N extends Exclude<keyof SchedulerToMaster & string, 'subscribe' | 'resubscribe' | 'teardown'>>(name: N, body: Omit<SchedulerToMaster[N], 'framework_id'>): boolean {
    if (!this.subscribed || this.frameworkId === undefined) {
      this.#log.warn(`${name}: not sent, the driver is not connected to a master (it is reconnecting)`);
      return false;
    }
    this.send(this.master!, name, { ...body, framework_id: { value: this.frameworkId } } as SchedulerToMaster[N]);
    return true;
  }

  accept(offerIds: OfferID[], operations: OfferOperation[], filters: Filters | undefined): boolean {
    for (const o of offerIds) this.offers.delete(o.value);
    const launched = operations.flatMap((op) => (op.type === 'LAUNCH' ? (op.launch?.task_infos ?? []) : op.type === 'LAUNCH_GROUP' ? (op.launch_group?.task_group.tasks ?? []) : []));
    if (!this.subscribed) {
      // As Mesos's driver: the launch cannot happen; say so through the status path.
      this.#log.warn(`accept: not sent, the driver is not connected to a master; ${launched.length} task(s) dropped`);
      const drop = this.defer((task: TaskInfo) =>
        this.#statusUpdate({ task_id: task.task_id, agent_id: task.agent_id, state: 'TASK_DROPPED', source: 'SOURCE_MASTER', reason: 'REASON_MASTER_DISCONNECTED', message: 'Master disconnected' }, false),
      );
      for (const t of launched) drop(t);
      return false;
    }
    for (const t of launched) this.tasks.set(t.task_id.value, { task_id: t.task_id, agent_id: t.agent_id, state: 'TASK_STAGING', source: 'SOURCE_MASTER', ...(t.executor ? { executor_id: t.executor.executor_id } : {}) });
    return this.call('accept', { offer_ids: offerIds, operations, ...(filters ? { filters } : {}) });
  }

  update(info: Partial<FrameworkInfo>, suppressedRoles: string[] | undefined): boolean {
    const { id: _id, ...rest } = info;
    this.info = { ...this.info, ...rest };
    if (suppressedRoles !== undefined) this.#suppressedRoles = suppressedRoles;
    return this.call('update', { framework_info: { ...this.info, id: { value: this.frameworkId ?? '' } }, suppressed_roles: this.#suppressedRoles });
  }

  async stop(failover: boolean): Promise<void> {
    if (this.status !== 'DRIVER_RUNNING') {
      if (this.status === 'DRIVER_NOT_STARTED') this.#end('DRIVER_STOPPED');
      await this.#idFileWrites;
      return;
    }
    if (!failover) {
      if (this.subscribed && this.frameworkId !== undefined) this.send(this.master!, 'teardown', { framework_id: { value: this.frameworkId } });
      // After a write still in flight, or its rename would bring the file back.
      const file = this.options.frameworkIdFile;
      if (file !== undefined) this.#idFileWrites = this.#idFileWrites.then(() => removeFrameworkId(file)).catch((e: unknown) => this.#log.warn(`cannot remove ${file}: ${(e as Error).message}`));
    }
    // A stopped driver leaves no write in flight (its directory may be removed next).
    await this.#idFileWrites;
    this.#end('DRIVER_STOPPED');
  }

  /** Fatal error (message) or `abort()` (undefined). */
  abort(message: string | undefined): void {
    if (this.status !== 'DRIVER_RUNNING') return;
    if (message !== undefined) this.#deliver({ type: 'error', message }, (s) => s.error?.(this.#driver, message));
    this.#end('DRIVER_ABORTED');
  }

  #end(status: DriverStatus): void {
    if (this.ended.settled) return;
    this.status = status;
    this.#conn = 'idle';
    this.#attempt++;
    this.#timer?.cancel();
    this.#watchdog?.cancel();
    for (const s of this.#streams) s.close();
    this.#streams.clear();
    if (!this.registered.settled) this.registered.reject(new SchedulerDriverError('E_NOT_RUNNING', `the driver ${status === 'DRIVER_STOPPED' ? 'stopped' : 'aborted'} before it registered`));
    if (this.alive) this.terminate();
    this.ended.resolve(status);
  }
}
