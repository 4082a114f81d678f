/**
 * A simulated agent: a real libprocess-ts process that speaks the real
 * master-agent protocol (registration and re-registration with the real agent's
 * backoff and choice of master, agent/registration.ts; pongs,
 * status updates retried until acknowledged, kills), whose "containerizer"
 * only pretends: a task runs for the time its command says (`sleep 12.5`, or
 * a `duration_ms` label) and then finishes. Thousands of them share one
 * runtime (one WebSocket to the master), for experiments at scale
 * (`mesos-ts local --simulated-agents N`, `make bench-offers`).
 */
import { PID, Process, type Handlers, type Random, type Timer } from 'libprocess-ts';
import { uuidBytes } from '../protocol/ids.js';
import { MasterChoice, RegistrationBackoff } from './registration.js';
import type { FromNonLeader } from '../protocol/messages/leader.js';
import type { AgentToMaster, MasterToAgent } from '../protocol/messages/master-agent.js';
import { Resources } from '../protocol/resources.js';
import { isTerminal, type TaskState } from '../protocol/task-states.js';
import type { Attribute, Task, TaskInfo, TaskStatus } from '../protocol/types.js';

export interface SimulatedAgentOptions {
  /** The master's PID text (`master@host:port`), or several, comma-separated (high availability: tried in turn, `not_leader` followed). */
  readonly master: string;
  readonly resources: Resources;
  readonly hostname: string;
  readonly attributes?: Attribute[];
  readonly random: Random;
  /** Status update retry interval (ms; Mesos: 10 s), doubling while the same update goes unacknowledged, up to retryMaxMs (Mesos: 10 min), as the real agent's (status-updates.ts). */
  readonly retryMs?: number;
  readonly retryMaxMs?: number;
  /** Registration backoff factor (ms; Mesos's --registration_backoff_factor, 1 s): the first try within it, the first retry within twice it (agent/registration.ts, as the real agent). */
  readonly backoffMs?: number;
  /** Told when a task's resources are free again (for measurements). */
  readonly onFreed?: (agentId: string, atMs: number) => void;
}

interface SimTask {
  readonly info: TaskInfo;
  readonly frameworkId: string;
  state: TaskState;
  timer: Timer | undefined;
  /** The update waiting for its acknowledgement, and the ones queued behind it. */
  readonly pending: TaskStatus[];
  retry: Timer | undefined;
  /** The wait before the head's next retry. */
  backoffMs: number;
}

/** How long a task pretends to run: `duration_ms` label, else `sleep <seconds>` in its command, else 0. */
export function simulatedDurationMs(task: TaskInfo): number {
  const label = task.labels?.labels.find((l) => l.key === 'duration_ms')?.value;
  if (label !== undefined && Number.isFinite(Number(label))) return Math.max(0, Number(label));
  const m = /(?:^|[;&|\s])sleep\s+(\d+(?:\.\d+)?)/.exec(task.command?.value ?? '');
  return m ? Number(m[1]) * 1000 : 0;
}

export class SimulatedAgentProcess extends Process<MasterToAgent & FromNonLeader> {
  agentId: string | undefined;
  readonly tasks = new Map<string, SimTask>();
  #master: PID<AgentToMaster>;
  /** Which master registrations go to, and when: the real agent's policy (agent/registration.ts MasterChoice). */
  readonly #choice: MasterChoice;
  #registerTimer: Timer | undefined;
  /** Registered with #master (its answer came, its link holds). */
  #running = false;
  readonly #retryMs: number;
  readonly #retryMaxMs: number;

  constructor(private readonly options: SimulatedAgentOptions) {
    super();
    const masters = options.master.split(',').map((m) => PID.parse(m.trim()).toString());
    this.#choice = new MasterChoice(masters, new RegistrationBackoff(options.backoffMs ?? 1000, options.random));
    this.#master = PID.parse<AgentToMaster>(this.#choice.current);
    this.#retryMs = options.retryMs ?? 10_000;
    this.#retryMaxMs = Math.max(this.#retryMs, options.retryMaxMs ?? 600_000);
  }

  override initialize(): void {
    this.#startRegistration(this.#choice.start());
  }

