/**
 * The v1 scheduler API's Call and Event (include/mesos/v1/scheduler/scheduler.proto),
 * as plain data. The HTTP API (POST /api/v1/scheduler) carries these as JSON
 * (see json/) and master-scheduler messages carry their bodies.
 */
import type { AgentID, ExecutorID, FrameworkID, OfferID, TaskID } from './ids.js';
import type { InverseOffer } from './maintenance.js';
import type { Filters, FrameworkInfo, KillPolicy, MasterInfo, Offer, OfferOperation, TaskStatus } from './types.js';
import type { CallAcknowledgeOperationStatus, CallReconcileOperations, EventUpdateOperationStatus } from './operations.js';

export const CALL_TYPES = [
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'UPDATE_FRAMEWORK',
] as const;
export type CallType = (typeof CALL_TYPES)[number];

export interface CallSubscribe { framework_info: FrameworkInfo; suppressed_roles?: string[] }
export interface CallAccept { offer_ids: OfferID[]; operations?: OfferOperation[]; filters?: Filters }
export interface CallDecline { offer_ids: OfferID[]; filters?: Filters }
export interface CallRevive { roles?: string[] }
export interface CallSuppress { roles?: string[] }
export interface CallKill { task_id: TaskID; agent_id?: AgentID; kill_policy?: KillPolicy }
export interface CallShutdown { executor_id: ExecutorID; agent_id: AgentID }
export interface CallAcknowledge { agent_id: AgentID; task_id: TaskID; uuid: Uint8Array }
export interface CallReconcile { tasks?: { task_id: TaskID; agent_id?: AgentID }[] }
export interface CallMessage { agent_id: AgentID; executor_id: ExecutorID; data: Uint8Array }
export interface CallUpdateFramework { framework_info: FrameworkInfo; suppressed_roles?: string[] }
/** ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS. */
export interface CallInverseOffers { inverse_offer_ids: OfferID[]; filters?: Filters }

export interface SchedulerCall {
  framework_id?: FrameworkID;
  type: CallType;
  subscribe?: CallSubscribe;
  accept?: CallAccept;
  decline?: CallDecline;
  revive?: CallRevive;
  suppress?: CallSuppress;
  kill?: CallKill;
  shutdown?: CallShutdown;
  acknowledge?: CallAcknowledge;
  reconcile?: CallReconcile;
  message?: CallMessage;
  update_framework?: CallUpdateFramework;
  accept_inverse_offers?: CallInverseOffers;
  decline_inverse_offers?: CallInverseOffers;
  acknowledge_operation_status?: CallAcknowledgeOperationStatus;
  reconcile_operations?: CallReconcileOperations;
}

export const EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'OFFERS',
  'INVERSE_OFFERS',
  'RESCIND',
  'RESCIND_INVERSE_OFFER',
  'UPDATE',
  'UPDATE_OPERATION_STATUS',
  'MESSAGE',
  'FAILURE',
  'ERROR',
  'HEARTBEAT',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventSubscribed { framework_id: FrameworkID; heartbeat_interval_seconds?: number; master_info?: MasterInfo }
export interface EventOffers { offers?: Offer[] }
export interface EventRescind { offer_id: OfferID }
export interface EventInverseOffers { inverse_offers?: InverseOffer[] }
export interface EventRescindInverseOffer { inverse_offer_id: OfferID }
export interface EventUpdate { status: TaskStatus }
export interface EventMessage { agent_id: AgentID; executor_id: ExecutorID; data: Uint8Array }
export interface EventFailure { agent_id?: AgentID; executor_id?: ExecutorID; status?: number }
export interface EventError { message: string }

export interface SchedulerEvent {
  type: EventType;
  subscribed?: EventSubscribed;
  offers?: EventOffers;
  rescind?: EventRescind;
  inverse_offers?: EventInverseOffers;
  rescind_inverse_offer?: EventRescindInverseOffer;
  update?: EventUpdate;
  message?: EventMessage;
  failure?: EventFailure;
  error?: EventError;
  update_operation_status?: EventUpdateOperationStatus;
}
