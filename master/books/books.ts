/**
 * The master's books: every agent, framework, task and executor it knows,
 * and what each uses. `MasterState` (context.ts) holds them; the functions of
 * this folder are the only writers of the task, agent and framework records'
 * lifecycles, and say what follows from each change as effects (effects.ts).
 */
import type { OperationBook } from './operations.js';
import type { Agent } from '../agent.js';
import type { BoundedList } from '../bounded.js';
import type { Framework } from '../framework.js';
import type { MaintenanceBooks } from '../maintenance.js';
import type { RegisteredAgent, RegisteredFramework } from '../registrar/registry.js';
import type { UsageIndex } from './usage.js';

export interface Books {
  readonly agents: Map<string, Agent>;
  readonly agentsByPid: Map<string, Agent>;
  readonly unreachableAgents: Map<string, { agent: Agent; at: number }>;
  readonly goneAgents: Set<string>;
  readonly frameworks: Map<string, Framework>;
  readonly removedFrameworkIds: Set<string>;
  readonly completedFrameworks: BoundedList<Framework>;
  /** Maintenance schedule, machines down, agents drained or deactivated, inverse offers (books/maintenance.ts). */
  readonly maintenance: MaintenanceBooks;
  /** Operations with ids (books/operations.ts). */
  readonly operations: OperationBook;
  /** What each role is allocated and the tasks per state, kept as the records change (usage.ts). */
  readonly usage: UsageIndex;
}

/** An agent as the registry keeps it. */
export function registeredAgent(a: Agent): RegisteredAgent {
  return { id: a.id, info: { ...a.info, id: { value: a.id } }, pid: a.pid, registeredAt: a.registeredAt };
}

/** A framework as the registry keeps it. */
export function registeredFramework(f: Framework): RegisteredFramework {
  return { id: f.id, info: { ...f.info, id: { value: f.id } }, registeredAt: f.registeredAt, ...(f.principal !== undefined ? { principal: f.principal } : {}) };
}
