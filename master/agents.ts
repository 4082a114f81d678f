/**
 * Agents at the master: registration, re-registration (the same id, its
 * running tasks reconciled with the master's books), health checks by ping,
 * unreachable agents (offers rescinded, tasks reported) and their return.
 */
import type { AgentToMaster } from '../protocol/messages/master-agent.js';
import { Resources } from '../protocol/resources.js';
import { internResources } from '../protocol/resources-intern.js';
import { isTerminal } from '../protocol/task-states.js';
import type { Task } from '../protocol/types.js';
import { Agent } from './agent.js';
import { PingSchedule } from './ping-schedule.js';
import * as agentBooks from './books/agents.js';
import * as executorBooks from './books/executors.js';
import * as frameworkBooks from './books/frameworks.js';
import * as taskBooks from './books/tasks.js';
import type { Reconciliation } from './books/effects.js';
import type { MasterContext } from './context.js';
import { Framework } from './framework.js';
import type { Offering } from './offering.js';
import { agentIp } from './maintenance.js';
import { describeMachine } from '../protocol/maintenance.js';
import { applyCheckpointed } from '../protocol/reservations.js';
import { operationsReported } from './operations.js';
import { keepReservations } from './reservations-reregister.js';

/** Distinct agent totals remembered (Agents #totals): a cluster has a handful of machine shapes. */
const TOTALS_KEPT = 64;

export class Agents {
  /** PIDs of agents whose admission is being written to the registry (high availability). */
  readonly #admitting = new Set<string>();

  /** Every registered agent's next ping, on one timer. */
  readonly #pings: PingSchedule;

  constructor(private readonly ctx: MasterContext, private readonly offering: Offering) {
    this.#pings = new PingSchedule((ms, fn) => ctx.delay(ms, fn), () => ctx.clock.now(), ctx.flags.agentPingTimeoutMs, (agent) => this.#ping(agent));
  }

  /**
   * Totals parsed lately, by the text of what the agent sent: agents alike send the same (a failover's burst of
   * re-registrations parsed and interned one copy per agent). Immutable, so sharing one is safe; bounded.
   */
  readonly #totals = new Map<string, Resources>();

  /** The agent's total: its resources with its checkpointed reservations and volumes applied (refused, with the reason, when they do not fit). */
  #total(resources: unknown, from: string, checkpointed: unknown): Resources | undefined {
    try {
      const key = JSON.stringify([resources ?? [], checkpointed ?? []]);
      const known = this.#totals.get(key);
      if (known !== undefined) return known;
      // Interned: agents alike share one total here and in the allocator (protocol/resources-intern.ts).
      const total = internResources(applyCheckpointed(Resources.fromJSON(resources ?? [], 'agent.resources'), Resources.fromJSON(checkpointed ?? [], 'checkpointed_resources')));
      if (this.#totals.size >= TOTALS_KEPT) this.#totals.clear();
      this.#totals.set(key, total);
      return total;
    } catch (err) {
      this.ctx.logger.warn(`refusing agent ${from}: ${(err as Error).message}`);
      this.ctx.toAgent(from, 'shutdown', { message: `Agent refused: ${(err as Error).message}` });
      this.ctx.state.count('master/invalid_agent_registrations');
      return undefined;
    }
  }

