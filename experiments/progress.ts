/**
 * Progress while an experiment runs: its phase, virtual time done of the
 * phase's total, wall time elapsed and an estimate of what is left (the wall
 * time per unit of work so far, applied to the work left), tasks done. A line
 * at most every 2 s of wall time, to stderr (stdout stays for results).
 */
import { realClock } from 'libprocess-ts';

export class Progress {
  readonly #start = realClock.now();
  #lastPrint = -Infinity;
  /** Work (any unit: virtual ms, rounds) of the phases already done, and of all of them. */
  #doneBefore = 0;
  #phaseTotal = 0;
  #phase = '';
  #phaseDone = false;

  constructor(
    readonly name: string,
    /** Work of the whole experiment, in the phases' units summed. */
    public total: number,
    readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {}

  get elapsedMs(): number {
    return realClock.now() - this.#start;
  }

  /** A new phase of `work` units. */
  phase(name: string, work: number): void {
    this.#doneBefore += this.#phaseTotal;
    this.#phase = name;
    this.#phaseTotal = work;
    this.#lastPrint = -Infinity;
    this.#phaseDone = false;
  }

  /** `done` units of the current phase are done; `tasks` finished so far in it. */
  update(done: number, tasks: number, unit = 'virtual s', scale = 1000): void {
    const now = realClock.now();
    const complete = done >= this.#phaseTotal;
    if (now - this.#lastPrint < 2000 && !(complete && !this.#phaseDone)) return;
    this.#phaseDone ||= complete;
    this.#lastPrint = now;
    const all = this.#doneBefore + Math.min(done, this.#phaseTotal);
    const elapsed = this.elapsedMs;
    const left = all > 0 ? (elapsed / all) * Math.max(0, this.total - all) : NaN;
    const fmt = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)} s` : '?');
    this.write(`[${this.name}] ${this.#phase}: ${(done / scale).toFixed(0)}/${(this.#phaseTotal / scale).toFixed(0)} ${unit}, ${tasks} tasks done; elapsed ${fmt(elapsed)}, left ~${fmt(left)}`);
  }
}
