/**
 * The agent's link to the master (Mesos's Slave::detected,
 * doReliableRegistration, registered/reregistered, ping): which master it
 * talks to (following the leader among --master=a,b,c), registration and
 * re-registration with backoff, the ping watchdog, and fencing by leader
 * term: a master message of an older term than the highest heard is ignored.
 *
 *   DISCONNECTED ─register/reregister (backoff)─► master
 *        ▲                                          │ agent_(re)registered {term}
 *        │ broken link, no pings, not_leader,       ▼
 *        └──────── agent_lost, connected=false ── RUNNING ◄─ ping {term} / pong
 */
import { PID } from 'libprocess-ts';
import type { Timer } from 'libprocess-ts';
import type { FromNonLeader } from '../protocol/messages/leader.js';
import type { AgentToMaster, MasterToAgent } from '../protocol/messages/master-agent.js';
import type { ExecutorInfo, FrameworkInfo, Task } from '../protocol/types.js';
import type { AgentCore } from './core.js';
import { masterPidTexts } from './flags.js';
import { MasterChoice, RegistrationBackoff, registerMessage, reregisterMessage } from './registration.js';
import { executorTasks, type ExecutorRecord, type FrameworkRecord } from './state.js';

/** What the link needs of the agent beyond the core. */
export interface MasterLinkHost extends AgentCore {
  /** The agent was told it has another id: it must stop. */
  shutdown(message: string): void;
  /** The principal a connection authenticated as, if any. */
  principalOf(from: PID): string | undefined;
  readonly runtime: { readonly principal: string | undefined };
}

/**
 * How long masters of older terms only may speak before the agent takes them for a new replica set: far beyond a
 * deposed leader's lease and an election, so a real leader of the newer term has had every chance to be heard.
 */
export const STALE_TERMS_MS = 10 * 60_000;

export class MasterLink {
  /** Every master given (--master=a,b,c): tried in turn until one leads. */
  readonly masters: readonly string[];
  /** Registrations and re-registrations completed (for tests, /state and the simulator's fencing invariant). */
  registrations = 0;
  /** The master's ping timeout x max missed pings, once registered. */
  pingWatchdogMs = 75_000;
  readonly #a: MasterLinkHost;
  /** Which master registrations go to, and when (registration.ts, shared with the simulated agent). */
  readonly #choice: MasterChoice;
  #regTimer: Timer | undefined;
  #pingTimer: Timer | undefined;
  /** The highest leader term heard (the fencing token): a master of an older term is ignored. */
  #masterTerm = 0;
  /** Since when only masters of older terms have spoken (undefined while the last term heard was current). */
  #staleSince: number | undefined;
  #nonMaster = 0;

  constructor(agent: MasterLinkHost) {
    this.#a = agent;
    this.masters = masterPidTexts(agent.flags.master);
    this.#choice = new MasterChoice(this.masters, new RegistrationBackoff(agent.flags.registration_backoff_factor, agent.random));
  }

