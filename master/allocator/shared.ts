/**
 * Shared resources in the allocator (a shared persistent volume, the
 * SHARED_RESOURCES capability), as Mesos's hierarchical allocator treats them:
 * several tasks may use one at once, so an agent's available resources keep
 * one copy of each of its shared resources whatever is allocated, and offers
 * it only to frameworks with the capability, to one framework per agent and
 * allocation cycle (as Mesos: the core keeps a copy it offered out of the
 * agent's available resources until the cycle ends). Allocations still count
 * their copies (one per offer or task).
 * Also what frameworks without RESERVATION_REFINEMENT may not be offered:
 * refined reservations; and, without GPU_RESOURCES, agents with GPUs (Mesos's
 * --filter_gpu_resources: GPU machines kept for the frameworks that use them).
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

/** Whether `r` holds refined reservations (a stack of more than one reservation). */
export function hasRefined(r: Resources): boolean {
  return r.toJSON().some((x) => (x.reservations?.length ?? 0) > 1);
}

/** `r` without its refined reservations: what a framework without RESERVATION_REFINEMENT may be offered (as Mesos's allocator). */
export function withoutRefined(r: Resources): Resources {
  return r.filter((x) => (x.reservations?.length ?? 0) <= 1);
}

/**
 * What `f` may be offered of `offer` on `agent`: without the capabilities, no shared resources, no refined reservations,
 * and nothing of an agent with GPUs (GPU_RESOURCES, while --filter_gpu_resources holds: `gpuOnly`), as Mesos's allocator.
 */
export function offerForFramework(
  agent: { readonly hasShared: boolean; readonly hasRefined: boolean; readonly gpuOnly: boolean },
  f: { readonly shared: boolean; readonly refinement: boolean; readonly gpus: boolean },
  offer: Resources,
): Resources {
  if (agent.gpuOnly && !f.gpus) return offer.filter(() => false);
  let give = agent.hasShared && !f.shared ? offer.nonShared() : offer;
  if (agent.hasRefined && !f.refinement) give = withoutRefined(give);
  return give;
}

