// A scripted agent for the examples' in-process tests: the master tests'
// TestAgent (real protocol, plays the tasks it is given) that also reports
// health check results, as the real agent's health checker does, can carry
// attributes, and can end its tasks after a while (`play`).
import type { PID } from 'libprocess-ts';
import { parseAttributes } from '../../../protocol/attributes.js';
import { uuidBytes } from '../../../protocol/ids.js';
import { Resources } from '../../../protocol/resources.js';
import type { TaskState } from '../../../protocol/task-states.js';
import type { TaskInfo, TaskStatus } from '../../../protocol/types.js';
import type { MasterProtocol } from '../../../master/master.js';
import { TestAgent, type TestAgentOptions } from '../../../master/test/helpers/peers.js';
import type { Cluster } from '../../../master/test/helpers/cluster.js';

/** How a task ends: `afterMs` of virtual time after it starts running. */
export type Play = (task: TaskInfo) => { afterMs: number; state: TaskState; message?: string } | undefined;

export class HealthAgent extends TestAgent {
  #n = 0;
  /** When each task started running (clock ms). */
  readonly startedAt = new Map<string, number>();
  constructor(master: PID<MasterProtocol>, options: TestAgentOptions, readonly attributes?: string, readonly play?: Play) {
    super(master, options);
  }

  override update(taskId: string, state: TaskState, message?: string): Uint8Array {
    const uuid = super.update(taskId, state, message);
    const r = this.running.get(taskId);
    if (state === 'TASK_RUNNING' && !this.startedAt.has(taskId)) this.startedAt.set(taskId, this.clock.now());
    const end = state === 'TASK_RUNNING' && r !== undefined ? this.play?.(r.task) : undefined;
    if (end !== undefined) this.delay(end.afterMs, () => {
      if (this.running.get(taskId)?.state === 'TASK_RUNNING') super.update(taskId, end.state, end.message);
    });
    return uuid;
  }

  override register(): void {
    if (this.agentId !== undefined || this.attributes === undefined) return super.register();
    const agent = { hostname: this.options.hostname ?? this.pid.id, port: this.pid.port, resources: Resources.parse(this.options.resources).toJSON(), attributes: parseAttributes(this.attributes) };
    this.send(this.master, 'register_agent', { agent, version: 'test', checkpointed_resources: [] });
  }

  /** A TASK_RUNNING update with a health check result, as the agent sends one. */
  health(taskId: string, healthy: boolean, message = healthy ? 'HTTP health check returned 200' : 'HTTP health check failed'): void {
    const r = this.running.get(taskId);
    if (r === undefined) throw new Error(`health agent: no task ${taskId}`);
    let seed = ++this.#n * 104729;
    const uuid = uuidBytes(() => (seed = (seed * 48271) % 2147483647) / 2147483647);
    const status: TaskStatus = { task_id: { value: taskId }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy, message, agent_id: { value: this.agentId! }, uuid, timestamp: this.clock.now() / 1000 };
    this.send(this.master, 'status_update', { update: { framework_id: { value: r.frameworkId }, status, timestamp: this.clock.now() / 1000, uuid } });
  }

  /** Task ids it was asked to run, in order. */
  launched(): string[] {
    return this.named('run_task').map((b) => b.task.task_id.value);
  }

  killed(): string[] {
    return this.named('kill_task').map((b) => b.task_id.value);
  }
}

/** Starts a HealthAgent in its own runtime on the cluster's network. */
export async function healthAgent(c: Cluster, options: TestAgentOptions, name: string, attributes?: string, play?: Play): Promise<HealthAgent> {
  const r = await c.runtime(name);
  const agent = new HealthAgent(c.masterPid, options, attributes, play);
  r.spawn(agent, 'slave(1)');
  await c.clock.settle();
  return agent;
}
