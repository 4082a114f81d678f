/**
 * A custom executor's container grows and shrinks with its tasks (Mesos's Slave calling
 * Containerizer::update when it gives an executor a task and when one of its tasks ends):
 * its limits are the executor's own resources plus those of each task it runs that has not
 * reached a terminal state. A command task's executor keeps the limits it was launched with
 * (its one task's resources are in them from the start).
 */
import { isTerminal } from '../protocol/task-states.js';
import type { Resource } from '../protocol/types.js';
import { limitsOf } from './command-executor.js';
import type { Limits } from './containerizer/index.js';
import type { ExecutorRecord } from './state.js';

export function executorLimits(ex: ExecutorRecord): Limits {
  const resources: Resource[] = [...(ex.info.resources ?? [])];
  for (const r of ex.tasks.values()) if (!isTerminal(r.task.state)) resources.push(...(r.info.resources ?? []));
  return limitsOf(resources);
}

/** Updates the executor's container when its limits changed; a failure is logged (the tasks run on). */
export function resizeExecutor(ex: ExecutorRecord, warn: (m: string) => void): void {
  if (ex.command || !ex.container?.update) return;
  const limits = executorLimits(ex);
  if (JSON.stringify(limits) === JSON.stringify(ex.limits)) return;
  ex.limits = limits;
  ex.container.update(limits).catch((e: Error) => warn(`executor ${ex.id}: cannot update its container's limits: ${e.message}`));
}
