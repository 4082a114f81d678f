/**
 * A stale-leader episode, one fault of the chaos phase made of several that
 * must overlap for an agent to meet a deposed leader: the leader's process
 * pauses (a long GC pause, a stopped VM) while the other masters elect a
 * successor; some agents restart meanwhile (their disk kept) and re-register
 * with the successor (they hear its newer term); then a partition leaves
 * them reaching only the paused leader, and half the time they restart
 * again. Their registrations wait in the paused leader's sockets; when it
 * resumes it still believes it leads for a moment (its lease is judged at
 * its next tick) and answers them with its old term. A correct agent
 * refuses it (the term it heard is its fencing token, checkpointed before it
 * acts on it); an agent that drops the term check (`dropTermCheck`) or
 * forgets the checkpointed term over a restart (`forgetTerm`) follows the
 * deposed leader back, which the fencing invariant catches.
 *
 *   t=0        leader L pauses for 4-16 s            (others elect a successor)
 *   t=1-2 s    agents S crash, restart 0.1-0.5 s later (re-register: newer term)
 *   later      S reach only L (cut from the others), half the time restart again
 *   t=pause    L resumes, reads S's registrations, answers with its old term
 *   +1-4 s     the partition heals
 *
 * Every choice is drawn from the episode's own source, so seeds that draw
 * no episode run as before.
 */
import type { Random } from 'libprocess-ts';
import type { AgentNode, Cluster, MasterNode } from './cluster.js';

/** What an episode needs of the run (run.ts): its faults, traced and healed with the others. */
export interface EpisodeHost {
  readonly cluster: Cluster;
  /** Whether the chaos phase goes on (a step of an episode due after it is dropped: the quiet phase heals). */
  chaos(): boolean;
  /** Pauses `node`'s process now for `ms`. */
  pause(node: MasterNode, ms: number): void;
  /** A partition `apply` makes, for `ms` (healed, and kept over other partitions' healing, as run.ts's own). */
  partition(text: string, apply: () => void, ms: number): void;
  /** Crashes `node`, its disk kept, and starts it again `afterMs` later. */
  restart(node: AgentNode, afterMs: number): void;
}

/** Starts an episode now, if one leader leads (unpaused) and an agent is up. */
export function staleLeaderEpisode(h: EpisodeHost, r: Random): void {
  const c = h.cluster;
  const leaders = c.leaders().filter((m) => m.runtime !== undefined && m.pause?.paused !== true);
  const up = c.agents.filter((a) => a.runtime !== undefined);
  if (leaders.length !== 1 || up.length === 0) return;
  const leader = leaders[0]!;
  const agents = r.shuffle([...up]).slice(0, 1 + r.int(Math.min(2, up.length)));
  const names = agents.map((a) => a.name).join(', ');
  const pauseMs = 4_000 + r.int(12_000);
  c.trace.note(`stale leader: ${leader.name} pauses for ${(pauseMs / 1000).toFixed(1)} s; ${names} restart, then reach only it`);
  h.pause(leader, pauseMs);
  const restartAt = 1_000 + r.int(1_000);
  const restartAfter = agents.map(() => 100 + r.int(400));
  const cutAt = restartAt + 1_500 + r.int(Math.max(1, pauseMs - restartAt - 2_500));
  const cutMs = pauseMs - cutAt + 1_000 + r.int(3_000);
  const again = r.chance(0.5);
  const againAfter = agents.map(() => 100 + r.int(400));
  c.clock.timer(restartAt, () => {
    if (h.chaos()) agents.forEach((a, i) => h.restart(a, restartAfter[i]!));
  });
  c.clock.timer(cutAt, () => {
    if (!h.chaos()) return;
    const others = c.masters.filter((m) => m !== leader);
    h.partition(`${names} reach only ${leader.name}`, () => agents.forEach((a) => others.forEach((m) => c.network.cut(a.address, m.address))), cutMs);
    if (again) agents.forEach((a, i) => h.restart(a, againAfter[i]!));
  });
}
