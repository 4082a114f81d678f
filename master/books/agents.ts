/**
 * Agent transitions: admitted (a registration, a re-registration after a
 * master failover, a return from unreachable), lost (unreachable: it may come
 * back; gone: it may not). What the registry keeps follows from them.
 */
import { agentLost as operationsLost } from './operations.js';
import { isTerminal, type TaskState, type TaskStatusReason } from '../../protocol/task-states.js';
import type { Task } from '../../protocol/types.js';
import type { Agent } from '../agent.js';
import { registeredAgent, type Books } from './books.js';
import type { Effect, Reconciliation } from './effects.js';
import { agentLeft } from './maintenance.js';
import { end, retire } from './tasks.js';

export interface Admission {
  /** The registry has it already (a new agent's admission is written, and committed, before the master acts on it). */
  readonly persisted?: boolean;
  /** The agent is answered: it registered, or re-registered (a master failover, a return from unreachable). */
  readonly reply?: 'registered' | 'reregistered';
  /** Removed frameworks a re-registering agent reported: it is told to shut them down after the answer. */
  readonly removed?: Iterable<string>;
}

/**
 * The agent is in the cluster: its offers can be made, its messages are
 * served. The allocator hears of it with what its tasks use (those it
 * reported when it re-registered: add them to the agent's books first).
 */
export function admit(books: Books, agent: Agent, how: Admission = {}): Effect[] {
  books.unreachableAgents.delete(agent.id);
  books.agents.set(agent.id, agent);
  books.agentsByPid.set(agent.pid, agent);
  agent.attach(books.usage);
  const effects: Effect[] = [];
  effects.push({ kind: 'allocator', call: { name: 'addAgent', args: [agent.id, agent.total.toJSON(), [...agent.used].map(([frameworkId, r]) => ({ frameworkId, resources: r.toJSONWithCopies() }))] } });
  // Deactivated or draining (before a re-registration, or a master failover): still not offered.
  if (books.maintenance.blocked(agent.id)) {
    agent.active = false;
    effects.push({ kind: 'allocator', call: { name: 'deactivateAgent', args: [agent.id] } });
  }
  if (how.persisted !== true) effects.push({ kind: 'registry', op: { op: 'admit_agent', agent: registeredAgent(agent) } });
  effects.push({ kind: 'event', event: { type: 'AGENT_ADDED', agent } });
  if (how.reply !== undefined) effects.push({ kind: 'agent_registered', agent, reregistered: how.reply === 'reregistered' });
  if (how.reply === 'reregistered') effects.push(...frameworksTold(books, agent, how.removed ?? []));
  return effects;
}

/**
 * A registered agent re-registered (its connection or process came back):
 * offered again, and answered, with the tasks the master ended because the
 * agent did not report them.
 */
export function reregistered(books: Books, agent: Agent, reconciliations: readonly Reconciliation[], removed: Iterable<string> = []): Effect[] {
  return [...connection(books, agent, true), { kind: 'agent_registered', agent, reregistered: true, ...(reconciliations.length > 0 ? { reconciliations } : {}) }, ...frameworksTold(books, agent, removed)];
}

/**
 * After a re-registration's answer, what the agent hears of its frameworks (as
 * Mesos's master does): the removed ones it reported are shut down; every
 * framework it runs tasks of gets its current info and scheduler.
 */
function frameworksTold(books: Books, agent: Agent, removed: Iterable<string>): Effect[] {
  const effects: Effect[] = [];
  for (const frameworkId of removed) effects.push({ kind: 'shutdown_framework', agent, frameworkId });
  for (const frameworkId of agent.tasks.keys()) {
    const framework = books.frameworks.get(frameworkId);
    if (framework !== undefined) effects.push({ kind: 'update_framework', agent, framework });
  }
  return effects;
}

/** A registration the books have already taken, repeated (a retry that crossed the answer): answered again, nothing changes. */
export function repeated(agent: Agent, reregistration: boolean): Effect[] {
  return [{ kind: 'agent_registered', agent, reregistered: reregistration }];
}

/**
 * The agent's connection came back or broke: it is offered while connected
 * and not deactivated or draining (maintenance.ts), and the allocator hears
 * of every change of that.
 */
export function connection(books: Books, agent: Agent, connected: boolean): Effect[] {
  agent.connected = connected;
  const active = connected && !books.maintenance.blocked(agent.id);
  if (active === agent.active) return [];
  agent.active = active;
  return [{ kind: 'allocator', call: { name: active ? 'activateAgent' : 'deactivateAgent', args: [agent.id] } }];
}

/**
 * A registered agent re-registered reporting tasks the master did not know
 * (already added to its books and their frameworks' with `tasks.reported`):
 * the allocator takes the agent again with what it uses now (its offers
 * rescinded first by the caller), and the operator stream hears of the tasks.
 */
