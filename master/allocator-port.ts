import type { Resource } from '../protocol/resources.js';

/**
 * What the master tells the allocator. Every call is a one-way message to the
 * allocator process (its own actor); the allocator answers with `offers`
 * messages. Keeping this narrow lets the master be tested against the real
 * allocator in-process and lets the allocator change inside.
 */
/** The framework capabilities the allocator acts on. */
export interface AllocatorCapabilities {
  readonly sharedResources: boolean;
  readonly reservationRefinement: boolean;
  readonly gpuResources: boolean;
}

export interface AllocatorPort {
  /** `capabilities`: SHARED_RESOURCES (offered shared volumes, also while in use), RESERVATION_REFINEMENT (offered refined reservations), GPU_RESOURCES (offered agents with GPUs). */
  addFramework(frameworkId: string, roles: string[], suppressedRoles: string[], used: { agentId: string; resources: Resource[] }[], active: boolean, capabilities?: AllocatorCapabilities): void;
  removeFramework(frameworkId: string): void;
  activateFramework(frameworkId: string): void;
  deactivateFramework(frameworkId: string): void;
  updateFramework(frameworkId: string, roles: string[], suppressedRoles: string[], capabilities?: AllocatorCapabilities): void;
  addAgent(agentId: string, total: Resource[], used: { frameworkId: string; resources: Resource[] }[]): void;
  removeAgent(agentId: string): void;
  activateAgent(agentId: string): void;
  deactivateAgent(agentId: string): void;
  /** Resources offered or used that are free again; `refuseSeconds` > 0 filters them for the framework on that agent. */
  recoverResources(frameworkId: string, agentId: string, resources: readonly Resource[], refuseSeconds: number | undefined): void;
  /** A framework's offer operation (RESERVE ...) turned what it holds, `from`, into `to`. */
  updateAllocation(frameworkId: string, agentId: string, from: Resource[], to: Resource[]): void;
  /** An operator's operation on unallocated resources; the allocator answers `available_updated` with `requestId`. */
  updateAvailable(requestId: number, agentId: string, from: Resource[], to: Resource[]): void;
  suppress(frameworkId: string, roles: string[] | undefined): void;
  revive(frameworkId: string, roles: string[] | undefined): void;
  setWeights(weights: Record<string, number>): void;
  /** Quantities in real units (cpus 1.5, mem MB); both empty removes the role's quota. */
  setQuota(role: string, guarantees: Record<string, number>, limits: Record<string, number>): void;
}
