/**
 * Operation feedback (Mesos 1.6+, include/mesos/v1/mesos.proto): an offer
 * operation a framework gives an `id` is tracked by the master, which tells
 * the framework its status (UPDATE_OPERATION_STATUS), keeps it until the
 * framework acknowledges a status that carries a `uuid`, and answers
 * RECONCILE_OPERATIONS and GET_OPERATIONS from it.
 */
import type { AgentID, OperationID } from './ids.js';
import type { Resource } from './resources.js';
import type { FrameworkID } from './ids.js';
import type { OfferOperation } from './types.js';

export const OPERATION_STATES = [
  'OPERATION_UNSUPPORTED',
  'OPERATION_PENDING',
  'OPERATION_FINISHED',
  'OPERATION_FAILED',
  'OPERATION_ERROR',
  'OPERATION_DROPPED',
  'OPERATION_UNREACHABLE',
  'OPERATION_GONE_BY_OPERATOR',
  'OPERATION_RECOVERING',
  'OPERATION_UNKNOWN',
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/** No status follows these: the operation is over. */
export function isTerminalOperation(state: OperationState): boolean {
  return state === 'OPERATION_FINISHED' || state === 'OPERATION_FAILED' || state === 'OPERATION_ERROR' || state === 'OPERATION_DROPPED' || state === 'OPERATION_GONE_BY_OPERATOR';
}

export interface OperationStatus {
  operation_id?: OperationID;
  state: OperationState;
  message?: string;
  converted_resources?: Resource[];
  /** Set when the framework must acknowledge this status. */
  uuid?: { value: Uint8Array };
  agent_id?: AgentID;
}

/** v1 `Operation`, as GET_OPERATIONS shows it. */
export interface Operation {
  framework_id?: FrameworkID;
  agent_id?: AgentID;
  info: OfferOperation;
  latest_status: OperationStatus;
  statuses?: OperationStatus[];
  uuid: { value: Uint8Array };
}

export interface CallAcknowledgeOperationStatus {
  agent_id?: AgentID;
  uuid: Uint8Array;
  operation_id: OperationID;
}

export interface CallReconcileOperations {
  operations?: { operation_id: OperationID; agent_id?: AgentID }[];
}

export interface EventUpdateOperationStatus {
  status: OperationStatus;
}
