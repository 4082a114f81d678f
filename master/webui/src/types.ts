/** The parts of the master's /master/state (Mesos's shape) the pages read. */
export type ResourceMap = { cpus: number; gpus: number; mem: number; disk: number; ports?: string };

export interface TaskStatusJson {
  readonly state: string;
  readonly timestamp: number;
}

export interface TaskJson {
  readonly id: string;
  readonly name: string;
  readonly framework_id: string;
  readonly executor_id: string;
  readonly slave_id: string;
  readonly state: string;
  readonly resources: ResourceMap;
  readonly statuses: readonly TaskStatusJson[];
}

export interface OfferJson {
  readonly id: string;
  readonly slave_id: string;
  readonly resources: ResourceMap;
  readonly allocation_info?: { role: string };
}

export interface FrameworkJson {
  readonly id: string;
  readonly name: string;
  readonly user: string;
  readonly hostname: string;
  readonly principal?: string;
  readonly webui_url: string;
  readonly roles: readonly string[];
  readonly capabilities: readonly string[];
  readonly failover_timeout: number;
  readonly checkpoint: boolean;
  readonly active: boolean;
  readonly connected: boolean;
  readonly registered_time: number;
  readonly unregistered_time?: number;
  readonly used_resources: ResourceMap;
  readonly offered_resources: ResourceMap;
  readonly tasks: readonly TaskJson[];
  readonly unreachable_tasks: readonly TaskJson[];
  readonly completed_tasks: readonly TaskJson[];
  readonly offers: readonly OfferJson[];
  /** Its executors running now (type DEFAULT: the agent's default executor, running task groups). */
  readonly executors?: readonly { readonly executor_id: string; readonly slave_id: string; readonly type?: string }[];
}

export interface VolumeResourceJson {
  readonly name: string;
  readonly scalar?: { readonly value: number };
  readonly disk?: { readonly persistence?: { readonly id: string; readonly principal?: string }; readonly volume?: { readonly container_path: string; readonly mode?: string } };
}

export interface AgentJson {
  readonly id: string;
  readonly pid: string;
  readonly hostname: string;
  readonly port: number;
  readonly registered_time: number;
  readonly reregistered_time?: number;
  readonly resources: ResourceMap;
  readonly used_resources: ResourceMap;
  readonly offered_resources: ResourceMap;
  /** Unreserved, and per role its reservations (static and dynamic), Mesos's /state fields. */
  readonly unreserved_resources?: ResourceMap;
  readonly reserved_resources?: Readonly<Record<string, ResourceMap>>;
  /** Per role, the reserved resources as v1 Resource JSON (persistent volumes carry disk.persistence). */
  readonly reserved_resources_full?: Readonly<Record<string, readonly VolumeResourceJson[]>>;
  readonly attributes: Readonly<Record<string, string | number>>;
  readonly active: boolean;
  readonly connected: boolean;
  readonly version: string;
  readonly task_count: number;
  /** Deactivated by the operator, or draining (DRAIN_AGENT). */
  readonly deactivated?: boolean;
  readonly drain_info?: { readonly state: 'DRAINING' | 'DRAINED'; readonly config: { readonly max_grace_period?: { readonly nanoseconds: number }; readonly mark_gone?: boolean } };
  /** Its machine is in the maintenance schedule: DRAINING (offers carry the unavailability) or DOWN. */
  readonly maintenance?: { readonly mode: 'DRAINING' | 'DOWN'; readonly unavailability: { readonly start: { readonly nanoseconds: number }; readonly duration?: { readonly nanoseconds: number } } };
}

export interface MasterStateJson {
  readonly version: string;
  readonly id: string;
  readonly pid: string;
  readonly hostname: string;
  readonly cluster?: string;
  readonly leader: string;
  readonly start_time: number;
  readonly elected_time: number;
  readonly activated_slaves: number;
  readonly deactivated_slaves: number;
  readonly unreachable_slaves: number;
  readonly slaves: readonly AgentJson[];
  readonly frameworks: readonly FrameworkJson[];
  readonly completed_frameworks: readonly FrameworkJson[];
}

/** A role as the page shows it: GET_ROLES's allocation with /master/roles's quota. */
export interface RoleRow {
  readonly name: string;
  readonly weight: number;
  readonly frameworks: readonly string[];
  readonly allocated: ResourceMap;
  readonly quota: { guarantees?: Record<string, number>; limits?: Record<string, number> } | null;
}

/** What every page renders from: one consistent read of the master. */
export interface Snapshot {
  readonly state: MasterStateJson;
  readonly metrics: Readonly<Record<string, number>>;
  readonly roles: readonly RoleRow[];
  /** Browser time of the read (ms). */
  readonly at: number;
}

export const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
