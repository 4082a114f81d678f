/**
 * Where an MPI job's ranks go, as pure functions: the offers held, merged per
 * agent (an agent's resources may come in several offers, and one ACCEPT may
 * use them all); how many ranks of a given size an agent's resources hold; and
 * the ranks dealt round-robin over the agents (one per agent per round, in
 * offer order, at most `maxPerAgent` on one), so that ranks spread over
 * machines as they do on an MPD ring or a host file with one line per node.
 * Each agent then runs one Hydra proxy for all of its ranks, with the sum of
 * their resources.
 */
import { Resources, take } from '../../framework/scheduler/helpers.js';
import type { Offer, OfferID } from '../../protocol/types.js';

/** One agent's held offers, merged. */
export interface AgentRoom {
  readonly agentId: string;
  readonly hostname: string;
  readonly offerIds: OfferID[];
  readonly resources: Resources;
}

/** One agent of a complete placement: how many ranks it runs and what its proxy task takes. */
export interface Node {
  readonly agentId: string;
  readonly hostname: string;
  readonly offerIds: OfferID[];
  readonly ranks: number;
  /** Taken from the agent's held offers: `ranks` times the per-rank resources. */
  readonly resources: Resources;
}

export interface PlacementResult {
  /** Every rank placed: the nodes in rank order (ranks of node 0 first). Undefined when they do not fit. */
  readonly nodes?: readonly Node[];
  /** Ranks the held offers have room for (at most `ranks`), and per agent (hostname: count). */
  readonly room: number;
  readonly roomByHost: readonly { readonly hostname: string; readonly slots: number }[];
}

/** The held offers, one entry per agent, in the order their agents were first offered. */
export function mergeByAgent(offers: readonly Offer[]): AgentRoom[] {
  const byAgent = new Map<string, { hostname: string; offerIds: OfferID[]; resources: Resources }>();
  for (const o of offers) {
    const entry = byAgent.get(o.agent_id.value) ?? { hostname: o.hostname, offerIds: [], resources: Resources.empty() };
    entry.offerIds.push(o.id);
    entry.resources = entry.resources.add(Resources.of(o.resources));
    byAgent.set(o.agent_id.value, entry);
  }
  return [...byAgent].map(([agentId, e]) => ({ agentId, ...e }));
}

/** `per` taken `k` times. */
export function times(per: Resources, k: number): Resources {
  let sum = Resources.empty();
  for (let i = 0; i < k; i++) sum = sum.add(per);
  return sum;
}

/** How many ranks of `per` fit in `available` (at most `limit`). */
export function slotsIn(available: Resources, per: Resources, limit: number): number {
  let n = 0;
  let left = available;
  while (n < limit) {
    const got = take(left, per);
    if (got === undefined) break;
    left = left.subtract(got);
    n++;
  }
  return n;
}

/**
 * Places `ranks` ranks of `per` each over the agents' held room, round-robin,
 * at most `maxPerAgent` on one agent. All or nothing: `nodes` only when every
 * rank has its place.
 */
export function place(rooms: readonly AgentRoom[], ranks: number, per: Resources, maxPerAgent = Infinity): PlacementResult {
  const capacity = rooms.map((r) => slotsIn(r.resources, per, Math.min(ranks, maxPerAgent)));
  const roomByHost = rooms.map((r, i) => ({ hostname: r.hostname, slots: capacity[i]! }));
  const counts = rooms.map(() => 0);
  let placed = 0;
  for (let progress = true; placed < ranks && progress; ) {
    progress = false;
    for (let i = 0; i < rooms.length && placed < ranks; i++) {
      if (counts[i]! < capacity[i]!) {
        counts[i]!++;
        placed++;
        progress = true;
      }
    }
  }
  const room = placed;
  if (placed < ranks) return { room, roomByHost };
  const nodes: Node[] = [];
  rooms.forEach((r, i) => {
    const k = counts[i]!;
    if (k === 0) return;
    const resources = take(r.resources, times(per, k));
    // slotsIn found room for k one by one; taking k at once from the same entries fits too.
    if (resources === undefined) throw new Error(`placement: ${k} rank(s) of ${per.toString()} counted on ${r.hostname} but do not fit in ${r.resources.toString()}`);
    nodes.push({ agentId: r.agentId, hostname: r.hostname, offerIds: r.offerIds, ranks: k, resources });
  });
  return { nodes, room, roomByHost };
}

/**
 * The most ranks of `per` the cluster's agents could hold with nothing else
 * running, from each agent's total resources (the master's /master/state
 * `slaves[].resources`, scalars by name). Only scalars are compared.
 */
export function capacityOfAgents(agents: readonly { hostname: string; resources: Record<string, unknown> }[], per: Resources, limit: number, maxPerAgent = Infinity): { total: number; byHost: { hostname: string; slots: number }[] } {
  const byHost = agents.map((a) => {
    let slots = Math.min(limit, maxPerAgent);
    for (const name of per.scalars().names()) {
      const need = per.scalar(name);
      if (need <= 0) continue;
      const have = typeof a.resources[name] === 'number' ? (a.resources[name] as number) : 0;
      slots = Math.min(slots, Math.floor((have + 1e-9) / need));
    }
    return { hostname: a.hostname, slots };
  });
  return { total: byHost.reduce((s, h) => s + h.slots, 0), byHost };
}
