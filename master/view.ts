/**
 * The master as its HTTP modules see it (http-state.ts, http-operator.ts,
 * http-scheduler.ts, http-webui.ts, state.ts): its books read-only, who it
 * is, its metrics, and where to install routes. The calls that change
 * something are separate and narrow: what the scheduler API may ask
 * (`SchedulerApiHost`) and what the operator API may do (`OperatorCalls`).
 * MasterProcess implements all of them; nothing else of it is reachable.
 */
import type { UsageIndex } from './books/usage.js';
import type { Clock, HttpHandler, Logger, LogVerbosity, PID, Timer } from 'libprocess-ts';
import type { MasterInfo } from '../protocol/types.js';
import type { Agent } from './agent.js';
import type { VirtualFiles } from './files.js';
import type { MasterEvents } from './events.js';
import type { MasterFlags } from './flags.js';
import type { Framework } from './framework.js';
import type { Frameworks } from './frameworks.js';
import type { MasterHttpAuth } from './http-auth.js';
import type { FrameworkCall, MasterProtocol } from './master.js';
import type { OfferBook } from './offers.js';
import type { Maintenance } from './maintenance-ops.js';
import type { MaintenanceBooks } from './maintenance.js';
import type { OperationBook } from './books/operations.js';
import type { RegisteredAgent } from './registrar/registry.js';
import type { Conversion } from '../protocol/reservations.js';
import type { ConversionResult } from './resource-conversions.js';

/** The books, to read (counters may be added to: the HTTP modules count their calls). */
export interface ReadBooks {
  readonly frameworks: ReadonlyMap<string, Framework>;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly unreachableAgents: ReadonlyMap<string, { readonly agent: Agent; readonly at: number }>;
  readonly goneAgents: ReadonlySet<string>;
  readonly removedFrameworkIds: ReadonlySet<string>;
  readonly completedFrameworks: { items(): Framework[] };
  readonly offers: Pick<OfferBook, 'ofFramework' | 'ofAgent' | 'all' | 'size'>;
  readonly weights: ReadonlyMap<string, number>;
  readonly quotas: ReadonlyMap<string, { readonly guarantees: Record<string, number>; readonly limits: Record<string, number> }>;
  readonly counters: ReadonlyMap<string, number>;
  readonly operations: Pick<OperationBook, 'all' | 'of' | 'size'>;
  readonly maintenance: Pick<MaintenanceBooks, 'windows' | 'down' | 'drains' | 'deactivated' | 'statuses' | 'draining' | 'scheduled' | 'blocked'>;
  readonly events: Pick<MasterEvents, 'listen'>;
  /** What each role is allocated, the tasks per state, the agents' totals (books/usage.ts). */
  readonly usage: Pick<UsageIndex, 'allocated' | 'roles' | 'tasks' | 'total' | 'used' | 'activeAgents'>;
  count(name: string, by?: number): void;
}

export interface MasterView {
  readonly state: ReadBooks;
  readonly flags: MasterFlags;
  readonly version: string;
  readonly ids: { readonly masterId: string };
  readonly pid: PID<MasterProtocol>;
  /** When this master started serving (for an HA master: when it was elected). */
  readonly startedAt: number;
  readonly clock: Clock;
  readonly runtime: { readonly http: { alias(path: string, target: string): void }; readonly logger: Logger; readonly logging: LogVerbosity };
  /** The master's files for LIST_FILES / READ_FILE (`/master/log` with --log_dir). */
  readonly files: VirtualFiles;
  /** HTTP authentication and the authorizer (--credentials, --authenticate_http_*, --acls). */
  readonly auth: MasterHttpAuth;
  masterInfo(): MasterInfo;
  metrics(): Record<string, number>;
  /** A framework known from the registry whose scheduler has not resubscribed yet. */
  isRecovered(frameworkId: string): boolean;
  /** Agents known from the registry that have not re-registered yet. */
  recoveredAgents(): readonly RegisteredAgent[];
  route(path: string, handler: HttpHandler, options?: { readonly prefix?: boolean }): void;
  delay(ms: number, fn: () => void): Timer;
}

/** What `POST /api/v1/scheduler` may do: subscribe a framework, notice its stream closing, make its calls. */
export interface SchedulerApiHost extends MasterView {
  readonly frameworks: Pick<Frameworks, 'invalid' | 'admission' | 'subscribe' | 'disconnected'>;
  call<N extends FrameworkCall>(framework: Framework, name: N, body: MasterProtocol[N]): string | undefined;
}

/** What the operator API may change. */
export interface OperatorCalls {
  /** UPDATE_WEIGHTS: in force at once, kept by the registry. */
  updateWeights(weights: Record<string, number>): void;
  /** UPDATE_QUOTA for one role (both empty: removed). */
  updateQuota(role: string, guarantees: Record<string, number>, limits: Record<string, number>): void;
  /** TEARDOWN; false when no such framework is subscribed. */
  teardown(frameworkId: string): boolean;
  /** RESERVE_RESOURCES, UNRESERVE_RESOURCES (and their classic endpoints): `what` names the change in errors. */
  convertResources(agentId: string, conversion: Conversion, what: string): Promise<ConversionResult>;
  /** MARK_AGENT_GONE; false when the agent is not known to this master. */
  markAgentGone(agentId: string): boolean;
}

export interface OperatorApiHost extends MasterView {
  readonly operator: OperatorCalls;
  /** DRAIN_AGENT, DEACTIVATE_AGENT, REACTIVATE_AGENT, the schedule, machines down and up (http-maintenance.ts). */
  readonly maintenance: Pick<Maintenance, 'drain' | 'deactivate' | 'reactivate' | 'updateSchedule' | 'down' | 'up'>;
}
