/**
 * The master: a libprocess-ts process that frameworks and agents talk to.
 * Its parts each hold one concern (frameworks, agents, offers, tasks) over
 * one shared state; this file wires them to messages.
 *
 *   scheduler ──SchedulerToMaster──► MasterProcess ◄──AgentToMaster── agent
 *                                     │    ▲
 *                     AllocatorPort ──┘    └── `offers` (allocations)
 *                                   AllocatorProcess
 */
import { PID, Process, type Handlers } from 'libprocess-ts';
import { IdGenerator } from '../protocol/ids.js';
import type { AgentToMaster, MasterToAgent } from '../protocol/messages/master-agent.js';
import type { MasterToScheduler, SchedulerToMaster } from '../protocol/messages/master-scheduler.js';
import { Resources } from '../protocol/resources.js';
import type { MasterInfo } from '../protocol/types.js';
import type { Agent } from './agent.js';
import { Agents } from './agents.js';
import type { AllocatorPort } from './allocator-port.js';
import type { SchedulerConnection } from './connection.js';
import { MasterState, type MasterContext } from './context.js';
import { masterFlags, type MasterFlags } from './flags.js';
import type { Framework } from './framework.js';
import { Frameworks } from './frameworks.js';
import { Offering } from './offering.js';
import { AllocatorClient } from './allocator-client.js';
import type { AllocatorProtocol, AllocatorToMaster } from './allocator/protocol.js';
import { installStateRoutes } from './http-state.js';
import { masterMetrics, masterState } from './state.js';
import { Tasks } from './tasks.js';


export type MasterProtocol = SchedulerToMaster & AgentToMaster & AllocatorToMaster;

export interface MasterOptions {
  readonly flags?: Partial<MasterFlags>;
  /** The master id (a UUID); the same for the master's lifetime. */
  readonly masterId: string;
  /** The allocator process (in the same runtime) the master reports to. */
  readonly allocator: PID<AllocatorProtocol>;
  readonly version?: string;
}

export const MASTER_VERSION = '0.1.0';

export class MasterProcess extends Process<MasterProtocol> {
  readonly flags: MasterFlags;
  readonly state: MasterState;
  readonly ids: IdGenerator;
  readonly version: string;
  readonly #allocatorPid: PID<AllocatorProtocol>;
  #allocator: AllocatorPort | undefined;
  #ctx!: MasterContext;
  frameworks!: Frameworks;
  agents!: Agents;
  offering!: Offering;
  tasks!: Tasks;
  startedAt = 0;

  constructor(options: MasterOptions) {
    super();
    this.flags = masterFlags(options.flags);
    this.state = new MasterState(this.flags);
    this.ids = new IdGenerator(options.masterId);
    this.version = options.version ?? MASTER_VERSION;
    this.#allocatorPid = options.allocator;
  }

