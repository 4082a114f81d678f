// Scripted peers for master tests: a scheduler and an agent that speak the
// real master protocols over the simulated network and record what they get.
// They stand in for the SDK driver and the agent, which have their own tests.
import { PID, Process, type Handlers } from 'libprocess-ts';
import { uuidBytes } from '../../../protocol/ids.js';
import type { MasterToAgent } from '../../../protocol/messages/master-agent.js';
import type { MasterToScheduler } from '../../../protocol/messages/master-scheduler.js';
import { Resources } from '../../../protocol/resources.js';
import type { TaskState } from '../../../protocol/task-states.js';
import type { FrameworkInfo, Offer, OfferOperation, TaskInfo, TaskStatus } from '../../../protocol/types.js';
import type { MasterProtocol } from '../../master.js';

type Event = { [N in keyof MasterToScheduler]: { name: N; body: MasterToScheduler[N] } }[keyof MasterToScheduler];

/** Waits on conditions over recorded events: checked after every message. */
class Waiter {
  #waiters: { check: () => boolean; resolve: () => void }[] = [];
  poke(): void {
    this.#waiters = this.#waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
  }
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }
}

export class TestScheduler extends Process<MasterToScheduler> {
  readonly events: Event[] = [];
  readonly waiter = new Waiter();
  frameworkId: string | undefined;
  /** Offers not yet used, by id. */
  readonly offers = new Map<string, Offer>();
  /** Acknowledge every update that carries a uuid (implicit acknowledgement, as the SDK does by default). */
  autoAck = true;

  constructor(readonly master: PID<MasterProtocol>, public info: FrameworkInfo) {
    super();
  }

  protected handlers(): Handlers<MasterToScheduler> {
    const record = <N extends keyof MasterToScheduler>(name: N) => (body: MasterToScheduler[N]) => {
      this.events.push({ name, body } as Event);
      this.waiter.poke();
    };
    return {
      subscribed: (b) => {
        this.frameworkId = b.framework_id.value;
        record('subscribed')(b);
      },
      offers: (b) => {
        for (const o of b.offers) this.offers.set(o.id.value, o);
        record('offers')(b);
      },
      rescind: (b) => {
        this.offers.delete(b.offer_id.value);
        record('rescind')(b);
      },
      status_update: (b) => {
        if (this.autoAck && b.status.uuid !== undefined && b.status.agent_id !== undefined) {
          this.call('acknowledge', { framework_id: { value: this.frameworkId! }, agent_id: b.status.agent_id, task_id: b.status.task_id, uuid: b.status.uuid });
        }
        record('status_update')(b);
      },
      framework_message: record('framework_message'),
      failure: record('failure'),
      error: record('error'),
      heartbeat: record('heartbeat'),
      framework_error: record('framework_error'),
      agent_lost: record('agent_lost'),
      task_unknown: record('task_unknown'),
      inverse_offers: record('inverse_offers'),
      rescind_inverse_offer: record('rescind_inverse_offer'),
      update_operation_status: record('update_operation_status'),
    };
  }

  call<N extends keyof MasterProtocol & string>(name: N, body: MasterProtocol[N]): void {
    this.send(this.master, name, body);
  }

  subscribe(): void {
    if (this.frameworkId === undefined) this.call('subscribe', { framework_info: this.info });
    else this.call('resubscribe', { framework_info: { ...this.info, id: { value: this.frameworkId } }, failover: true });
  }

  get fw(): { value: string } {
    return { value: this.frameworkId! };
  }

  accept(offerIds: string[], operations: OfferOperation[], refuseSeconds?: number): void {
    for (const id of offerIds) this.offers.delete(id);
    this.call('accept', { framework_id: this.fw, offer_ids: offerIds.map((value) => ({ value })), operations, ...(refuseSeconds !== undefined ? { filters: { refuse_seconds: refuseSeconds } } : {}) });
  }

  launch(offer: Offer, tasks: TaskInfo[], refuseSeconds?: number): void {
    this.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: tasks } }], refuseSeconds);
  }

  decline(offerIds: string[], refuseSeconds?: number): void {
    for (const id of offerIds) this.offers.delete(id);
    this.call('decline', { framework_id: this.fw, offer_ids: offerIds.map((value) => ({ value })), ...(refuseSeconds !== undefined ? { filters: { refuse_seconds: refuseSeconds } } : {}) });
  }

  named<N extends keyof MasterToScheduler>(name: N): MasterToScheduler[N][] {
    return this.events.filter((e) => e.name === name).map((e) => e.body as MasterToScheduler[N]);
  }

  statuses(taskId?: string): TaskStatus[] {
    return this.named('status_update').map((b) => b.status).filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  states(taskId: string): TaskState[] {
    return this.statuses(taskId).map((s) => s.state);
  }

  until(check: () => boolean): Promise<void> {
    return this.waiter.until(check);
  }
}

export function commandTask(id: string, offer: Offer, resources: string, command = 'sleep 1'): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: Resources.parse(resources).toJSON(), command: { value: command } };
}

type AgentEvent = { [N in keyof MasterToAgent]: { name: N; body: MasterToAgent[N] } }[keyof MasterToAgent];

export interface TestAgentOptions {
  resources: string;
  hostname?: string;
  /** Answer run_task with TASK_RUNNING (default true). */
  autoRun?: boolean;
}

