// The chaos test's fault schedule: drawn from a seeded Random, so a seed names a schedule
// (what happens when still depends on the cluster: the leader a fault aims at is the one found then).
import type { Random } from 'libprocess-ts';

export type FaultKind =
  | 'isolate-leader' // a minority leader: the leader alone on its side
  | 'isolate-leader-with-agent' // the leader and one agent, cut from the rest
  | 'isolate-follower' // a follower master and an agent
  | 'asymmetric-leader' // the leader cannot send, still hears everyone (nft output drop, one way)
  | 'loss' // 30% of what a node sends dropped
  | 'slow-link' // a node sends at 256 kbit/s (the stand-in for a delay where the kernel has no netem)
  | 'slow-disk' // the leader's disk at 20 IOPS
  | 'kill-master' // SIGKILL, restarted at the fault's end
  | 'kill-agent';

export const FAULT_KINDS: readonly FaultKind[] = ['isolate-leader', 'isolate-leader-with-agent', 'isolate-follower', 'asymmetric-leader', 'loss', 'slow-link', 'slow-disk', 'kill-master', 'kill-agent'];

export interface Step {
  readonly kind: FaultKind;
  /** Index into the masters or agents the fault picks from (taken modulo their number). */
  readonly pick: number;
  /** How long the fault lasts, then how long the cluster is left alone (ms). */
  readonly holdMs: number;
  readonly quietMs: number;
}

/**
 * Steps until `totalMs` is used up. The first steps go through the partitions the issue names
 * (a minority leader, an asymmetric cut) so even a short run has them; the rest are drawn.
 */
export function schedule(random: Random, totalMs: number, kinds: readonly FaultKind[] = FAULT_KINDS): Step[] {
  const steps: Step[] = [];
  const first: FaultKind[] = ['isolate-leader', 'asymmetric-leader', 'kill-master'].filter((k) => kinds.includes(k as FaultKind)) as FaultKind[];
  let used = 0;
  while (true) {
    const kind = steps.length < first.length ? first[steps.length]! : random.pick(kinds);
    const step = { kind, pick: random.int(1000), holdMs: 2000 + random.int(3000), quietMs: 1500 + random.int(2000) };
    if (used + step.holdMs + step.quietMs > totalMs && steps.length > 0) break;
    steps.push(step);
    used += step.holdMs + step.quietMs;
  }
  return steps;
}
