/**
 * Failover timeline (Mesos paper §6.6), in the simulator: a cluster of 3 masters with agents
 * and frameworks running tasks; the leading master is killed (SIGKILL: its
 * runtime stops, restarted `restartAfterMs` later) or cut off from everyone
 * (a partition of the leader, healed after `partitionMs`). Sampled every
 * `sampleMs`: frameworks and agents connected at the leader the cluster
 * follows. Then the real-process form: `make bench-failover`'s SIGKILL of the
 * leading master (OS processes, real sockets, fsync) at `real`'s size.
 */
export interface FailoverSetup {
  readonly seed: number;
  readonly agents: number;
  readonly agentResources: string;
  readonly frameworks: number;
  readonly task: { readonly cpus: number; readonly mem: number };
  readonly taskMs: readonly [number, number];
  /** The masters' heartbeats to frameworks (a partitioned leader is noticed after two missed). */
  readonly heartbeatSeconds: number;
  readonly warmupMs: number;
  readonly restartAfterMs: number;
  readonly partitionMs: number;
  /** Observed for this long after the fault. */
  readonly observeMs: number;
  readonly sampleMs: number;
  /** The real-process form: `make bench-failover` (3 masters as OS processes, simulated agents over WebSockets) at this size. */
  readonly real: { readonly agents: number; readonly frameworks: number; readonly rounds: number };
}

const base = { seed: 1, agentResources: 'cpus:4;mem:8192;disk:10000', task: { cpus: 1, mem: 1024 }, taskMs: [60_000, 120_000], heartbeatSeconds: 5, warmupMs: 10_000, restartAfterMs: 10_000, partitionMs: 20_000, observeMs: 30_000, sampleMs: 250 } as const;

export const FAILOVER: { readonly quick: FailoverSetup; readonly full: FailoverSetup } = {
  quick: { ...base, agents: 200, frameworks: 20, real: { agents: 200, frameworks: 20, rounds: 1 } },
  // 1,000 agents in the simulator (with 200 frameworks it ran at a tenth of real time here: 20 frameworks), and
  // bench-failover's own size with real processes (1,000 agents, 200 frameworks).
  full: { ...base, agents: 1000, frameworks: 20, real: { agents: 1000, frameworks: 200, rounds: 3 } },
};
