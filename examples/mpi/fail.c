/*
 * A job that fails on purpose (tests): every rank writes its pid to
 * <dir>/rank-<r>.pid and meets the others in a barrier; then rank <failing>
 * exits with <status> while the others wait in a second barrier that never
 * completes. Whatever runs the job must end them.
 *
 *   fail <dir> <failing rank> <status>
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc < 4) {
    if (rank == 0) fprintf(stderr, "fail: usage: fail <dir> <failing rank> <status>\n");
    MPI_Finalize();
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/rank-%d.pid", argv[1], rank);
  FILE *f = fopen(path, "w");
  if (f != NULL) {
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == atoi(argv[2])) {
    fprintf(stderr, "fail: rank %d exits with status %d\n", rank, atoi(argv[3]));
    exit(atoi(argv[3]));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  return 0;
}
