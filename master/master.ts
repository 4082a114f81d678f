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
import { operationAnswered } from './operations.js';
import { PID, Process, Random, osSeed, type Handlers } from 'libprocess-ts';
import { uuidBytes, uuidString } from '../protocol/ids.js';
import { countCall, countEvent, frameworkMetrics } from './framework-metrics.js';
import { installClassicRoutes } from './http-classic.js';
import { installOperatorApi } from './http-operator.js';
import { installMaintenanceRoutes } from './http-maintenance.js';
import { installReservationRoutes } from './http-reservations.js';
import { installSchedulerApi } from './http-scheduler.js';
import { IdGenerator } from '../protocol/ids.js';
import type { AgentToMaster, MasterToAgent } from '../protocol/messages/master-agent.js';
import type { MasterToScheduler, SchedulerToMaster } from '../protocol/messages/master-scheduler.js';
import { AGENT_TO_MASTER, SCHEDULER_TO_MASTER } from '../protocol/messages/schemas.js';
import { MessageValidator, validated, type OnInvalid } from '../protocol/messages/validate.js';
import type { MasterInfo } from '../protocol/types.js';
import type { Agent } from './agent.js';
import type { Effect } from './books/effects.js';
import * as executorBooks from './books/executors.js';
import { Agents } from './agents.js';
import type { AllocatorPort } from './allocator-port.js';
import type { SchedulerConnection } from './connection.js';
import { MasterState, type MasterContext } from './context.js';
import { masterFlags, type MasterFlags } from './flags.js';
import type { Framework } from './framework.js';
import { Frameworks } from './frameworks.js';
import { Offering } from './offering.js';
import { Maintenance } from './maintenance-ops.js';
import { OperatorConversions } from './resource-conversions.js';
import { AllocatorClient } from './allocator-client.js';
import type { AllocatorProtocol, AllocatorToMaster } from './allocator/protocol.js';
import { installStateRoutes } from './http-state.js';
import { installWebUi } from './http-webui.js';
import { masterMetrics } from './state.js';
import { Tasks } from './tasks.js';
import type { MasterHa } from './leader.js';
import { MasterHttpAuth } from './http-auth.js';
import { join } from 'node:path';
import { metricNames } from './metric-names.js';
import { VirtualFiles } from './files.js';
import { MASTER_LOG_FILE } from './log-file.js';
import type { OperatorApiHost, OperatorCalls, SchedulerApiHost } from './view.js';
import type { RegisteredAgent } from './registrar/registry.js';


export type MasterProtocol = SchedulerToMaster & AgentToMaster & AllocatorToMaster;

/** Scheduler calls made once subscribed. */
export type FrameworkCall = Exclude<keyof SchedulerToMaster & string, 'subscribe' | 'resubscribe'>;

export interface MasterOptions {
  readonly flags?: Partial<MasterFlags>;
  /** The master id (a UUID); the same for the master's lifetime. */
  readonly masterId: string;
  /** The allocator process (in the same runtime) the master reports to. */
  readonly allocator: PID<AllocatorProtocol>;
  readonly version?: string;
  /** Randomness (stream ids); seeded in tests. */
  readonly random?: Random;
  /** High availability (leader.ts): the term this master leads, the registry it recovers from and writes through. */
  readonly ha?: MasterHa;
  /** The metrics of the allocator of this runtime (`allocator/mesos/...`), shown with the master's. */
  readonly allocatorMetrics?: () => Record<string, number>;
}

export const MASTER_VERSION = '0.1.0';

const sentName = metricNames('master/messages_sent/');

/** What the master hears from outside its runtime: schedulers and agents. */
type ExternalProtocol = SchedulerToMaster & AgentToMaster;

/**
 * Every body the master receives from outside is checked against its schema before a handler sees it. The
 * allocator's messages are not: they come only from the allocator of this runtime (`localOnly`), whose
 * resources are `Resources.json()` arrays the master reads back without parsing or copying.
 */
const MASTER_MESSAGES = new MessageValidator<ExternalProtocol>(
  { ...SCHEDULER_TO_MASTER, ...AGENT_TO_MASTER },
  {},
  // validation.ts answers an unsafe task or executor id of a launch with TASK_ERROR for that task (as Mesos).
  ['accept'],
);

