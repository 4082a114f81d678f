/**
 * Offer filters: a framework that declines resources in a role with refuse_seconds is not offered
 * what they contain on that agent (in that role) until they expire. Kept per agent (by framework and
 * role) for the check, per framework for REVIVE and removal, and in a min-heap by expiry.
 */
import { MinHeap } from 'libprocess-ts';
import type { Resources } from '../../protocol/resources.js';
import { filterKey, type AgentState, type Filter, type FrameworkState } from './state.js';

export class FilterBook {
  readonly #heap = new MinHeap<Filter>(filterBefore);
  #seq = 0;
  #count = 0;

  readonly #agents: ReadonlyMap<string, AgentState>;
  readonly #frameworks: ReadonlyMap<string, FrameworkState>;

  /** The core's agents and frameworks by id (a filter names its agent and framework). */
  constructor(agents: ReadonlyMap<string, AgentState>, frameworks: ReadonlyMap<string, FrameworkState>) {
    this.#agents = agents;
    this.#frameworks = frameworks;
  }

  /** Live filters in total. */
  get count(): number {
    return this.#count;
  }

  add(agent: AgentState, f: FrameworkState, role: string, resources: Resources, expiresAt: number): void {
    const key = filterKey(f, role);
    const flt: Filter = { frameworkId: f.id, role, agentId: agent.id, key, resources, expiresAt, seq: this.#seq++, live: true };
    const list = agent.filters.get(key);
    if (list === undefined) agent.filters.set(key, [flt]);
    else list.push(flt);
    f.filters.add(flt);
    this.#count++;
    this.#heap.push(flt);
  }

  /** Drops a filter from its agent and framework (the heap drops it lazily). */
  drop(flt: Filter, fromAgent: boolean): void {
    if (!flt.live) return;
    flt.live = false;
    this.#count--;
    this.#frameworks.get(flt.frameworkId)?.filters.delete(flt);
    const agent = this.#agents.get(flt.agentId);
    if (agent === undefined) return;
    agent.version++;
    agent.filterVersion++;
    if (!fromAgent) return;
    const key = flt.key;
    const list = agent.filters.get(key);
    if (list === undefined) return;
    const i = list.indexOf(flt);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) agent.filters.delete(key);
  }

  removeFor(f: FrameworkState, role?: string): void {
    for (const flt of [...f.filters]) if (role === undefined || flt.role === role) this.drop(flt, true);
  }

  /** Drops expired filters (expiresAt <= now); returns the agents that lost one (what they hold may now be offered). */
  expire(now: number): Set<string> {
    const h = this.#heap;
    const agents = new Set<string>();
    for (let top = h.peek(); top !== undefined && (!top.live || top.expiresAt <= now); top = h.peek()) {
      h.pop();
      if (top.live) {
        this.drop(top, true);
        agents.add(top.agentId);
      }
    }
    return agents;
  }

  /** When the earliest live filter expires (ms), if any. */
  nextExpiry(): number | undefined {
    const h = this.#heap;
    while (h.peek()?.live === false) h.pop();
    return h.peek()?.expiresAt;
  }

  /** 0: not filtered; 1: filtered for `offer` only; 2: filtered for all of `full` (hence for any offer from it). */
  filtered(agent: AgentState, f: FrameworkState, role: string, offer: Resources, full: Resources): 0 | 1 | 2 {
    if (agent.filters.size === 0) return 0;
    const list = agent.filters.get(filterKey(f, role));
    if (list === undefined) return 0;
    let result: 0 | 1 | 2 = 0;
    for (const flt of list) {
      // A decline of everything the agent has (its total object) covers anything offered here.
      if (flt.resources === agent.total || flt.resources.contains(full)) return 2;
      if (result === 0 && offer !== full && flt.resources.contains(offer)) result = 1;
    }
    return result;
  }
}

function filterBefore(a: Filter, b: Filter): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.seq < b.seq);
}
