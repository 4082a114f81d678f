/**
 * The agent's bookkeeping (Mesos's Slave::Framework, Executor and the task
 * maps): frameworks own executors; an executor runs in one container and
 * owns its tasks. A task given a command runs under the agent's built-in
 * command executor: one executor per task whose id is the task id (as in
 * Mesos), but no separate process: the agent itself plays the executor.
 */
import type { PID } from 'libprocess-ts';
import type { AgentToExecutor } from '../protocol/messages/agent-executor.js';
import type { ExecutorInfo, FrameworkInfo, Task, TaskInfo, TaskStatus } from '../protocol/types.js';
import type { ContainerTermination, Limits, ResourceStatistics } from './containerizer/index.js';
import type { HealthChecker } from './health.js';

/** What the agent needs of a container (the containerizer's Container, or a fake in tests). */
export interface ContainerHandle {
  readonly id: string;
  wait(): Promise<ContainerTermination>;
  kill(policy?: { gracePeriodMs?: number }): Promise<ContainerTermination>;
  destroy(): Promise<ContainerTermination>;
  usage(): Promise<ResourceStatistics>;
  /** New limits for the running container (a custom executor's tasks came or went). */
  update?(limits: Limits): Promise<void>;
  /** One signal to the container's processes, no kill sequence (KILL_NESTED_CONTAINER with a signal). */
  signal?(signal: NodeJS.Signals): void;
  /** After an early launch: settles once the container's own checkpoint is on disk (never rejects). */
  readonly checkpointed?: Promise<void>;
}

/**
 * How the agent reaches an executor subscribed over the v1 HTTP API
 * (http-executor.ts): the agent's messages to executors, turned into events
 * on the executor's RecordIO stream.
 */
export interface ExecutorChannel {
  send<N extends keyof AgentToExecutor & string>(name: N, body: AgentToExecutor[N]): void;
  /** Ends the stream (the executor is gone or replaced). */
  close(): void;
  readonly closed: boolean;
}

export type ExecutorStateName = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

export interface TaskRecord {
  readonly info: TaskInfo;
  /** The protocol view (state, statuses) reported to the master and in /state. */
  readonly task: Task;
  /** A kill was requested (the next terminal update is TASK_KILLED). */
  killRequested?: boolean;
  health?: HealthChecker;
  /** Unhealthy too often: killed because of it (TASK_KILLED with healthy false). */
  killedByHealth?: boolean;
  /** The max_completion_time timer of a command task, and whether it fired (TASK_FAILED, REASON_MAX_COMPLETION_TIME_REACHED). */
  completionTimer?: { cancel(): void };
  killedByCompletionTime?: boolean;
}

export interface ExecutorRecord {
  readonly id: string;
  readonly frameworkId: string;
  readonly info: ExecutorInfo;
  /** The agent is this executor (a task given a command). */
  readonly command: boolean;
  readonly containerId: string;
  /** The sandbox of this run. */
  directory: string;
  state: ExecutorStateName;
  /** A custom executor's PID, once it registered (driver-based executors). */
  pid?: PID<AgentToExecutor>;
  /** A custom executor subscribed over the v1 HTTP API (instead of a PID). */
  http?: ExecutorChannel;
  container?: ContainerHandle;
  limits: Limits;
  /** Custom executors: tasks waiting for the executor to register. */
  readonly queued: Map<string, TaskInfo>;
  /** Which queued tasks came as one task group (ids): they go out together, as one LAUNCH_GROUP. */
  queuedGroups?: string[][];
  /** Launched (sent to the executor, or started by the command executor), not yet terminal-and-acknowledged. */
  readonly tasks: Map<string, TaskRecord>;
  readonly completed: TaskRecord[];
  registrationTimer?: { cancel(): void };
  shutdownTimer?: { cancel(): void };
  termination?: ContainerTermination;
  /** Launch start time (clock ms), for health check grace periods. */
  launchedAt: number;
  /** Recovered after an agent restart (so its exit status may be unknown). */
  recovered?: boolean;
  /** Checkpointed as a record of the agent's journal (a command task, command-checkpoint.ts), not in meta directories. */
  journaled?: boolean;
}

export interface FrameworkRecord {
  readonly id: string;
  info: FrameworkInfo;
  /** The scheduler's PID text, for driver-based frameworks. */
  pid?: string;
  readonly executors: Map<string, ExecutorRecord>;
  readonly completedExecutors: ExecutorRecord[];
  /** The master shut the framework down: nobody will acknowledge its updates; its executors end without waiting for them. */
  shutdown?: boolean;
}

export function checkpointing(fw: FrameworkRecord): boolean {
  return fw.info.checkpoint === true;
}

export function hasCapability(fw: FrameworkRecord, cap: string): boolean {
  return (fw.info.capabilities ?? []).some((c) => c.type === cap);
}

export function newTaskRecord(info: TaskInfo, frameworkId: string, executorId: string, agentId: string): TaskRecord {
  const task: Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: frameworkId },
    executor_id: { value: executorId },
    agent_id: { value: agentId },
    state: 'TASK_STAGING',
    resources: info.resources ?? [],
    statuses: [],
  };
  if (info.labels) task.labels = info.labels;
  if (info.container) task.container = info.container;
  if (info.health_check) task.health_check = info.health_check;
  if (info.kill_policy) task.kill_policy = info.kill_policy;
  return { info, task };
}

/** Records a status in the task (its latest state, the last statuses kept). */
export function recordStatus(rec: TaskRecord, status: TaskStatus): void {
  rec.task.state = status.state;
  rec.task.statuses.push(status);
  if (rec.task.statuses.length > 16) rec.task.statuses.splice(0, rec.task.statuses.length - 16);
}

/** Every task of an executor not yet terminal-and-acknowledged, queued ones as TASK_STAGING. */
export function executorTasks(ex: ExecutorRecord, agentId: string): Task[] {
  const out: Task[] = [...ex.tasks.values()].map((t) => t.task);
  for (const info of ex.queued.values()) out.push(newTaskRecord(info, ex.frameworkId, ex.id, agentId).task);
  return out;
}
