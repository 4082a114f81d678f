/**
 * A new leader's books from the registry: records restored as they were
 * committed, so nothing is written back. A record whose agent or framework
 * is in the books already (it came back before the recovery reached it) is
 * left alone.
 */
import type { Agent } from '../agent.js';
import type { Framework } from '../framework.js';
import { machineKey } from '../../protocol/maintenance.js';
import type { Registry } from '../registrar/registry.js';
import type { Books } from './books.js';

/** Agents removed for good and frameworks removed: refused if they come back. */
export function tombstones(books: Books, r: Pick<Registry, 'gone' | 'removedFrameworks'>): void {
  for (const id of r.gone.keys()) books.goneAgents.add(id);
  for (const id of r.removedFrameworks.keys()) books.removedFrameworkIds.add(id);
}

/** An agent the registry has as unreachable: it may re-register. */
export function unreachableAgent(books: Books, agent: Agent, at: number): boolean {
  if (books.agents.has(agent.id) || books.unreachableAgents.has(agent.id) || books.goneAgents.has(agent.id)) return false;
  books.unreachableAgents.set(agent.id, { agent, at });
  return true;
}

/** A framework the registry has: in the books, disconnected, until its scheduler resubscribes. */
export function framework(books: Books, framework: Framework, nowMs: number): boolean {
  if (books.frameworks.has(framework.id) || books.removedFrameworkIds.has(framework.id)) return false;
  framework.disconnectedAt = nowMs;
  books.frameworks.set(framework.id, framework);
  framework.attach(books.usage);
  return true;
}

/** The maintenance schedule, the machines down, and the agents deactivated or drained. */
export function maintenance(books: Books, r: Pick<Registry, 'maintenance' | 'agentMaintenance'>): void {
  const m = books.maintenance;
  m.windows = r.maintenance.windows.map((w) => ({ machine_ids: [...w.machine_ids], unavailability: w.unavailability }));
  for (const machine of r.maintenance.down) m.down.set(machineKey(machine), machine);
  for (const [id, state] of r.agentMaintenance) {
    if (state.deactivated) m.deactivated.add(id);
    if (state.drain !== undefined) m.drains.set(id, { state: state.drain.state, config: { ...state.drain.config } });
  }
}
