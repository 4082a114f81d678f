/**
 * The v1 executor API (include/mesos/v1/executor/executor.proto): its Call
 * and Event as plain data, and their JSON schema in the notation of codec.ts.
 * The agent serves it at `POST /api/v1/executor`.
 */
import type { ContainerID, ExecutorID, FrameworkID, TaskID } from '../ids.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskInfo, TaskStatus } from '../types.js';
import type { SchemaSource } from './codec.js';

export const EXECUTOR_CALL_TYPES = ['UNKNOWN', 'SUBSCRIBE', 'UPDATE', 'MESSAGE', 'HEARTBEAT'] as const;
export type ExecutorCallType = (typeof EXECUTOR_CALL_TYPES)[number];

export const EXECUTOR_EVENT_TYPES = ['UNKNOWN', 'SUBSCRIBED', 'LAUNCH', 'LAUNCH_GROUP', 'KILL', 'ACKNOWLEDGED', 'MESSAGE', 'ERROR', 'SHUTDOWN', 'HEARTBEAT'] as const;
export type ExecutorEventType = (typeof EXECUTOR_EVENT_TYPES)[number];

export interface ExecutorCallUpdate { status: TaskStatus }
export interface ExecutorCall {
  executor_id: ExecutorID;
  framework_id: FrameworkID;
  type?: ExecutorCallType;
  subscribe?: { unacknowledged_tasks?: TaskInfo[]; unacknowledged_updates?: ExecutorCallUpdate[] };
  update?: ExecutorCallUpdate;
  message?: { data: Uint8Array };
}

export interface ExecutorEvent {
  type?: ExecutorEventType;
  subscribed?: { executor_info: ExecutorInfo; framework_info: FrameworkInfo; agent_info: AgentInfo; container_id?: ContainerID };
  acknowledged?: { task_id: TaskID; uuid: Uint8Array };
  launch?: { task: TaskInfo };
  launch_group?: { task_group: TaskGroupInfo };
  kill?: { task_id: TaskID; kill_policy?: KillPolicy };
  message?: { data: Uint8Array };
  error?: { message: string };
}

export const EXECUTOR_SCHEMA: SchemaSource = {
  enums: {
    'executor.Call.Type': EXECUTOR_CALL_TYPES,
    'executor.Event.Type': EXECUTOR_EVENT_TYPES,
  },
  messages: {
    'executor.Call.Update': { status: 'TaskStatus!' },
    'executor.Call.Subscribe': { unacknowledged_tasks: 'TaskInfo[]', unacknowledged_updates: 'executor.Call.Update[]' },
    'executor.Call.Message': { data: 'bytes!' },
    'executor.Call': {
      executor_id: 'ExecutorID!',
      framework_id: 'FrameworkID!',
      type: 'executor.Call.Type',
      subscribe: 'executor.Call.Subscribe',
      update: 'executor.Call.Update',
      message: 'executor.Call.Message',
    },
    'executor.Event.Subscribed': { executor_info: 'ExecutorInfo!', framework_info: 'FrameworkInfo!', agent_info: 'AgentInfo!', container_id: 'ContainerID' },
    'executor.Event.Launch': { task: 'TaskInfo!' },
    'executor.Event.LaunchGroup': { task_group: 'TaskGroupInfo!' },
    'executor.Event.Kill': { task_id: 'TaskID!', kill_policy: 'KillPolicy' },
    'executor.Event.Acknowledged': { task_id: 'TaskID!', uuid: 'bytes!' },
    'executor.Event.Message': { data: 'bytes!' },
    'executor.Event.Error': { message: 'string!' },
    'executor.Event': {
      type: 'executor.Event.Type',
      subscribed: 'executor.Event.Subscribed',
      acknowledged: 'executor.Event.Acknowledged',
      launch: 'executor.Event.Launch',
      launch_group: 'executor.Event.LaunchGroup',
      kill: 'executor.Event.Kill',
      message: 'executor.Event.Message',
      error: 'executor.Event.Error',
    },
  },
};
