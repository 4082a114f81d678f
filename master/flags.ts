import type { Acls } from '../protocol/auth/acls.js';
import type { Credentials } from '../protocol/credentials.js';

/**
 * The master's configuration, with Mesos's names and defaults. Durations are
 * kept in milliseconds here; the CLI parses Mesos-style values ("15secs").
 */
export interface MasterFlags {
  /** Hostname offered to frameworks and shown in state. */
  readonly hostname: string;
  /** Batch allocation period (Mesos --allocation_interval, default 1 s). */
  readonly allocationIntervalMs: number;
  /** Offers outstanding this long are rescinded (Mesos --offer_timeout; unset by default). */
  readonly offerTimeoutMs: number | undefined;
  /** An agent that has not answered a ping in this long missed one (default 15 s). */
  readonly agentPingTimeoutMs: number;
  /** Missed pings before the agent is marked unreachable (default 5). */
  readonly maxAgentPingTimeouts: number;
  /** Filter applied to resources a framework leaves unused in an ACCEPT or DECLINE without filters (5 s). */
  readonly defaultRefuseSeconds: number;
  /** Scheduler HTTP API heartbeat period (15 s). */
  readonly heartbeatIntervalSeconds: number;
  /** Completed frameworks kept for the state endpoints (Mesos --max_completed_frameworks, 50). */
  readonly maxCompletedFrameworks: number;
  /** Completed tasks kept per framework (Mesos --max_completed_tasks_per_framework, 1000). */
  readonly maxCompletedTasksPerFramework: number;
  /** Unreachable agents remembered, to reconcile them when they come back (Mesos --max_unreachable_tasks_per_framework analogue). */
  readonly maxUnreachableAgents: number;
  /** Role weights, e.g. { eng: 2 } (Mesos --weights "eng=2"). */
  readonly weights: Readonly<Record<string, number>>;
  /** A cluster name for the UI. */
  readonly cluster: string | undefined;
  /** Principals and secrets (Mesos --credentials, read from its file): frameworks, agents and HTTP clients authenticate against them. */
  readonly credentials: Credentials | undefined;
  /** Frameworks must authenticate (Mesos --authenticate_frameworks); over HTTP, the scheduler API needs credentials. */
  readonly authenticateFrameworks: boolean;
  /** Agents must authenticate (Mesos --authenticate_agents). */
  readonly authenticateAgents: boolean;
  /** HTTP calls that change something need credentials (Mesos --authenticate_http_readwrite). */
  readonly authenticateHttpReadwrite: boolean;
  /** HTTP endpoints that only read need credentials (Mesos --authenticate_http_readonly). */
  readonly authenticateHttpReadonly: boolean;
  /** Who may do what (Mesos --acls); undefined: everything allowed. */
  readonly acls: Acls | undefined;
  /** Where the master writes its log (Mesos --log_dir): `<log_dir>/mesos-master.INFO`, served as `/master/log`; undefined: stderr only. */
  readonly logDir: string | undefined;
  /** The replica set (--masters, `host:port` each, this master included); empty for a master alone. Shown by /master/flags so clients given one master learn the others. */
  readonly masters: readonly string[];
  /** Agents with GPUs are offered only to frameworks with the GPU_RESOURCES capability (Mesos --filter_gpu_resources, default true). */
  readonly filterGpuResources: boolean;
  /**
   * Not a Mesos flag: allocate right after resources are recovered (a decline, a task's end) and when a filter
   * expires, as Mesos 0.x did (the allocator of the Mesos paper, whose experiments use it); default false: as Mesos
   * now, what comes back waits for the next batch (MESOS-3078). master/allocator/process.ts.
   */
  readonly allocateOnRecovery: boolean;
  /**
   * Resource names left out of DRF shares (Mesos --fair_sharing_excluded_resource_names; default none): a resource no
   * framework uses but every offer carries whole (an agent's disk, for frameworks that use none) would otherwise weigh
   * an agent's share on whoever holds its offer.
   */
  readonly fairSharingExcludedResourceNames: readonly string[];
}

export const DEFAULT_MASTER_FLAGS: MasterFlags = {
  hostname: '127.0.0.1',
  allocationIntervalMs: 1000,
  offerTimeoutMs: undefined,
  agentPingTimeoutMs: 15_000,
  maxAgentPingTimeouts: 5,
  defaultRefuseSeconds: 5,
  heartbeatIntervalSeconds: 15,
  maxCompletedFrameworks: 50,
  maxCompletedTasksPerFramework: 1000,
  maxUnreachableAgents: 10_000,
  weights: {},
  cluster: undefined,
  credentials: undefined,
  authenticateFrameworks: false,
  authenticateAgents: false,
  authenticateHttpReadwrite: false,
  authenticateHttpReadonly: false,
  acls: undefined,
  logDir: undefined,
  masters: [],
  filterGpuResources: true,
  allocateOnRecovery: false,
  fairSharingExcludedResourceNames: [],
};

/** Defaults filled in, and every value checked: a bad one throws naming the flag. */
export function masterFlags(given: Partial<MasterFlags> = {}): MasterFlags {
  const flags = { ...DEFAULT_MASTER_FLAGS, ...given };
  const positive = (name: keyof MasterFlags, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`master flag ${name}: expected a positive number, got ${String(v)}`);
  };
  positive('allocationIntervalMs', flags.allocationIntervalMs);
  positive('agentPingTimeoutMs', flags.agentPingTimeoutMs);
  positive('maxAgentPingTimeouts', flags.maxAgentPingTimeouts);
  positive('heartbeatIntervalSeconds', flags.heartbeatIntervalSeconds);
  positive('maxCompletedFrameworks', flags.maxCompletedFrameworks);
  positive('maxCompletedTasksPerFramework', flags.maxCompletedTasksPerFramework);
  positive('maxUnreachableAgents', flags.maxUnreachableAgents);
  if (flags.offerTimeoutMs !== undefined) positive('offerTimeoutMs', flags.offerTimeoutMs);
  if (typeof flags.defaultRefuseSeconds !== 'number' || !(flags.defaultRefuseSeconds >= 0)) {
    throw new Error(`master flag defaultRefuseSeconds: expected a number >= 0, got ${String(flags.defaultRefuseSeconds)}`);
  }
  for (const [role, w] of Object.entries(flags.weights)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) throw new Error(`master flag weights: role ${role} has weight ${String(w)}, expected a positive number`);
  }
  for (const name of ['authenticateFrameworks', 'authenticateAgents', 'authenticateHttpReadwrite', 'authenticateHttpReadonly', 'filterGpuResources', 'allocateOnRecovery'] as const) {
    if (typeof flags[name] !== 'boolean') throw new Error(`master flag ${name}: expected true or false, got ${String(flags[name])}`);
  }
  if (!Array.isArray(flags.fairSharingExcludedResourceNames) || !flags.fairSharingExcludedResourceNames.every((n) => typeof n === 'string' && n !== '')) {
    throw new Error(`master flag fairSharingExcludedResourceNames: expected a list of resource names, got ${String(flags.fairSharingExcludedResourceNames)}`);
  }
  // HTTP authentication checks against these credentials (the actor path's come with the runtime).
  for (const name of ['authenticateHttpReadwrite', 'authenticateHttpReadonly'] as const) {
    if (flags[name] && (flags.credentials === undefined || flags.credentials.size === 0)) throw new Error(`--${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}: authentication needs --credentials (a file of principals and secrets)`);
  }
  return flags;
}
