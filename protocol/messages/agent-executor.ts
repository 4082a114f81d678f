/**
 * Agent <-> executor messages. Append-only.
 */
import type { AgentID, ExecutorID, FrameworkID, TaskID } from '../ids.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskInfo } from '../types.js';
import type { StatusUpdate } from './common.js';

export type ExecutorToAgent = {
  /** `token`: the executor's MESOS_EXECUTOR_AUTHENTICATION_TOKEN (required unless the agent runs with --authenticate_http_executors=false). */
  register: { framework_id: FrameworkID; executor_id: ExecutorID; token?: string };
  /** After an agent restart: the executor reports its tasks and the updates not yet acknowledged. */
  reregister: { framework_id: FrameworkID; executor_id: ExecutorID; tasks: TaskInfo[]; updates: StatusUpdate[]; token?: string };
  status_update: { update: StatusUpdate };
  executor_to_framework: { agent_id: AgentID; framework_id: FrameworkID; executor_id: ExecutorID; data: Uint8Array };
};

export type AgentToExecutor = {
  registered: {
    executor_info: ExecutorInfo;
    framework_id: FrameworkID;
    framework_info: FrameworkInfo;
    agent_id: AgentID;
    agent_info: AgentInfo;
  };
  reregistered: { agent_id: AgentID; agent_info: AgentInfo };
  run_task: { framework_id: FrameworkID; framework: FrameworkInfo; task: TaskInfo };
  run_task_group: { framework: FrameworkInfo; executor: ExecutorInfo; task_group: TaskGroupInfo };
  kill_task: { framework_id: FrameworkID; task_id: TaskID; kill_policy?: KillPolicy };
  /** Acknowledgement of a status update (the scheduler's, relayed, or the agent's own). */
  ack: { agent_id: AgentID; framework_id: FrameworkID; task_id: TaskID; uuid: Uint8Array };
  framework_message: { agent_id: AgentID; framework_id: FrameworkID; executor_id: ExecutorID; data: Uint8Array };
  /** Kill all tasks and exit. `grace_period_seconds` before the agent kills the executor. */
  shutdown: { grace_period_seconds?: number };
  /**
   * Sent by a restarted agent that recovered this executor (Mesos's
   * ReconnectExecutorMessage): the executor answers with `reregister`.
   */
  reconnect: { agent_id: AgentID };
};

export type AgentExecutorMessages = ExecutorToAgent & AgentToExecutor;
