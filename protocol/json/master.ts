/**
 * The v1 operator API of the master (include/mesos/v1/master/master.proto):
 * the Call, the synchronous Response and the streamed Event of SUBSCRIBE,
 * as plain data and as JSON schema in the notation of codec.ts. The master
 * serves it at `POST /api/v1` (master/http-operator.ts). Calls the master
 * does not carry out are still named, so that a request naming one is told
 * "not implemented" rather than "malformed"; their bodies are 'any'.
 * Flag, VersionInfo and Metric are shared with the agent API (agent.ts).
 */
import type { AgentID, FrameworkID } from '../ids.js';
import type { Resource } from '../resources.js';
import type { AgentInfo, DurationInfo, ExecutorInfo, FrameworkInfo, MasterInfo, Offer, Task, TaskState, TaskStatus, TimeInfo } from '../types.js';
import type { SchemaSource } from './codec.js';
import type { ClusterStatus, DrainInfo, MachineID, MaintenanceSchedule } from '../maintenance.js';

export const MASTER_CALL_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_WEIGHTS',
  'UPDATE_WEIGHTS',
  'GET_MASTER',
  'SUBSCRIBE',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
] as const;
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

export const MASTER_RESPONSE_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_WEIGHTS',
  'GET_MASTER',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'GET_QUOTA',
] as const;
export type MasterResponseType = (typeof MASTER_RESPONSE_TYPES)[number];

export const MASTER_EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'TASK_ADDED',
  'TASK_UPDATED',
  'AGENT_ADDED',
  'AGENT_REMOVED',
  'FRAMEWORK_ADDED',
  'FRAMEWORK_UPDATED',
  'FRAMEWORK_REMOVED',
  'HEARTBEAT',
] as const;
export type MasterEventType = (typeof MASTER_EVENT_TYPES)[number];

/** mesos.FileInfo: one entry of LIST_FILES. */
export interface FileInfo { path: string; nlink?: number; size?: number; mtime?: TimeInfo; mode?: number; uid?: string; gid?: string }
export interface WeightInfo { weight: number; role?: string }
/** quota.QuotaConfig: guarantees and limits are maps of resource name -> {value}. */
export interface QuotaConfig { role: string; guarantees?: Record<string, { value: number }>; limits?: Record<string, { value: number }> }

export interface MasterCall {
  type?: MasterCallType;
  get_metrics?: { timeout?: DurationInfo };
  set_logging_level?: { level: number; duration: DurationInfo };
  list_files?: { path: string };
  read_file?: { path: string; offset: number; length?: number };
  set_quota?: { quota_request: { force?: boolean; role?: string; guarantee?: Resource[] } };
  remove_quota?: { role: string };
  update_weights?: { weight_infos?: WeightInfo[] };
  update_quota?: { force?: boolean; quota_configs?: QuotaConfig[] };
  teardown?: { framework_id: FrameworkID };
  mark_agent_gone?: { agent_id: AgentID };
  update_maintenance_schedule?: { schedule: MaintenanceSchedule };
  start_maintenance?: { machines?: MachineID[] };
  stop_maintenance?: { machines?: MachineID[] };
  drain_agent?: { agent_id: AgentID; max_grace_period?: { seconds?: number; nanos?: number }; mark_gone?: boolean };
  deactivate_agent?: { agent_id: AgentID };
  reactivate_agent?: { agent_id: AgentID };
}

