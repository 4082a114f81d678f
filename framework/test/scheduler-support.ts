// Test support for the scheduler driver: an in-process cluster (the real
// master, scripted agents) and a Scheduler that records what it is told.
import type { Runtime } from 'libprocess-ts';
import { cluster, type Cluster } from '../../master/test/helpers/cluster.js';
import type { AgentID, ExecutorID, FrameworkID, FrameworkInfo, MasterInfo, Offer, OfferID, TaskStatus } from '../../protocol/types.js';
import { SchedulerDriver, type SchedulerDriverOptions } from '../scheduler/driver.js';
import type { DriverEvent, Scheduler } from '../scheduler/scheduler.js';
import { until } from '../../test/wait.js';

export { cluster, type Cluster };

/** Records every callback as a DriverEvent; `statusUpdate` may be replaced. */
export class Recorder implements Scheduler {
  readonly events: DriverEvent[] = [];
  onStatus: ((driver: SchedulerDriver, status: TaskStatus) => void | Promise<void>) | undefined;

  registered(_d: SchedulerDriver, frameworkId: FrameworkID, masterInfo: MasterInfo | undefined): void {
    this.events.push({ type: 'registered', frameworkId, masterInfo });
  }
  reregistered(_d: SchedulerDriver, masterInfo: MasterInfo | undefined): void {
    this.events.push({ type: 'reregistered', masterInfo });
  }
  disconnected(): void {
    this.events.push({ type: 'disconnected' });
  }
  resourceOffers(_d: SchedulerDriver, offers: Offer[]): void {
    this.events.push({ type: 'offers', offers });
  }
  offerRescinded(_d: SchedulerDriver, offerId: OfferID): void {
    this.events.push({ type: 'rescind', offerId });
  }
  statusUpdate(d: SchedulerDriver, status: TaskStatus): void | Promise<void> {
    this.events.push({ type: 'update', status });
    return this.onStatus?.(d, status);
  }
  frameworkMessage(_d: SchedulerDriver, executorId: ExecutorID, agentId: AgentID, data: Uint8Array): void {
    this.events.push({ type: 'message', executorId, agentId, data });
  }
  agentLost(_d: SchedulerDriver, agentId: AgentID): void {
    this.events.push({ type: 'agent_lost', agentId });
  }
  error(_d: SchedulerDriver, message: string): void {
    this.events.push({ type: 'error', message });
  }
  warning(_d: SchedulerDriver, message: string): void {
    this.events.push({ type: 'warning', message });
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
  of<T extends DriverEvent['type']>(type: T): Extract<DriverEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<DriverEvent, { type: T }> => e.type === type);
  }
  states(taskId: string): string[] {
    return this.of('update').filter((e) => e.status.task_id.value === taskId).map((e) => e.status.state);
  }
  lastOffers(): Offer[] {
    return this.of('offers').at(-1)?.offers ?? [];
  }
}

export const FRAMEWORK: FrameworkInfo = { user: 'tester', name: 'sdk-test', failover_timeout: 3600 };

/** A driver in its own runtime on the cluster's network, subscribed once the clock settles. */
export async function startDriver(
  c: Cluster,
  options: Partial<SchedulerDriverOptions> = {},
  name = 'sched',
): Promise<{ driver: SchedulerDriver; scheduler: Recorder; runtime: Runtime }> {
  const runtime = await c.runtime(name);
  const scheduler = (options.scheduler as Recorder | undefined) ?? new Recorder();
  const driver = await SchedulerDriver.start({ master: c.masterPid.toString(), framework: FRAMEWORK, random: 7, ...options, scheduler, runtime });
  await c.clock.settle();
  return { driver, scheduler, runtime };
}

/**
 * Waits for a condition on real I/O such as a file write, asked again every few ms for at most
 * `limitMs` of real time (a count of event-loop turns ran out when an fsync was slow on a busy disk).
 */
export async function eventually(check: () => Promise<boolean> | boolean, limitMs = 10_000): Promise<void> {
  await until('the condition', async () => ((await check()) ? true : undefined), { everyMs: 2, limitMs });
}
