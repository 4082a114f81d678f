/**
 * The allocator's public shapes: what AllocatorCore takes and answers, and the minimum offer.
 */
import type { Resources } from '../../protocol/resources.js';

/** Offers smaller than this are not made (Mesos MIN_CPUS / MIN_MEM, the default --min_allocatable_resources=cpus:0.01|mem:32). */
export const MIN_CPUS_MILLI = 10;
export const MIN_MEM_MILLI = 32_000;
/** Mesos caps refuse_seconds at a year. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

export interface Allocation {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  /** Allocated to `role` (allocation_info.role set). */
  readonly resources: Resources;
}

export interface FrameworkOptions {
  readonly roles: readonly string[];
  readonly suppressedRoles?: readonly string[];
  /** Default true. */
  readonly active?: boolean;
  /** The SHARED_RESOURCES capability: it may be offered shared resources, also while in use. Default false. */
  readonly sharedResources?: boolean;
  /** The RESERVATION_REFINEMENT capability: it may be offered refined reservations. Default true (the master says which). */
  readonly reservationRefinement?: boolean;
  /** The GPU_RESOURCES capability: it may be offered agents with GPUs. Default false. */
  readonly gpuResources?: boolean;
}

export interface AgentOptions {
  readonly total: Resources;
  /** Default true. */
  readonly active?: boolean;
}

/** name -> real units, or Resources (their quantities). */
export type QuantityInput = ReadonlyMap<string, number> | Readonly<Record<string, number>> | Resources;

export interface QuotaInput {
  readonly guarantees?: QuantityInput;
  readonly limits?: QuantityInput;
}

export interface CoreOptions {
  /** Resource names left out of share computations (Mesos --fair_sharing_excluded_resource_names). */
  readonly fairnessExcludeResourceNames?: readonly string[];
  /** Agents with GPUs only for frameworks with GPU_RESOURCES (Mesos --filter_gpu_resources). Default true. */
  readonly filterGpuResources?: boolean;
}

export interface RoleInfo {
  readonly role: string;
  readonly weight: number;
  readonly quota: { guarantees: Record<string, number>; limits: Record<string, number> } | undefined;
  /** Allocated to the role itself (not its subroles). */
  readonly allocated: Record<string, number>;
  /** Weighted dominant share of the role's subtree. */
  readonly share: number;
  readonly frameworks: string[];
}

export interface FrameworkInfoView {
  readonly id: string;
  readonly active: boolean;
  readonly roles: string[];
  readonly suppressedRoles: string[];
  /** role -> name -> real units. */
  readonly allocated: Record<string, Record<string, number>>;
  /** role -> share within the role. */
  readonly shares: Record<string, number>;
  readonly filters: number;
}

export interface AgentInfoView {
  readonly id: string;
  readonly active: boolean;
  readonly total: Resources;
  readonly available: Resources;
  /** framework -> allocated resources. */
  readonly allocated: Map<string, Resources>;
  readonly filters: number;
  /** Whether allocation passes skip it now ('skipped'), look only at frameworks eligible since its mark ('older epoch ...'), or look at it whole ('none'). */
  readonly mark: string;
}

/**
 * Mesos's minimum offer: cpus >= 0.01 or mem >= 32 MB. Ports or disk alone are
 * not worth an offer: nothing can run on them (offering them was measured to
 * cost a decline per agent per framework every refuse period).
 */
export function isAllocatable(r: Resources): boolean {
  if (r.isEmpty()) return false;
  return r.milli('cpus') >= MIN_CPUS_MILLI || r.milli('mem') >= MIN_MEM_MILLI;
}

