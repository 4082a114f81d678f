/**
 * The schema of every message body of the internal protocols, in the field
 * notation of json/codec.ts ('TaskInfo!' required, 'Resource[]' repeated,
 * 'TaskState' an enum...), next to the message types they describe. Nested
 * types are those of json/mesos.ts plus the internal ones below.
 *
 * `MessageSchemas<P>` has one entry per message of P and one notation per
 * body field, so adding a message or a field to a protocol without its
 * schema is a compile error. Append-only, like the protocols.
 */
import type { SchemaSource } from '../json/codec.js';
import type { AgentToExecutor, ExecutorToAgent } from './agent-executor.js';
import type { FromNonLeader } from './leader.js';
import type { AgentCapability, AgentToMaster, MasterToAgent } from './master-agent.js';
import type { MasterToScheduler, SchedulerToMaster } from './master-scheduler.js';

/** One notation per field of a body. */
export type BodySchema<B> = { readonly [K in keyof B & string]-?: string };
/** One body schema per message of P. */
export type MessageSchemas<P> = { readonly [N in keyof P & string]: BodySchema<P[N]> };

export const AGENT_CAPABILITIES = [
  'MULTI_ROLE',
  'HIERARCHICAL_ROLE',
  'RESERVATION_REFINEMENT',
  'RESOURCE_PROVIDER',
  'AGENT_UPDATE',
  'AGENT_OPERATION_FEEDBACK',
] as const satisfies readonly AgentCapability[];

/** Enums and nested types the internal protocols add to the v1 schema. */
export const INTERNAL_SCHEMA: SchemaSource = {
  enums: { AgentCapability: AGENT_CAPABILITIES },
  messages: {
    StatusUpdate: {
      framework_id: 'FrameworkID!',
      executor_id: 'ExecutorID',
      agent_id: 'AgentID',
      status: 'TaskStatus!',
      timestamp: 'double!',
      uuid: 'bytes',
      latest_state: 'TaskState',
    },
    'agent_reregistered.Reconciliation': { framework_id: 'FrameworkID!', task_id: 'TaskID!', state: 'TaskState!' },
    'reconcile_tasks.Task': { task_id: 'TaskID!', state: 'TaskState' },
  },
};

const FRAMEWORK_EXECUTOR_DATA = { agent_id: 'AgentID!', framework_id: 'FrameworkID!', executor_id: 'ExecutorID!', data: 'bytes!' } as const;

export const SCHEDULER_TO_MASTER: MessageSchemas<SchedulerToMaster> = {
  subscribe: { framework_info: 'FrameworkInfo!', suppressed_roles: 'string[]' },
  resubscribe: { framework_info: 'FrameworkInfo!', failover: 'bool!', suppressed_roles: 'string[]' },
  accept: { framework_id: 'FrameworkID!', offer_ids: 'OfferID[]!', operations: 'Offer.Operation[]', filters: 'Filters' },
  decline: { framework_id: 'FrameworkID!', offer_ids: 'OfferID[]!', filters: 'Filters' },
  revive: { framework_id: 'FrameworkID!', roles: 'string[]' },
  suppress: { framework_id: 'FrameworkID!', roles: 'string[]' },
  kill: { framework_id: 'FrameworkID!', task_id: 'TaskID!', agent_id: 'AgentID', kill_policy: 'KillPolicy' },
  shutdown: { framework_id: 'FrameworkID!', executor_id: 'ExecutorID!', agent_id: 'AgentID!' },
  acknowledge: { framework_id: 'FrameworkID!', agent_id: 'AgentID!', task_id: 'TaskID!', uuid: 'bytes!' },
  reconcile: { framework_id: 'FrameworkID!', tasks: 'scheduler.Call.Reconcile.Task[]' },
  message: { framework_id: 'FrameworkID!', agent_id: 'AgentID!', executor_id: 'ExecutorID!', data: 'bytes!' },
  teardown: { framework_id: 'FrameworkID!' },
  update: { framework_id: 'FrameworkID!', framework_info: 'FrameworkInfo!', suppressed_roles: 'string[]' },
  accept_inverse_offers: { framework_id: 'FrameworkID!', inverse_offer_ids: 'OfferID[]!', filters: 'Filters' },
  decline_inverse_offers: { framework_id: 'FrameworkID!', inverse_offer_ids: 'OfferID[]!', filters: 'Filters' },
  acknowledge_operation_status: { framework_id: 'FrameworkID!', agent_id: 'AgentID', uuid: 'bytes!', operation_id: 'OperationID!' },
  reconcile_operations: { framework_id: 'FrameworkID!', operations: 'scheduler.Call.ReconcileOperations.Operation[]' },
};

export const MASTER_TO_SCHEDULER: MessageSchemas<MasterToScheduler> = {
  subscribed: { framework_id: 'FrameworkID!', heartbeat_interval_seconds: 'double', master_info: 'MasterInfo' },
  offers: { offers: 'Offer[]!' },
  rescind: { offer_id: 'OfferID!' },
  status_update: { status: 'TaskStatus!' },
  framework_message: { agent_id: 'AgentID!', executor_id: 'ExecutorID!', data: 'bytes!' },
  failure: { agent_id: 'AgentID', executor_id: 'ExecutorID', status: 'int32' },
  error: { message: 'string!' },
  heartbeat: {},
  framework_error: { message: 'string!' },
  agent_lost: { agent_id: 'AgentID!' },
  task_unknown: { task_id: 'TaskID!', agent_id: 'AgentID' },
  inverse_offers: { inverse_offers: 'InverseOffer[]!' },
  rescind_inverse_offer: { inverse_offer_id: 'OfferID!' },
  update_operation_status: { status: 'OperationStatus!' },
};

