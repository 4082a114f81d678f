/**
 * `TaskInfo.max_completion_time` for command tasks (what Mesos's command
 * executor does): once the task has run that long, it is killed at once (no
 * grace period: the kill policy does not apply) and fails with
 * REASON_MAX_COMPLETION_TIME_REACHED. The clock starts when the task is
 * launched; after an agent restart it keeps counting from that launch.
 */
import type { TaskStatusReason } from '../protocol/task-states.js';
import type { TaskInfo, TaskStatus } from '../protocol/types.js';

/** The task's maximum completion time in ms, or undefined when it has none. */
export function maxCompletionMs(info: TaskInfo): number | undefined {
  const d = info.max_completion_time;
  if (d === undefined) return undefined;
  return Math.max(0, Math.round(Number(d.nanoseconds) / 1e6));
}

/** Why a max_completion_time is invalid (Mesos refuses a negative one), or undefined. */
export function maxCompletionTimeError(info: TaskInfo): string | undefined {
  const d = info.max_completion_time;
  if (d === undefined) return undefined;
  const ns = Number(d.nanoseconds);
  if (!Number.isFinite(ns)) return `'max_completion_time' must be a duration in nanoseconds`;
  if (ns < 0) return `'max_completion_time' must be non-negative`;
  return undefined;
}

/** When the task was launched (ms since the epoch): its first TASK_STARTING or TASK_RUNNING, else `fallback`. */
export function launchedAtMs(statuses: readonly TaskStatus[], fallback: number): number {
  const first = statuses.find((s) => (s.state === 'TASK_STARTING' || s.state === 'TASK_RUNNING') && s.timestamp !== undefined);
  return first?.timestamp !== undefined ? first.timestamp * 1000 : fallback;
}

/** The terminal status of a task killed for running past its maximum completion time. */
export function completionTimeStatus(ms: number): { state: 'TASK_FAILED'; reason: TaskStatusReason; message: string } {
  return { state: 'TASK_FAILED', reason: 'REASON_MAX_COMPLETION_TIME_REACHED', message: `Task exceeded its maximum completion time of ${ms / 1000} s and was killed` };
}