  /** The first master to try. */
  firstMaster(): PID<AgentToMaster> {
    return PID.parse<AgentToMaster>(this.#choice.current);
  }

  /** The highest leader term heard. */
  get masterTerm(): number {
    return this.#masterTerm;
  }

  /** The term checkpointed by an earlier run (agent-checkpoints.ts), before any message is read. */
  recoverTerm(term: number): void {
    this.#masterTerm = Math.max(this.#masterTerm, term);
  }

  /** Stops the timers (the agent is stopping or shutting down). */
  stop(): void {
    this.#regTimer?.cancel();
    this.#pingTimer?.cancel();
  }

  /**
   * A master message is taken only from the master this agent talks to (the
   * leader it registered with, or is registering with), and, when the agent
   * authenticates its connections, only over an authenticated one: its
   * `from` is then bound to a runtime that proved the agent's own secret.
   */
  fromMaster(name: string, from: PID): boolean {
    const a = this.#a;
    let why: string | undefined;
    if (!from.equals(a.master)) why = `it is not the master ${a.master}`;
    else if (!this.#authenticated(from)) why = 'its connection is not authenticated';
    if (why === undefined) return true;
    a.count('slave/messages_from_non_master');
    const n = ++this.#nonMaster;
    if (n <= 10 || (n & (n - 1)) === 0) a.logger.warn(`ignoring '${name}' from ${from}: ${why} (${n} so far)`);
    return false;
  }

  /** When this agent authenticates its connections: `from` came over one that proved the agent's own secret. */
  #authenticated(from: PID): boolean {
    return this.#a.runtime.principal === undefined || this.#a.principalOf(from) !== undefined;
  }

  agentRegistered(b: MasterToAgent['agent_registered'], from: PID): void {
    if (this.#fresh(b.term, from)) this.#registered(b.agent_id.value, false, from, b.ping_timeout_seconds, b.max_missed_pings);
  }

  agentReregistered(b: MasterToAgent['agent_reregistered'], from: PID): void {
    if (!this.#fresh(b.term, from)) return;
    this.#registered(b.agent_id.value, true, from, b.ping_timeout_seconds, b.max_missed_pings);
    for (const r of b.reconciliations ?? []) this.#a.updates.reconcile(r.framework_id.value, r.task_id);
  }

  ping(b: MasterToAgent['ping'], from: PID): void {
    if (this.#fresh(b.term, from)) this.#ping(b, from);
  }

  startRegistration(): void {
    this.#regTimer?.cancel();
    this.#regTimer = this.#a.delay(this.#choice.start(), () => this.#doRegistration());
  }

  #doRegistration(): void {
    const a = this.#a;
    this.#regTimer = undefined;
    if (a.state !== 'DISCONNECTED') return;
    a.link(a.master);
    if (a.agentId === undefined) {
      a.send(a.master, 'register_agent', registerMessage(a.agentInfo(), a.reservations.checkpointed.toJSON()));
    } else {
      const executors: ExecutorInfo[] = [];
      const tasks: Task[] = [];
      const frameworks: FrameworkInfo[] = [];
      for (const fw of a.books.frameworks.values()) {
        frameworks.push(fw.info);
        for (const ex of fw.executors.values()) {
          if (!ex.command) executors.push(ex.info);
          for (const t of executorTasks(ex, a.agentId)) {
            // The update the agent is delivering (the head of the task's stream), as Mesos reports it: a master
            // must not answer a reconciliation with a terminal state while older updates are still on their way.
            const head = a.sum.stream(fw.id, t.task_id.value)?.head;
            if (head !== undefined) {
              t.status_update_state = head.status.state;
              if (head.uuid !== undefined) t.status_update_uuid = head.uuid;
            }
            tasks.push(t);
          }
        }
      }
      a.send(a.master, 'reregister_agent', { ...reregisterMessage(a.agentInfo(), executors, tasks, frameworks, a.reservations.checkpointed.toJSON()), operations: [...a.operations.list] });
    }
    this.#regTimer = a.delay(this.#choice.retryDelay(), () => {
      // Not answered: the known leader again (busy), else the next master (perhaps not the leader, or gone).
      a.master = PID.parse<AgentToMaster>(this.#choice.unanswered());
      this.#doRegistration();
    });
  }

  #registered(agentId: string, re: boolean, from: PID, pingTimeoutSeconds?: number, maxMissedPings?: number): void {
    const a = this.#a;
    if (!from.equals(a.master)) {
      a.logger.warn(`ignoring ${re ? 'agent_reregistered' : 'agent_registered'} from ${from}, which is not the master ${a.master}`);
      return;
    }
    if (a.state === 'TERMINATING' || a.state === 'RECOVERING') return;
    if (a.agentId !== undefined && a.agentId !== agentId) {
      // Mesos: a master that changed our id means we are a different agent now; refuse.
      a.logger.warn(`the master ${re ? 're' : ''}registered this agent as ${agentId}, but it is ${a.agentId}; shutting down`);
      a.shutdown(`registered with a different agent id ${agentId}`);
      return;
    }
    if (a.state === 'RUNNING') return; // a duplicate answer to a retry
    if (a.agentId === undefined) {
      a.agentId = agentId;
      a.checkpoints.agentRegistered(agentId);
    }
    a.state = 'RUNNING';
    this.#choice.registered(from.toString());
    this.registrations++;
    this.#regTimer?.cancel();
    this.#regTimer = undefined;
    a.link(a.master);
    if (pingTimeoutSeconds !== undefined && maxMissedPings !== undefined) this.pingWatchdogMs = pingTimeoutSeconds * 1000 * maxMissedPings;
    this.#resetPingWatchdog();
    a.logger.info(`${re ? 're-registered' : 'registered'} with ${a.master} as ${agentId}`);
    a.sum.resume();
  }

  /**
   * False for a message of a master of an older term than one already heard (an old leader that has not stepped down
   * yet). A deposed leader stops within its lease, seconds; masters of older terms alone for STALE_TERMS_MS mean a new
   * replica set whose log began again at term 1 (it was wiped or replaced): the agent then takes that term, loudly,
   * instead of refusing its cluster for ever.
   */
  #fresh(term: number | undefined, from: PID): boolean {
    if (term === undefined) return true;
    if (typeof term !== 'number' || !Number.isInteger(term) || term < 0) {
      this.#a.logger.warn(`ignoring a message of ${from}: its term ${String(term)} is not a non-negative integer`);
      return false;
    }
    if (term < this.#masterTerm) {
      const now = this.#a.clock.now();
      this.#staleSince ??= now;
      if (now - this.#staleSince < STALE_TERMS_MS) {
        this.#a.logger.warn(`ignoring a message of ${from}, a master of term ${term}: the leader's term is at least ${this.#masterTerm}`);
        return false;
      }
      this.#a.logger.warn(`for ${Math.round((now - this.#staleSince) / 60_000)} min only masters of terms below ${this.#masterTerm} have spoken: taking ${from}'s term ${term} as a new replica set's (its log began again) and fencing from it on`);
    }
    this.#staleSince = undefined;
    if (term !== this.#masterTerm) this.#a.checkpoints.masterTerm(term);
    this.#masterTerm = term;
    return true;
  }

  /** The master we talk to does not lead: go to the leader it names, or on to the next master. */
  notLeader(b: FromNonLeader['not_leader'], from: PID): void {
    const a = this.#a;
    if (!from.equals(a.master) || a.state === 'TERMINATING' || a.state === 'RECOVERING') return;
    const leader = this.#named(b?.leader, from);
    a.logger.info(`${from} does not lead; ${leader !== undefined ? `the leader is ${leader}` : 'no leader known yet'}`);
    if (a.state === 'RUNNING') this.masterLost('the master does not lead any more');
    if (leader === undefined) {
      this.#choice.lost(from.toString());
      return; // the registration retries go on
    }
    // Our master says it leads now: a standby just elected, telling those it refused while no one led (master/leader.ts
    // StandbyMaster). Register at once rather than at the retry timer (seconds of backoff by then).
    if (leader === a.master.toString() && a.state !== 'DISCONNECTED') return;
    this.#follow(leader, leader === from.toString());
  }

  /** The leader a `not_leader` names, as a PID text; undefined when it names none (or a bad one, logged). */
  #named(leader: unknown, from: PID): string | undefined {
    if (typeof leader !== 'string') return undefined;
    try {
      return masterPidTexts(leader)[0];
    } catch {
      this.#a.logger.warn(`${from} named a bad leader ${JSON.stringify(leader)}; ignoring it`);
      return undefined;
    }
  }

