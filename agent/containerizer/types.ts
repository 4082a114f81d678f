/**
 * The containerizer's own small vocabulary. The agent maps protocol types
 * (TaskInfo, CommandInfo, KillPolicy, Resources) onto these, so this layer
 * does not depend on the exact names in protocol/.
 */
import type { ContainerSpec } from './container-spec.js';

/** What to run. Mirrors Mesos's CommandInfo. */
export interface CommandSpec {
  /**
   * true: `value` is a shell command run as `/bin/sh -c value`.
   * false: `value` is the executable (looked up in PATH) and `arguments` is
   * the full argv, `arguments[0]` being argv[0] (as in Mesos's CommandInfo).
   */
  shell: boolean;
  value?: string;
  arguments?: string[];
  /** The task's own environment; overrides everything else. */
  environment?: Record<string, string>;
}

/** Resource limits the isolators enforce (or only report, for posix/*). */
export interface Limits {
  cpus?: number;
  memMb?: number;
  diskMb?: number;
  /** Whole GPUs (gpu/nvidia). */
  gpus?: number;
  /** The `ports` ranges allocated to the container (network/ports), inclusive [begin, end]. */
  ports?: [number, number][];
}

/** Everything needed to launch one container (one executor run). */
export interface ContainerConfig {
  containerId: string;
  command: CommandSpec;
  /** The sandbox directory (see sandbox.ts for the layout); created if missing. */
  sandbox: string;
  limits: Limits;
  /** Run as this user (setuid/setgid); the sandbox is chowned to it. */
  user?: string;
  /** Ids exported as MESOS_* variables. */
  agentId?: string;
  frameworkId?: string;
  executorId?: string;
  taskId?: string;
  /** Extra variables the agent adds (MESOS_AGENT_ENDPOINT, ...), below the task's own. */
  agentEnvironment?: Record<string, string>;
  /** An image and volumes (Mesos's ContainerInfo), honoured by filesystem/linux and docker/runtime. */
  container?: ContainerSpec;
  /**
   * Bind mounts over the host's filesystem in a mount namespace of the container's own (the persistent volumes of a
   * container without an image, agent/volumes.ts): made by the launcher before the command (a mount plan without a
   * root), whatever the isolation. Absolute paths; a missing target is made.
   */
  volumeMounts?: { source: string; target: string; readOnly: boolean }[];
}

/** Mesos's KillPolicy: SIGTERM, then SIGKILL after the grace period. */
export interface KillPolicy {
  gracePeriodMs?: number;
}

/** Mesos's command executor default grace period (src/launcher/executor.cpp). */
export const DEFAULT_KILL_GRACE_PERIOD_MS = 3000;

/** How the container's main process ended. */
export interface ExitStatus {
  /** Exit code when it exited, else null. */
  code: number | null;
  /** Signal name (e.g. 'SIGKILL') when it was terminated by a signal, else null. */
  signal: string | null;
  /**
   * Mesos-style text: 'Command exited with status 3',
   * 'Command terminated with signal Killed'; for a container recovered after
   * an agent restart whose status could not be observed, says so.
   */
  message: string;
}

export type LimitationReason =
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_CONTAINER_LIMITATION_DISK'
  | 'REASON_CONTAINER_LIMITATION';

/** A resource limit the container hit (Mesos's ContainerLimitation). */
export interface Limitation {
  resource: 'mem' | 'disk' | 'cpus' | 'ports';
  reason: LimitationReason;
  message: string;
}

/** What wait() resolves to (Mesos's ContainerTermination). */
export interface ContainerTermination {
  containerId: string;
  /** null when the exit status is unknown (the process vanished while nobody watched). */
  status: ExitStatus | null;
  /** Set when an isolator reported a limitation; the container was destroyed because of it. */
  limitation?: Limitation;
  /** True when the container was killed by kill()/destroy() (as opposed to exiting by itself). */
  killed: boolean;
  /** One line for TaskStatus.message: the limitation's message, else the status message. */
  message: string;
}

/** Mesos's ResourceStatistics, the fields we can fill. */
export interface ResourceStatistics {
  timestamp: number; // seconds since the epoch (Mesos uses a double)
  processes?: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  cpus_limit?: number;
  cpus_nr_periods?: number;
  cpus_nr_throttled?: number;
  cpus_throttled_time_secs?: number;
  mem_rss_bytes?: number;
  mem_total_bytes?: number;
  mem_cache_bytes?: number;
  mem_limit_bytes?: number;
  mem_max_usage_bytes?: number;
  disk_used_bytes?: number;
  disk_limit_bytes?: number;
}

/** A small logger; the agent passes its own. */
export interface Logger {
  /** Lines only a raised verbosity shows (SET_LOGGING_LEVEL, /logging/toggle); loggers without it drop them. */
  debug?(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

/** A logger to the console whose lines start with `[name]`. */
export function namedConsoleLogger(name: string): Logger {
  return {
    info: (m) => console.log(`[${name}] ${m}`),
    warn: (m) => console.warn(`[${name}] WARNING: ${m}`),
  };
}

export const consoleLogger: Logger = namedConsoleLogger('containerizer');

export const silentLogger: Logger = { info: () => {}, warn: () => {} };

/** Errors of this layer; `code` lets the agent map them without string matching. */
export class ContainerizerError extends Error {
  constructor(
    readonly code:
      | 'INVALID_ID'
      | 'INVALID_CONFIG'
      | 'UNKNOWN_ISOLATOR'
      | 'ISOLATOR_UNAVAILABLE'
      | 'UNKNOWN_USER'
      | 'DUPLICATE_CONTAINER'
      | 'UNKNOWN_CONTAINER'
      | 'CORRUPT_CHECKPOINT'
      | 'LAUNCH_FAILED'
      | 'CGROUPS',
    message: string,
  ) {
    super(message);
    this.name = 'ContainerizerError';
  }
}
