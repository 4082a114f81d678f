import { PID } from 'libprocess-ts';
import { Resources } from '../protocol/resources.js';
import type { AgentInfo, ExecutorInfo, Task } from '../protocol/types.js';
import type { UsageIndex } from './books/usage.js';

/** The master's record of one registered agent. */
export class Agent {
  info: AgentInfo;
  #pid: string;
  /** #pid parsed, once per PID: every message to the agent is addressed with it. */
  #pidRef: PID | undefined;
  #total: Resources;
  version: string;
  /** AGENT_OPERATION_FEEDBACK: it answers operations on its resources (they stay OPERATION_PENDING until then). */
  operationFeedback = false;
  #active = true;
  connected = true;
  readonly registeredAt: number;
  reregisteredAt: number | undefined;
  /** framework id -> task id -> task. */
  readonly tasks = new Map<string, Map<string, Task>>();
  /** framework id -> executor id -> executor. */
  readonly executors = new Map<string, Map<string, ExecutorInfo>>();
  /** framework id -> what its tasks and executors use here. */
  readonly used = new Map<string, Resources>();
  /** Health: pings sent without a pong since the last pong. */
  missedPings = 0;
  pongSeen = true;
  /** When its next ping is due (ms, the master's clock), while it is pinged (ping-schedule.ts). */
  pingDue: number | undefined;
  pingSeq = 0;
  /** The books' index of tasks per state, while this agent is in the books (books/usage.ts). */
  usage: UsageIndex | undefined;

  constructor(readonly id: string, info: AgentInfo, pid: string, total: Resources, version: string, now: number) {
    this.info = info;
    this.#pid = pid;
    this.#total = total;
    this.version = version;
    this.registeredAt = now;
  }

  /** PID text of the agent process. */
  get pid(): string {
    return this.#pid;
  }

  set pid(pid: string) {
    this.#pid = pid;
    this.#pidRef = undefined;
  }

  /** The agent process's PID (parsed once). */
  get pidRef(): PID {
    return (this.#pidRef ??= PID.parse(this.#pid));
  }

  /** What it offers in all (reservations and volumes applied). */
  get total(): Resources {
    return this.#total;
  }

  set total(total: Resources) {
    this.usage?.agentTotal(this.#total, -1);
    this.#total = total;
    this.usage?.agentTotal(total, 1);
  }

  /** Connected and not deactivated: its resources are offered. */
  get active(): boolean {
    return this.#active;
  }

  set active(active: boolean) {
    if (active !== this.#active && this.usage !== undefined) this.usage.activeAgents += active ? 1 : -1;
    this.#active = active;
  }

  get hostname(): string {
    return this.info.hostname;
  }

  tasksOf(frameworkId: string): Map<string, Task> {
    let m = this.tasks.get(frameworkId);
    if (m === undefined) this.tasks.set(frameworkId, (m = new Map()));
    return m;
  }

  executorsOf(frameworkId: string): Map<string, ExecutorInfo> {
    let m = this.executors.get(frameworkId);
    if (m === undefined) this.executors.set(frameworkId, (m = new Map()));
    return m;
  }

  addUsed(frameworkId: string, resources: Resources): void {
    this.used.set(frameworkId, (this.used.get(frameworkId) ?? Resources.empty()).add(resources));
  }

  removeUsed(frameworkId: string, resources: Resources): void {
    const left = (this.used.get(frameworkId) ?? Resources.empty()).subtract(resources);
    if (left.isEmpty()) this.used.delete(frameworkId);
    else this.used.set(frameworkId, left);
  }

  totalUsed(): Resources {
    let total = Resources.empty();
    for (const r of this.used.values()) total = total.add(r);
    return total;
  }

  /** In the books from now on: its tasks are counted in the books' index. */
  attach(usage: UsageIndex): void {
    if (this.usage === usage) return;
    this.detach();
    this.usage = usage;
    for (const m of this.tasks.values()) for (const t of m.values()) usage.task(t.state, 1);
    usage.agentTotal(this.#total, 1);
    if (this.#active) usage.activeAgents++;
  }

  /** Out of the books: its tasks no longer counted. */
  detach(): void {
    const usage = this.usage;
    this.usage = undefined;
    if (usage === undefined) return;
    for (const m of this.tasks.values()) for (const t of m.values()) usage.task(t.state, -1);
    usage.agentTotal(this.#total, -1);
    if (this.#active) usage.activeAgents--;
  }

  taskCount(): number {
    let n = 0;
    for (const m of this.tasks.values()) n += m.size;
    return n;
  }
}