export interface MasterAgent {
  agent_info: AgentInfo;
  active: boolean;
  deactivated?: boolean;
  version: string;
  pid?: string;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  total_resources?: Resource[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  drain_info?: DrainInfo;
}
export interface MasterFramework {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  unregistered_time?: TimeInfo;
  offers?: Offer[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
}
export interface MasterGetTasks { pending_tasks?: Task[]; tasks?: Task[]; unreachable_tasks?: Task[]; completed_tasks?: Task[]; orphan_tasks?: Task[] }
export interface MasterGetExecutors { executors?: { executor_info: ExecutorInfo; agent_id: AgentID }[]; orphan_executors?: { executor_info: ExecutorInfo; agent_id: AgentID }[] }
export interface MasterGetFrameworks { frameworks?: MasterFramework[]; completed_frameworks?: MasterFramework[]; recovered_frameworks?: FrameworkInfo[] }
export interface MasterGetAgents { agents?: MasterAgent[]; recovered_agents?: AgentInfo[] }
export interface MasterGetState { get_tasks?: MasterGetTasks; get_executors?: MasterGetExecutors; get_frameworks?: MasterGetFrameworks; get_agents?: MasterGetAgents }
export interface MasterRole { name: string; weight: number; frameworks?: FrameworkID[]; resources?: Resource[] }

export interface MasterResponse {
  type?: MasterResponseType;
  get_health?: { healthy: boolean };
  get_flags?: { flags?: { name: string; value?: string }[] };
  get_version?: { version_info: { version: string; build_date?: string; build_time?: number; build_user?: string; git_sha?: string; git_branch?: string; git_tag?: string } };
  get_metrics?: { metrics?: { name: string; value?: number }[] };
  get_logging_level?: { level: number };
  list_files?: { file_infos?: FileInfo[] };
  read_file?: { size: number; data: Uint8Array };
  get_operations?: { operations?: unknown[] };
  get_state?: MasterGetState;
  get_agents?: MasterGetAgents;
  get_frameworks?: MasterGetFrameworks;
  get_executors?: MasterGetExecutors;
  get_tasks?: MasterGetTasks;
  get_roles?: { roles?: MasterRole[] };
  get_weights?: { weight_infos?: WeightInfo[] };
  get_master?: { master_info?: MasterInfo; start_time?: number; elected_time?: number };
  get_quota?: { status: { infos?: unknown[]; configs?: QuotaConfig[] } };
  get_maintenance_status?: { status: ClusterStatus };
  get_maintenance_schedule?: { schedule: MaintenanceSchedule };
}

export interface MasterEvent {
  type?: MasterEventType;
  subscribed?: { get_state?: MasterGetState; heartbeat_interval_seconds?: number };
  task_added?: { task: Task };
  task_updated?: { framework_id: FrameworkID; status: TaskStatus; state: TaskState };
  agent_added?: { agent: MasterAgent };
  agent_removed?: { agent_id: AgentID };
  framework_added?: { framework: MasterFramework };
  framework_updated?: { framework: MasterFramework };
  framework_removed?: { framework_info: FrameworkInfo };
}

export const MASTER_SCHEMA: SchemaSource = {
  enums: {
    'master.Call.Type': MASTER_CALL_TYPES,
    'master.Response.Type': MASTER_RESPONSE_TYPES,
    'master.Event.Type': MASTER_EVENT_TYPES,
  },
  messages: {
    WeightInfo: { weight: 'double!', role: 'string' },
    'quota.QuotaConfig': { role: 'string!', guarantees: 'any', limits: 'any' },
    'quota.QuotaStatus': { infos: 'any[]', configs: 'quota.QuotaConfig[]' },
    Role: { name: 'string!', weight: 'double!', frameworks: 'FrameworkID[]', resources: 'Resource[]', quota: 'any', allocated: 'any', offered: 'any', reserved: 'any' },

    'master.Call.GetMetrics': { timeout: 'DurationInfo' },
    'master.Call.SetLoggingLevel': { level: 'uint32!', duration: 'DurationInfo!' },
    'master.Call.ListFiles': { path: 'string!' },
    'master.Call.ReadFile': { path: 'string!', offset: 'uint64!', length: 'uint64' },
    'quota.QuotaRequest': { force: 'bool', role: 'string', guarantee: 'Resource[]' },
    'master.Call.SetQuota': { quota_request: 'quota.QuotaRequest!' },
    'master.Call.RemoveQuota': { role: 'string!' },
    'master.Call.UpdateWeights': { weight_infos: 'WeightInfo[]' },
    'master.Call.UpdateQuota': { force: 'bool', quota_configs: 'quota.QuotaConfig[]' },
    'master.Call.Teardown': { framework_id: 'FrameworkID!' },
    'master.Call.MarkAgentGone': { agent_id: 'AgentID!' },
    'master.Call.UpdateMaintenanceSchedule': { schedule: 'maintenance.Schedule!' },
    'master.Call.StartMaintenance': { machines: 'MachineID[]' },
    'master.Call.StopMaintenance': { machines: 'MachineID[]' },
    // master.proto's DrainAgent takes a google.protobuf.Duration (DrainConfig then holds a DurationInfo).
    'google.protobuf.Duration': { seconds: 'int64', nanos: 'int32' },
    'master.Call.DrainAgent': { agent_id: 'AgentID!', max_grace_period: 'google.protobuf.Duration', mark_gone: 'bool' },
    'master.Call.DeactivateAgent': { agent_id: 'AgentID!' },
    'master.Call.ReactivateAgent': { agent_id: 'AgentID!' },
    'master.Call': {
      type: 'master.Call.Type',
      get_metrics: 'master.Call.GetMetrics',
      set_logging_level: 'master.Call.SetLoggingLevel',
      list_files: 'master.Call.ListFiles',
      read_file: 'master.Call.ReadFile',
      update_weights: 'master.Call.UpdateWeights',
      reserve_resources: 'any',
      unreserve_resources: 'any',
      create_volumes: 'any',
      destroy_volumes: 'any',
      grow_volume: 'any',
      shrink_volume: 'any',
      update_maintenance_schedule: 'master.Call.UpdateMaintenanceSchedule',
      start_maintenance: 'master.Call.StartMaintenance',
      stop_maintenance: 'master.Call.StopMaintenance',
      drain_agent: 'master.Call.DrainAgent',
      deactivate_agent: 'master.Call.DeactivateAgent',
      reactivate_agent: 'master.Call.ReactivateAgent',
      update_quota: 'master.Call.UpdateQuota',
      teardown: 'master.Call.Teardown',
      mark_agent_gone: 'master.Call.MarkAgentGone',
      set_quota: 'master.Call.SetQuota',
      remove_quota: 'master.Call.RemoveQuota',
      subscribe: 'any',
    },

    'master.Response.GetHealth': { healthy: 'bool!' },
    'master.Response.GetLoggingLevel': { level: 'uint32!' },
    FileInfo: { path: 'string!', nlink: 'int32', size: 'uint64', mtime: 'TimeInfo', mode: 'uint32', uid: 'string', gid: 'string' },
    'master.Response.ListFiles': { file_infos: 'FileInfo[]' },
    'master.Response.ReadFile': { size: 'uint64!', data: 'bytes!' },
    'master.Response.GetOperations': { operations: 'any[]' },
    'master.Response.GetFlags': { flags: 'Flag[]' },
    'master.Response.GetVersion': { version_info: 'VersionInfo!' },
    'master.Response.GetMetrics': { metrics: 'Metric[]' },
    'master.Response.GetAgents.Agent': {
      agent_info: 'AgentInfo!',
      active: 'bool!',
      deactivated: 'bool',
      version: 'string!',
      pid: 'string',
      registered_time: 'TimeInfo',
      reregistered_time: 'TimeInfo',
      total_resources: 'Resource[]',
      allocated_resources: 'Resource[]',
      offered_resources: 'Resource[]',
      capabilities: 'any[]',
      resource_providers: 'any[]',
      drain_info: 'DrainInfo',
      estimated_drain_start_time: 'TimeInfo',
    },
    'master.Response.GetAgents': { agents: 'master.Response.GetAgents.Agent[]', recovered_agents: 'AgentInfo[]' },
    'master.Response.GetFrameworks.Framework': {
      framework_info: 'FrameworkInfo!',
      active: 'bool!',
      connected: 'bool!',
      recovered: 'bool!',
      registered_time: 'TimeInfo',
      reregistered_time: 'TimeInfo',
      unregistered_time: 'TimeInfo',
      offers: 'Offer[]',
      inverse_offers: 'any[]',
      allocated_resources: 'Resource[]',
      offered_resources: 'Resource[]',
    },
    'master.Response.GetFrameworks': {
      frameworks: 'master.Response.GetFrameworks.Framework[]',
      completed_frameworks: 'master.Response.GetFrameworks.Framework[]',
      recovered_frameworks: 'FrameworkInfo[]',
    },
    'master.Response.GetExecutors.Executor': { executor_info: 'ExecutorInfo!', agent_id: 'AgentID!' },
    'master.Response.GetExecutors': { executors: 'master.Response.GetExecutors.Executor[]', orphan_executors: 'master.Response.GetExecutors.Executor[]' },
    'master.Response.GetTasks': { pending_tasks: 'Task[]', tasks: 'Task[]', unreachable_tasks: 'Task[]', completed_tasks: 'Task[]', orphan_tasks: 'Task[]' },
    'master.Response.GetState': {
      get_tasks: 'master.Response.GetTasks',
      get_executors: 'master.Response.GetExecutors',
      get_frameworks: 'master.Response.GetFrameworks',
      get_agents: 'master.Response.GetAgents',
    },
    'master.Response.GetRoles': { roles: 'Role[]' },
    'master.Response.GetWeights': { weight_infos: 'WeightInfo[]' },
    'master.Response.GetMaster': { master_info: 'MasterInfo', start_time: 'double', elected_time: 'double' },
    'master.Response.GetQuota': { status: 'quota.QuotaStatus!' },
    'master.Response.GetMaintenanceStatus': { status: 'maintenance.ClusterStatus!' },
    'master.Response.GetMaintenanceSchedule': { schedule: 'maintenance.Schedule!' },
    'master.Response': {
      type: 'master.Response.Type',
      get_health: 'master.Response.GetHealth',
      get_flags: 'master.Response.GetFlags',
      get_version: 'master.Response.GetVersion',
      get_metrics: 'master.Response.GetMetrics',
      get_logging_level: 'master.Response.GetLoggingLevel',
      list_files: 'master.Response.ListFiles',
      read_file: 'master.Response.ReadFile',
      get_state: 'master.Response.GetState',
      get_agents: 'master.Response.GetAgents',
      get_frameworks: 'master.Response.GetFrameworks',
      get_executors: 'master.Response.GetExecutors',
      get_operations: 'master.Response.GetOperations',
      get_tasks: 'master.Response.GetTasks',
      get_roles: 'master.Response.GetRoles',
      get_weights: 'master.Response.GetWeights',
      get_master: 'master.Response.GetMaster',
      get_maintenance_status: 'master.Response.GetMaintenanceStatus',
      get_maintenance_schedule: 'master.Response.GetMaintenanceSchedule',
      get_quota: 'master.Response.GetQuota',
    },

    'master.Event.Subscribed': { get_state: 'master.Response.GetState', heartbeat_interval_seconds: 'double' },
    'master.Event.TaskAdded': { task: 'Task!' },
    'master.Event.TaskUpdated': { framework_id: 'FrameworkID!', status: 'TaskStatus!', state: 'TaskState!' },
    'master.Event.AgentAdded': { agent: 'master.Response.GetAgents.Agent!' },
    'master.Event.AgentRemoved': { agent_id: 'AgentID!' },
    'master.Event.FrameworkAdded': { framework: 'master.Response.GetFrameworks.Framework!' },
    'master.Event.FrameworkUpdated': { framework: 'master.Response.GetFrameworks.Framework!' },
    'master.Event.FrameworkRemoved': { framework_info: 'FrameworkInfo!' },
    'master.Event': {
      type: 'master.Event.Type',
      subscribed: 'master.Event.Subscribed',
      task_added: 'master.Event.TaskAdded',
      task_updated: 'master.Event.TaskUpdated',
      agent_added: 'master.Event.AgentAdded',
      agent_removed: 'master.Event.AgentRemoved',
      framework_added: 'master.Event.FrameworkAdded',
      framework_updated: 'master.Event.FrameworkUpdated',
      framework_removed: 'master.Event.FrameworkRemoved',
    },
  },
};
