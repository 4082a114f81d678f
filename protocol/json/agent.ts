/**
 * The v1 agent operator API (include/mesos/v1/agent/agent.proto): the Call
 * and the synchronous Response as plain data, and their JSON schema in the
 * notation of codec.ts. The agent serves it at `POST /api/v1`. Calls this
 * project does not carry out are still named here so that a request naming
 * one is told "not implemented" rather than "malformed".
 */
import type { ContainerID, ExecutorID, FrameworkID } from '../ids.js';
import type { AgentInfo, CommandInfo, ContainerInfo, ContainerStatus, DurationInfo, ExecutorInfo, FrameworkInfo, Resource, Task, TimeInfo } from '../types.js';
import type { SchemaSource } from './codec.js';
import type { FileInfo } from './master.js';

export const AGENT_CALL_TYPES = [
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
  'GET_CONTAINERS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_AGENT',
  'GET_RESOURCE_PROVIDERS',
  'LAUNCH_NESTED_CONTAINER',
  'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION',
  'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT',
  'LAUNCH_CONTAINER',
  'WAIT_CONTAINER',
  'KILL_CONTAINER',
  'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG',
  'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE',
  'PRUNE_IMAGES',
] as const;
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];

export const AGENT_RESPONSE_TYPES = [
  'UNKNOWN',
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_CONTAINERS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_OPERATIONS',
  'GET_TASKS',
  'GET_AGENT',
  'GET_RESOURCE_PROVIDERS',
  'WAIT_NESTED_CONTAINER',
  'WAIT_CONTAINER',
] as const;
export type AgentResponseType = (typeof AGENT_RESPONSE_TYPES)[number];

export interface AgentCall {
  type?: AgentCallType;
  get_metrics?: { timeout?: DurationInfo };
  get_containers?: { show_nested?: boolean; show_standalone?: boolean };
  set_logging_level?: { level: number; duration: DurationInfo };
  list_files?: { path: string };
  read_file?: { path: string; offset: number; length?: number };
  kill_container?: { container_id: ContainerID; signal?: number };
  launch_nested_container?: { container_id: ContainerID; command?: CommandInfo; container?: ContainerInfo };
  wait_nested_container?: { container_id: ContainerID };
  kill_nested_container?: { container_id: ContainerID; signal?: number };
  remove_nested_container?: { container_id: ContainerID };
  launch_container?: { container_id: ContainerID; command?: CommandInfo; resources?: Resource[]; container?: ContainerInfo };
  wait_container?: { container_id: ContainerID };
  remove_container?: { container_id: ContainerID };
}

/** How a container ended (agent.proto's Response.WaitNestedContainer and WaitContainer): `exit_status` is the raw wait status. */
export interface AgentWaitContainer { exit_status?: number; state?: string; reason?: string; message?: string }

export interface AgentGetTasks { pending_tasks?: Task[]; queued_tasks?: Task[]; launched_tasks?: Task[]; terminated_tasks?: Task[]; completed_tasks?: Task[] }
export interface AgentGetExecutors { executors?: { executor_info: ExecutorInfo }[]; completed_executors?: { executor_info: ExecutorInfo }[] }
export interface AgentGetFrameworks { frameworks?: { framework_info: FrameworkInfo }[]; completed_frameworks?: { framework_info: FrameworkInfo }[] }
export interface AgentContainer {
  framework_id?: FrameworkID;
  executor_id?: ExecutorID;
  executor_name?: string;
  container_id: ContainerID;
  container_status?: ContainerStatus;
  /** Mesos's ResourceStatistics (passed through as JSON). */
  resource_statistics?: Record<string, unknown>;
}

export interface AgentResponse {
  type?: AgentResponseType;
  get_health?: { healthy: boolean };
  get_flags?: { flags?: { name: string; value?: string }[] };
  get_version?: { version_info: { version: string; build_date?: string; build_time?: number; build_user?: string; git_sha?: string; git_branch?: string; git_tag?: string } };
  get_metrics?: { metrics?: { name: string; value?: number }[] };
  get_logging_level?: { level: number };
  list_files?: { file_infos?: FileInfo[] };
  read_file?: { size: number; data: Uint8Array };
  get_operations?: { operations?: unknown[] };
  get_resource_providers?: { resource_providers?: unknown[] };
  get_state?: { get_tasks?: AgentGetTasks; get_executors?: AgentGetExecutors; get_frameworks?: AgentGetFrameworks };
  get_containers?: { containers?: AgentContainer[] };
  get_frameworks?: AgentGetFrameworks;
  get_executors?: AgentGetExecutors;
  get_tasks?: AgentGetTasks;
  get_agent?: { agent_info?: AgentInfo; estimated_drain_start_time?: TimeInfo };
  wait_nested_container?: AgentWaitContainer;
  wait_container?: AgentWaitContainer;
}