  override initialize(): void {
    this.startedAt = this.clock.now();
    this.#allocator = new AllocatorClient(this.#allocatorPid, (to, name, body) => this.send(to, name, body));
    if (Object.keys(this.flags.weights).length > 0) this.#allocator.setWeights({ ...this.flags.weights });
    const self = this;
    this.#ctx = {
      state: this.state,
      flags: this.flags,
      ids: this.ids,
      clock: this.clock,
      logger: this.runtime.logger,
      allocator: this.#allocator,
      masterInfo: () => this.masterInfo(),
      toAgent<N extends keyof MasterToAgent & string>(agent: Agent | string, name: N, body: MasterToAgent[N]): void {
        const pid = typeof agent === 'string' ? agent : agent.pid;
        self.send(PID.parse<MasterToAgent>(pid), name, body);
        self.state.count(`master/messages_sent/${name}`);
      },
      toFramework<N extends keyof MasterToScheduler & string>(framework: Framework, name: N, body: MasterToScheduler[N]): void {
        framework.connection?.send(name, body);
      },
      delay: (ms, fn) => this.delay(ms, fn),
      link: (pid) => this.link(PID.parse(pid)),
      nowSeconds: () => this.clock.now() / 1000,
    };
    this.tasks = new Tasks(this.#ctx);
    this.offering = new Offering(this.#ctx, this.tasks);
    this.frameworks = new Frameworks(this.#ctx, this.offering, (f) => this.#frameworkRemoved(f));
    this.agents = new Agents(this.#ctx, this.offering, this.tasks);
    installStateRoutes(this);
  }

  masterInfo(): MasterInfo {
    const pid = this.pid;
    return {
      id: this.ids.masterId,
      ip: ipv4ToNumber(pid.host),
      port: pid.port,
      pid: pid.toString(),
      hostname: this.flags.hostname,
      version: this.version,
      address: { hostname: this.flags.hostname, ip: pid.host, port: pid.port },
    };
  }

  /** A connection for an actor scheduler at `pid`. */
  actorConnection(pid: PID): SchedulerConnection {
    const target = pid as unknown as PID<MasterToScheduler>;
    const text = pid.toString();
    return {
      id: text,
      kind: 'actor',
      send: (name, body) => this.send(target, name, body),
      close: () => {},
    };
  }

  protected handlers(): Handlers<MasterProtocol> {
    const withFramework = <B extends { framework_id?: { value: string } }>(name: string, fn: (framework: Framework, body: B) => void) => (body: B, from: PID) => {
      this.state.count(`master/messages_received/${name}`);
      const framework = this.#callerFramework(body?.framework_id?.value, from, name);
      if (framework !== undefined) fn(framework, body);
    };
    const fromAgent = <B>(name: string, fn: (agent: Agent, body: B) => void) => (body: B, from: PID) => {
      this.state.count(`master/messages_received/${name}`);
      const agent = this.agents.byPid(from.toString());
      if (agent === undefined) {
        this.state.count('master/messages_from_unknown_agents');
        this.runtime.logger.warn(`ignoring ${name} from ${from}: not a registered agent`);
        return;
      }
      fn(agent, body);
    };
    return {
      // --- schedulers
      subscribe: (body, from) => {
        this.state.count('master/messages_received/subscribe');
        this.frameworks.subscribe(this.actorConnection(from), body?.framework_info, body?.suppressed_roles ?? []);
      },
      resubscribe: (body, from) => {
        this.state.count('master/messages_received/resubscribe');
        this.frameworks.subscribe(this.actorConnection(from), body?.framework_info, body?.suppressed_roles ?? []);
      },
      accept: withFramework('accept', (f, b) => this.offering.accept(f, b)),
      decline: withFramework('decline', (f, b) => this.offering.decline(f, b)),
      revive: withFramework('revive', (f, b) => {
        const roles = b.roles && b.roles.length > 0 ? b.roles : undefined;
        for (const r of roles ?? f.roles) f.suppressedRoles.delete(r);
        this.#allocator!.revive(f.id, roles);
      }),
      suppress: withFramework('suppress', (f, b) => {
        const roles = b.roles && b.roles.length > 0 ? b.roles : undefined;
        for (const r of roles ?? f.roles) f.suppressedRoles.add(r);
        this.#allocator!.suppress(f.id, roles);
      }),
      kill: withFramework('kill', (f, b) => this.tasks.kill(f, b)),
      shutdown: withFramework('shutdown', (f, b) => {
        const agent = this.state.agents.get(b.agent_id?.value);
        if (agent !== undefined && typeof b.executor_id?.value === 'string') this.#ctx.toAgent(agent, 'shutdown_executor', { framework_id: { value: f.id }, executor_id: b.executor_id });
      }),
      acknowledge: withFramework('acknowledge', (f, b) => {
        const error = this.tasks.acknowledge(f, b);
        if (error !== undefined) this.#ctx.toFramework(f, 'error', { message: error });
      }),
      reconcile: withFramework('reconcile', (f, b) => this.tasks.reconcile(f, b)),
      message: withFramework('message', (f, b) => {
        const agent = this.state.agents.get(b.agent_id?.value);
        if (agent === undefined || typeof b.executor_id?.value !== 'string') {
          this.#ctx.toFramework(f, 'error', { message: `MESSAGE: agent ${b.agent_id?.value} is not registered` });
          return;
        }
        this.#ctx.toAgent(agent, 'framework_to_executor', { agent_id: b.agent_id, framework_id: { value: f.id }, executor_id: b.executor_id, data: b.data });
        this.state.count('master/framework_to_executor_messages');
      }),
      teardown: withFramework('teardown', (f) => this.frameworks.remove(f, 'teardown by the framework')),
      update: withFramework('update', (f, b) => {
        const error = this.frameworks.update(f, b.framework_info, b.suppressed_roles);
        if (error !== undefined) this.#ctx.toFramework(f, 'error', { message: error });
      }),
      // --- agents
      register_agent: (body, from) => {
        this.state.count('master/messages_received/register_agent');
        this.agents.register(from.toString(), body);
      },
      reregister_agent: (body, from) => {
        this.state.count('master/messages_received/reregister_agent');
        this.agents.reregister(from.toString(), body);
      },
      unregister_agent: fromAgent('unregister_agent', (agent) => this.agents.remove(agent, 'the agent unregistered')),
      pong: fromAgent('pong', (agent) => this.agents.pong(agent)),
      status_update: fromAgent('status_update', (agent, b) => this.tasks.statusUpdate(b.update, agent)),
      exited_executor: fromAgent('exited_executor', (agent, b) => this.#executorExited(agent, b)),
      executor_to_framework: fromAgent('executor_to_framework', (agent, b) => {
        const framework = this.state.frameworks.get(b.framework_id?.value);
        if (framework === undefined || !framework.connected) return;
        this.#ctx.toFramework(framework, 'framework_message', { agent_id: { value: agent.id }, executor_id: b.executor_id, data: b.data });
      }),
      update_agent: fromAgent('update_agent', () => {
        this.state.count('master/agent_updates_ignored');
      }),
      // --- allocator
      offers: (body) => this.offering.allocated(body.allocations ?? []),
    };
  }

  /** The framework a scheduler call is for, checked against the caller. */
  #callerFramework(frameworkId: string | undefined, from: PID, call: string): Framework | undefined {
    const framework = frameworkId === undefined ? undefined : this.state.frameworks.get(frameworkId);
    if (framework === undefined || !framework.connected || framework.connection?.id !== from.toString()) {
      this.state.count('master/calls_from_unsubscribed');
      this.send(from as unknown as PID<MasterToScheduler>, 'error', { message: `${call.toUpperCase()}: framework ${frameworkId ?? '(no id)'} is not subscribed from ${from}` });
      return undefined;
    }
    return framework;
  }

  override exited(pid: PID): void {
    const text = pid.toString();
    const framework = this.frameworks.byConnection(text);
    if (framework !== undefined) this.frameworks.disconnected(framework);
    const agent = this.agents.byPid(text);
    if (agent !== undefined) this.agents.disconnected(agent);
  }

  #executorExited(agent: Agent, body: AgentToMaster['exited_executor']): void {
    const frameworkId = body.framework_id?.value;
    const executorId = body.executor_id?.value;
    if (typeof frameworkId !== 'string' || typeof executorId !== 'string') return;
    const executor = agent.executors.get(frameworkId)?.get(executorId);
    agent.executors.get(frameworkId)?.delete(executorId);
    const framework = this.state.frameworks.get(frameworkId);
    framework?.executors.get(agent.id)?.delete(executorId);
    if (executor?.resources !== undefined && executor.resources.length > 0) {
      const r = Resources.of(executor.resources);
      agent.removeUsed(frameworkId, r);
      framework?.removeUsed(agent.id, r);
      this.#allocator!.recoverResources(frameworkId, agent.id, executor.resources, undefined);
    }
    if (framework?.connected) this.#ctx.toFramework(framework, 'failure', { agent_id: { value: agent.id }, executor_id: { value: executorId }, ...(body.status !== undefined ? { status: body.status } : {}) });
  }

  /** A framework is removed: its agents shut it down; its tasks end as TASK_KILLED in the books. */
  #frameworkRemoved(framework: Framework): void {
    for (const agent of this.state.agents.values()) {
      const tasks = agent.tasks.get(framework.id);
      const executors = agent.executors.get(framework.id);
      if ((tasks === undefined || tasks.size === 0) && (executors === undefined || executors.size === 0)) continue;
      this.#ctx.toAgent(agent, 'shutdown_framework', { framework_id: { value: framework.id } });
      for (const task of [...(tasks?.values() ?? [])]) {
        task.state = 'TASK_KILLED';
        task.statuses.push(this.tasks.masterStatus(task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', 'Framework removed'));
        this.tasks.remove(framework, agent, task);
      }
      for (const e of executors?.values() ?? []) {
        if (e.resources !== undefined && e.resources.length > 0) this.#allocator!.recoverResources(framework.id, agent.id, e.resources, undefined);
      }
      agent.executors.delete(framework.id);
      agent.used.delete(framework.id);
    }
    framework.executors.clear();
    framework.used.clear();
  }

  /** The state endpoint's view (Mesos /state shape). */
  stateSummary(): Record<string, unknown> {
    return masterState(this);
  }

  metrics(): Record<string, number> {
    return masterMetrics(this);
  }

  override finalize(): void {
    for (const a of this.state.agents.values()) a.pingTimer?.cancel();
    for (const f of this.state.frameworks.values()) f.failoverTimer?.cancel();
  }
}

function ipv4ToNumber(host: string): number {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return 0;
  // Mesos packs the address in network byte order into a uint32.
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}