  /** Registers with `leader` from now on, after the first backoff (a fresh one; the growing one for the leader followed already, MasterChoice). */
  #follow(leader: string, itself = false): void {
    const a = this.#a;
    a.master = PID.parse<AgentToMaster>(leader);
    this.#regTimer?.cancel();
    this.#regTimer = a.delay(this.#choice.follow(leader, itself), () => this.#doRegistration());
  }

  /** With several masters: the next one in the list (the current one was lost). */
  #nextMaster(): void {
    this.#choice.next();
    this.#a.master = PID.parse<AgentToMaster>(this.#choice.current);
  }

  /** The link to `pid` broke: when it is the master, it is lost (registered), or no longer the leader to retry (registering). */
  linkBroke(pid: PID): void {
    const a = this.#a;
    if (!pid.equals(a.master)) return;
    if (a.state === 'RUNNING') this.masterLost('the connection to the master broke');
    else this.#choice.lost(pid.toString());
  }

  #ping(b: MasterToAgent['ping'], from: PID): void {
    const a = this.#a;
    if (!from.equals(a.master)) return;
    if (a.state === 'RUNNING' && !b.connected) {
      a.logger.warn('the master considers this agent disconnected; re-registering');
      this.masterLost('the master says this agent is not connected');
    } else if (a.state === 'RUNNING') {
      this.#resetPingWatchdog();
    }
    a.send(a.master, 'pong', b.seq !== undefined ? { seq: b.seq } : {});
  }

  /**
   * A ping from one of our masters other than the one this agent talks to now (it is trying the others while that
   * one still has it registered): answered, and nothing more, as Mesos's agent answers every ping. Without the
   * pong, the master that has it counts missed pings and marks it unreachable just after it re-registers there
   * (sim seed 904 at cf69fad: the agent's tasks launched in between went UNREACHABLE and came back).
   */
  pingFromOther(b: MasterToAgent['ping'], from: PID): void {
    const a = this.#a;
    if (!this.masters.includes(from.toString())) return;
    if (!this.#authenticated(from)) return;
    // It leads a newer term than this agent knows (its answer to us may have been lost): fence with that term, so a
    // deposed leader of an older term answering the registration next is refused.
    if (typeof b.term === 'number' && b.term > this.#masterTerm) this.#fresh(b.term, from);
    a.send(from as PID<AgentToMaster>, 'pong', b.seq !== undefined ? { seq: b.seq } : {});
  }

  /**
   * A message of another of our masters than the one this agent talks to, over an authenticated connection (when it
   * authenticates): true when it was taken here (the caller drops it then).
   * - A registration answered by that master (the retry timer moved the agent on before the answer came): it leads
   *   and has admitted the agent, so the agent talks to it from now on, as Mesos's agent follows the leader its
   *   detector names. Otherwise the agent would drop the answer and the tasks the leader launches on it next, and
   *   register again later: the leader keeps the id and the tasks it had launched stay TASK_STAGING for good (sim
   *   seed 42 after losses reset connections). Only while registering, and not of an older term. The answer then
   *   goes on to its handler (false).
   * - `not_leader` naming a leader: a standby this agent asked earlier telling it, once, that a leader is elected
   *   (master/leader.ts StandbyMaster). Followed while registering when its term is not older than the one this
   *   agent knows; while registered, only for a newer term (the agent's master was deposed and has not said so).
   */
  fromOther(name: string, body: unknown, from: PID): boolean {
    const a = this.#a;
    if (name !== 'agent_registered' && name !== 'agent_reregistered' && name !== 'not_leader') return false;
    if (from.equals(a.master) || !this.masters.includes(from.toString()) || !this.#authenticated(from)) return false;
    if (a.state === 'TERMINATING' || a.state === 'RECOVERING') return false;
    const term = (body as { term?: unknown } | null)?.term;
    if (term !== undefined && (typeof term !== 'number' || term < this.#masterTerm)) return false;
    if (name !== 'not_leader') {
      if (a.state !== 'DISCONNECTED') return false;
      a.logger.info(`${from} answered the registration sent to it before ${a.master}: following it`);
      this.#choice.moveTo(from.toString());
      a.master = from as PID<AgentToMaster>;
      return false;
    }
    const leader = this.#named((body as FromNonLeader['not_leader']).leader, from);
    if (leader === undefined) return true;
    if (leader === a.master.toString()) {
      // The registration under way goes to it already: its retries go on, to it (not on to the next master).
      if (a.state === 'DISCONNECTED' && (term === undefined || this.#fresh(term as number, from))) this.#choice.confirm(leader);
      return true;
    }
    if (a.state === 'RUNNING' && (term === undefined || term === this.#masterTerm)) return true;
    // Followed: its term is the fencing token from now on (a deposed leader of an older term answering next is refused).
    if (!this.#fresh(term as number | undefined, from)) return true;
    if (a.state === 'RUNNING') this.masterLost(`${from} says ${leader} leads in term ${String(term)}`);
    a.logger.info(`${from} says ${leader} leads${term !== undefined ? ` in term ${term}` : ''}: registering with it`);
    this.#follow(leader, leader === from.toString());
    return true;
  }

  #resetPingWatchdog(): void {
    this.#pingTimer?.cancel();
    this.#pingTimer = this.#a.delay(this.pingWatchdogMs, () => {
      this.#pingTimer = undefined;
      if (this.#a.state !== 'RUNNING') return;
      this.#a.logger.warn(`no ping from the master in ${this.pingWatchdogMs} ms; re-registering`);
      this.masterLost('no pings from the master');
    });
  }

  /** Tells the master a custom executor's container ended (`status`: its exit code, when known). */
  exitedExecutor(fw: FrameworkRecord, ex: ExecutorRecord, status: number | undefined): void {
    const a = this.#a;
    if (a.agentId === undefined) return;
    const body: AgentToMaster['exited_executor'] = { agent_id: { value: a.agentId }, framework_id: { value: fw.id }, executor_id: { value: ex.id } };
    if (status !== undefined) body.status = status;
    a.send(a.master, 'exited_executor', body);
  }

  /** Opaque bytes from an executor to its scheduler (driver message or v1 MESSAGE call), through the master. */
  executorToFramework(frameworkId: string, executorId: string, data: Uint8Array): void {
    const a = this.#a;
    if (!a.agentId) return;
    a.send(a.master, 'executor_to_framework', { agent_id: { value: a.agentId }, framework_id: { value: frameworkId }, executor_id: { value: executorId }, data });
  }

  masterLost(why: string): void {
    const a = this.#a;
    if (a.state !== 'RUNNING') return; // already (re)registering, recovering or terminating
    a.logger.warn(`master ${a.master} lost (${why})`);
    a.state = 'DISCONNECTED';
    this.#choice.lost(a.master.toString());
    this.#nextMaster();
    this.#pingTimer?.cancel();
    a.sum.pause();
    this.startRegistration();
  }
}
