import type { Clock, Logger, Timer } from 'libprocess-ts';
import type { Authorizer } from '../protocol/auth/authorizer.js';
import type { IdGenerator } from '../protocol/ids.js';
import type { MasterToAgent } from '../protocol/messages/master-agent.js';
import type { MasterToScheduler } from '../protocol/messages/master-scheduler.js';
import type { AgentInfo, MasterInfo } from '../protocol/types.js';
import type { Agent } from './agent.js';
import type { Effect } from './books/effects.js';
import type { AllocatorPort } from './allocator-port.js';
import { BoundedList } from './bounded.js';
import type { MasterFlags } from './flags.js';
import type { Framework } from './framework.js';
import { MasterEvents } from './events.js';
import { OfferBook } from './offers.js';
import { MaintenanceBooks } from './maintenance.js';
import { OperationBook } from './books/operations.js';
import { UsageIndex } from './books/usage.js';

/** Everything the master knows, owned by the master process. */
export class MasterState {
  readonly frameworks = new Map<string, Framework>();
  readonly completedFrameworks: BoundedList<Framework>;
  /** Ids of removed frameworks: a scheduler coming back with one is refused. */
  readonly removedFrameworkIds = new Set<string>();
  readonly agents = new Map<string, Agent>();
  /** Registered agents by the PID text they talk from (every agent message is looked up here). */
  readonly agentsByPid = new Map<string, Agent>();
  /** Agents marked unreachable, by id, with the time; they may come back. */
  readonly unreachableAgents = new Map<string, { agent: Agent; at: number }>();
  /** Agents that were removed for good (unregistered or shut down): refused if they come back. */
  readonly goneAgents = new Set<string>();
  readonly offers = new OfferBook();
  /** Maintenance schedule, machines down, agents drained or deactivated, inverse offers. */
  readonly maintenance = new MaintenanceBooks();
  readonly counters = new Map<string, number>();
  /** Role weights in force (flags, then UPDATE_WEIGHTS). */
  readonly weights = new Map<string, number>();
  /** Quota per role, in real units (UPDATE_QUOTA). */
  readonly quotas = new Map<string, { guarantees: Record<string, number>; limits: Record<string, number> }>();
  /** Operations with an id (operation feedback), until their framework acknowledges them. */
  readonly operations = new OperationBook();
  /** Changes, as they happen, for the operator API's SUBSCRIBE. */
  readonly events = new MasterEvents();
  /** What each role is allocated and the tasks per state, kept as the books change (books/usage.ts). */
  readonly usage = new UsageIndex();

  constructor(flags: MasterFlags) {
    this.completedFrameworks = new BoundedList(flags.maxCompletedFrameworks);
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }
}

/** What the master's parts (frameworks, agents, offers, tasks) share. */
export interface MasterContext {
  readonly state: MasterState;
  readonly flags: MasterFlags;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly allocator: AllocatorPort;
  /** --acls: register_frameworks at subscription, run_tasks at launch. */
  readonly authorizer: Authorizer;
  readonly masterInfo: () => MasterInfo;
  /** A new random uuid (seeded): operation statuses and operations. */
  readonly uuid: () => Uint8Array;
  toAgent<N extends keyof MasterToAgent & string>(agent: Agent | string, name: N, body: MasterToAgent[N]): void;
  toFramework<N extends keyof MasterToScheduler & string>(framework: Framework, name: N, body: MasterToScheduler[N]): void;
  delay(ms: number, fn: () => void): Timer;
  link(pid: string): void;
  /** Carries out what a transition of the books (books/) asks: recover resources, forward statuses, emit events, count, write the registry. */
  apply(effects: readonly Effect[]): void;
  /**
   * High availability: writes the admission of a new agent to the registry;
   * `then(true)` runs inside the master once it is committed (false: it was
   * not). Absent: agents are admitted at once.
   */
  /** High availability: an agent known from the registry that has not re-registered with this leader yet. */
  pendingAgent?(agentId: string): boolean;
  admit?(agent: { id: string; info: AgentInfo; pid: string; registeredAt: number }, then: (committed: boolean) => void): void;
}
