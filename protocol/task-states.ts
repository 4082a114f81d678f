/**
 * Task states, and the sources and reasons of a TaskStatus, with Mesos v1's
 * names (include/mesos/v1/mesos.proto). Enums travel as their name strings.
 */

export const TASK_STATES = [
  'TASK_STAGING', // Initial state: task is staged at the master / agent.
  'TASK_STARTING', // The executor is starting the task.
  'TASK_RUNNING',
  'TASK_KILLING', // Only sent to frameworks with the TASK_KILLING_STATE capability.
  'TASK_FINISHED', // TERMINAL: the task finished successfully.
  'TASK_FAILED', // TERMINAL: the task failed to finish successfully.
  'TASK_KILLED', // TERMINAL: the task was killed by the executor.
  'TASK_ERROR', // TERMINAL: the task description contains an error.
  'TASK_LOST', // TERMINAL (for non partition-aware frameworks).
  'TASK_DROPPED', // TERMINAL: the task failed to launch (transient).
  'TASK_UNREACHABLE', // Not terminal: the agent is partitioned away.
  'TASK_GONE', // TERMINAL: the task was running on an agent that was shut down.
  'TASK_GONE_BY_OPERATOR', // TERMINAL (maybe): the operator marked the agent gone.
  'TASK_UNKNOWN', // The master has no knowledge of the task.
] as const;
export type TaskState = (typeof TASK_STATES)[number];

const TERMINAL: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

const ACTIVE: ReadonlySet<TaskState> = new Set<TaskState>(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING']);

/** Mesos's protobuf::isTerminalState. TASK_UNREACHABLE and TASK_UNKNOWN are not terminal. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL.has(state);
}

/** Staging, starting, running or killing: the task holds its resources on an agent. */
export function isActive(state: TaskState): boolean {
  return ACTIVE.has(state);
}

export function isTaskState(s: unknown): s is TaskState {
  return typeof s === 'string' && (TASK_STATES as readonly string[]).includes(s);
}

/**
 * The state a non-partition-aware framework sees for a partition-aware
 * state (Mesos downgrades them to TASK_LOST).
 */
export function downgradeForLegacyFramework(state: TaskState): TaskState {
  switch (state) {
    case 'TASK_DROPPED':
    case 'TASK_UNREACHABLE':
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR':
    case 'TASK_UNKNOWN':
      return 'TASK_LOST';
    default:
      return state;
  }
}

export const TASK_STATUS_SOURCES = ['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'] as const;
export type TaskStatusSource = (typeof TASK_STATUS_SOURCES)[number];

/** TaskStatus.Reason, every value of Mesos v1 (grouped by the usual source). */
export const TASK_STATUS_REASONS = [
  'REASON_COMMAND_EXECUTOR_FAILED',
  'REASON_CONTAINER_LAUNCH_FAILED',
  'REASON_CONTAINER_LIMITATION',
  'REASON_CONTAINER_LIMITATION_DISK',
  'REASON_CONTAINER_LIMITATION_MEMORY',
  'REASON_CONTAINER_PREEMPTED',
  'REASON_CONTAINER_UPDATE_FAILED',
  'REASON_MAX_COMPLETION_TIME_REACHED',
  'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_TERMINATED',
  'REASON_EXECUTOR_UNREGISTERED', // Deprecated.
  'REASON_FRAMEWORK_REMOVED',
  'REASON_GC_ERROR',
  'REASON_INVALID_FRAMEWORKID',
  'REASON_INVALID_OFFERS',
  'REASON_IO_SWITCHBOARD_EXITED',
  'REASON_MASTER_DISCONNECTED',
  'REASON_RECONCILIATION',
  'REASON_RESOURCES_UNKNOWN',
  'REASON_AGENT_DISCONNECTED',
  'REASON_AGENT_REMOVED',
  'REASON_AGENT_REMOVED_BY_OPERATOR',
  'REASON_AGENT_REREGISTERED',
  'REASON_AGENT_RESTARTED',
  'REASON_AGENT_UNKNOWN',
  'REASON_TASK_KILLED_DURING_LAUNCH',
  'REASON_TASK_CHECK_STATUS_UPDATED',
  'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  'REASON_TASK_GROUP_INVALID',
  'REASON_TASK_GROUP_UNAUTHORIZED',
  'REASON_TASK_INVALID',
  'REASON_TASK_UNAUTHORIZED',
  'REASON_TASK_UNKNOWN',
  'REASON_TASK_UNREACHABLE',
] as const;
export type TaskStatusReason = (typeof TASK_STATUS_REASONS)[number];