/** Registers with the master, answers pings, and plays the tasks it is given. */
export class TestAgent extends Process<MasterToAgent> {
  readonly events: AgentEvent[] = [];
  readonly waiter = new Waiter();
  agentId: string | undefined;
  /** Stop answering pings (a hung or partitioned agent). */
  mute = false;
  /** Answer kill_task with TASK_KILLED at once (false: the test sends the update itself, as a slow executor would). */
  answerKills = true;
  readonly running = new Map<string, { frameworkId: string; task: TaskInfo; state: TaskState }>();
  readonly acks: string[] = [];
  #n = 0;

  constructor(readonly master: PID<MasterProtocol>, readonly options: TestAgentOptions) {
    super();
  }

  override initialize(): void {
    this.register();
  }

  register(): void {
    const agent = { hostname: this.options.hostname ?? this.pid.id, port: this.pid.port, resources: Resources.parse(this.options.resources).toJSON(), ...(this.agentId ? { id: { value: this.agentId } } : {}) };
    if (this.agentId === undefined) this.send(this.master, 'register_agent', { agent, version: 'test', checkpointed_resources: [] });
    else {
      const tasks = [...this.running.entries()].map(([taskId, r]) => ({ name: r.task.name, task_id: { value: taskId }, framework_id: { value: r.frameworkId }, agent_id: { value: this.agentId! }, state: r.state, resources: r.task.resources ?? [], statuses: [] }));
      this.send(this.master, 'reregister_agent', { agent, version: 'test', checkpointed_resources: [], executor_infos: [], tasks, frameworks: [] });
    }
  }

  protected handlers(): Handlers<MasterToAgent> {
    const record = <N extends keyof MasterToAgent>(name: N) => (body: MasterToAgent[N]) => {
      this.events.push({ name, body } as AgentEvent);
      this.waiter.poke();
    };
    return {
      agent_registered: (b) => {
        this.agentId = b.agent_id.value;
        record('agent_registered')(b);
      },
      agent_reregistered: record('agent_reregistered'),
      ping: (b, from) => {
        if (!this.mute) this.send(from as unknown as PID<MasterProtocol>, 'pong', { ...(b.seq !== undefined ? { seq: b.seq } : {}) });
        record('ping')(b);
      },
      run_task: (b) => {
        this.running.set(b.task.task_id.value, { frameworkId: b.framework_id.value, task: b.task, state: 'TASK_STAGING' });
        record('run_task')(b);
        if (this.options.autoRun ?? true) this.update(b.task.task_id.value, 'TASK_RUNNING');
      },
      run_task_group: (b) => {
        for (const task of b.task_group.tasks) this.running.set(task.task_id.value, { frameworkId: b.framework.id?.value ?? '', task, state: 'TASK_STAGING' });
        record('run_task_group')(b);
      },
      kill_task: (b) => {
        record('kill_task')(b);
        if (this.answerKills && this.running.has(b.task_id.value)) this.update(b.task_id.value, 'TASK_KILLED');
      },
      status_update_acknowledgement: (b) => {
        this.acks.push(`${b.task_id.value}:${Buffer.from(b.uuid).toString('hex')}`);
        record('status_update_acknowledgement')(b);
      },
      shutdown_framework: (b) => {
        for (const [id, r] of [...this.running]) if (r.frameworkId === b.framework_id.value) this.running.delete(id);
        record('shutdown_framework')(b);
      },
      shutdown_executor: record('shutdown_executor'),
      framework_to_executor: record('framework_to_executor'),
      update_framework: record('update_framework'),
      checkpoint_resources: record('checkpoint_resources'),
      acknowledge_operation_status: record('acknowledge_operation_status'),
      reconcile_tasks: record('reconcile_tasks'),
      agent_lost: record('agent_lost'),
      shutdown: record('shutdown'),
    };
  }

  /** Sends a status update (with a fresh uuid) for a task it runs. */
  update(taskId: string, state: TaskState, message?: string, reason?: TaskStatus['reason']): Uint8Array {
    const r = this.running.get(taskId);
    if (r === undefined) throw new Error(`test agent: no task ${taskId}`);
    r.state = state;
    let seed = ++this.#n * 7919;
    const uuid = uuidBytes(() => ((seed = (seed * 48271) % 2147483647) / 2147483647));
    const status: TaskStatus = { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: this.agentId! }, uuid, timestamp: this.clock.now() / 1000, ...(message ? { message } : {}), ...(reason ? { reason } : {}) };
    this.send(this.master, 'status_update', { update: { framework_id: { value: r.frameworkId }, status, timestamp: this.clock.now() / 1000, uuid } });
    return uuid;
  }

  /** Re-sends an update as a retry would (same uuid). */
  resend(taskId: string, state: TaskState, uuid: Uint8Array): void {
    const r = this.running.get(taskId)!;
    const status: TaskStatus = { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: this.agentId! }, uuid, timestamp: this.clock.now() / 1000 };
    this.send(this.master, 'status_update', { update: { framework_id: { value: r.frameworkId }, status, timestamp: this.clock.now() / 1000, uuid } });
  }

  named<N extends keyof MasterToAgent>(name: N): MasterToAgent[N][] {
    return this.events.filter((e) => e.name === name).map((e) => e.body as MasterToAgent[N]);
  }

  until(check: () => boolean): Promise<void> {
    return this.waiter.until(check);
  }
}
