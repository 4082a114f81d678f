/**
 * Mesos v1 info and status types as plain data (snake_case, ids as
 * `{ value }`, enums as name strings, bytes as Uint8Array). Field names
 * and nesting follow include/mesos/v1/mesos.proto; only the parts this
 * project uses are listed, more can be added (never renamed).
 */
import type { AgentID, ContainerID, ExecutorID, FrameworkID, OfferID, OperationID, TaskID } from './ids.js';
import type { Resource } from './resources.js';
import type { TaskState, TaskStatusReason, TaskStatusSource } from './task-states.js';
import type { Labels, Range } from './values.js';

export type { AgentID, ContainerID, ExecutorID, FrameworkID, OfferID, OperationID, TaskID } from './ids.js';
export type { Resource, ResourceReservation } from './resources.js';
export type { TaskState, TaskStatusReason, TaskStatusSource } from './task-states.js';
export type { Label, Labels, Range, ValueType } from './values.js';

export interface DurationInfo { nanoseconds: number }
export interface TimeInfo { nanoseconds: number }

export interface Parameter { key: string; value: string }
export interface Parameters { parameter: Parameter[] }

// --- Attributes -------------------------------------------------------------

export interface Attribute {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  text?: { value: string };
}

// --- Framework ---------------------------------------------------------------

export const FRAMEWORK_CAPABILITIES = [
  'UNKNOWN',
  'REVOCABLE_RESOURCES',
  'TASK_KILLING_STATE',
  'GPU_RESOURCES',
  'SHARED_RESOURCES',
  'PARTITION_AWARE',
  'MULTI_ROLE',
  'RESERVATION_REFINEMENT',
  'REGION_AWARE',
] as const;
export type FrameworkCapabilityType = (typeof FRAMEWORK_CAPABILITIES)[number];

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  /** Seconds; default 0. */
  failover_timeout?: number;
  /** Default false. */
  checkpoint?: boolean;
  /** Deprecated single role (default '*'); use `roles` with MULTI_ROLE. */
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: { type: FrameworkCapabilityType }[];
  labels?: Labels;
}

// --- Commands, executors, containers -----------------------------------------

export interface CommandInfoURI {
  value: string;
  executable?: boolean;
  /** Default true. */
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface EnvironmentVariable {
  name: string;
  /** Default VALUE. */
  type?: 'UNKNOWN' | 'VALUE' | 'SECRET';
  value?: string;
  secret?: unknown;
}

export interface Environment { variables: EnvironmentVariable[] }

export interface CommandInfo {
  uris?: CommandInfoURI[];
  environment?: Environment;
  /** Default true: `value` runs under /bin/sh -c. */
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface Volume {
  mode?: 'RW' | 'RO';
  container_path: string;
  host_path?: string;
  source?: unknown;
  image?: unknown;
}

export interface DockerPortMapping { host_port: number; container_port: number; protocol?: string }

export interface DockerInfo {
  image: string;
  /** Default HOST. */
  network?: 'HOST' | 'BRIDGE' | 'NONE' | 'USER';
  port_mappings?: DockerPortMapping[];
  /** Default false. */
  privileged?: boolean;
  parameters?: Parameter[];
  force_pull_image?: boolean;
}

export interface MesosInfo { image?: unknown }

export interface NetworkInfo {
  ip_addresses?: { protocol?: 'IPv4' | 'IPv6'; ip_address?: string }[];
  name?: string;
  groups?: string[];
  labels?: Labels;
  port_mappings?: { host_port: number; container_port: number; protocol?: string }[];
}

export interface ContainerInfo {
  type: 'DOCKER' | 'MESOS';
  volumes?: Volume[];
  hostname?: string;
  docker?: DockerInfo;
  mesos?: MesosInfo;
  network_infos?: NetworkInfo[];
  linux_info?: unknown;
  rlimit_info?: unknown;
  tty_info?: unknown;
}

export interface ExecutorInfo {
  type?: 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  container?: ContainerInfo;
  resources?: Resource[];
  name?: string;
  data?: Uint8Array;
  shutdown_grace_period?: DurationInfo;
  labels?: Labels;
}

// --- Health checks and kill policy --------------------------------------------

export interface HealthCheckHTTP {
  protocol?: string;
  scheme?: string;
  port: number;
  path?: string;
  statuses?: number[];
}

export interface HealthCheck {
  /** Seconds; defaults 15, 10, 20, 3, 10. */
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
  type?: 'UNKNOWN' | 'COMMAND' | 'HTTP' | 'TCP';
  command?: CommandInfo;
  http?: HealthCheckHTTP;
  tcp?: { port: number; protocol?: string };
}

export interface KillPolicy {
  grace_period?: DurationInfo;
}

// --- Tasks ----------------------------------------------------------------

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  container?: ContainerInfo;
  health_check?: HealthCheck;
  kill_policy?: KillPolicy;
  data?: Uint8Array;
  labels?: Labels;
  max_completion_time?: DurationInfo;
}

export interface TaskGroupInfo { tasks: TaskInfo[] }

export interface ContainerStatus {
  container_id?: ContainerID;
  network_infos?: NetworkInfo[];
  executor_pid?: number;
}

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: TaskStatusSource;
  reason?: TaskStatusReason;
  data?: Uint8Array;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  /** Seconds since the epoch (a double), passed in by the caller. */
  timestamp?: number;
  /** Set by the agent for status updates that must be acknowledged (16 bytes). */
  uuid?: Uint8Array;
  healthy?: boolean;
  labels?: Labels;
  container_status?: ContainerStatus;
  unreachable_time?: TimeInfo;
}

