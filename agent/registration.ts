/**
 * Registration with the master (Mesos's Slave::detected and
 * Slave::doReliableRegistration): the first attempt waits a random time in
 * [0, registration_backoff_factor]; each retry waits a random time in
 * [0, maxBackoff] where maxBackoff starts at twice the factor (1 s when the
 * factor is 0) and doubles, every wait capped at 1 min. The jitter comes from
 * the agent's seeded Random, so a simulated run replays exactly.
 */
import type { Random } from 'libprocess-ts';
import type { AgentCapability, AgentToMaster } from '../protocol/messages/master-agent.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Task } from '../protocol/types.js';
import type { Resource } from '../protocol/resources.js';

/** Mesos's REGISTER_RETRY_INTERVAL_MAX. */
export const REGISTER_RETRY_INTERVAL_MAX_MS = 60_000;
/** The version the agent reports. */
export const AGENT_VERSION = '0.1.0';

export class RegistrationBackoff {
  #maxBackoff: number;

  constructor(
    private readonly factorMs: number,
    private readonly random: Random,
  ) {
    this.#maxBackoff = this.#initialMax();
  }

  /** The first retry's bound: twice the factor (1 s when the factor is 0). */
  #initialMax(): number {
    return 2 * (this.factorMs > 0 ? this.factorMs : 500);
  }

  /** Delay before the first attempt. */
  first(): number {
    this.#maxBackoff = this.#initialMax();
    return Math.floor(this.factorMs * this.random.float());
  }

  /** Delay before the next retry (doubling, capped at 1 min). */
  next(): number {
    const d = Math.min(Math.floor(this.#maxBackoff * this.random.float()), REGISTER_RETRY_INTERVAL_MAX_MS);
    this.#maxBackoff = Math.min(this.#maxBackoff * 2, 2 * REGISTER_RETRY_INTERVAL_MAX_MS);
    return Math.max(d, 1);
  }
}

/** What this agent can do, told at every (re-)registration. */
const CAPABILITIES: AgentCapability[] = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'AGENT_OPERATION_FEEDBACK'];

export function registerMessage(agent: AgentInfo, checkpointed: Resource[] = []): AgentToMaster['register_agent'] {
  return { agent, version: AGENT_VERSION, checkpointed_resources: checkpointed, capabilities: CAPABILITIES };
}

export function reregisterMessage(
  agent: AgentInfo,
  executors: ExecutorInfo[],
  tasks: Task[],
  frameworks: FrameworkInfo[],
  checkpointed: Resource[] = [],
): AgentToMaster['reregister_agent'] {
  return {
    agent,
    version: AGENT_VERSION,
    checkpointed_resources: checkpointed,
    executor_infos: executors,
    tasks,
    frameworks,
    capabilities: CAPABILITIES,
  };
}

/**
 * Unanswered tries of a known leader before the agent asks the next master of its list: a leader cut off without its
 * link breaking is left in the end, and a busy one is not (each try it misses is one more it has to read).
 */
export const LEADER_TRIES = 3;

/**
 * Which master a registration goes to, and when (the real agent's master-link.ts and the simulated agent share it,
 * so the benchmarks measure the real policy). Mesos's agent registers with the master its detector names and retries
 * that one; here the detector is the masters themselves: a `not_leader` names the leader, a registration answered
 * proves one. Retries go to the known leader (a busy one answers late, not never; its broken link or its `not_leader`
 * ends it), to the next master of the list when none is known (probing). A leader named again after a probe keeps
 * the backoff growing: starting it over at every probe made the agents of a burst retry every second or two.
 */
export class MasterChoice {
  readonly masters: readonly string[];
  #current: string;
  /** The master known to lead (named by a master, or it answered a registration), while its link holds. */
  #leader: string | undefined;
  /** The leader followed last, kept across probes of the others (named again: the backoff goes on). */
  #followed: string | undefined;
  /** Tries of the known leader since it was named, unanswered. */
  #tries = 0;

  constructor(
    masters: readonly string[],
    private readonly backoff: RegistrationBackoff,
  ) {
    if (masters.length === 0) throw new Error('MasterChoice: no master given');
    this.masters = masters;
    this.#current = masters[0]!;
  }

  /** The master the next registration goes to. */
  get current(): string {
    return this.#current;
  }

  /** The master known to lead, if any. */
  get leader(): string | undefined {
    return this.#leader;
  }

  /** The delay before the first registration (at start, after the master was lost): a fresh backoff. */
  start(): number {
    return this.backoff.first();
  }

  /** The delay before a retry, after a registration was sent (doubling). */
  retryDelay(): number {
    return this.backoff.next();
  }

  /** A registration went unanswered for its retry delay: the known leader again (a few times), else the next master. */
  unanswered(): string {
    if (this.#leader === this.#current && ++this.#tries < LEADER_TRIES) return this.#current;
    this.next();
    return this.#current;
  }

  /**
   * A master named `leader` as the leader: registrations go to it from now on, after the returned delay: a fresh
   * backoff's first for a leader not followed before, the next of the growing one for the leader followed already.
   * `itself`: the leader said so itself (a standby just elected tells those it refused, once per election): a fresh
   * first too, as Mesos's agent when its detector names a new leader. A standby's push naming it a moment before
   * (confirm) had made this "followed already", and its agents waited the grown backoff: 99% of 10k agents were
   * back after 4.1 s and the last after 8.8 s.
   */
  follow(leader: string, itself = false): number {
    const again = leader === this.#followed && !itself;
    this.#current = leader;
    this.#leader = leader;
    this.#followed = leader;
    this.#tries = 0;
    return again ? this.backoff.next() : this.backoff.first();
  }

  /** A master named the one the registration under way goes to as the leader: its retries go on, to it now. */
  confirm(leader: string): void {
    if (leader !== this.#current || leader === this.#leader) return;
    this.#leader = leader;
    this.#followed = leader;
    this.#tries = 0;
  }

  /** `from` answered a registration: it leads, and the agent talks to it. */
  registered(from: string): void {
    this.#current = from;
    this.#leader = from;
    this.#followed = from;
    this.#tries = 0;
  }

  /** `master` cannot be the leader any more (its link broke, it said it does not lead, it stopped pinging). */
  lost(master: string): void {
    if (this.#leader === master) this.#leader = undefined;
    if (this.#followed === master) this.#followed = undefined;
  }

  /** On to the next master of the list (the current one was lost or did not answer). */
  next(): void {
    this.#leader = undefined;
    if (this.masters.length < 2) return;
    const i = this.masters.indexOf(this.#current);
    this.#current = this.masters[(i + 1) % this.masters.length]!;
  }

  /** The agent talks to `master` now (an answer from it was taken): the current one, known to lead only by `registered`. */
  moveTo(master: string): void {
    if (master !== this.#current) this.#leader = undefined;
    this.#current = master;
  }
}
