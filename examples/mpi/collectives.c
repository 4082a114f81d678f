/*
 * A barrier loop and an allreduce loop, in the spirit of mpptest's collective
 * tests: the mean time of MPI_Barrier, of MPI_Allreduce of one double (the
 * sum of the ranks, checked against n(n-1)/2) and of 1024 doubles.
 *
 *   collectives [repetitions = 2000]
 * Prints: collectives: ranks <n> sum <sum of ranks> barrier <us> allreduce1 <us> allreduce1k <us>
 * and exits 1 if a sum is wrong.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int reps = argc > 1 ? atoi(argv[1]) : 2000;
  if (reps < 1) {
    if (rank == 0) fprintf(stderr, "collectives: usage: collectives [repetitions >= 1]\n");
    MPI_Finalize();
    return 2;
  }
  int ok = 1;
  double one = rank, sum = 0, v[1024], w[1024];
  for (int i = 0; i < 1024; i++) v[i] = rank + i;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int i = 0; i < reps; i++) MPI_Barrier(MPI_COMM_WORLD);
  double barrier = (MPI_Wtime() - t0) / reps;
  t0 = MPI_Wtime();
  for (int i = 0; i < reps; i++) {
    MPI_Allreduce(&one, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (sum != (double)size * (size - 1) / 2) ok = 0;
  }
  double allreduce1 = (MPI_Wtime() - t0) / reps;
  t0 = MPI_Wtime();
  for (int i = 0; i < reps; i++) {
    MPI_Allreduce(v, w, 1024, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (w[1023] != (double)size * (size - 1) / 2 + 1023.0 * size) ok = 0;
  }
  double allreduce1k = (MPI_Wtime() - t0) / reps;
  double times[3] = {barrier, allreduce1, allreduce1k}, slowest[3];
  MPI_Reduce(times, slowest, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  int all_ok;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (rank == 0)
    printf("collectives: ranks %d sum %.0f barrier %.3f allreduce1 %.3f allreduce1k %.3f %s\n", size, sum, slowest[0] * 1e6, slowest[1] * 1e6, slowest[2] * 1e6, all_ok ? "ok" : "WRONG");
  MPI_Finalize();
  return all_ok ? 0 : 1;
}