  /** The next registration after `delayMs` (the master's link made now, so a dead one is seen before). */
  #startRegistration(delayMs: number): void {
    this.#registerTimer?.cancel();
    this.link(this.#master);
    this.#registerTimer = this.delay(delayMs, () => this.#register());
  }

  #register(): void {
    const agent = { hostname: this.options.hostname, port: this.pid.port, resources: this.options.resources.toJSON(), ...(this.options.attributes ? { attributes: this.options.attributes } : {}), ...(this.agentId ? { id: { value: this.agentId } } : {}) };
    this.link(this.#master);
    if (this.agentId === undefined) {
      this.send(this.#master, 'register_agent', { agent, version: 'simulated', checkpointed_resources: [] });
    } else {
      const tasks: Task[] = [...this.tasks.values()].map((t) => ({ name: t.info.name, task_id: t.info.task_id, framework_id: { value: t.frameworkId }, agent_id: { value: this.agentId! }, state: t.state, resources: t.info.resources ?? [], statuses: [] }));
      this.send(this.#master, 'reregister_agent', { agent, version: 'simulated', checkpointed_resources: [], executor_infos: [], tasks, frameworks: [] });
    }
    // Until a master answers: the known leader again (busy), else the next master, with jittered doubling backoff.
    this.#registerTimer = this.delay(this.#choice.retryDelay(), () => {
      this.#master = PID.parse<AgentToMaster>(this.#choice.unanswered());
      this.#register();
    });
  }