export function adopted(books: Books, agent: Agent, tasks: readonly Task[]): Effect[] {
  const effects: Effect[] = [
    { kind: 'allocator', call: { name: 'removeAgent', args: [agent.id] } },
    { kind: 'allocator', call: { name: 'addAgent', args: [agent.id, agent.total.toJSON(), [...agent.used].map(([frameworkId, r]) => ({ frameworkId, resources: r.toJSON() }))] } },
  ];
  // The allocator takes a new agent as offered: one that was not is told again.
  if (!agent.active) effects.push({ kind: 'allocator', call: { name: 'deactivateAgent', args: [agent.id] } });
  for (const task of tasks) effects.push({ kind: 'event', event: { type: 'TASK_ADDED', task } });
  effects.push({ kind: 'count', name: 'master/tasks_adopted', by: tasks.length });
  return effects;
}

/** A registered agent talks from a new PID (its process restarted, or its connection was re-made). */
export function moved(books: Books, agent: Agent, pid: string): Effect[] {
  if (books.agentsByPid.get(agent.pid) === agent) books.agentsByPid.delete(agent.pid);
  const changed = agent.pid !== pid;
  agent.pid = pid;
  books.agentsByPid.set(pid, agent);
  return changed ? [{ kind: 'registry', op: { op: 'admit_agent', agent: registeredAgent(agent) } }] : [];
}

export interface Loss {
  readonly as: 'unreachable' | 'gone';
  /** What its tasks become. */
  readonly taskState: TaskState;
  readonly reason: TaskStatusReason;
  readonly message: string;
  readonly nowMs: number;
  /** Unreachable agents remembered (the oldest become gone). */
  readonly maxUnreachable: number;
  /** A new status uuid (for its pending operations, dropped or gone: operations.ts). */
  readonly uuid: () => Uint8Array;
}

/**
 * The agent leaves the cluster: out of the books, each of its tasks ended
 * (reported to its framework), its executors forgotten; it is remembered as
 * unreachable (it may re-register) or gone (refused if it comes back).
 */
export function lose(books: Books, agent: Agent, loss: Loss): Effect[] {
  const effects: Effect[] = [];
  // The allocator knows it only while it is in the books (not an agent recovered from the registry that never came back).
  if (books.agents.get(agent.id) === agent) effects.push({ kind: 'allocator', call: { name: 'removeAgent', args: [agent.id] } });
  agent.active = false;
  books.agents.delete(agent.id);
  if (books.agentsByPid.get(agent.pid) === agent) books.agentsByPid.delete(agent.pid);
  for (const [frameworkId, tasks] of [...agent.tasks]) {
    const framework = books.frameworks.get(frameworkId);
    for (const task of [...tasks.values()]) {
      if (isTerminal(task.state)) effects.push(...retire(books, framework, agent, task));
      else effects.push(...end(books, framework, agent, task, { state: loss.taskState, reason: loss.reason, message: loss.message, nowMs: loss.nowMs }));
    }
  }
  for (const [frameworkId] of agent.executors) {
    const framework = books.frameworks.get(frameworkId);
    framework?.executors.delete(agent.id);
    framework?.dropAgent(agent.id);
  }
  agent.executors.clear();
  agent.used.clear();
  agent.detach();
  if (loss.as === 'unreachable') {
    books.unreachableAgents.set(agent.id, { agent, at: loss.nowMs });
    effects.push({ kind: 'registry', op: { op: 'agent_unreachable', id: agent.id, at: loss.nowMs } });
    while (books.unreachableAgents.size > loss.maxUnreachable) {
      const oldest = books.unreachableAgents.keys().next().value as string;
      effects.push(...forgetUnreachable(books, oldest, loss.nowMs));
    }
  } else {
    books.goneAgents.add(agent.id);
    effects.push({ kind: 'registry', op: { op: 'agent_gone', id: agent.id, at: loss.nowMs } });
  }
  effects.push(...agentLeft(books, agent.id, loss.as === 'gone'));
  effects.push(
    ...operationsLost(books, books.frameworks, agent.id, loss.as === 'gone' ? 'OPERATION_GONE_BY_OPERATOR' : 'OPERATION_DROPPED', `the agent was lost before it applied the operation: ${loss.message}`, loss.uuid),
  );
  effects.push({ kind: 'event', event: { type: 'AGENT_REMOVED', agentId: agent.id } });
  for (const framework of books.frameworks.values()) if (framework.connected) effects.push({ kind: 'agent_lost', framework, agentId: agent.id });
  return effects;
}

/** An unreachable agent is given up on (too many remembered, or the operator marked it gone): refused if it comes back. */
export function forgetUnreachable(books: Books, id: string, nowMs: number): Effect[] {
  if (!books.unreachableAgents.delete(id)) return [];
  books.goneAgents.add(id);
  // Gone: its deactivation or drain goes with it (the registry's agent_gone forgets them too).
  books.maintenance.deactivated.delete(id);
  books.maintenance.drains.delete(id);
  return [{ kind: 'registry', op: { op: 'agent_gone', id, at: nowMs } }];
}
