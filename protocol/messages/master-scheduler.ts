/**
 * Master <-> scheduler messages (the framework side of the internal
 * protocol; the v1 HTTP API maps each scheduler.Call / Event to one of
 * these). Append-only. Bodies reuse the v1 Call/Event body shapes.
 */
import type { AgentID, ExecutorID, FrameworkID, OfferID, TaskID } from '../ids.js';
import type {
  CallAccept,
  CallAcknowledge,
  CallDecline,
  CallInverseOffers,
  CallKill,
  CallMessage,
  CallReconcile,
  CallRevive,
  CallShutdown,
  CallSuppress,
  CallUpdateFramework,
  EventFailure,
  EventSubscribed,
} from '../scheduler.js';
import type { InverseOffer } from '../maintenance.js';
import type { CallAcknowledgeOperationStatus, CallReconcileOperations, OperationStatus } from '../operations.js';
import type { FrameworkInfo, Offer, TaskStatus } from '../types.js';

type WithFramework<T> = T & { framework_id: FrameworkID };

export type SchedulerToMaster = {
  /** A new framework (no id) or an HTTP-style subscribe that carries its id. */
  subscribe: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
  /** A framework with an id coming back (failover = a new scheduler instance took over). */
  resubscribe: { framework_info: FrameworkInfo & { id: FrameworkID }; failover: boolean; suppressed_roles?: string[] };
  accept: WithFramework<CallAccept>;
  decline: WithFramework<CallDecline>;
  revive: WithFramework<CallRevive>;
  suppress: WithFramework<CallSuppress>;
  kill: WithFramework<CallKill>;
  shutdown: WithFramework<CallShutdown>;
  acknowledge: WithFramework<CallAcknowledge>;
  reconcile: WithFramework<CallReconcile>;
  message: WithFramework<CallMessage>;
  teardown: { framework_id: FrameworkID };
  /** UPDATE_FRAMEWORK: new FrameworkInfo (same id) and suppressed roles. */
  update: WithFramework<CallUpdateFramework>;
  /** ACCEPT_INVERSE_OFFERS: the framework can free the agents' resources before their unavailability. */
  accept_inverse_offers: WithFramework<CallInverseOffers>;
  /** DECLINE_INVERSE_OFFERS: it cannot. */
  decline_inverse_offers: WithFramework<CallInverseOffers>;
  /** ACKNOWLEDGE_OPERATION_STATUS: a status of an operation with an id, received (the master forgets a terminal one). */
  acknowledge_operation_status: WithFramework<CallAcknowledgeOperationStatus>;
  /** RECONCILE_OPERATIONS: the latest status of each operation named (none named: of every one the master tracks). */
  reconcile_operations: WithFramework<CallReconcileOperations>;
};

export type MasterToScheduler = {
  subscribed: EventSubscribed;
  offers: { offers: Offer[] };
  rescind: { offer_id: OfferID };
  /** A status update; the scheduler acknowledges it when `status.uuid` is set. */
  status_update: { status: TaskStatus };
  framework_message: { agent_id: AgentID; executor_id: ExecutorID; data: Uint8Array };
  failure: EventFailure;
  /** An error about the last call; the framework stays subscribed. */
  error: { message: string };
  heartbeat: Record<string, never>;
  /** Fatal: the framework was removed (teardown, failover timeout, bad FrameworkInfo). */
  framework_error: { message: string };
  /** An agent the framework had tasks or offers on is gone. */
  agent_lost: { agent_id: AgentID };
  /** Reply to a kill of an unknown task, etc.; carries the task id for the scheduler's bookkeeping. */
  task_unknown: { task_id: TaskID; agent_id?: AgentID };
  /** Agents whose machine is scheduled for maintenance: the master asks for their resources back. */
  inverse_offers: { inverse_offers: InverseOffer[] };
  rescind_inverse_offer: { inverse_offer_id: OfferID };
  /** UPDATE_OPERATION_STATUS: the status of an operation the framework gave an id (acknowledged when `status.uuid` is set). */
  update_operation_status: { status: OperationStatus };
};

export type MasterSchedulerMessages = SchedulerToMaster & MasterToScheduler;
