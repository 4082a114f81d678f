/**
 * What the books keep of a status update: a copy that owns its parts. A decoded message's
 * strings of 13 characters or more are V8 slices of the message's whole text, and its bytes
 * (the update's uuid) can be views into the frame it came in: keeping the update as decoded
 * keeps every message and frame it came from alive as long as the task is remembered (the
 * master keeps thousands of completed tasks per framework). Enumerated fields take the
 * protocol's own constants, ids the task's own objects, other text and bytes a copy.
 */
import { TASK_STATES, TASK_STATUS_REASONS, TASK_STATUS_SOURCES } from '../../protocol/task-states.js';
import type { Task, TaskState, TaskStatus } from '../../protocol/types.js';

const CONSTANTS = new Map<string, string>([...TASK_STATES, ...TASK_STATUS_SOURCES, ...TASK_STATUS_REASONS].map((s) => [s, s]));

/** The same text in a string of its own (short strings are copies already). */
export function ownText(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** A protocol constant (state, source, reason) as the protocol's own string; other text copied. */
export function constant<T extends string>(s: T): T {
  return (CONSTANTS.get(s) as T | undefined) ?? (ownText(s) as T);
}

/** A copy; small ones share Node's buffer pool (no ArrayBuffer of their own for 16 bytes). */
const ownBytes = (b: Uint8Array): Uint8Array => Buffer.from(b);
const sameId = (a: { value: string } | undefined, b: { value: string } | undefined): boolean => a !== undefined && b !== undefined && a.value === b.value;
const ownId = (id: { value: string }): { value: string } => ({ value: ownText(id.value) });

/** `status` as the books keep it for `task`. */
export function keptStatus(task: Task, status: TaskStatus): TaskStatus {
  const out: TaskStatus = { ...status, task_id: sameId(status.task_id, task.task_id) ? task.task_id : ownId(status.task_id), state: constant<TaskState>(status.state) };
  if (status.agent_id !== undefined) out.agent_id = sameId(status.agent_id, task.agent_id) ? task.agent_id : ownId(status.agent_id);
  if (status.executor_id !== undefined) out.executor_id = sameId(status.executor_id, task.executor_id) ? task.executor_id! : ownId(status.executor_id);
  if (status.source !== undefined) out.source = constant(status.source);
  if (status.reason !== undefined) out.reason = constant(status.reason);
  if (status.message !== undefined) out.message = ownText(status.message);
  if (status.uuid !== undefined) out.uuid = ownBytes(status.uuid);
  if (status.data !== undefined) out.data = ownBytes(status.data);
  return out;
}
