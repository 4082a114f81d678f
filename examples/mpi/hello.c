/*
 * Start-up: every rank past MPI_Init and a barrier (all ranks running and
 * connected), then rank 0 prints the wall-clock time of that moment, so that
 * whoever submitted the job can take the time from submission to all ranks
 * running, and the sum of the ranks (a known result: n(n-1)/2).
 *
 *   hello
 * Prints: hello: ranks <n> sum <n(n-1)/2> running_at_ms <ms since the epoch>
 */
#include <mpi.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size, sum = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (rank == 0) printf("hello: ranks %d sum %d running_at_ms %.3f\n", size, sum, now.tv_sec * 1e3 + now.tv_nsec / 1e6);
  MPI_Finalize();
  return sum == size * (size - 1) / 2 ? 0 : 1;
}