export const AGENT_TO_MASTER: MessageSchemas<AgentToMaster> = {
  register_agent: { agent: 'AgentInfo!', version: 'string!', checkpointed_resources: 'Resource[]!', capabilities: 'AgentCapability[]' },
  reregister_agent: {
    agent: 'AgentInfo!',
    version: 'string!',
    checkpointed_resources: 'Resource[]!',
    executor_infos: 'ExecutorInfo[]!',
    tasks: 'Task[]!',
    frameworks: 'FrameworkInfo[]!',
    capabilities: 'AgentCapability[]',
    operations: 'Operation[]',
  },
  unregister_agent: { agent_id: 'AgentID!' },
  pong: { seq: 'uint64' },
  status_update: { update: 'StatusUpdate!', pid: 'string' },
  exited_executor: { agent_id: 'AgentID!', framework_id: 'FrameworkID!', executor_id: 'ExecutorID!', status: 'int32' },
  executor_to_framework: FRAMEWORK_EXECUTOR_DATA,
  update_agent: { agent_id: 'AgentID!', total_resources: 'Resource[]', oversubscribed_resources: 'Resource[]' },
  update_operation_status: { agent_id: 'AgentID!', framework_id: 'FrameworkID', operation_uuid: 'UUID!', status: 'OperationStatus!' },
};

export const MASTER_TO_AGENT: MessageSchemas<MasterToAgent> = {
  agent_registered: { agent_id: 'AgentID!', master_info: 'MasterInfo', ping_timeout_seconds: 'double', max_missed_pings: 'uint32', term: 'uint64' },
  agent_reregistered: {
    agent_id: 'AgentID!',
    master_info: 'MasterInfo',
    reconciliations: 'agent_reregistered.Reconciliation[]',
    ping_timeout_seconds: 'double',
    max_missed_pings: 'uint32',
    term: 'uint64',
  },
  ping: { connected: 'bool!', seq: 'uint64', term: 'uint64' },
  run_task: { framework: 'FrameworkInfo!', framework_id: 'FrameworkID!', task: 'TaskInfo!', pid: 'string', executor: 'ExecutorInfo' },
  run_task_group: { framework: 'FrameworkInfo!', executor: 'ExecutorInfo!', task_group: 'TaskGroupInfo!' },
  kill_task: { framework_id: 'FrameworkID!', task_id: 'TaskID!', kill_policy: 'KillPolicy' },
  status_update_acknowledgement: { agent_id: 'AgentID!', framework_id: 'FrameworkID!', task_id: 'TaskID!', uuid: 'bytes!' },
  shutdown_framework: { framework_id: 'FrameworkID!' },
  shutdown_executor: { framework_id: 'FrameworkID!', executor_id: 'ExecutorID!' },
  framework_to_executor: FRAMEWORK_EXECUTOR_DATA,
  update_framework: { framework_id: 'FrameworkID!', framework_info: 'FrameworkInfo!', pid: 'string' },
  checkpoint_resources: { resources: 'Resource[]!', operations: 'Operation[]' },
  acknowledge_operation_status: { operation_uuid: 'UUID!', status_uuid: 'UUID' },
  reconcile_tasks: { framework_id: 'FrameworkID!', tasks: 'reconcile_tasks.Task[]!' },
  agent_lost: { agent_id: 'AgentID!', message: 'string' },
  shutdown: { message: 'string!' },
};

export const EXECUTOR_TO_AGENT: MessageSchemas<ExecutorToAgent> = {
  register: { framework_id: 'FrameworkID!', executor_id: 'ExecutorID!', token: 'string' },
  reregister: { framework_id: 'FrameworkID!', executor_id: 'ExecutorID!', tasks: 'TaskInfo[]!', updates: 'StatusUpdate[]!', token: 'string' },
  status_update: { update: 'StatusUpdate!' },
  executor_to_framework: FRAMEWORK_EXECUTOR_DATA,
};

export const AGENT_TO_EXECUTOR: MessageSchemas<AgentToExecutor> = {
  registered: { executor_info: 'ExecutorInfo!', framework_id: 'FrameworkID!', framework_info: 'FrameworkInfo!', agent_id: 'AgentID!', agent_info: 'AgentInfo!' },
  reregistered: { agent_id: 'AgentID!', agent_info: 'AgentInfo!' },
  run_task: { framework_id: 'FrameworkID!', framework: 'FrameworkInfo!', task: 'TaskInfo!' },
  run_task_group: { framework: 'FrameworkInfo!', executor: 'ExecutorInfo!', task_group: 'TaskGroupInfo!' },
  kill_task: { framework_id: 'FrameworkID!', task_id: 'TaskID!', kill_policy: 'KillPolicy' },
  ack: { agent_id: 'AgentID!', framework_id: 'FrameworkID!', task_id: 'TaskID!', uuid: 'bytes!' },
  framework_message: FRAMEWORK_EXECUTOR_DATA,
  shutdown: { grace_period_seconds: 'double' },
  reconnect: { agent_id: 'AgentID!' },
};

export const FROM_NON_LEADER: MessageSchemas<FromNonLeader> = {
  not_leader: { leader: 'string', term: 'uint64', message: 'string' },
};
