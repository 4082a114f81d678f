/**
 * The agents' health pings on one timer. Every agent is pinged once per `agent_ping_timeout`; a
 * timer of its own per agent (a Timeout, its closures and a cancel handle, renewed at every ping)
 * cost the master about half a kilobyte per agent and 50k timer renewals per period at 50k agents.
 * All agents have the same period, so their next pings, kept in the order they were set, are in
 * the order they fall due: a queue, and one timer for its head.
 *
 * An agent's due time is on the agent (`pingDue`); an entry whose time is no longer the agent's
 * (its pings stopped or restarted) is skipped when it comes up.
 */
import type { Timer } from 'libprocess-ts';
import type { Agent } from './agent.js';

export class PingSchedule {
  #agents: (Agent | undefined)[] = [];
  #due: number[] = [];
  #head = 0;
  #timer: Timer | undefined;
  #timerAt = Infinity;
  /** In #fire: the pings it makes schedule their next one without arming (#fire arms once at its end). */
  #firing = false;

  constructor(
    private readonly delay: (ms: number, fn: () => void) => Timer,
    private readonly now: () => number,
    private readonly periodMs: number,
    private readonly ping: (agent: Agent) => void,
  ) {}

  /** `agent`'s next ping one period from now (any earlier one dropped). */
  next(agent: Agent): void {
    const due = this.now() + this.periodMs;
    agent.pingDue = due;
    this.#agents.push(agent);
    this.#due.push(due);
    this.#arm();
  }

  /** No more pings to `agent` (until `next`). */
  stop(agent: Agent): void {
    agent.pingDue = undefined;
  }

  /** No more pings at all (the master stops). */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
    for (let i = this.#head; i < this.#agents.length; i++) this.#agents[i]!.pingDue = undefined;
    this.#agents = [];
    this.#due = [];
    this.#head = 0;
  }

  #arm(): void {
    if (this.#firing || this.#head >= this.#agents.length) return;
    const at = this.#due[this.#head]!;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = this.delay(Math.max(0, at - this.now()), () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.now();
    while (this.#head < this.#agents.length && this.#due[this.#head]! <= now) {
      const agent = this.#agents[this.#head]!;
      const due = this.#due[this.#head]!;
      this.#agents[this.#head] = undefined;
      this.#head++;
      if (agent.pingDue !== due) continue;
      agent.pingDue = undefined;
      this.#firing = true;
      try {
        this.ping(agent);
      } finally {
        this.#firing = false;
      }
    }
    // Drop the consumed front once it is most of the arrays.
    if (this.#head > 1024 && this.#head * 2 > this.#agents.length) {
      this.#agents = this.#agents.slice(this.#head);
      this.#due = this.#due.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
  }
}
