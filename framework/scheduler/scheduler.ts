/**
 * What a framework author implements (the Scheduler callbacks, as in Mesos's
 * `mesos::Scheduler`) and the same events as plain values for the
 * async-iterator style (`for await (const e of driver.events())`).
 */
import type { InverseOffer } from '../../protocol/maintenance.js';
import type { AgentID, ExecutorID, FrameworkID, MasterInfo, Offer, OfferID, TaskStatus } from '../../protocol/types.js';
import type { OperationStatus } from '../../protocol/operations.js';
import type { SchedulerDriver } from './driver.js';

/**
 * Every callback is optional and runs inside the driver's actor, one at a time,
 * in the order the master sent the events. A callback may return a promise: the
 * driver does not wait for it before delivering the next event, except that an
 * implicit acknowledgement of a status update is sent only once the promise
 * from `statusUpdate` resolves (never if it rejects or the callback throws, so
 * the agent sends the update again).
 */
export interface Scheduler {
  /** The first subscription of this driver: a new framework, or a failover to a checkpointed id. */
  registered?(driver: SchedulerDriver, frameworkId: FrameworkID, masterInfo: MasterInfo | undefined): void | Promise<void>;
  /** Subscribed again after a disconnection (same id); a good time to reconcile. */
  reregistered?(driver: SchedulerDriver, masterInfo: MasterInfo | undefined): void | Promise<void>;
  /** The connection to the master broke: outstanding offers are void; the driver reconnects by itself. */
  disconnected?(driver: SchedulerDriver): void | Promise<void>;
  resourceOffers?(driver: SchedulerDriver, offers: Offer[]): void | Promise<void>;
  offerRescinded?(driver: SchedulerDriver, offerId: OfferID): void | Promise<void>;
  /**
   * Agents whose machine is scheduled for maintenance (`unavailability`): the
   * master asks for their resources back. Answer with
   * `driver.acceptInverseOffers` (the tasks will be moved in time) or
   * `driver.declineInverseOffers`; either is a hint the operator sees.
   */
  inverseOffers?(driver: SchedulerDriver, inverseOffers: InverseOffer[]): void | Promise<void>;
  inverseOfferRescinded?(driver: SchedulerDriver, inverseOfferId: OfferID): void | Promise<void>;
  statusUpdate?(driver: SchedulerDriver, status: TaskStatus): void | Promise<void>;
  /** The status of an offer operation given an id (RESERVE, CREATE ...); acknowledged by the driver when it carries a uuid (unless `implicitAcknowledgements: false`). */
  operationStatus?(driver: SchedulerDriver, status: OperationStatus): void | Promise<void>;
  frameworkMessage?(driver: SchedulerDriver, executorId: ExecutorID, agentId: AgentID, data: Uint8Array): void | Promise<void>;
  agentLost?(driver: SchedulerDriver, agentId: AgentID): void | Promise<void>;
  executorLost?(driver: SchedulerDriver, executorId: ExecutorID, agentId: AgentID, status: number | undefined): void | Promise<void>;
  /** Fatal: the framework was removed or failed over to another scheduler; the driver is aborted. */
  error?(driver: SchedulerDriver, message: string): void | Promise<void>;
  /** Not fatal: the master refused a call (a bad ACCEPT, an unknown offer...). Logged when absent. */
  warning?(driver: SchedulerDriver, message: string): void | Promise<void>;
}

export type DriverEvent =
  | { type: 'registered'; frameworkId: FrameworkID; masterInfo: MasterInfo | undefined }
  | { type: 'reregistered'; masterInfo: MasterInfo | undefined }
  | { type: 'disconnected' }
  | { type: 'offers'; offers: Offer[] }
  | { type: 'rescind'; offerId: OfferID }
  | { type: 'inverse_offers'; inverseOffers: InverseOffer[] }
  | { type: 'rescind_inverse_offer'; inverseOfferId: OfferID }
  | { type: 'update'; status: TaskStatus }
  | { type: 'operation_status'; status: OperationStatus }
  | { type: 'message'; executorId: ExecutorID; agentId: AgentID; data: Uint8Array }
  | { type: 'agent_lost'; agentId: AgentID }
  | { type: 'executor_lost'; executorId: ExecutorID; agentId: AgentID; status: number | undefined }
  | { type: 'error'; message: string }
  | { type: 'warning'; message: string };

export type DriverEventType = DriverEvent['type'];

/** Where the driver is: not yet started, running (connected or not), stopped by `stop()`, or aborted (fatal error or `abort()`). */
export type DriverStatus = 'DRIVER_NOT_STARTED' | 'DRIVER_RUNNING' | 'DRIVER_STOPPED' | 'DRIVER_ABORTED';

/** A queue that turns pushed events into an async iterator; `close()` ends it. */
export class EventStream<T> implements AsyncIterableIterator<T> {
  #queue: T[] = [];
  #waiting: ((r: IteratorResult<T>) => void)[] = [];
  #closed = false;

  constructor(private readonly onReturn: () => void = () => {}) {}

  push(value: T): void {
    if (this.#closed) return;
    const w = this.#waiting.shift();
    if (w !== undefined) w({ value, done: false });
    else this.#queue.push(value);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift()!, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#queue = [];
    this.close();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
