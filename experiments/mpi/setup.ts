/**
 * MPI alone vs mesos-ts mpiexec (issue 27; the thesis in /work/shared/seeds
 * ran the same programs on an MPD ring and through Mesos's mpiexec-mesos): the
 * programs of examples/mpi on a local cluster of one-CPU agents, one rank per
 * agent, each program run both ways in every round, the order alternating.
 */
export interface MpiSetup {
  /** Agents of the local cluster, each `cpus:1`: one rank each. */
  readonly agents: number;
  /** Ranks of the sort, the collectives and the start-up probe (ping-pong uses 2). */
  readonly ranks: number;
  readonly rounds: number;
  /**
   * is: log2 keys per rank, iterations, log2 key range. 2^24 keys per rank (a sort of about 4 s here, the order of
   * the thesis's class B runs): the cluster's own work while a job starts (the mpiexec CLI's first status updates
   * and acknowledgements, the agents' journal, the master; 90-200 ms of CPU inside the ranks' first second, sampled
   * from /proc) is a fixed cost on these 2 cores shared with 4 busy-polling ranks. On a quiet machine it made the
   * sort ×1.14 at 2^20 keys (0.24 s), ×1.08 at 2^22 (0.8 s) and ×1.01 at 2^24 (4.3 s); start-up has its own figure.
   */
  readonly is: readonly [number, number, number];
  /** pingpong: log2 largest message, round trips per size. */
  readonly pingpong: readonly [number, number];
  /** collectives: repetitions. */
  readonly collectives: number;
  /** Memory per rank (MB), as mpiexec's -m. */
  readonly memMb: number;
}

export const MPI: { readonly quick: MpiSetup; readonly full: MpiSetup } = {
  quick: { agents: 4, ranks: 4, rounds: 5, is: [24, 10, 23], pingpong: [20, 100], collectives: 200, memMb: 512 },
  full: { agents: 4, ranks: 4, rounds: 9, is: [24, 10, 23], pingpong: [22, 400], collectives: 1000, memMb: 512 },
};

/** The thesis's figures (quoted from its slides: NPB 3.3 IS class B, MPICH2, Mesos 0.20, three PCs on 100 Mb/s Ethernet). */
export const THESIS = {
  isB1: { mpd: 12.33, mesos: 13.95 },
  isB2: { mpd: 57.89, mesos: 56.58 },
} as const;
