/*
 * Integer sort in the spirit of NAS IS: every rank makes its share of keys
 * (a seeded linear congruential generator, the same keys for the same
 * arguments), then, for each iteration, buckets them by key range, exchanges
 * them (MPI_Alltoall of counts, MPI_Alltoallv of keys) so that rank r holds the
 * r-th range, and ranks them with a counting sort. The result is verified:
 * every rank's keys sorted, each rank's last key not above the next rank's
 * first, and the number and sum of the keys unchanged. Exits 1 if not.
 *
 *   is [log2 keys per rank = 20] [iterations = 10] [log2 key range = 19]
 * Prints: keys, sum, the time of the iterations (s), Mkeys/s, and the verdict.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;
static uint32_t next_key(uint32_t range) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)((state >> 33) % range);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int log_keys = argc > 1 ? atoi(argv[1]) : 20;
  int iterations = argc > 2 ? atoi(argv[2]) : 10;
  int log_range = argc > 3 ? atoi(argv[3]) : 19;
  if (log_keys < 1 || log_keys > 26 || iterations < 1 || log_range < 4 || log_range > 30) {
    if (rank == 0) fprintf(stderr, "is: usage: is [log2 keys per rank 1-26] [iterations >= 1] [log2 key range 4-30]\n");
    MPI_Finalize();
    return 2;
  }
  const long n = 1L << log_keys;
  const uint32_t range = 1U << log_range;
  uint32_t *keys = malloc(n * sizeof *keys);
  state = 271828183ULL + (uint64_t)rank * 314159265ULL;
  for (long i = 0; i < n; i++) keys[i] = next_key(range);
  uint64_t total_before = 0, local_n = (uint64_t)n;
  MPI_Allreduce(&local_n, &total_before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);

  int *send_counts = calloc(size, sizeof(int)), *recv_counts = calloc(size, sizeof(int));
  int *send_displs = calloc(size, sizeof(int)), *recv_displs = calloc(size, sizeof(int));
  uint32_t *send = malloc(n * sizeof *send);
  const uint32_t per_rank = (range + size - 1) / size;
  uint32_t *mine = NULL;
  long mine_n = 0;
  uint32_t *count = malloc((size_t)per_rank * sizeof *count);

  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int it = 0; it < iterations; it++) {
    /* NAS IS changes two keys each iteration, so no iteration repeats the last. */
    keys[it % n] = (uint32_t)it % range;
    keys[(it + iterations) % n] = range - 1 - ((uint32_t)it % range);
    memset(send_counts, 0, size * sizeof(int));
    for (long i = 0; i < n; i++) send_counts[keys[i] / per_rank]++;
    send_displs[0] = 0;
    for (int r = 1; r < size; r++) send_displs[r] = send_displs[r - 1] + send_counts[r - 1];
    int *fill = calloc(size, sizeof(int));
    for (long i = 0; i < n; i++) {
      int r = keys[i] / per_rank;
      send[send_displs[r] + fill[r]++] = keys[i];
    }
    free(fill);
    MPI_Alltoall(send_counts, 1, MPI_INT, recv_counts, 1, MPI_INT, MPI_COMM_WORLD);
    recv_displs[0] = 0;
    for (int r = 1; r < size; r++) recv_displs[r] = recv_displs[r - 1] + recv_counts[r - 1];
    mine_n = recv_displs[size - 1] + recv_counts[size - 1];
    free(mine);
    mine = malloc((mine_n > 0 ? mine_n : 1) * sizeof *mine);
    MPI_Alltoallv(send, send_counts, send_displs, MPI_UINT32_T, mine, recv_counts, recv_displs, MPI_UINT32_T, MPI_COMM_WORLD);
    /* Rank the keys of this rank's range: a counting sort. */
    const uint32_t low = (uint32_t)rank * per_rank;
    memset(count, 0, (size_t)per_rank * sizeof *count);
    for (long i = 0; i < mine_n; i++) count[mine[i] - low]++;
    long at = 0;
    for (uint32_t k = 0; k < per_rank; k++)
      for (uint32_t c = 0; c < count[k]; c++) mine[at++] = low + k;
  }
  double elapsed = MPI_Wtime() - t0, slowest;
  MPI_Reduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);

  /* Verify the last iteration's result (its keys: the generated ones with the last changes). */
  int ok = 1;
  uint64_t sum_mine = 0, sum_keys = 0;
  for (long i = 0; i < mine_n; i++) {
    sum_mine += mine[i];
    if (i > 0 && mine[i - 1] > mine[i]) ok = 0;
  }
  for (long i = 0; i < n; i++) sum_keys += keys[i];
  uint32_t first = mine_n > 0 ? mine[0] : UINT32_MAX, last = mine_n > 0 ? mine[mine_n - 1] : 0, prev_last = 0;
  /* Ranks with no keys pass the previous rank's last key on. */
  MPI_Status st;
  if (rank > 0) MPI_Recv(&prev_last, 1, MPI_UINT32_T, rank - 1, 0, MPI_COMM_WORLD, &st);
  if (mine_n > 0 && rank > 0 && prev_last > first) ok = 0;
  uint32_t pass = mine_n > 0 ? last : prev_last;
  if (rank < size - 1) MPI_Send(&pass, 1, MPI_UINT32_T, rank + 1, 0, MPI_COMM_WORLD);
  uint64_t totals[3] = {(uint64_t)mine_n, sum_mine, sum_keys}, all[3];
  MPI_Allreduce(totals, all, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  int all_ok;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (all[0] != total_before || all[1] != all[2]) all_ok = 0;
  if (rank == 0) {
    printf("is: ranks %d keys %llu range %u iterations %d\n", size, (unsigned long long)total_before, range, iterations);
    printf("is: key sum before %llu after %llu\n", (unsigned long long)all[2], (unsigned long long)all[1]);
    printf("is: time %.6f s, %.2f Mkeys/s\n", slowest, (double)total_before * iterations / slowest / 1e6);
    printf("is: verification %s\n", all_ok ? "SUCCESSFUL" : "FAILED");
  }
  MPI_Finalize();
  return all_ok ? 0 : 1;
}
