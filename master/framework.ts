import type { Timer } from 'libprocess-ts';
import { Resources } from '../protocol/resources.js';
import type { ExecutorInfo, FrameworkInfo, Task } from '../protocol/types.js';
import { BoundedList } from './bounded.js';
import type { UsageIndex } from './books/usage.js';
import type { SchedulerConnection } from './connection.js';

/** The master's record of one framework: who it is, how to reach it, what it runs. */
export class Framework {
  #info: FrameworkInfo;
  connection: SchedulerConnection | undefined;
  /** A scheduler is connected now. */
  connected = false;
  /** Offers are made to it (connected and not deactivated). */
  active = false;
  suppressedRoles: Set<string>;
  readonly registeredAt: number;
  reregisteredAt: number | undefined;
  disconnectedAt: number | undefined;
  /** Runs out `failover_timeout` after a disconnection, then the framework is removed. */
  failoverTimer: Timer | undefined;
  /** Tasks not yet terminal, or terminal but whose last update is not acknowledged yet. */
  readonly tasks = new Map<string, Task>();
  /** Tasks on agents that became unreachable (partition-aware view). */
  readonly unreachableTasks = new Map<string, Task>();
  readonly completedTasks: BoundedList<Task>;
  /** agent id -> executor id -> executor. */
  readonly executors = new Map<string, Map<string, ExecutorInfo>>();
  /** agent id -> resources its tasks and executors use there. */
  readonly used = new Map<string, Resources>();
  /** The books' index of what each role uses, while this framework is in the books (books/usage.ts). */
  #usage: UsageIndex | undefined;
  removedAt: number | undefined;
  /** The principal its scheduler authenticated as when it subscribed: only that principal may subscribe with its id again. */
  principal: string | undefined;
  /** Its counters for Mesos's per-framework metrics (`calls/<type>`, `events/<type>`, `offers/sent`, ...; framework-metrics.ts). */
  readonly counters = new Map<string, number>();

  constructor(readonly id: string, info: FrameworkInfo, now: number, maxCompletedTasks: number, suppressed: readonly string[] = []) {
    this.#info = info;
    this.registeredAt = now;
    this.completedTasks = new BoundedList(maxCompletedTasks, (t) => t.task_id.value);
    this.suppressedRoles = new Set(suppressed);
  }

  get info(): FrameworkInfo {
    return this.#info;
  }

  /** New info (a resubscription, UPDATE_FRAMEWORK): what it uses without allocation info moves to its new first role in the index. */
  set info(info: FrameworkInfo) {
    const usage = this.#usage;
    if (usage === undefined || (rolesOf(info)[0] ?? '*') === this.#fallbackRole) {
      this.#info = info;
      return;
    }
    this.detach();
    this.#info = info;
    this.attach(usage);
  }

  /** The roles it subscribes to: `roles` for MULTI_ROLE frameworks, else the single `role` (default `*`). */
  get roles(): string[] {
    return rolesOf(this.info);
  }

  hasCapability(name: string): boolean {
    return (this.info.capabilities ?? []).some((c) => c.type === name);
  }

  get partitionAware(): boolean {
    return this.hasCapability('PARTITION_AWARE');
  }

  /** Failover timeout in ms (the info's seconds; 0 by default). */
  get failoverTimeoutMs(): number {
    const s = this.info.failover_timeout ?? 0;
    return Number.isFinite(s) && s > 0 ? Math.min(s * 1000, 2 ** 31 - 1) : 0;
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  addUsed(agentId: string, resources: Resources): void {
    this.used.set(agentId, (this.used.get(agentId) ?? Resources.empty()).add(resources));
    this.#usage?.use(resources, this.#fallbackRole, 1);
  }

  removeUsed(agentId: string, resources: Resources): void {
    const held = this.used.get(agentId) ?? Resources.empty();
    const left = held.subtract(resources);
    if (left.isEmpty()) this.used.delete(agentId);
    else this.used.set(agentId, left);
    this.#usage?.use(held.subtract(left), this.#fallbackRole, -1);
  }

  /** It holds nothing on the agent any more (the agent left the cluster). */
  dropAgent(agentId: string): void {
    const held = this.used.get(agentId);
    if (held === undefined) return;
    this.used.delete(agentId);
    this.#usage?.use(held, this.#fallbackRole, -1);
  }

  /** In the books from now on: what it uses is counted in the books' per-role index. */
  attach(usage: UsageIndex): void {
    if (this.#usage === usage) return;
    this.detach();
    this.#usage = usage;
    for (const r of this.used.values()) usage.use(r, this.#fallbackRole, 1);
  }

  /** Out of the books: no longer counted. */
  detach(): void {
    const usage = this.#usage;
    this.#usage = undefined;
    if (usage !== undefined) for (const r of this.used.values()) usage.use(r, this.#fallbackRole, -1);
  }

  /** The role of resources without allocation info (a framework of one role). */
  get #fallbackRole(): string {
    return this.roles[0] ?? '*';
  }

  totalUsed(): Resources {
    let total = Resources.empty();
    for (const r of this.used.values()) total = total.add(r);
    return total;
  }

  executorsOn(agentId: string): Map<string, ExecutorInfo> {
    let m = this.executors.get(agentId);
    if (m === undefined) this.executors.set(agentId, (m = new Map()));
    return m;
  }
}

export function rolesOf(info: FrameworkInfo): string[] {
  const multi = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
  if (multi) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}