  #registered(id: string, from: PID): void {
    // The master that answered is ours now, even if a later try already moved on to another (the real agent follows
    // an answer from another of its masters while registering, master-link.ts fromOther).
    if (from.toString() !== this.#master.toString()) {
      this.#master = PID.parse<AgentToMaster>(from.toString());
      this.link(this.#master);
    }
    this.agentId = id;
    this.#registerTimer?.cancel();
    this.#registerTimer = undefined;
    if (this.#running) return; // a duplicate answer to a retry
    this.#running = true;
    this.#choice.registered(from.toString());
    // Every head sent now, with a fresh backoff (as the real agent after it registers).
    for (const t of this.tasks.values()) {
      t.backoffMs = this.#retryMs;
      this.#flush(t);
    }
  }

  protected handlers(): Handlers<MasterToAgent & FromNonLeader> {
    const ignore = (): void => {};
    return {
      agent_registered: (b, from) => this.#registered(b.agent_id.value, from),
      agent_reregistered: (b, from) => this.#registered(b.agent_id.value, from),
      ping: (b, from) => this.send(from as unknown as PID<AgentToMaster>, 'pong', b.seq !== undefined ? { seq: b.seq } : {}),
      run_task: (b) => this.#run(b.framework_id.value, b.task),
      // Each task of a group runs as a pretend task of its own (no group kill policy here).
      run_task_group: (b) => {
        const frameworkId = b.framework.id?.value ?? b.executor.framework_id?.value;
        if (frameworkId !== undefined) for (const t of b.task_group.tasks) this.#run(frameworkId, t);
      },
      kill_task: (b) => {
        const t = this.tasks.get(b.task_id.value);
        if (t === undefined || isTerminal(t.state)) return;
        t.timer?.cancel();
        this.#update(t, 'TASK_KILLED', 'Killed');
      },
      status_update_acknowledgement: (b) => {
        const t = this.tasks.get(b.task_id.value);
        const head = t?.pending[0];
        if (t === undefined || head === undefined || !sameBytes(head.uuid, b.uuid)) return;
        t.pending.shift();
        t.retry?.cancel();
        t.retry = undefined;
        t.backoffMs = this.#retryMs;
        if (t.pending.length > 0) this.#flush(t);
        else if (isTerminal(t.state)) this.tasks.delete(b.task_id.value);
      },
      shutdown_framework: (b) => {
        for (const t of this.tasks.values()) {
          if (t.frameworkId !== b.framework_id.value || isTerminal(t.state)) continue;
          t.timer?.cancel();
          this.#update(t, 'TASK_KILLED', 'Framework shut down');
        }
      },
      shutdown_executor: ignore,
      framework_to_executor: ignore,
      update_framework: ignore,
      checkpoint_resources: ignore,
      acknowledge_operation_status: ignore,
      reconcile_tasks: ignore,
      agent_lost: () => this.#masterLost(),
      not_leader: (b, from) => this.#notLeader(b.leader, from),
      shutdown: () => this.terminate(),
    };
  }

  override exited(pid: PID): void {
    if (pid.toString() !== this.#master.toString()) return;
    // Registered: the master is lost. Registering: it is no longer the leader to retry (the retries go on).
    if (this.#running) this.#masterLost();
    else this.#choice.lost(pid.toString());
  }

  /** The master went away or dropped this agent: the next master, after a fresh first backoff (master-link.ts masterLost). */
  #masterLost(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#choice.lost(this.#master.toString());
    this.#choice.next();
    this.#master = PID.parse<AgentToMaster>(this.#choice.current);
    this.#startRegistration(this.#choice.start());
  }

  /**
   * A master does not lead (master-link.ts notLeader and fromOther). From ours: registered, the master is lost; it
   * names a leader: registrations go there (MasterChoice.follow); it names none: the retries go on. From another of
   * the masters (a standby's push of the leader elected): followed while registering.
   */
  #notLeader(leader: string | undefined, from: PID): void {
    const ours = from.toString() === this.#master.toString();
    if (!ours && this.#running) return;
    let named: string | undefined;
    try {
      named = leader !== undefined ? PID.parse(leader).toString() : undefined;
    } catch {
      named = undefined;
    }
    if (ours) this.#masterLost();
    if (named === undefined) {
      if (ours) this.#choice.lost(from.toString());
      return;
    }
    // Another names the master the registration goes to already: its retries go on, to it (master-link.ts fromOther).
    if (!ours && named === this.#master.toString()) return this.#choice.confirm(named);
    this.#master = PID.parse<AgentToMaster>(named);
    this.#startRegistration(this.#choice.follow(named, named === from.toString()));
  }

  #run(frameworkId: string, info: TaskInfo): void {
    const t: SimTask = { info, frameworkId, state: 'TASK_STAGING', timer: undefined, pending: [], retry: undefined, backoffMs: this.#retryMs };
    this.tasks.set(info.task_id.value, t);
    this.#update(t, 'TASK_RUNNING');
    t.timer = this.delay(simulatedDurationMs(info), () => {
      t.timer = undefined;
      this.#update(t, 'TASK_FINISHED', 'Command exited with status 0');
    });
  }

  #update(t: SimTask, state: TaskState, message?: string): void {
    t.state = state;
    const now = this.clock.now();
    if (isTerminal(state)) this.options.onFreed?.(this.agentId ?? '', now);
    const uuid = uuidBytes(() => this.options.random.float());
    t.pending.push({ task_id: t.info.task_id, state, source: 'SOURCE_EXECUTOR', agent_id: { value: this.agentId ?? '' }, uuid, timestamp: now / 1000, ...(message ? { message } : {}) });
    if (t.pending.length === 1) this.#flush(t);
  }

  /**
   * Sends the update at the head of the task's queue, and again until acknowledged, each wait twice the one
   * before (10 s, 20 s, ... 10 min): an overloaded master is not sent every unacknowledged update anew every
   * 10 s, which would add to its load the longer it falls behind. Not while (re-)registering: the stream is paused
   * until a master answers, as the real agent's (status-updates.ts pause), and #registered flushes every task (a
   * new leader only drops an update from an agent it does not know yet).
   */
  #flush(t: SimTask): void {
    const status = t.pending[0];
    if (status === undefined || this.agentId === undefined || !this.#running) return;
    t.retry?.cancel();
    this.send(this.#master, 'status_update', { update: { framework_id: { value: t.frameworkId }, status: { ...status, agent_id: { value: this.agentId } }, timestamp: status.timestamp!, uuid: status.uuid!, latest_state: t.state } });
    t.retry = this.delay(t.backoffMs, () => {
      t.backoffMs = Math.min(t.backoffMs * 2, this.#retryMaxMs);
      this.#flush(t);
    });
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
