/**
 * The agent as its HTTP, metrics and executor-facing modules see it
 * (http.ts, metrics.ts, http-operator.ts, http-classic.ts,
 * operator-admin.ts, http-executor.ts, http-nested.ts, kill-container.ts):
 * its books and identity to read, its counters to add to, and where to
 * install routes. What they may change is separate and narrow: the calls of
 * the executor API (`ExecutorApiHost`) and of the operator API
 * (`OperatorCalls`). AgentProcess implements all of them; the modules reach
 * nothing else of it. The components inside the agent share `AgentCore`
 * (core.ts) instead.
 */
import type { Clock, HttpHandler, LogVerbosity, PID, RouteOptions, Timer } from 'libprocess-ts';
import type { Resources } from '../protocol/resources.js';
import type { AgentInfo, Attribute, TaskInfo, TaskStatus } from '../protocol/types.js';
import type { AgentStateName } from './agent.js';
import type { Logger } from './containerizer/index.js';
import type { ExecutorTokens } from './executor-token.js';
import type { UriFetcher } from './fetcher/fetcher.js';
import type { AgentFlags } from './flags.js';
import type { AgentHttpAuth } from './http-auth.js';
import type { NestedContainers } from './nested-containers.js';
import type { AgentReservations } from './resources-checkpoint.js';
import type { ExecutorChannel, ExecutorRecord, FrameworkRecord } from './state.js';

export interface AgentView {
  readonly flags: AgentFlags;
  readonly resources: Resources;
  readonly attributes: readonly Attribute[];
  readonly state: AgentStateName;
  readonly agentId: string | undefined;
  readonly pid: PID;
  /** The master the agent talks to now. */
  readonly master: PID;
  readonly startedAt: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly frameworks: ReadonlyMap<string, FrameworkRecord>;
  readonly completedFrameworks: readonly FrameworkRecord[];
  readonly counters: ReadonlyMap<string, number>;
  /** Sandboxes scheduled for removal and not removed yet. */
  readonly gcPending: number;
  readonly fetcher: Pick<UriFetcher, 'metrics'>;
  readonly reservations: Pick<AgentReservations, 'operations'>;
  readonly httpAuth: AgentHttpAuth;
  readonly runtime: { readonly logging: LogVerbosity };
  readonly executorTokens: ExecutorTokens;
  /** The nested containers, to list (GET_CONTAINERS with show_nested, /containers). */
  readonly nested: Pick<NestedContainers, 'list'>;
  /** Every live executor. */
  executors(): ExecutorRecord[];
  agentInfo(): AgentInfo;
  /** Bumps a counter of /metrics/snapshot. */
  count(name: string, by?: number): void;
  route(path: string, handler: HttpHandler, options?: RouteOptions): void;
  defer<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
}

/** What the v1 executor API (http-executor.ts) may ask of the agent. */
export interface ExecutorApiHost extends AgentView {
  delay(ms: number, fn: () => void): Timer;
  subscribeHttpExecutor(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel, unackedTasks: readonly TaskInfo[], unackedUpdates: readonly TaskStatus[]): void;
  httpExecutorUpdate(fw: FrameworkRecord, ex: ExecutorRecord, status: TaskStatus): void;
  httpExecutorDisconnected(fw: FrameworkRecord, ex: ExecutorRecord, channel: ExecutorChannel): void;
  executorOwns(ex: ExecutorRecord, taskId: string): boolean;
  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): void;
}

/** What the v1 operator API (http-operator.ts, kill-container.ts, http-nested.ts) may do. */
export interface OperatorCalls extends AgentView {
  /** Containers executors launch under their own (LAUNCH/WAIT/KILL/REMOVE_NESTED_CONTAINER). */
  readonly nested: NestedContainers;
  /** Mesos's Slave::shutdownExecutor (KILL_CONTAINER of an executor's container). */
  shutdownExecutor(ex: ExecutorRecord): void;
}
