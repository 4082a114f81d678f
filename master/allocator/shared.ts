/**
 * Shared resources in the allocator (a shared persistent volume, the
 * SHARED_RESOURCES capability), as Mesos's hierarchical allocator treats them:
 * several tasks may use one at once, so an agent's available resources keep
 * one copy of each of its shared resources whatever is allocated; each cycle
 * offers that copy on an agent once, and only to frameworks with the
 * capability. Allocations still count their copies (one per offer or task).
 *
 *   available = (total - allocated) without shared  +  total's shared (one copy each)
 */
import type { Resources } from '../../protocol/resources.js';

/** What an agent has available: its total less what is allocated, with one copy of each shared resource kept. */
export function availableOf(total: Resources, allocated: Resources): Resources {
  if (!total.hasShared()) return total.subtract(allocated);
  return total.nonShared().subtract(allocated.nonShared()).add(total.shared());
}

/**
 * The part of an allocation (given or freed) that leaves or returns to what is available: shared copies never
 * do (also a copy freed after its volume was destroyed: the total no longer holds it).
 */
export function movesAvailable(r: Resources): Resources {
  return r.hasShared() ? r.nonShared() : r;
}

/**
 * What a framework may be offered of `offer` on an agent with shared resources: without the capability,
 * or once the agent's shared resources went to a framework this cycle, none of them.
 */
export function offerFor(offer: Resources, sharedCapable: boolean, sharedGivenThisCycle: boolean): Resources {
  return sharedCapable && !sharedGivenThisCycle ? offer : offer.nonShared();
}
