/**
 * A simulated agent: a real libprocess-ts process that speaks the real
 * master-agent protocol (registration with backoff, re-registration, pongs,
 * status updates retried until acknowledged, kills), whose "containerizer"
 * only pretends: a task runs for the time its command says (`sleep 12.5`, or
 * a `duration_ms` label) and then finishes. Thousands of them share one
 * runtime (one WebSocket to the master), for experiments at scale
 * (`mesos-ts local --simulated-agents N`, `make bench-offers`).
 */
import { PID, Process, type Handlers, type Random, type Timer } from 'libprocess-ts';
import { uuidBytes } from '../protocol/ids.js';
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
  /** Status update retry interval (ms; Mesos: 10 s). */
  readonly retryMs?: number;
  /** Registration backoff factor (ms; Mesos: 1 s): the first retry within twice it. */
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
  readonly #masters: readonly string[];
  /** The master whose link broke last: a follower naming it as leader is out of date. */
  #lost: string | undefined;
  /** The leader a master named last. */
  #leader: string | undefined;
  /** The master that answered the registration under way `not_leader` without naming a leader (one being elected, or just elected and not serving yet). */
  #refusedBy: string | undefined;
  #registerTimer: Timer | undefined;
  #backoff: number;
  /** Quick tries of the next master since the last registration (bounded: then the backoff applies). */
  #quick = 0;
  readonly #retryMs: number;

  constructor(private readonly options: SimulatedAgentOptions) {
    super();
    this.#masters = options.master.split(',').map((m) => PID.parse(m.trim()).toString());
    this.#master = PID.parse<AgentToMaster>(this.#masters[0]!);
    this.#backoff = firstRetryBound(options.backoffMs);
    this.#retryMs = options.retryMs ?? 10_000;
  }

  override initialize(): void {
    this.link(this.#master);
    this.#register();
  }

  #register(): void {
    this.#refusedBy = undefined;
    const agent = { hostname: this.options.hostname, port: this.pid.port, resources: this.options.resources.toJSON(), ...(this.options.attributes ? { attributes: this.options.attributes } : {}), ...(this.agentId ? { id: { value: this.agentId } } : {}) };
    if (this.agentId === undefined) {
      this.send(this.#master, 'register_agent', { agent, version: 'simulated', checkpointed_resources: [] });
    } else {
      const tasks: Task[] = [...this.tasks.values()].map((t) => ({ name: t.info.name, task_id: t.info.task_id, framework_id: { value: t.frameworkId }, agent_id: { value: this.agentId! }, state: t.state, resources: t.info.resources ?? [], statuses: [] }));
      this.send(this.#master, 'reregister_agent', { agent, version: 'simulated', checkpointed_resources: [], executor_infos: [], tasks, frameworks: [] });
    }
    // Until the master answers: try again, with jittered doubling up to a minute.
    const wait = Math.round(this.options.random.float() * this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, 60_000);
    this.#registerTimer = this.delay(wait + 1, () => {
      // No answer: perhaps another master leads. (Retrying the named leader instead, a busy one, tripled the
      // duplicates it had to read at 10k agents and the rounds took 70 s: bench-failover, 2026-12-07.)
      this.#nextMaster();
      this.link(this.#master);
      this.#register();
    });
  }

  #registered(id: string, from: PID): void {
    // The master that answered is ours now, even if a later try already moved on to another
    // (else its death would go unnoticed: exited() only watches the current master).
    if (from.toString() !== this.#master.toString()) {
      this.#master = PID.parse<AgentToMaster>(from.toString());
      this.link(this.#master);
    }
    this.agentId = id;
    this.#registerTimer?.cancel();
    this.#registerTimer = undefined;
    this.#backoff = firstRetryBound(this.options.backoffMs);
    this.#lost = undefined;
    this.#leader = this.#master.toString();
    this.#quick = 0;
    for (const t of this.tasks.values()) this.#flush(t);
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
      agent_lost: () => this.#reregisterSoon(),
      not_leader: (b, from) => this.#notLeader(b.leader, from),
      shutdown: () => this.terminate(),
    };
  }

  override exited(pid: PID): void {
    if (pid.toString() !== this.#master.toString()) return;
    this.#lost = pid.toString();
    if (this.#registerTimer !== undefined) return this.#tryNextSoon(); // a master down while registering
    this.#nextMaster();
    this.#reregisterSoon();
  }

  /**
   * With several masters, during an election or after a master went down:
   * the next master in 50-200 ms, without growing the backoff (at most 5
   * tries per master between two registrations; then the backoff's timer).
   */
  #tryNextSoon(): void {
    if (this.#masters.length < 2 || this.#quick >= 5 * this.#masters.length) return;
    this.#quick++;
    this.#registerTimer?.cancel();
    this.#registerTimer = this.delay(50 + Math.round(this.options.random.float() * 150), () => {
      this.#nextMaster();
      this.link(this.#master);
      const backoff = this.#backoff;
      this.#register();
      this.#backoff = backoff;
    });
  }

  #nextMaster(): void {
    if (this.#masters.length < 2) return;
    const i = this.#masters.indexOf(this.#master.toString());
    this.#master = PID.parse<AgentToMaster>(this.#masters[(i + 1) % this.#masters.length]!);
  }

  /**
   * A master does not lead. It names the leader: register with it, as an
   * agent whose detector saw a new leader (at once, the backoff starting
   * again, as Mesos's agent after a detection; a re-registration that
   * repeats one is cheap at the master, master/agents.ts). It
   * names itself: it was just elected (a standby tells those it answered).
   * It names none: it will say when it knows (master/leader.ts
   * StandbyMaster); meanwhile the registration timer goes on. A master
   * other than ours naming a leader is heard only while registering.
   */
  #notLeader(leader: string | undefined, from: PID): void {
    const ours = from.toString() === this.#master.toString();
    if (!ours && this.#registerTimer === undefined) return;
    let named: string | undefined;
    try {
      named = leader !== undefined ? PID.parse(leader).toString() : undefined;
    } catch {
      named = undefined;
    }
    if (named === undefined || named === this.#lost) {
      if (ours && named === undefined) this.#refusedBy = from.toString();
      if (ours && this.#registerTimer === undefined) this.#reregisterSoon();
      return;
    }
    // Heard already: that registration is under way. Unless the master it went to refused it (it was elected but did
    // not serve yet) and now says it leads: then at once, rather than at the registration timer (seconds of backoff).
    if (named === this.#leader && this.#registerTimer !== undefined && this.#refusedBy !== named) return;
    this.#leader = named;
    this.#master = PID.parse<AgentToMaster>(named);
    this.#registerTimer?.cancel();
    this.#backoff = firstRetryBound(this.options.backoffMs);
    this.#registerTimer = undefined;
    this.#reregisterSoon();
  }

  #reregisterSoon(): void {
    if (this.#registerTimer !== undefined) return;
    this.link(this.#master);
    this.#register();
  }

  #run(frameworkId: string, info: TaskInfo): void {
    const t: SimTask = { info, frameworkId, state: 'TASK_STAGING', timer: undefined, pending: [], retry: undefined };
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

  /** Sends the update at the head of the task's queue, and again every retry interval until acknowledged. */
  #flush(t: SimTask): void {
    const status = t.pending[0];
    if (status === undefined || this.agentId === undefined) return;
    t.retry?.cancel();
    this.send(this.#master, 'status_update', { update: { framework_id: { value: t.frameworkId }, status: { ...status, agent_id: { value: this.agentId } }, timestamp: status.timestamp!, uuid: status.uuid!, latest_state: t.state } });
    t.retry = this.delay(this.#retryMs, () => this.#flush(t));
  }
}

/**
 * The bound of the first retry after a (re-)registration is sent: twice the
 * backoff factor (1 s by default), doubling from there up to a minute, as
 * Mesos's agent (and agent/registration.ts). A retry sooner than a busy
 * leader's answer is a duplicate it has to read.
 */
function firstRetryBound(factorMs: number | undefined): number {
  return 2 * (factorMs ?? 1000);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
