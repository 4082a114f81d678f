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
   * is: log2 keys per rank, iterations, log2 key range. 2^22 keys per rank in both forms: a sort of about a second
   * here. At 2^20 (a quarter of a second) the cluster's own processes (the mpiexec CLI ending its launch, the agents)
   * used 80-280 ms of CPU while the ranks existed, sampled from /proc, on these 2 cores shared with 4 busy-polling
   * ranks: the figure measured that overlap (×1.14 quiet) more than the job. Start-up has its own figure.
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
  quick: { agents: 4, ranks: 4, rounds: 5, is: [22, 10, 21], pingpong: [20, 100], collectives: 200, memMb: 256 },
  full: { agents: 4, ranks: 4, rounds: 9, is: [22, 10, 21], pingpong: [22, 400], collectives: 1000, memMb: 512 },
};

/** The thesis's figures (quoted from its slides: NPB 3.3 IS class B, MPICH2, Mesos 0.20, three PCs on 100 Mb/s Ethernet). */
export const THESIS = {
  isB1: { mpd: 12.33, mesos: 13.95 },
  isB2: { mpd: 57.89, mesos: 56.58 },
} as const;