  /** An agent on a machine that is down for maintenance is refused until the machine is up. */
  #onDownMachine(from: string, hostname: string): boolean {
    const machine = this.ctx.state.maintenance.isDown(hostname, agentIp(from));
    if (machine === undefined) return false;
    this.ctx.state.count('master/agent_registrations_refused_maintenance');
    this.ctx.logger.warn(`refusing agent ${from} (${hostname}): machine ${describeMachine(machine)} is down for maintenance`);
    this.ctx.toAgent(from, 'shutdown', { message: `Agent refused: machine ${describeMachine(machine)} is down for maintenance` });
    return true;
  }

  register(from: string, body: AgentToMaster['register_agent']): void {
    if (typeof body?.agent?.hostname !== 'string') {
      this.ctx.toAgent(from, 'shutdown', { message: 'Agent refused: agent.hostname is missing' });
      return;
    }
    if (this.#onDownMachine(from, body.agent.hostname)) return;
    // A retried registration from the same agent process gets the same id.
    const existing = this.ctx.state.agentsByPid.get(from);
    if (existing !== undefined && existing.connected) {
      this.ctx.apply(agentBooks.repeated(existing, false));
      return;
    }
    // The agent at this address went away and one with no id registers (a machine that lost its disk, an agent
    // that could not recover): a new agent, as Mesos has it; the old one is removed and its tasks are gone.
    if (existing !== undefined) this.remove(existing, `a new agent registered at its address ${from}`);
    const total = this.#total(body.agent.resources, from, body.checkpointed_resources);
    if (total === undefined) return;
    if (this.#admitting.has(from)) return; // a retry while the admission is being written
    const id = this.ctx.ids.nextAgentId().value;
    const info = { ...body.agent, id: { value: id } };
    if (this.ctx.admit !== undefined) {
      // As Mesos: the master acts on an admission only once the registry has it.
      this.#admitting.add(from);
      this.ctx.admit({ id, info, pid: from, registeredAt: this.ctx.clock.now() }, (committed) => {
        this.#admitting.delete(from);
        if (committed) this.#admit(from, id, info, total, body.version ?? '', body.capabilities);
      });
      return;
    }
    this.#admit(from, id, info, total, body.version ?? '', body.capabilities);
  }

  #admit(from: string, id: string, info: AgentToMaster['register_agent']['agent'], total: Resources, version: string, capabilities: readonly string[] | undefined): void {
    const agent = new Agent(id, info, from, total, version, this.ctx.clock.now());
    agent.operationFeedback = capabilities?.includes('AGENT_OPERATION_FEEDBACK') ?? false;
    const admitted = agentBooks.admit(this.ctx.state, agent, { persisted: this.ctx.admit !== undefined, reply: 'registered' });
    this.ctx.link(from);
    this.ctx.state.count('master/agents_registered');
    this.ctx.logger.info(`agent ${id} at ${from} (${info.hostname}) registered with ${total.toString()}`);
    this.ctx.apply(admitted);
    this.#startPings(agent);
  }

  reregister(from: string, body: AgentToMaster['reregister_agent']): void {
    const id = body?.agent?.id?.value;
    if (typeof id !== 'string' || typeof body.agent.hostname !== 'string') {
      this.ctx.toAgent(from, 'shutdown', { message: 'Agent refused: re-registration needs agent.id and agent.hostname' });
      return;
    }
    if (this.ctx.state.goneAgents.has(id)) {
      this.ctx.toAgent(from, 'shutdown', { message: `Agent ${id} was removed from the cluster; start it with a fresh work dir to join again` });
      return;
    }
    if (this.#onDownMachine(from, body.agent.hostname)) return;
    const known = this.ctx.state.agents.get(id);
    if (known !== undefined && isDuplicate(known, from, body.tasks)) {
      // A retry that crossed this master's answer (a storm after a failover, a slow master): the books have it
      // already, the answer is all it needs. The full path would reconcile, resend reservations and frameworks.
      this.ctx.state.count('master/agents_reregistered_duplicate');
      this.ctx.apply(agentBooks.repeated(known, true));
      return;
    }
    const total = this.#total(body.agent.resources, from, body.checkpointed_resources);
    if (total === undefined) return;
    const reported = new Map<string, Task>();
    for (const t of body.tasks ?? []) if (typeof t?.task_id?.value === 'string' && typeof t.framework_id?.value === 'string') reported.set(`${t.framework_id.value}/${t.task_id.value}`, t);
    // Frameworks removed while the agent was away: their tasks are not taken back; the agent is told to shut them down (as Mesos).
    const removed = new Set<string>();
    for (const t of reported.values()) if (this.ctx.state.removedFrameworkIds.has(t.framework_id.value)) removed.add(t.framework_id.value);
    for (const e of body.executor_infos ?? []) if (typeof e.framework_id?.value === 'string' && this.ctx.state.removedFrameworkIds.has(e.framework_id.value)) removed.add(e.framework_id.value);

    let agent = this.ctx.state.agents.get(id);
    const unreachable = this.ctx.state.unreachableAgents.get(id);
    const reconciliations: Reconciliation[] = [];
    if (agent !== undefined) {
      // Known and registered: perhaps a restarted agent process, perhaps a dropped connection.
      this.ctx.apply(agentBooks.moved(this.ctx.state, agent, from));
      agent.operationFeedback = body.capabilities?.includes('AGENT_OPERATION_FEEDBACK') ?? false;
      // Its operations first: a pending one it never got goes again with the master's checkpointed set.
      if (!operationsReported(this.ctx, agent, body, true)) keepReservations(this.ctx, agent, body);
      agent.info = { ...body.agent };
      agent.reregisteredAt = this.ctx.clock.now();
      // Tasks the master has that the agent does not report: its launch was lost (the connection broke with the
      // run_task in it), or the re-registration crossed the run_task on the wire and the agent has it now. Only the
      // agent can tell, so the master asks it, as Mesos's reconcileKnownSlave does: the agent answers TASK_DROPPED
      // (TASK_LOST to a framework that is not partition-aware) with REASON_RECONCILIATION for a task it does not
      // have, through its status update stream, and nothing for one it has. Ending the task here would be wrong in
      // the second case (the task runs on, unknown to the master).
      for (const [frameworkId, tasks] of agent.tasks) {
        for (const task of tasks.values()) {
          if (reported.has(`${frameworkId}/${task.task_id.value}`) || isTerminal(task.state)) continue;
          reconciliations.push({ framework_id: { value: frameworkId }, task_id: task.task_id, state: task.status_update_state ?? task.state });
        }
      }
      // Tasks the agent reports that the master does not know (launched while a message was lost, or by a master
      // before a failover that this one missed): added with their framework, as Mesos does, an orphan's framework
      // kept disconnected until its scheduler subscribes.
      const adopted: Task[] = [];
      for (const t of reported.values()) {
        // A terminal one holds nothing, and may be one the master retired already (a re-registration sent before the acknowledgement).
        if (removed.has(t.framework_id.value) || isTerminal(t.state) || agent.tasks.get(t.framework_id.value)?.has(t.task_id.value) === true) continue;
        adopted.push(taskBooks.reported(this.#frameworkFor(t.framework_id.value, body), agent, t));
      }
      for (const e of body.executor_infos ?? []) {
        const fw = e.framework_id?.value;
        if (typeof fw !== 'string' || typeof e.executor_id?.value !== 'string' || removed.has(fw) || agent.executors.get(fw)?.has(e.executor_id.value) === true) continue;
        this.#frameworkFor(fw, body);
        this.ctx.apply(executorBooks.reported(this.ctx.state, agent, fw, e));
      }
      if (adopted.length > 0) {
        // The allocator counted those resources as free: its offers on the agent go, and it hears what the agent holds now.
        this.offering.rescindAgent(agent.id, 'the agent reported tasks the master did not know');
        this.ctx.apply(agentBooks.adopted(this.ctx.state, agent, adopted));
      }
      this.ctx.apply(agentBooks.reregistered(this.ctx.state, agent, reconciliations, removed));
    } else {
      // Unknown (a master failover) or coming back from unreachable: admit it with its id.
      agent = new Agent(id, { ...body.agent }, from, total, body.version ?? '', unreachable?.agent.registeredAt ?? this.ctx.clock.now());
      agent.reregisteredAt = this.ctx.clock.now();
      agent.operationFeedback = body.capabilities?.includes('AGENT_OPERATION_FEEDBACK') ?? false;
      for (const task of reported.values()) {
        // Terminal ones too (their terminal update is not acknowledged yet): back in the books until it is, and no
        // longer among the framework's unreachable tasks (reconciliation would answer TASK_UNREACHABLE after it ended).
        if (removed.has(task.framework_id.value)) continue;
        taskBooks.reported(this.#frameworkFor(task.framework_id.value, body), agent, task);
      }
      for (const e of body.executor_infos ?? []) {
        const fw = e.framework_id?.value;
        if (typeof fw !== 'string' || typeof e.executor_id?.value !== 'string' || removed.has(fw)) continue;
        this.ctx.apply(executorBooks.reported(this.ctx.state, agent, fw, e));
      }
      // In the books with what its tasks use (the allocator hears both).
      const admitted = agentBooks.admit(this.ctx.state, agent, { reply: 'reregistered', removed });
      this.#startPings(agent);
      this.ctx.apply(admitted);
      // Its own checkpointed resources hold: a pending operation it does not report is dropped.
      operationsReported(this.ctx, agent, body, false);
    }
    this.ctx.link(from);
    this.ctx.state.count('master/agents_reregistered');
    this.ctx.logger.info(`agent ${id} at ${from} re-registered with ${reported.size} tasks`);
  }

  /** A framework an agent reports that this master does not know yet (master failover): kept disconnected until its scheduler resubscribes. */
  #frameworkFor(frameworkId: string, body: AgentToMaster['reregister_agent']): Framework {
    const known = this.ctx.state.frameworks.get(frameworkId);
    if (known !== undefined) return known;
    const info = (body.frameworks ?? []).find((f) => f.id?.value === frameworkId) ?? { user: '', name: '', id: { value: frameworkId } };
    const framework = new Framework(frameworkId, { ...info, id: { value: frameworkId } }, this.ctx.clock.now(), this.ctx.flags.maxCompletedTasksPerFramework);
    this.ctx.apply(frameworkBooks.add(this.ctx.state, framework, false));
    return framework;
  }

  #startPings(agent: Agent): void {
    agent.missedPings = 0;
    agent.pongSeen = true;
    this.#ping(agent);
  }

  /** One ping: unreachable after too many unanswered, else the next in agent_ping_timeout. */
  #ping(agent: Agent): void {
    if (this.ctx.state.agents.get(agent.id) !== agent) return;
    if (agent.pongSeen) agent.missedPings = 0;
    else agent.missedPings++;
    if (agent.missedPings >= this.ctx.flags.maxAgentPingTimeouts) {
      this.markUnreachable(agent, `missed ${agent.missedPings} pings`);
      return;
    }
    agent.pongSeen = false;
    // `connected`: whether this master has the agent connected. An agent whose link broke on this side only (the
    // master got `exited`, the agent noticed nothing and answers pings) re-registers when told it is not: else it
    // stayed deactivated, never offered, for good (sim seed 158).
    this.ctx.toAgent(agent, 'ping', { connected: agent.connected, seq: ++agent.pingSeq });
    this.#pings.next(agent);
  }

  /** No more pings (the master stops leading or stops). */
  stopPings(): void {
    this.#pings.close();
  }

  pong(agent: Agent): void {
    agent.pongSeen = true;
    agent.missedPings = 0;
  }

  /** The agent's connection broke: no offers from it until it is back; pings decide if it is unreachable. */
  disconnected(agent: Agent): void {
    if (!agent.connected) return;
    this.ctx.apply(agentBooks.connection(this.ctx.state, agent, false));
    this.offering.rescindAgent(agent.id, 'agent disconnected');
    this.ctx.logger.info(`agent ${agent.id} at ${agent.pid} disconnected`);
  }

  /** The agent missed too many pings: out of the cluster until it re-registers. */
  markUnreachable(agent: Agent, why: string): void {
    if (this.ctx.state.agents.get(agent.id) !== agent) return;
    this.ctx.logger.warn(`agent ${agent.id} at ${agent.pid} is unreachable: ${why}`);
    this.#pings.stop(agent);
    this.offering.rescindAgent(agent.id, 'agent unreachable');
    this.ctx.apply(
      agentBooks.lose(this.ctx.state, agent, { as: 'unreachable', taskState: 'TASK_UNREACHABLE', reason: 'REASON_AGENT_REMOVED', message: `Agent ${agent.id} is unreachable: ${why}`, nowMs: this.ctx.clock.now(), maxUnreachable: this.ctx.flags.maxUnreachableAgents, uuid: () => this.ctx.uuid() }),
    );
    this.ctx.state.count('master/agents_unreachable');
  }

  /** The agent left for good (it unregistered, or the operator removed it). */
  remove(agent: Agent, why: string, state: 'TASK_GONE' | 'TASK_GONE_BY_OPERATOR' = 'TASK_GONE'): void {
    if (this.ctx.state.agents.get(agent.id) !== agent) return;
    this.#pings.stop(agent);
    this.offering.rescindAgent(agent.id, 'agent removed');
    this.ctx.apply(
      agentBooks.lose(this.ctx.state, agent, { as: 'gone', taskState: state, reason: state === 'TASK_GONE' ? 'REASON_AGENT_REMOVED' : 'REASON_AGENT_REMOVED_BY_OPERATOR', message: `Agent ${agent.id} was removed: ${why}`, nowMs: this.ctx.clock.now(), maxUnreachable: this.ctx.flags.maxUnreachableAgents, uuid: () => this.ctx.uuid() }),
    );
    this.ctx.state.count('master/agents_removed');
  }

  /** The operator gives up on an unreachable agent: it is gone (refused if it comes back). */
  forgetUnreachable(id: string): boolean {
    const effects = agentBooks.forgetUnreachable(this.ctx.state, id, this.ctx.clock.now());
    this.ctx.apply(effects);
    return effects.length > 0;
  }

  byPid(pid: string): Agent | undefined {
    return this.ctx.state.agentsByPid.get(pid);
  }
}

/**
 * A re-registration that repeats one this master already took: from the PID
 * the agent has in the books, on a connection that has not broken since
 * (else the agent process may have restarted), with exactly the tasks the
 * books hold for it, each in the state the books have.
 */
export function isDuplicate(agent: Agent, from: string, tasks: readonly Task[] | undefined): boolean {
  if (agent.pid !== from || !agent.connected || agent.reregisteredAt === undefined) return false;
  const list = tasks ?? [];
  if (list.length !== agent.taskCount()) return false;
  for (const t of list) {
    const known = agent.tasks.get(t?.framework_id?.value)?.get(t?.task_id?.value);
    if (known === undefined || known.state !== t.state) return false;
  }
  return true;
}
