/**
 * One consistent read of the master at a time, re-read when the event stream
 * says something changed (at most every `minGapMs`) and every `pollMs` for
 * the plots; keeps the last minutes of samples for them.
 */
import { getJson, getRoles } from './api.js';
import type { MasterStateJson, Snapshot } from './types.js';

export interface Sample {
  /** Browser time (ms). */
  readonly t: number;
  /** CPUs and memory (MB) allocated (used + offered) per role. */
  readonly roles: Readonly<Record<PlotResource, Readonly<Record<string, number>>>>;
  /** CPUs and memory (MB) used + offered per framework (by name and the end of its id). */
  readonly frameworks: Readonly<Record<PlotResource, Readonly<Record<string, number>>>>;
  /** Tasks per state: active ones by their state, terminal ones counted since the master started. */
  readonly states: Readonly<Record<string, number>>;
}

/** What the allocation plots can show. */
export type PlotResource = 'cpus' | 'mem';

export const HISTORY_MS = 10 * 60 * 1000;
const STATE_METRICS: Record<string, string> = {
  staging: 'master/tasks_staging',
  starting: 'master/tasks_starting',
  running: 'master/tasks_running',
  finished: 'master/tasks_finished',
  failed: 'master/tasks_failed',
  killed: 'master/tasks_killed',
  lost: 'master/tasks_lost',
};

export function sampleOf(s: Snapshot): Sample {
  const roles: Record<PlotResource, Record<string, number>> = { cpus: {}, mem: {} };
  const frameworks: Record<PlotResource, Record<string, number>> = { cpus: {}, mem: {} };
  for (const k of ['cpus', 'mem'] as const) {
    for (const r of s.roles) roles[k][r.name] = r.allocated[k];
    for (const f of s.state.frameworks) frameworks[k][`${f.name} (${f.id.slice(-6)})`] = f.used_resources[k] + f.offered_resources[k];
  }
  const states: Record<string, number> = {};
  for (const [name, metric] of Object.entries(STATE_METRICS)) states[name] = s.metrics[metric] ?? 0;
  return { t: s.at, roles, frameworks, states };
}

export class Store {
  snapshot: Snapshot | undefined;
  error: string | undefined;
  readonly history: Sample[] = [];
  readonly #listeners = new Set<() => void>();
  #inFlight = false;
  #again = false;
  #timer: number | undefined;
  #last = 0;

  constructor(
    private readonly minGapMs = 200,
    private readonly pollMs = 2000,
  ) {}

  listen(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  start(): void {
    void this.refresh();
  }

  /** Something changed: read again soon (coalesced). */
  changed(): void {
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#schedule(Math.max(0, this.#last + this.minGapMs - Date.now()));
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => void this.refresh(), ms);
  }

  async refresh(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight = true;
    this.#again = false;
    try {
      const [state, metrics] = await Promise.all([getJson<MasterStateJson>('/master/state'), getJson<Record<string, number>>('/metrics/snapshot')]);
      const roles = await getRoles(state);
      this.snapshot = { state, metrics, roles, at: Date.now() };
      this.error = undefined;
      this.history.push(sampleOf(this.snapshot));
      while (this.history.length > 0 && this.history[0]!.t < this.snapshot.at - HISTORY_MS) this.history.shift();
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.#inFlight = false;
      this.#last = Date.now();
    }
    for (const fn of this.#listeners) fn();
    if (this.#again) this.#schedule(this.minGapMs);
    else this.#schedule(this.pollMs);
  }
}
