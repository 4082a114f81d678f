/**
 * Framework transitions: added (a subscription, a resubscription this master
 * did not know, one taken back from a re-registering agent), changed (new
 * info), connected or not, resubscribed, removed (its tasks end as
 * TASK_KILLED). Whether it is offered to is decided here: the allocator's
 * activate/deactivate calls are effects.
 */
import type { Framework } from '../framework.js';
import { registeredFramework, type Books } from './books.js';
import type { Effect } from './effects.js';
import { frameworkLeft } from './maintenance.js';
import { end } from './tasks.js';

/** What the allocator acts on of a framework's capabilities. */
export function allocatorCapabilities(framework: Framework): { sharedResources: boolean; reservationRefinement: boolean; gpuResources: boolean } {
  return { sharedResources: framework.hasCapability('SHARED_RESOURCES'), reservationRefinement: framework.hasCapability('RESERVATION_REFINEMENT'), gpuResources: framework.hasCapability('GPU_RESOURCES') };
}

/** A framework in the books (active: its scheduler subscribed, and is answered; not active: taken back from an agent's report). */
export function add(books: Books, framework: Framework, active: boolean): Effect[] {
  books.frameworks.set(framework.id, framework);
  framework.attach(books.usage);
  framework.connected = active;
  framework.active = active;
  const effects: Effect[] = [
    { kind: 'allocator', call: { name: 'addFramework', args: [framework.id, framework.roles, [...framework.suppressedRoles], [], active, allocatorCapabilities(framework)] } },
    { kind: 'registry', op: { op: 'add_framework', framework: registeredFramework(framework) } },
    { kind: 'event', event: { type: 'FRAMEWORK_ADDED', framework } },
  ];
  if (active) effects.push({ kind: 'subscribed', framework });
  return effects;
}

/** A subscription the books have already taken, repeated by the same scheduler: answered again, nothing changes. */
export function repeated(framework: Framework): Effect[] {
  return [{ kind: 'subscribed', framework }];
}

/** New info (a resubscription, UPDATE_FRAMEWORK): the registry keeps the latest; with `roles`, the allocator hears its roles, suppressed roles and whether it takes shared resources. */
export function changed(framework: Framework, roles = false): Effect[] {
  const effects: Effect[] = [];
  if (roles) effects.push({ kind: 'allocator', call: { name: 'updateFramework', args: [framework.id, framework.roles, [...framework.suppressedRoles], allocatorCapabilities(framework)] } });
  effects.push({ kind: 'registry', op: { op: 'add_framework', framework: registeredFramework(framework) } });
  effects.push({ kind: 'event', event: { type: 'FRAMEWORK_UPDATED', framework } });
  return effects;
}

/** Offered to or not (the allocator hears of a change). */
function activity(framework: Framework, active: boolean): Effect[] {
  if (framework.active === active) return [];
  framework.active = active;
  return [{ kind: 'allocator', call: { name: active ? 'activateFramework' : 'deactivateFramework', args: [framework.id] } }];
}

/** Its scheduler's connection broke (or came back): offered to only while connected; nothing the registry keeps. */
export function connection(framework: Framework, connected: boolean): Effect[] {
  framework.connected = connected;
  return [...activity(framework, connected), { kind: 'event', event: { type: 'FRAMEWORK_UPDATED', framework } }];
}

/** A known framework's scheduler subscribed again (a failover, a new connection): its new info kept, offered to again, answered. */
export function resubscribed(framework: Framework, rolesChanged: boolean): Effect[] {
  framework.connected = true;
  return [...changed(framework, rolesChanged), ...activity(framework, true), { kind: 'subscribed', framework }];
}

/**
 * The framework is removed for good: on every agent its tasks end as
 * TASK_KILLED (the allocator drops their resources with the framework; its
 * executors' are recovered), and its id is refused from now on.
 */
export function remove(books: Books, framework: Framework, nowMs: number): Effect[] {
  const effects: Effect[] = [];
  framework.removedAt = nowMs;
  framework.connected = false;
  framework.active = false;
  for (const agent of books.agents.values()) {
    const tasks = agent.tasks.get(framework.id);
    for (const task of [...(tasks?.values() ?? [])]) {
      effects.push(...end(books, framework, agent, task, { state: 'TASK_KILLED', reason: 'REASON_FRAMEWORK_REMOVED', message: 'Framework removed', nowMs, forward: false, recover: false }));
    }
    for (const e of agent.executors.get(framework.id)?.values() ?? []) {
      if (e.resources !== undefined && e.resources.length > 0) effects.push({ kind: 'recover', frameworkId: framework.id, agentId: agent.id, resources: e.resources });
    }
    agent.executors.delete(framework.id);
    agent.used.delete(framework.id);
  }
  framework.executors.clear();
  framework.detach();
  framework.used.clear();
  books.frameworks.delete(framework.id);
  books.removedFrameworkIds.add(framework.id);
  books.completedFrameworks.push(framework);
  effects.push(...frameworkLeft(books, framework.id));
  effects.push({ kind: 'allocator', call: { name: 'removeFramework', args: [framework.id] } });
  effects.push({ kind: 'registry', op: { op: 'remove_framework', id: framework.id, at: nowMs } });
  effects.push({ kind: 'event', event: { type: 'FRAMEWORK_REMOVED', framework } });
  return effects;
}
