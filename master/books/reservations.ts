/**
 * Reservation (and volume) transitions of an agent's resources: an operation
 * converted some of them (RESERVE, UNRESERVE ...). The agent's total changes
 * in the books, the agent checkpoints its new dynamically reserved resources
 * and volumes, and the allocator hears of it: through the framework's
 * allocation for an operation in an ACCEPT; for an operator's call it was
 * told first (it decides whether the resources were still free).
 */
import { checkpointedPart, type Conversion } from '../../protocol/reservations.js';
import type { Agent } from '../agent.js';
import type { Operation } from '../../protocol/operations.js';
import type { Effect } from './effects.js';

export interface ConversionSource {
  /** The framework whose offer the operation was made on (its allocation changes); none for an operator's call. */
  readonly frameworkId?: string;
  /** The operation with an id (operation feedback) that made the change: the agent hears of it for its GET_OPERATIONS. */
  readonly operation?: Operation;
}

export function converted(agent: Agent, conversion: Conversion, by: ConversionSource = {}): Effect[] {
  const consumed = conversion.consumed.unallocate();
  const made = conversion.converted.unallocate();
  agent.total = agent.total.subtract(consumed).add(made);
  const effects: Effect[] = [];
  if (by.frameworkId !== undefined) {
    effects.push({ kind: 'allocator', call: { name: 'updateAllocation', args: [by.frameworkId, agent.id, conversion.consumed.toJSONWithCopies(), conversion.converted.toJSONWithCopies()] } });
  }
  effects.push({ kind: 'checkpoint_resources', agent, resources: checkpointedPart(agent.total).toJSON(), ...(by.operation !== undefined ? { operations: [by.operation] } : {}) });
  effects.push({ kind: 'count', name: 'master/resource_conversions' });
  return effects;
}
