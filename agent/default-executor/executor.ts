/**
 * The default executor's logic (Mesos's src/launcher/default_executor.cpp),
 * with its I/O behind `ExecutorPort` so that it is tested without processes.
 *
 * Each task of a LAUNCH_GROUP runs in a nested container of its own
 * (LAUNCH_CONTAINER with the task's resources: its own limits), whose
 * sandbox is linked as `tasks/<task_id>` in the executor's. A task reports
 * TASK_RUNNING once its container runs, then its own terminal state from
 * WAIT: TASK_FINISHED (exit 0), TASK_FAILED, or TASK_KILLED when it was
 * killed. Kill policy of a group (Mesos's default): a task that fails or is
 * killed takes its whole group down, the others are killed (SIGTERM, SIGKILL
 * after the grace period). A task with a `health_check` (COMMAND, HTTP, TCP:
 * agent/health.ts, run from the task's sandbox) reports TASK_RUNNING with
 * `healthy` when its health changes; past its consecutive failures it is
 * killed (its group with it), its terminal status `healthy: false`, as
 * Mesos's default executor does. The executor exits once it runs nothing more and
 * its updates are acknowledged (or after a short wait for them).
 *
 *   agent events ─► DefaultExecutor ─► port: launch / wait / kill / remove nested containers
 *   (SUBSCRIBED, LAUNCH_GROUP, KILL,       │            update (UPDATE calls), link sandbox
 *    ACKNOWLEDGED, SHUTDOWN)               └─► exit when nothing runs
 */
import { isTerminal, type TaskState, type TaskStatusReason } from '../../protocol/task-states.js';
import type { ContainerID } from '../../protocol/ids.js';
import type { KillPolicy, TaskInfo, TaskStatus } from '../../protocol/types.js';
import { healthCheckError, type HealthResult } from '../health.js';

