/**
 * Bodies shared by several internal protocols.
 */
import type { AgentID, ExecutorID, FrameworkID } from '../ids.js';
import type { TaskState } from '../task-states.js';
import type { TaskStatus } from '../types.js';

/**
 * A task status update on its way from executor (or agent) to master and
 * scheduler, as Mesos's internal StatusUpdate: `uuid` (16 bytes, also in
 * status.uuid) identifies it for acknowledgement; `timestamp` is seconds
 * since the epoch, passed in by whoever creates the update.
 */
export interface StatusUpdate {
  framework_id: FrameworkID;
  executor_id?: ExecutorID;
  agent_id?: AgentID;
  status: TaskStatus;
  timestamp: number;
  uuid?: Uint8Array;
  /** The latest state of the task on the agent, which may be ahead of `status.state`. */
  latest_state?: TaskState;
}

/** Opaque bytes between a scheduler and one of its executors. */
export interface FrameworkExecutorData {
  agent_id: AgentID;
  framework_id: FrameworkID;
  executor_id: ExecutorID;
  data: Uint8Array;
}
