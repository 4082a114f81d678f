/**
 * Messages of the allocator process. Bodies are plain data (msgpack-safe):
 * resources as `Resource[]`, optional values as `null`.
 *
 *   master ──AllocatorProtocol──► AllocatorProcess ──AllocatorToMaster (`offers`)──► master
 */
import type { Resource } from '../../protocol/resources.js';

export interface AllocationMessage {
  readonly framework_id: string;
  readonly agent_id: string;
  readonly role: string;
  /** Allocated to `role` (allocation_info.role set): `Resources.json()`, read back by `Resources.of` without parsing. */
  readonly resources: readonly Resource[];
}

/** What the allocator sends its master. */
export type AllocatorToMaster = {
  /** The decisions of one allocation (batch or event-triggered); never empty. */
  offers: { allocations: AllocationMessage[] };
  /** The answer to `update_available`: whether the resources were available, and so converted. */
  available_updated: { request_id: number; ok: boolean };
};

/** What the allocator process handles. */
export type AllocatorProtocol = {
  add_framework: {
    framework_id: string;
    roles: string[];
    suppressed_roles: string[];
    /** Resources it already holds on known agents. */
    used: { agent_id: string; resources: Resource[] }[];
    active: boolean;
    /** The SHARED_RESOURCES capability (absent: false). */
    shared_resources?: boolean;
    /** The RESERVATION_REFINEMENT capability (absent: true). */
    reservation_refinement?: boolean;
    /** The GPU_RESOURCES capability (absent: false). */
    gpu_resources?: boolean;
  };
  remove_framework: { framework_id: string };
  activate_framework: { framework_id: string };
  deactivate_framework: { framework_id: string };
  update_framework: { framework_id: string; roles: string[]; suppressed_roles: string[]; shared_resources?: boolean; reservation_refinement?: boolean; gpu_resources?: boolean };
  add_agent: {
    agent_id: string;
    total: Resource[];
    /** What frameworks already hold there (allocation_info.role says the role). */
    used: { framework_id: string; resources: Resource[] }[];
  };
  remove_agent: { agent_id: string };
  /** A new total for the agent (e.g. after a reservation change). */
  update_agent: { agent_id: string; total: Resource[] };
  /** A framework's offer operation: what it held (`from`, allocated) is now `to`; the agent's total changes alike. */
  update_allocation: { framework_id: string; agent_id: string; from: Resource[]; to: Resource[] };
  /** An operator's operation on unallocated resources: applied only if `from` is all available; answered by `available_updated`. */
  update_available: { request_id: number; agent_id: string; from: Resource[]; to: Resource[] };
  activate_agent: { agent_id: string };
  deactivate_agent: { agent_id: string };
  /** Offered or used resources free again; refuse_seconds > 0 installs a filter. */
  recover_resources: { framework_id: string; agent_id: string; resources: readonly Resource[]; refuse_seconds: number | null };
  /** roles null: all the framework's roles. */
  suppress_offers: { framework_id: string; roles: string[] | null };
  /** roles null: all the framework's roles; clears its filters for them. */
  revive_offers: { framework_id: string; roles: string[] | null };
  /** role -> weight (> 0). */
  update_weights: { weights: Record<string, number> };
  /** Quantities in real units (cpus 1.5, mem MB); both empty removes the quota. */
  update_quota: { role: string; guarantees: Record<string, number>; limits: Record<string, number> };
};
