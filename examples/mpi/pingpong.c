/*
 * Ping-pong between ranks 0 and 1, in the spirit of mpptest: for each message
 * size (0, then 1 byte doubling up to the largest), the round trips' mean time
 * gives the one-way latency (half a round trip) and the bandwidth. Blocking
 * (MPI_Send/MPI_Recv) and non-blocking (MPI_Isend/MPI_Irecv posted before the
 * send, mpptest's -async) rounds alternate size by size. Ranks beyond 1 wait.
 *
 *   pingpong [log2 largest size = 22] [round trips per size = 200]
 * Prints one line per size and mode:
 *   pingpong: <blocking|nonblocking> <bytes> <latency us> <MB/s>
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double trips(char *buf, int bytes, int reps, int rank, int async) {
  MPI_Status st, sts[2];
  MPI_Request rq[2];
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int i = 0; i < reps; i++) {
    if (rank == 0) {
      if (async) {
        MPI_Irecv(buf, bytes, MPI_CHAR, 1, 1, MPI_COMM_WORLD, &rq[0]);
        MPI_Isend(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, &rq[1]);
        MPI_Waitall(2, rq, sts);
      } else {
        MPI_Send(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(buf, bytes, MPI_CHAR, 1, 1, MPI_COMM_WORLD, &st);
      }
    } else if (rank == 1) {
      if (async) {
        MPI_Irecv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, &rq[0]);
        MPI_Wait(&rq[0], MPI_STATUS_IGNORE);
        MPI_Isend(buf, bytes, MPI_CHAR, 0, 1, MPI_COMM_WORLD, &rq[1]);
        MPI_Wait(&rq[1], MPI_STATUS_IGNORE);
      } else {
        MPI_Recv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, &st);
        MPI_Send(buf, bytes, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
      }
    }
  }
  return (MPI_Wtime() - t0) / reps;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int log_max = argc > 1 ? atoi(argv[1]) : 22;
  int reps = argc > 2 ? atoi(argv[2]) : 200;
  if (size < 2 || log_max < 0 || log_max > 26 || reps < 1) {
    if (rank == 0) fprintf(stderr, "pingpong: needs 2 ranks or more; usage: pingpong [log2 largest size 0-26] [round trips >= 1]\n");
    MPI_Finalize();
    return 2;
  }
  char *buf = malloc((size_t)1 << log_max);
  memset(buf, 1, (size_t)1 << log_max);
  trips(buf, 1, reps / 10 + 1, rank, 0); /* warm-up: connections made */
  for (int k = -1; k <= log_max; k++) {
    int bytes = k < 0 ? 0 : 1 << k;
    int r = bytes >= (1 << 20) ? reps / 10 + 1 : reps;
    for (int async = 0; async < 2; async++) {
      double rt = trips(buf, bytes, r, rank, async);
      if (rank == 0) printf("pingpong: %s %d %.3f %.2f\n", async ? "nonblocking" : "blocking", bytes, rt / 2 * 1e6, bytes > 0 ? bytes / (rt / 2) / 1e6 : 0.0);
    }
  }
  free(buf);
  MPI_Finalize();
  return 0;
}