/** What WAIT answers (exit_status: the raw wait status). */
export interface Waited {
  readonly exit_status?: number;
  readonly state?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface ExecutorPort {
  launch(container: ContainerID, task: TaskInfo): Promise<void>;
  wait(container: ContainerID): Promise<Waited>;
  kill(container: ContainerID, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  remove(container: ContainerID): Promise<void>;
  /** `tasks/<task_id>` in the executor's sandbox → the container's sandbox. */
  linkSandbox(taskId: string, child: string): Promise<void>;
  /** Starts the task's health checks (its `health_check`) from its sandbox; each result goes to `onResult`. */
  healthCheck(task: TaskInfo, onResult: (r: HealthResult) => void): { stop(): void };
  /** An UPDATE call; resolves once the agent took it. */
  update(status: TaskStatus): Promise<void>;
  delay(ms: number, fn: () => void): { cancel(): void };
  newId(): string;
  newUuid(): Uint8Array;
  now(): number;
  log(message: string): void;
  exit(code: number): void;
}

/** Mesos's default grace period of a kill without a policy. */
export const DEFAULT_GRACE_MS = 3000;
/** How long the executor waits for its last updates' acknowledgements before it exits anyway (the agent delivers them). */
export const ACK_WAIT_MS = 5000;

interface Running {
  readonly info: TaskInfo;
  readonly container: ContainerID;
  readonly group: number;
  state: TaskState;
  launched: boolean;
  killing: boolean;
  killTimer?: { cancel(): void };
  health?: { stop(): void };
  /** Its last health check result said unhealthy (its terminal status says so too). */
  unhealthy?: boolean;
}

export class DefaultExecutor {
  readonly tasks = new Map<string, Running>();
  /** Updates not acknowledged yet, by uuid (hex). */
  readonly unacked = new Map<string, TaskStatus>();
  #parent: ContainerID | undefined;
  #executorId = '';
  #killingState = false;
  #groups = 0;
  #shuttingDown = false;
  #exiting = false;
  #ackTimer: { cancel(): void } | undefined;

  constructor(private readonly port: ExecutorPort) {}

  subscribed(executorId: string, container: ContainerID, capabilities: readonly string[]): void {
    this.#executorId = executorId;
    this.#parent = container;
    this.#killingState = capabilities.includes('TASK_KILLING_STATE');
  }

  launchGroup(tasks: readonly TaskInfo[]): void {
    if (this.#parent === undefined) throw new Error('LAUNCH_GROUP before SUBSCRIBED');
    const group = this.#groups++;
    const members: Running[] = [];
    for (const info of tasks) {
      if (this.tasks.has(info.task_id.value)) {
        this.port.log(`task ${info.task_id.value} is already known; ignoring it in this group`);
        continue;
      }
      const r: Running = { info, container: { value: this.port.newId(), parent: this.#parent }, group, state: 'TASK_STAGING', launched: false, killing: false };
      this.tasks.set(info.task_id.value, r);
      members.push(r);
    }
    for (const r of members) void this.#launch(r);
  }

  async #launch(r: Running): Promise<void> {
    const badCheck = r.info.health_check !== undefined ? healthCheckError(r.info.health_check) : undefined;
    if (badCheck !== undefined) {
      // Refused before anything runs, naming what is wrong (the agent refuses a command task's the same way).
      this.#send(r, 'TASK_FAILED', { reason: 'REASON_TASK_INVALID', message: `Invalid health check: ${badCheck}` });
      this.#groupDown(r);
      this.#maybeExit();
      return;
    }
    try {
      await this.port.launch(r.container, r.info);
    } catch (e) {
      if (r.killing) this.#send(r, 'TASK_KILLED', { message: `Killed while its container launched (the launch failed: ${(e as Error).message})` });
      else this.#send(r, 'TASK_FAILED', { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch the task's container: ${(e as Error).message}` });
      this.#groupDown(r);
      this.#maybeExit();
      return;
    }
    r.launched = true;
    await this.port.linkSandbox(r.info.task_id.value, r.container.value).catch((e: Error) => this.port.log(`linking the sandbox of ${r.info.task_id.value}: ${e.message}`));
    if (r.killing) {
      // Killed while it launched: it ends at once.
      void this.port.kill(r.container, 'SIGKILL').catch(() => {});
    } else {
      this.#send(r, 'TASK_RUNNING', { container_status: { container_id: r.container } });
      if (r.info.health_check !== undefined) r.health = this.port.healthCheck(r.info, (h) => this.#healthResult(r, h));
    }
    void this.#wait(r);
  }

  async #wait(r: Running): Promise<void> {
    let waited: Waited;
    try {
      waited = await this.port.wait(r.container);
    } catch (e) {
      this.#send(r, 'TASK_FAILED', { reason: 'REASON_EXECUTOR_TERMINATED', message: `Lost the task's container: ${(e as Error).message}` });
      this.#groupDown(r);
      this.#maybeExit();
      return;
    }
    r.killTimer?.cancel();
    r.health?.stop();
    const status = terminalOf(waited, r.killing);
    this.#send(r, status.state, { message: status.message, ...(status.reason !== undefined ? { reason: status.reason } : {}), ...(r.unhealthy === true ? { healthy: false } : {}) });
    if (status.state !== 'TASK_FINISHED') this.#groupDown(r);
    void this.port.remove(r.container).catch((e: Error) => this.port.log(`removing container ${r.container.value}: ${e.message}`));
    this.#maybeExit();
  }

  /** KILL: the task's whole group is killed (Mesos's default executor). */
  kill(taskId: string, policy?: KillPolicy): void {
    const r = this.tasks.get(taskId);
    if (r === undefined) {
      this.port.log(`KILL of unknown task ${taskId}`);
      return;
    }
    for (const m of this.tasks.values()) if (m.group === r.group) this.#kill(m, graceOf(policy ?? m.info.kill_policy));
  }

  shutdown(graceMs: number): void {
    this.#shuttingDown = true;
    for (const r of this.tasks.values()) this.#kill(r, Math.min(graceMs, graceOf(r.info.kill_policy)));
    this.#maybeExit();
  }

  acknowledged(uuid: Uint8Array): void {
    this.unacked.delete(hex(uuid));
    this.#maybeExit();
  }

  /** A health check result: TASK_RUNNING with `healthy` (Mesos sends each change); too many failures kill the task. */
  #healthResult(r: Running, h: HealthResult): void {
    if (isTerminal(r.state) || r.killing) return;
    r.unhealthy = !h.healthy;
    this.#send(r, 'TASK_RUNNING', { healthy: h.healthy, reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', message: h.message, container_status: { container_id: r.container } });
    if (h.kill) {
      this.port.log(`task ${r.info.task_id.value} failed ${h.consecutiveFailures} health checks in a row: killing it`);
      this.#kill(r, graceOf(r.info.kill_policy));
    }
  }

  /** A failed or killed task takes the rest of its group down. */
  #groupDown(r: Running): void {
    for (const m of this.tasks.values()) if (m.group === r.group && m !== r) this.#kill(m, graceOf(m.info.kill_policy));
  }

  #kill(r: Running, graceMs: number): void {
    if (isTerminal(r.state) || r.killing) return;
    r.killing = true;
    if (!r.launched) return; // killed once launched (#launch)
    if (this.#killingState) this.#send(r, 'TASK_KILLING', {});
    void this.port.kill(r.container, graceMs > 0 ? 'SIGTERM' : 'SIGKILL').catch((e: Error) => this.port.log(`killing ${r.container.value}: ${e.message}`));
    if (graceMs > 0) {
      r.killTimer = this.port.delay(graceMs, () => {
        if (!isTerminal(r.state)) void this.port.kill(r.container, 'SIGKILL').catch(() => {});
      });
    }
  }

  #send(r: Running, state: TaskState, extra: Partial<TaskStatus>): void {
    if (isTerminal(r.state)) return;
    r.state = state;
    const uuid = this.port.newUuid();
    const status: TaskStatus = {
      task_id: r.info.task_id,
      state,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: this.#executorId },
      uuid,
      timestamp: this.port.now() / 1000,
      ...extra,
    };
    this.unacked.set(hex(uuid), status);
    this.port.update(status).catch((e: Error) => this.port.log(`UPDATE ${state} of ${r.info.task_id.value} failed: ${e.message}`));
  }

  /** Nothing runs any more: exit once the updates are acknowledged (or after ACK_WAIT_MS). */
  #maybeExit(): void {
    if (this.#exiting) return;
    if (this.#groups === 0 && !this.#shuttingDown) return;
    for (const r of this.tasks.values()) if (!isTerminal(r.state)) return;
    if (this.unacked.size === 0) {
      this.#exiting = true;
      this.#ackTimer?.cancel();
      this.port.exit(0);
      return;
    }
    this.#ackTimer ??= this.port.delay(ACK_WAIT_MS, () => {
      this.#exiting = true;
      this.port.log(`exiting with ${this.unacked.size} update(s) unacknowledged (the agent delivers them)`);
      this.port.exit(0);
    });
  }