export class MasterProcess extends Process<MasterProtocol> implements SchedulerApiHost, OperatorApiHost {
  readonly flags: MasterFlags;
  readonly state: MasterState;
  readonly ids: IdGenerator;
  readonly version: string;
  readonly random: Random;
  readonly #allocatorPid: PID<AllocatorProtocol>;
  readonly #ha: MasterHa | undefined;
  readonly #allocatorMetrics: (() => Record<string, number>) | undefined;
  /** The principal each agent PID (re)registered under. */
  /** The principal each agent record registered under; keyed by the record, so a removed agent's entry goes with it. */
  readonly #agentPrincipals = new WeakMap<Agent, string | undefined>();
  #allocator: AllocatorPort | undefined;
  #ctx!: MasterContext;
  frameworks!: Frameworks;
  agents!: Agents;
  offering!: Offering;
  tasks!: Tasks;
  /** The operator's reservation changes (RESERVE_RESOURCES ...), carried out with the allocator. */
  conversions!: OperatorConversions;
  /** Maintenance schedules, machines down and up, draining, deactivation, inverse offers. */
  maintenance!: Maintenance;
  /** HTTP authentication and the authorizer (--credentials, --authenticate_http_*, --acls). */
  readonly auth: MasterHttpAuth;
  /** LIST_FILES / READ_FILE: the log file (--log_dir) as `/master/log`. */
  readonly files = new VirtualFiles();
  startedAt = 0;

  constructor(options: MasterOptions) {
    super();
    this.flags = masterFlags(options.flags);
    this.state = new MasterState(this.flags);
    this.ids = new IdGenerator(options.masterId);
    this.version = options.version ?? MASTER_VERSION;
    this.#allocatorPid = options.allocator;
    this.random = options.random ?? new Random(osSeed());
    this.#ha = options.ha;
    this.#allocatorMetrics = options.allocatorMetrics;
    this.auth = new MasterHttpAuth(this.flags);
    if (this.flags.logDir !== undefined) this.files.attach(join(this.flags.logDir, MASTER_LOG_FILE), '/master/log');
  }