export const AGENT_SCHEMA: SchemaSource = {
  enums: {
    'agent.Call.Type': AGENT_CALL_TYPES,
    'agent.Response.Type': AGENT_RESPONSE_TYPES,
  },
  messages: {
    'agent.Call.GetMetrics': { timeout: 'DurationInfo' },
    'agent.Call.SetLoggingLevel': { level: 'uint32!', duration: 'DurationInfo!' },
    'agent.Call.ListFiles': { path: 'string!' },
    'agent.Call.ReadFile': { path: 'string!', offset: 'uint64!', length: 'uint64' },
    'agent.Call.GetContainers': { show_nested: 'bool', show_standalone: 'bool' },
    'agent.Call.KillContainer': { container_id: 'ContainerID!', signal: 'int32' },
    'agent.Call.LaunchNestedContainer': { container_id: 'ContainerID!', command: 'CommandInfo', container: 'ContainerInfo' },
    'agent.Call.WaitNestedContainer': { container_id: 'ContainerID!' },
    'agent.Call.KillNestedContainer': { container_id: 'ContainerID!', signal: 'int32' },
    'agent.Call.RemoveNestedContainer': { container_id: 'ContainerID!' },
    'agent.Call.LaunchContainer': { container_id: 'ContainerID!', command: 'CommandInfo', resources: 'Resource[]', container: 'ContainerInfo', limits: 'any' },
    'agent.Call.WaitContainer': { container_id: 'ContainerID!' },
    'agent.Call.RemoveContainer': { container_id: 'ContainerID!' },
    'agent.Call': {
      type: 'agent.Call.Type',
      get_metrics: 'agent.Call.GetMetrics',
      get_containers: 'agent.Call.GetContainers',
      set_logging_level: 'agent.Call.SetLoggingLevel',
      list_files: 'agent.Call.ListFiles',
      read_file: 'agent.Call.ReadFile',
      launch_nested_container: 'agent.Call.LaunchNestedContainer',
      wait_nested_container: 'agent.Call.WaitNestedContainer',
      kill_nested_container: 'agent.Call.KillNestedContainer',
      remove_nested_container: 'agent.Call.RemoveNestedContainer',
      launch_nested_container_session: 'any',
      attach_container_input: 'any',
      attach_container_output: 'any',
      launch_container: 'agent.Call.LaunchContainer',
      wait_container: 'agent.Call.WaitContainer',
      kill_container: 'agent.Call.KillContainer',
      remove_container: 'agent.Call.RemoveContainer',
      add_resource_provider_config: 'any',
      update_resource_provider_config: 'any',
      remove_resource_provider_config: 'any',
      mark_resource_provider_gone: 'any',
      prune_images: 'any',
    },

    Flag: { name: 'string!', value: 'string' },
    VersionInfo: { version: 'string!', build_date: 'string', build_time: 'double', build_user: 'string', git_sha: 'string', git_branch: 'string', git_tag: 'string' },
    Metric: { name: 'string!', value: 'double' },
    'agent.Response.GetHealth': { healthy: 'bool!' },
    'agent.Response.GetLoggingLevel': { level: 'uint32!' },
    'agent.Response.ListFiles': { file_infos: 'FileInfo[]' },
    'agent.Response.ReadFile': { size: 'uint64!', data: 'bytes!' },
    'agent.Response.GetOperations': { operations: 'any[]' },
    'agent.Response.GetResourceProviders': { resource_providers: 'any[]' },
    'agent.Response.GetFlags': { flags: 'Flag[]' },
    'agent.Response.GetVersion': { version_info: 'VersionInfo!' },
    'agent.Response.GetMetrics': { metrics: 'Metric[]' },
    'agent.Response.GetTasks': { pending_tasks: 'Task[]', queued_tasks: 'Task[]', launched_tasks: 'Task[]', terminated_tasks: 'Task[]', completed_tasks: 'Task[]' },
    'agent.Response.GetExecutors.Executor': { executor_info: 'ExecutorInfo!' },
    'agent.Response.GetExecutors': { executors: 'agent.Response.GetExecutors.Executor[]', completed_executors: 'agent.Response.GetExecutors.Executor[]' },
    'agent.Response.GetFrameworks.Framework': { framework_info: 'FrameworkInfo!' },
    'agent.Response.GetFrameworks': { frameworks: 'agent.Response.GetFrameworks.Framework[]', completed_frameworks: 'agent.Response.GetFrameworks.Framework[]' },
    'agent.Response.GetState': { get_tasks: 'agent.Response.GetTasks', get_executors: 'agent.Response.GetExecutors', get_frameworks: 'agent.Response.GetFrameworks' },
    'agent.Response.GetContainers.Container': {
      framework_id: 'FrameworkID',
      executor_id: 'ExecutorID',
      executor_name: 'string',
      container_id: 'ContainerID!',
      container_status: 'ContainerStatus',
      resource_statistics: 'any',
    },
    'agent.Response.GetContainers': { containers: 'agent.Response.GetContainers.Container[]' },
    'agent.Response.GetAgent': { agent_info: 'AgentInfo', drain_config: 'any', estimated_drain_start_time: 'TimeInfo' },
    'agent.Response.WaitNestedContainer': { exit_status: 'int32', state: 'TaskState', reason: 'TaskStatus.Reason', message: 'string' },
    'agent.Response.WaitContainer': { exit_status: 'int32', state: 'TaskState', reason: 'TaskStatus.Reason', message: 'string' },
    'agent.Response': {
      type: 'agent.Response.Type',
      get_health: 'agent.Response.GetHealth',
      get_flags: 'agent.Response.GetFlags',
      get_version: 'agent.Response.GetVersion',
      get_metrics: 'agent.Response.GetMetrics',
      get_logging_level: 'agent.Response.GetLoggingLevel',
      list_files: 'agent.Response.ListFiles',
      read_file: 'agent.Response.ReadFile',
      get_state: 'agent.Response.GetState',
      get_containers: 'agent.Response.GetContainers',
      get_frameworks: 'agent.Response.GetFrameworks',
      get_executors: 'agent.Response.GetExecutors',
      get_tasks: 'agent.Response.GetTasks',
      get_agent: 'agent.Response.GetAgent',
      get_operations: 'agent.Response.GetOperations',
      get_resource_providers: 'agent.Response.GetResourceProviders',
      wait_nested_container: 'agent.Response.WaitNestedContainer',
      wait_container: 'agent.Response.WaitContainer',
    },
  },
};