  /** For a resubscription: the tasks not acknowledged as terminal, and the updates not acknowledged. */
  unacknowledged(): { tasks: TaskInfo[]; updates: TaskStatus[] } {
    const updates = [...this.unacked.values()];
    const pending = new Set(updates.map((u) => u.task_id.value));
    return { tasks: [...this.tasks.values()].filter((r) => !isTerminal(r.state) || pending.has(r.info.task_id.value)).map((r) => r.info), updates };
  }
}

/** The terminal state of a task from how its container ended. */
export function terminalOf(w: Waited, killed: boolean): { state: TaskState; reason?: TaskStatusReason; message: string } {
  const raw = w.exit_status;
  const exited = raw !== undefined && (raw & 0x7f) === 0;
  const code = exited ? (raw >> 8) & 0xff : undefined;
  const signal = raw !== undefined && !exited ? raw & 0x7f : undefined;
  const how = code !== undefined ? `Command exited with status ${code}` : signal !== undefined ? `Command terminated with signal ${signal}` : (w.message ?? 'Command ended with an unknown status');
  if (w.reason !== undefined && w.reason.startsWith('REASON_CONTAINER_LIMITATION')) return { state: 'TASK_FAILED', reason: w.reason as TaskStatusReason, message: w.message ?? how };
  // As Mesos, the agent's word wins: a container it killed (an operator's KILL_CONTAINER of the task's own) ends TASK_KILLED.
  if (killed || w.state === 'TASK_KILLED') return { state: 'TASK_KILLED', message: how };
  if (code === 0) return { state: 'TASK_FINISHED', message: how };
  return { state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: how };
}

function graceOf(policy: KillPolicy | undefined): number {
  const ns = policy?.grace_period?.nanoseconds;
  return typeof ns === 'number' && Number.isFinite(ns) && ns >= 0 ? Math.round(ns / 1e6) : DEFAULT_GRACE_MS;
}

function hex(uuid: Uint8Array): string {
  return Buffer.from(uuid).toString('hex');
}
