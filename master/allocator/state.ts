/**
 * The allocator core's books, as records: agents, frameworks, roles and filters, and the small
 * vector and role-name helpers the parts of the core share. Only the core and its parts
 * (filters.ts, quota.ts, reservations.ts, stages.ts) read them.
 */
import { Resources } from '../../protocol/resources.js';
import { ancestorRoles } from '../../protocol/roles.js';
import type { DRFSorter } from './sorter.js';
import type { ReservationSplit } from './reservations.js';

export interface Filter {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly key: string;
  readonly resources: Resources;
  readonly expiresAt: number;
  readonly seq: number;
  live: boolean;
}

export interface AgentState {
  readonly id: string;
  total: Resources;
  /** Shared by the agents of one shape (the core's vector of `total`): never written. */
  totalSparse: readonly number[];
  /** Unallocated, not offered: total minus everything allocated. */
  available: Resources;
  /** framework -> resources allocated to it here (allocation_info set). */
  readonly allocated: Map<string, Resources>;
  hasReserved: boolean;
  /** Its total holds shared resources (a shared persistent volume): shared.ts. */
  hasShared: boolean;
  /** Its total holds refined reservations (a stack of more than one role). */
  hasRefined: boolean;
  /** Its total holds GPUs and --filter_gpu_resources holds: offered only to frameworks with GPU_RESOURCES. */
  gpuOnly: boolean;
  /** `available` split by reservation role (stage 2), while its `of` is `available`. */
  split: ReservationSplit | undefined;
  /** Bumped whenever a filter on this agent goes away. */
  filterVersion: number;
  /**
   * Set when, with `restMark` available (reservations only), every eligible framework of every role under
   * those reservations was filtered for what it could get: while `available` is `restMark` itself, no
   * filter here went (`restMarkFilterVersion`) and no pair became eligible (`restMarkEpoch`), nothing more
   * can be given here in the pass. Fields of the agent, not an object of their own: the check runs on every
   * reserved agent every cycle, and a separate object was one more cold cache line per agent.
   */
  restMark: Resources | undefined;
  restMarkFilterVersion: number;
  restMarkEpoch: number;
  active: boolean;
  /** Bumped whenever `available` grows or a filter here goes away. */
  version: number;
  /** Skip the agent while (version, epoch) equal these: every eligible pair is filtered for all it could get. */
  skipVersion: number;
  skipEpoch: number;
  /** framework + '\0' + role -> filters. */
  readonly filters: Map<string, Filter[]>;
}

export interface FrameworkState {
  readonly id: string;
  /** False for a framework only known through allocations (an agent reported its tasks first). */
  known: boolean;
  active: boolean;
  /** SHARED_RESOURCES: offered shared resources. */
  shared: boolean;
  /** RESERVATION_REFINEMENT: offered refined reservations (without it, as Mesos, never). */
  refinement: boolean;
  /** GPU_RESOURCES: offered agents with GPUs. */
  gpus: boolean;
  roles: Set<string>;
  suppressed: Set<string>;
  /** Roles in which it takes offers now: active, subscribed, not suppressed. */
  eligible: Set<string>;
  /** role -> number of agents with allocations to it in that role (for membership). */
  readonly agents: Set<string>;
  readonly filters: Set<Filter>;
  /** role -> filter key (one string per pair, so map lookups hash it once). */
  readonly keys: Map<string, string>;
}

export interface RoleState {
  readonly name: string;
  weight: number;
  guarantees: Map<string, number> | undefined;
  limits: Map<string, number> | undefined;
  readonly frameworks: DRFSorter;
  /** Number of frameworks eligible in this role. */
  eligible: number;
  /** Reservations to exactly this role on the agents (dense). */
  readonly reserved: number[];
  /** The reserved part of what is allocated to this role (dense). */
  readonly reservedAllocated: number[];
  /** The last stage-2 pass in which this role's visit was OPEN (something not filtered for all of it). */
  openPass: number;
}

export const EMPTY = Resources.empty();
const KEY_SEP = '\u0000';

export function addDense(into: number[], sparse: readonly number[], sign: number): void {
  for (let i = 0; i < sparse.length; i += 2) {
    const k = sparse[i]!;
    while (into.length <= k) into.push(0);
    into[k] = into[k]! + sign * sparse[i + 1]!;
  }
}

export function negate(sparse: readonly number[]): number[] {
  const out = sparse.slice();
  for (let i = 1; i < out.length; i += 2) out[i] = -out[i]!;
  return out;
}

export function ancestorsAndSelf(role: string): string[] {
  return [...ancestorRoles(role), role];
}

export function inSubtree(role: string, root: string): boolean {
  return role === root || (role.length > root.length && role.startsWith(root) && role.charCodeAt(root.length) === 47);
}

/** Roles of allocated resources (allocation_info.role); `likely`: the role to try first. */
export function allocationRoles(r: Resources, likely?: string): string[] {
  if (likely !== undefined && r.allocatedTo(likely).size === r.size) return [likely];
  const out: string[] = [];
  for (const x of r.toJSON()) {
    const role = x.allocation_info?.role;
    if (role !== undefined && !out.includes(role)) out.push(role);
  }
  return out;
}


export function filterKey(f: FrameworkState, role: string): string {
  let k = f.keys.get(role);
  if (k === undefined) {
    k = f.id + KEY_SEP + role;
    f.keys.set(role, k);
  }
  return k;
}

export function onlyRole(f: FrameworkState): string | undefined {
  return f.roles.size === 1 ? f.roles.values().next().value : undefined;
}

