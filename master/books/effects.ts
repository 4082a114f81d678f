/**
 * What a transition of the master's books asks the world to do. The books
 * core (tasks.ts, agents.ts, frameworks.ts) changes the records and returns
 * these as data; the master process applies them (master.ts `apply`): it is
 * the only place that sends, writes the registry or tells the allocator.
 */
import type { Resource } from '../../protocol/resources.js';
import type { TaskState } from '../../protocol/task-states.js';
import type { TaskStatus } from '../../protocol/types.js';
import type { MasterEvent } from '../events.js';
import type { AllocatorPort } from '../allocator-port.js';
import type { Agent } from '../agent.js';
import type { Framework } from '../framework.js';
import type { KillPolicy } from '../../protocol/types.js';
import type { InverseOffer } from '../../protocol/maintenance.js';
import type { Operation } from '../registrar/registry.js';
import type { Operation as ProtoOperation, OperationStatus } from '../../protocol/operations.js';

/** One call of the allocator's port, as data. */
export type AllocatorCall = { [K in keyof AllocatorPort]: { readonly name: K; readonly args: Parameters<AllocatorPort[K]> } }[keyof AllocatorPort];

/** A task the master ended because the re-registering agent did not report it: the agent hears it in its reply. */
export interface Reconciliation {
  readonly framework_id: { readonly value: string };
  readonly task_id: { readonly value: string };
  readonly state: TaskState;
}

export type Effect =
  /** The reply to an agent's registration (`agent_registered`) or re-registration (`agent_reregistered`): its id, the master, the ping settings. */
  | { readonly kind: 'agent_registered'; readonly agent: Agent; readonly reregistered: boolean; readonly reconciliations?: readonly Reconciliation[] }
  /** A removed framework the agent still runs something of: it kills the framework's tasks and executors. */
  | { readonly kind: 'shutdown_framework'; readonly agent: Agent; readonly frameworkId: string }
  /** A re-registered agent learns a framework's current info and scheduler (a failover may have changed both). */
  | { readonly kind: 'update_framework'; readonly agent: Agent; readonly framework: Framework }
  /** The reply to a scheduler's SUBSCRIBE: its framework id, the heartbeat interval, the master. */
  | { readonly kind: 'subscribed'; readonly framework: Framework }
  /** What the allocator must hear of an agent or framework coming or going. */
  | { readonly kind: 'allocator'; readonly call: AllocatorCall }
  /** Resources a task, executor or offer stopped holding on an agent that is still registered: back to the allocator (with a filter for a DECLINE). */
  | { readonly kind: 'recover'; readonly frameworkId: string; readonly agentId: string; readonly resources: readonly Resource[]; readonly refuseSeconds?: number }
  /** An offer withdrawn: its connected scheduler is told. */
  | { readonly kind: 'rescind'; readonly framework: Framework; readonly offerId: string }
  /** A status for the framework's connected scheduler (as the master made or got it: the shell downgrades it for legacy frameworks). */
  | { readonly kind: 'forward'; readonly framework: Framework; readonly status: TaskStatus }
  /** A change for the operator API's SUBSCRIBE stream. */
  | { readonly kind: 'event'; readonly event: MasterEvent }
  /** A task the master kills on its agent (draining), with the kill policy it is to honour. */
  | { readonly kind: 'kill'; readonly agent: Agent; readonly frameworkId: string; readonly taskId: string; readonly killPolicy?: KillPolicy }
  /** An inverse offer made to a framework's connected scheduler. */
  | { readonly kind: 'inverse_offer'; readonly framework: Framework; readonly offer: InverseOffer }
  /** An inverse offer withdrawn: its connected scheduler is told. */
  | { readonly kind: 'inverse_rescind'; readonly framework: Framework; readonly inverseOfferId: string }
  /** An agent left the cluster (unreachable or gone): a connected scheduler hears `agent_lost` (v1: FAILURE). */
  | { readonly kind: 'agent_lost'; readonly framework: Framework; readonly agentId: string }
  /** The agent's dynamically reserved resources and volumes changed: it checkpoints the whole new set. */
  | { readonly kind: 'checkpoint_resources'; readonly agent: Agent; readonly resources: Resource[]; readonly operations?: ProtoOperation[] }
  /** The agent may forget an operation (its framework acknowledged it, or the master does not track it). */
  | { readonly kind: 'forget_operation'; readonly agent: Agent; readonly operationUuid: Uint8Array; readonly statusUuid?: Uint8Array }
  /** The status of an operation the framework gave an id (UPDATE_OPERATION_STATUS), for its connected scheduler. */
  | { readonly kind: 'operation_status'; readonly framework: Framework; readonly status: OperationStatus }
  /** A counter of /metrics/snapshot. */
  | { readonly kind: 'count'; readonly name: string; readonly by?: number }
  /** What the registry must keep (high availability): written in the batch of the current turn. */
  | { readonly kind: 'registry'; readonly op: Operation };
