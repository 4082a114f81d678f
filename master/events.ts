/**
 * What happened in the master, for the operator API's SUBSCRIBE stream (and
 * the web UI through it). The master's parts emit these as they change their
 * books; listeners must not throw and must not call back into the master.
 */
import type { Task, TaskStatus } from '../protocol/types.js';
import type { Agent } from './agent.js';
import type { Framework } from './framework.js';

export type MasterEvent =
  | { readonly type: 'TASK_ADDED'; readonly task: Task }
  | { readonly type: 'TASK_UPDATED'; readonly task: Task; readonly status: TaskStatus }
  | { readonly type: 'AGENT_ADDED'; readonly agent: Agent }
  | { readonly type: 'AGENT_REMOVED'; readonly agentId: string }
  | { readonly type: 'FRAMEWORK_ADDED'; readonly framework: Framework }
  | { readonly type: 'FRAMEWORK_UPDATED'; readonly framework: Framework }
  | { readonly type: 'FRAMEWORK_REMOVED'; readonly framework: Framework };

export class MasterEvents {
  readonly #listeners = new Set<(event: MasterEvent) => void>();

  /** Returns a function that stops listening. */
  listen(fn: (event: MasterEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  emit(event: MasterEvent): void {
    if (this.#listeners.size === 0) return;
    for (const fn of this.#listeners) fn(event);
  }

  get size(): number {
    return this.#listeners.size;
  }
}