/** The master's view of a task (v1 `Task`), used by reconciliation and the state endpoint. */
export interface Task {
  name: string;
  task_id: TaskID;
  framework_id: FrameworkID;
  executor_id?: ExecutorID;
  agent_id: AgentID;
  state: TaskState;
  resources: readonly Resource[];
  statuses: TaskStatus[];
  status_update_state?: TaskState;
  status_update_uuid?: Uint8Array;
  labels?: Labels;
  container?: ContainerInfo;
  health_check?: HealthCheck;
  kill_policy?: KillPolicy;
  user?: string;
}

// --- Agents, masters, offers ---------------------------------------------------

export interface AgentInfo {
  hostname: string;
  /** Default 5051. */
  port?: number;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
}

export interface Address { hostname?: string; ip?: string; port: number }

export interface URL {
  scheme: string;
  address: Address;
  path?: string;
  query?: Parameter[];
  fragment?: string;
}

export interface MasterInfo {
  id: string;
  ip: number;
  /** Default 5050. */
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: URL;
  resources: readonly Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  /** The machine is scheduled for maintenance (protocol/maintenance.ts). */
  unavailability?: { start: TimeInfo; duration?: DurationInfo };
  allocation_info?: { role: string };
}

export const OPERATION_TYPES = [
  'UNKNOWN',
  'LAUNCH',
  'LAUNCH_GROUP',
  'RESERVE',
  'UNRESERVE',
  'CREATE',
  'DESTROY',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'CREATE_DISK',
  'DESTROY_DISK',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/** v1 `Offer.Operation`. */
export interface OfferOperation {
  type: OperationType;
  id?: OperationID;
  launch?: { task_infos: TaskInfo[] };
  launch_group?: { executor: ExecutorInfo; task_group: TaskGroupInfo };
  reserve?: { resources: Resource[]; source?: Resource[] };
  unreserve?: { resources: Resource[] };
  create?: { volumes: Resource[] };
  destroy?: { volumes: Resource[] };
  grow_volume?: { volume: Resource; addition: Resource };
  shrink_volume?: { volume: Resource; subtract: { value: number } };
}

export interface Filters {
  /** Seconds; default 5. */
  refuse_seconds?: number;
}