  override initialize(): void {
    this.startedAt = this.clock.now();
    this.#allocator = new AllocatorClient(this.#allocatorPid, (to, name, body) => this.send(to, name, body));
    if (this.#ha !== undefined) this.#allocator = this.#ha.allocator(this.#allocator);
    const ha = this.#ha;
    const term = ha?.term;
    for (const [role, w] of Object.entries(this.flags.weights)) this.state.weights.set(role, w);
    if (Object.keys(this.flags.weights).length > 0) this.#allocator.setWeights({ ...this.flags.weights });
    const self = this;
    this.#ctx = {
      state: this.state,
      flags: this.flags,
      ids: this.ids,
      clock: this.clock,
      logger: this.runtime.logger,
      allocator: this.#allocator,
      authorizer: this.auth.authorizer,
      masterInfo: () => this.masterInfo(),
      uuid: () => uuidBytes(() => this.random.float()),
      toAgent<N extends keyof MasterToAgent & string>(agent: Agent | string, name: N, body: MasterToAgent[N]): void {
        const pid = (typeof agent === 'string' ? PID.parse(agent) : agent.pidRef) as PID<MasterToAgent>;
        // The term is the fencing token: agents ignore a master of an older term.
        const fenced = term !== undefined && (name === 'ping' || name === 'agent_registered' || name === 'agent_reregistered') ? { ...body, term } : body;
        self.send(pid, name, fenced);
        self.state.count(sentName(name));
      },
      toFramework<N extends keyof MasterToScheduler & string>(framework: Framework, name: N, body: MasterToScheduler[N]): void {
        framework.connection?.send(name, body);
        countEvent(framework, name, body);
      },
      delay: (ms, fn) => this.delay(ms, fn),
      link: (pid) => this.link(PID.parse(pid)),
      apply: (effects) => this.#apply(effects),
      ...(ha !== undefined
        ? {
            pendingAgent: (id: string) => ha.pendingAgents.has(id),
            admit: (agent, then) => {
              ha.admitAgent(agent).then(
                this.defer(() => then(true)),
                this.defer((err: unknown) => {
                  this.runtime.logger.warn(`the admission of agent ${agent.id} was not committed: ${(err as Error).message}`);
                  then(false);
                }),
              );
            },
          }
        : {}),
    };
    this.tasks = new Tasks(this.#ctx);
    this.offering = new Offering(this.#ctx, this.tasks);
    this.frameworks = new Frameworks(this.#ctx, this.offering, (f) => this.#frameworkRemoved(f));
    this.agents = new Agents(this.#ctx, this.offering);
    this.conversions = new OperatorConversions(this.#ctx, this.offering);
    this.maintenance = new Maintenance(this.#ctx, this.agents, this.offering);
    installStateRoutes(this);
    installSchedulerApi(this, () => uuidString(() => this.random.float()));
    installOperatorApi(this);
    installMaintenanceRoutes(this);
    installReservationRoutes(this);
    installClassicRoutes(this);
    installWebUi(this);
    this.#ha?.attach(this, this.#ctx);
    this.maintenance.inverseOffers();
  }

  /** The term this master leads (high availability), undefined for a master without a log. */
  get term(): number | undefined {
    return this.#ha?.term;
  }

  /** The operator API's changes (view.ts `OperatorCalls`). */
  readonly operator: OperatorCalls = {
    updateWeights: (weights) => {
      for (const [role, w] of Object.entries(weights)) this.state.weights.set(role, w);
      this.allocatorPort.setWeights(weights);
    },
    updateQuota: (role, guarantees, limits) => {
      if (Object.keys(guarantees).length === 0 && Object.keys(limits).length === 0) this.state.quotas.delete(role);
      else this.state.quotas.set(role, { guarantees, limits });
      this.allocatorPort.setQuota(role, guarantees, limits);
    },
    teardown: (frameworkId) => {
      const framework = this.state.frameworks.get(frameworkId);
      if (framework === undefined) return false;
      this.frameworks.remove(framework, 'teardown by the operator');
      return true;
    },
    convertResources: (agentId, conversion, what) => this.conversions.convert(agentId, conversion, what),
    markAgentGone: (agentId) => {
      const agent = this.state.agents.get(agentId);
      if (agent !== undefined) {
        this.agents.remove(agent, 'marked gone by the operator', 'TASK_GONE_BY_OPERATOR');
        this.#ctx.toAgent(agent, 'shutdown', { message: 'Agent marked gone by the operator' });
        return true;
      }
      // An unreachable agent is given up on (in the registry too); one gone already is fine.
      return this.agents.forgetUnreachable(agentId) || this.state.goneAgents.has(agentId);
    },
  };

  /** `registrar/*` and recovery metrics (high availability; none without a log). */
  haMetrics(): Record<string, number> {
    return this.#ha?.metrics() ?? {};
  }

  /** A framework known from the registry whose scheduler has not resubscribed to this leader yet. */
  isRecovered(frameworkId: string): boolean {
    return this.#ha?.isRecovered(frameworkId) ?? false;
  }

  /** Agents known from the registry that have not re-registered with this leader yet. */
  recoveredAgents(): readonly RegisteredAgent[] {
    return this.#ha === undefined ? [] : [...this.#ha.pendingAgents.values()];
  }

  /** What the master tells its allocator (operator calls use it too). */
  get allocatorPort(): AllocatorPort {
    return this.#allocator!;
  }

  /** Built once: it goes with every (re-)registration's answer (10k of them in a failover burst). */
  #masterInfo: MasterInfo | undefined;

  masterInfo(): MasterInfo {
    if (this.#masterInfo !== undefined) return this.#masterInfo;
    const pid = this.pid;
    const info: MasterInfo = {
      id: this.ids.masterId,
      ip: ipv4ToNumber(pid.host),
      port: pid.port,
      pid: pid.toString(),
      hostname: this.flags.hostname,
      version: this.version,
      address: Object.freeze({ hostname: this.flags.hostname, ip: pid.host, port: pid.port }),
    };
    this.#masterInfo = Object.freeze(info);
    return info;
  }

  /** A connection for an actor scheduler at `pid`. */
  actorConnection(pid: PID): SchedulerConnection {
    const target = pid as unknown as PID<MasterToScheduler>;
    const text = pid.toString();
    return {
      id: text,
      kind: 'actor',
      principal: this.principalOf(pid),
      send: (name, body) => this.send(target, name, body),
      close: () => {},
    };
  }

  /** `offers` come from the allocator of this runtime, never from outside. */
  protected override localOnly(): readonly (keyof MasterProtocol & string)[] {
    return ['offers', 'available_updated'];
  }

  protected handlers(): Handlers<MasterProtocol> {
    const withFramework = <B extends { framework_id?: { value: string } }>(name: string, fn: (framework: Framework, body: B) => string | undefined) => {
      const counter = `master/messages_received/${name}`;
      return (body: B, from: PID) => {
        this.state.count(counter);
        const framework = this.#callerFramework(body?.framework_id?.value, from, name);
        if (framework === undefined) return;
        const error = fn(framework, body);
        if (error !== undefined) this.#ctx.toFramework(framework, 'error', { message: error });
      };
    };
    const fromAgent = <B>(name: string, fn: (agent: Agent, body: B) => void) => {
      const counter = `master/messages_received/${name}`;
      return (body: B, from: PID) => {
        this.state.count(counter);
        const agent = this.agents.byPid(from.toString());
        if (agent === undefined) {
          this.state.count('master/messages_from_unknown_agents');
          this.runtime.logger.warn(`ignoring ${name} from ${from}: not a registered agent`);
          return;
        }
        // The agent's PID speaks only under the principal it registered under (its address may be claimed while it is away).
        if (this.#agentPrincipals.has(agent) && this.#agentPrincipals.get(agent) !== this.principalOf(from)) {
          this.state.count('master/agent_messages_wrong_principal');
          this.runtime.logger.warn(`ignoring ${name} from ${from}: it registered as ${this.#agentPrincipals.get(agent) ?? 'an unauthenticated agent'}, this comes as ${this.principalOf(from) ?? 'an unauthenticated peer'}`);
          return;
        }
        fn(agent, body);
      };
    };
    const external = validated<ExternalProtocol, PID>({
      // --- schedulers
      subscribe: (body, from) => {
        this.state.count('master/messages_received/subscribe');
        this.frameworks.subscribe(this.actorConnection(from), body?.framework_info, body?.suppressed_roles ?? []);
      },
      resubscribe: (body, from) => {
        this.state.count('master/messages_received/resubscribe');
        this.frameworks.subscribe(this.actorConnection(from), body?.framework_info, body?.suppressed_roles ?? []);
      },
      accept: withFramework('accept', (f, b) => this.call(f, 'accept', b)),
      decline: withFramework('decline', (f, b) => this.call(f, 'decline', b)),
      revive: withFramework('revive', (f, b) => this.call(f, 'revive', b)),
      suppress: withFramework('suppress', (f, b) => this.call(f, 'suppress', b)),
      kill: withFramework('kill', (f, b) => this.call(f, 'kill', b)),
      shutdown: withFramework('shutdown', (f, b) => this.call(f, 'shutdown', b)),
      acknowledge: withFramework('acknowledge', (f, b) => this.call(f, 'acknowledge', b)),
      reconcile: withFramework('reconcile', (f, b) => this.call(f, 'reconcile', b)),
      message: withFramework('message', (f, b) => this.call(f, 'message', b)),
      teardown: withFramework('teardown', (f, b) => this.call(f, 'teardown', b)),
      update: withFramework('update', (f, b) => this.call(f, 'update', b)),
      accept_inverse_offers: withFramework('accept_inverse_offers', (f, b) => this.call(f, 'accept_inverse_offers', b)),
      decline_inverse_offers: withFramework('decline_inverse_offers', (f, b) => this.call(f, 'decline_inverse_offers', b)),
      acknowledge_operation_status: withFramework('acknowledge_operation_status', (f, b) => this.call(f, 'acknowledge_operation_status', b)),
      reconcile_operations: withFramework('reconcile_operations', (f, b) => this.call(f, 'reconcile_operations', b)),
      // --- agents
      register_agent: (body, from) => {
        this.state.count('master/messages_received/register_agent');
        if (!this.#agentAuthenticated('register_agent', from)) return;
        this.agents.register(from.toString(), body);
        this.#rememberPrincipal(from);
      },
      reregister_agent: (body, from) => {
        this.state.count('master/messages_received/reregister_agent');
        if (!this.#agentAuthenticated('reregister_agent', from)) return;
        this.agents.reregister(from.toString(), body);
        this.maintenance.reregistered(from.toString());
        this.#rememberPrincipal(from);
      },
      unregister_agent: fromAgent('unregister_agent', (agent) => this.agents.remove(agent, 'the agent unregistered')),
      pong: fromAgent('pong', (agent) => this.agents.pong(agent)),
      status_update: fromAgent('status_update', (agent, b) => {
        this.tasks.statusUpdate(b.update, agent);
        this.maintenance.updated(agent);
      }),
      exited_executor: fromAgent('exited_executor', (agent, b) => this.#executorExited(agent, b)),
      executor_to_framework: fromAgent('executor_to_framework', (agent, b) => {
        const framework = this.state.frameworks.get(b.framework_id?.value);
        if (framework === undefined || !framework.connected) return;
        this.#ctx.toFramework(framework, 'framework_message', { agent_id: { value: agent.id }, executor_id: b.executor_id, data: b.data });
      }),
      update_agent: fromAgent('update_agent', () => {
        this.state.count('master/agent_updates_ignored');
      }),
      update_operation_status: fromAgent('update_operation_status', (agent, b) => operationAnswered(this.#ctx, agent, b)),
    }, MASTER_MESSAGES, this.#onInvalid, (from) => from.address !== this.pid.address);
    return {
      ...external,
      // --- the allocator of this runtime
      offers: (body) => this.offering.allocated(body.allocations),
      available_updated: (body) => this.conversions.answered(body.request_id, body.ok),
    };
  }

  /** A message whose body does not match its schema (validated above). */
  readonly #onInvalid: OnInvalid<PID> = {
    count: () => this.state.count('master/invalid_messages'),
    warn: (message) => this.runtime.logger.warn(message),
    // A scheduler hears why its call was refused, as for a call the master cannot carry out.
    reply: (name, from, message) => {
      if (name in SCHEDULER_TO_MASTER) this.send(from as PID<MasterToScheduler>, 'error', { message });
    },
  };

  /**
   * A call of a subscribed framework, from either kind of scheduler (actor
   * message or HTTP API). Returns an error text for a call that cannot be
   * carried out; the caller decides how to report it (an `error` message to
   * an actor scheduler, a 400 to an HTTP one).
   */
  call<N extends FrameworkCall>(f: Framework, name: N, b: SchedulerToMaster[N]): string | undefined {
    countCall(f, name, b);
    switch (name) {
      case 'accept':
        this.offering.accept(f, b as SchedulerToMaster['accept']);
        return undefined;
      case 'decline':
        this.offering.decline(f, b as SchedulerToMaster['decline']);
        return undefined;
      case 'revive':
      case 'suppress': {
        const given = (b as SchedulerToMaster['revive']).roles;
        const roles = given && given.length > 0 ? given : undefined;
        const unknown = (roles ?? []).filter((r) => !f.roles.includes(r));
        if (unknown.length > 0) return `${name.toUpperCase()}: the framework is not subscribed to role(s) ${unknown.join(', ')}`;
        for (const r of roles ?? f.roles) {
          if (name === 'revive') f.suppressedRoles.delete(r);
          else f.suppressedRoles.add(r);
        }
        if (name === 'revive') this.#allocator!.revive(f.id, roles);
        else this.#allocator!.suppress(f.id, roles);
        return undefined;
      }
      case 'kill':
        this.tasks.kill(f, b as SchedulerToMaster['kill']);
        return undefined;
      case 'shutdown': {
        const body = b as SchedulerToMaster['shutdown'];
        const agent = this.state.agents.get(body.agent_id?.value);
        if (agent === undefined) return `SHUTDOWN: agent ${body.agent_id?.value} is not registered`;
        if (typeof body.executor_id?.value !== 'string') return 'SHUTDOWN needs executor_id';
        this.#ctx.toAgent(agent, 'shutdown_executor', { framework_id: { value: f.id }, executor_id: body.executor_id });
        return undefined;
      }
      case 'acknowledge':
        return this.tasks.acknowledge(f, b as SchedulerToMaster['acknowledge']);
      case 'reconcile':
        this.tasks.reconcile(f, b as SchedulerToMaster['reconcile']);
        return undefined;
      case 'message': {
        const body = b as SchedulerToMaster['message'];
        const agent = this.state.agents.get(body.agent_id?.value);
        if (agent === undefined || typeof body.executor_id?.value !== 'string') return `MESSAGE: agent ${body.agent_id?.value} is not registered`;
        this.#ctx.toAgent(agent, 'framework_to_executor', { agent_id: body.agent_id, framework_id: { value: f.id }, executor_id: body.executor_id, data: body.data });
        this.state.count('master/framework_to_executor_messages');
        return undefined;
      }
      case 'teardown':
        this.frameworks.remove(f, 'teardown by the framework', true);
        return undefined;
      case 'update': {
        const body = b as SchedulerToMaster['update'];
        return this.frameworks.update(f, body.framework_info, body.suppressed_roles);
      }
      case 'acknowledge_operation_status':
      case 'reconcile_operations':
        return this.offering.resourceOps.feedback(f, name, b as SchedulerToMaster['acknowledge_operation_status'] & SchedulerToMaster['reconcile_operations']);
      case 'accept_inverse_offers':
      case 'decline_inverse_offers': {
        const body = b as SchedulerToMaster['accept_inverse_offers'];
        const refuse = body.filters?.refuse_seconds;
        const ids = (body.inverse_offer_ids ?? []).map((id) => id?.value).filter((id): id is string => typeof id === 'string');
        this.maintenance.answered(f, ids, name === 'accept_inverse_offers', typeof refuse === 'number' && Number.isFinite(refuse) && refuse >= 0 ? refuse : this.flags.defaultRefuseSeconds);
        return undefined;
      }
    }
    return `unknown call ${String(name)}`;
  }

  /** With --authenticate_agents, an agent registers only over an authenticated connection. */
  #agentAuthenticated(name: string, from: PID): boolean {
    if (!this.flags.authenticateAgents || this.principalOf(from) !== undefined) return true;
    this.state.count('master/agent_registrations_unauthenticated');
    this.runtime.logger.warn(`refused ${name} from ${from}: its connection is not authenticated (the master runs with --authenticate_agents)`);
    return false;
  }

  /** The framework a scheduler call is for, checked against the caller. */
  #callerFramework(frameworkId: string | undefined, from: PID, call: string): Framework | undefined {
    const framework = frameworkId === undefined ? undefined : this.state.frameworks.get(frameworkId);
    // The scheduler's PID, and the principal it subscribed as (its address may be claimed while it is away).
    if (framework === undefined || !framework.connected || framework.connection?.id !== from.toString() || framework.connection.principal !== this.principalOf(from)) {
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
    this.#apply(executorBooks.exited(this.state, agent, frameworkId, executorId));
    const framework = this.state.frameworks.get(frameworkId);
    if (framework?.connected) this.#ctx.toFramework(framework, 'failure', { agent_id: { value: agent.id }, executor_id: { value: executorId }, ...(body.status !== undefined ? { status: body.status } : {}) });
  }

  /** A framework is being removed: its operations are forgotten (the agents' shutdown and its tasks' end are effects of books/frameworks.ts). */
  #frameworkRemoved(framework: Framework): void {
    this.state.operations.forgetFramework(framework.id);
  }

  /** After a (re)registration: the record now at `from` speaks only under the principal it registered with. */
  #rememberPrincipal(from: PID): void {
    const agent = this.agents.byPid(from.toString());
    if (agent !== undefined) this.#agentPrincipals.set(agent, this.principalOf(from));
  }

  /** The one place the books' effects meet the world. */
  #apply(effects: readonly Effect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'allocator':
          (this.#allocator![e.call.name] as (...args: unknown[]) => void)(...e.call.args);
          break;
        case 'recover':
          this.#allocator!.recoverResources(e.frameworkId, e.agentId, e.resources, e.refuseSeconds);
          break;
        case 'rescind':
          this.#ctx.toFramework(e.framework, 'rescind', { offer_id: { value: e.offerId } });
          break;
        case 'forward':
          this.tasks.send(e.framework, e.status);
          break;
        case 'event':
          this.state.events.emit(e.event);
          break;
        case 'count':
          this.state.count(e.name, e.by);
          break;
        case 'kill':
          this.#ctx.toAgent(e.agent, 'kill_task', { framework_id: { value: e.frameworkId }, task_id: { value: e.taskId }, ...(e.killPolicy !== undefined ? { kill_policy: e.killPolicy } : {}) });
          break;
        case 'inverse_offer':
          this.#ctx.toFramework(e.framework, 'inverse_offers', { inverse_offers: [e.offer] });
          break;
        case 'agent_lost':
          this.#ctx.toFramework(e.framework, 'agent_lost', { agent_id: { value: e.agentId } });
          break;
        case 'inverse_rescind':
          this.#ctx.toFramework(e.framework, 'rescind_inverse_offer', { inverse_offer_id: { value: e.inverseOfferId } });
          break;
        case 'operation_status':
          if (e.framework.connected) this.#ctx.toFramework(e.framework, 'update_operation_status', { status: e.status });
          break;
        case 'forget_operation':
          if (e.agent.connected) this.#ctx.toAgent(e.agent, 'acknowledge_operation_status', { operation_uuid: { value: e.operationUuid }, ...(e.statusUuid !== undefined ? { status_uuid: { value: e.statusUuid } } : {}) });
          break;
        case 'checkpoint_resources':
          this.#ctx.toAgent(e.agent, 'checkpoint_resources', { resources: e.resources, ...(e.operations !== undefined ? { operations: e.operations } : {}) });
          break;
        case 'registry':
          this.#ha?.persist(e.op);
          break;
        case 'agent_registered': {
          const reply = { agent_id: { value: e.agent.id }, master_info: this.#ctx.masterInfo(), ping_timeout_seconds: this.flags.agentPingTimeoutMs / 1000, max_missed_pings: this.flags.maxAgentPingTimeouts };
          if (e.reregistered) this.#ctx.toAgent(e.agent, 'agent_reregistered', { ...reply, ...(e.reconciliations !== undefined ? { reconciliations: e.reconciliations.map((r) => ({ framework_id: { value: r.framework_id.value }, task_id: { value: r.task_id.value }, state: r.state })) } : {}) });
          else this.#ctx.toAgent(e.agent, 'agent_registered', reply);
          break;
        }
        case 'shutdown_framework':
          this.#ctx.toAgent(e.agent, 'shutdown_framework', { framework_id: { value: e.frameworkId } });
          break;
        case 'update_framework': {
          const { framework } = e;
          this.#ctx.toAgent(e.agent, 'update_framework', { framework_id: { value: framework.id }, framework_info: { ...framework.info, id: { value: framework.id } }, ...(framework.connection?.kind === 'actor' ? { pid: framework.connection.id } : {}) });
          break;
        }
        case 'subscribed':
          this.#ctx.toFramework(e.framework, 'subscribed', { framework_id: { value: e.framework.id }, heartbeat_interval_seconds: this.flags.heartbeatIntervalSeconds, master_info: this.#ctx.masterInfo() });
          break;
      }
    }
  }

  metrics(): Record<string, number> {
    const q = this.runtime.queued(this.pid);
    const queue = { 'master/event_queue_messages': q.messages, 'master/event_queue_dispatches': q.dispatches, 'master/event_queue_http_requests': q.httpRequests };
    return { ...masterMetrics(this), ...queue, ...frameworkMetrics(this.state.frameworks.values()), ...this.#allocatorMetrics?.(), ...this.haMetrics() };
  }

  override finalize(): void {
    this.maintenance.stop();
    this.agents.stopPings();
    for (const f of this.state.frameworks.values()) f.failoverTimer?.cancel();
  }
}

function ipv4ToNumber(host: string): number {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return 0;
  // Mesos packs the address in network byte order into a uint32.
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}
