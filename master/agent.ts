import type { Timer } from 'libprocess-ts';
import { Resources } from '../protocol/resources.js';
import type { AgentInfo, ExecutorInfo, Task } from '../protocol/types.js';

/** The master's record of one registered agent. */
export class Agent {
  info: AgentInfo;
  /** PID text of the agent process. */
  pid: string;
  total: Resources;
  version: string;
  /** AGENT_OPERATION_FEEDBACK: it answers operations on its resources (they stay OPERATION_PENDING until then). */
  operationFeedback = false;
  /** Connected and not deactivated: its resources are offered. */
  active = true;
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
  pingTimer: Timer | undefined;
  pingSeq = 0;

  constructor(readonly id: string, info: AgentInfo, pid: string, total: Resources, version: string, now: number) {
    this.info = info;
    this.pid = pid;
    this.total = total;
    this.version = version;
    this.registeredAt = now;
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

  taskCount(): number {
    let n = 0;
    for (const m of this.tasks.values()) n += m.size;
    return n;
  }
}
