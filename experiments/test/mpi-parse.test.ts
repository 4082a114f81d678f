// The mpi experiment reads the MPI programs' lines: a figure only from a complete, verified answer.
import { describe, expect, test } from '@jest/globals';
import { parseCollectives, parseHello, parseIs, parseJobTimings, parsePingPong } from '../mpi/parse.js';

describe('mpi experiment: the programs\' lines', () => {
  test('is: the time only when verified', () => {
    const out = 'is: ranks 4 keys 4194304 range 524288 iterations 10\nis: key sum before 5 after 5\nis: time 0.389501 s, 107.68 Mkeys/s\nis: verification SUCCESSFUL\n';
    expect(parseIs(out)).toEqual({ seconds: 0.389501, keys: 4194304 });
    expect(parseIs(out.replace('SUCCESSFUL', 'FAILED'))).toBeUndefined();
  });

  test('pingpong: 8 B latency and 1 MiB bandwidth, both modes, or nothing', () => {
    const out = ['blocking 8 0.550 14.55', 'nonblocking 8 0.600 13.33', 'blocking 1048576 310.000 3382.50', 'nonblocking 1048576 2570.000 408.00'].map((l) => `pingpong: ${l}`).join('\n');
    expect(parsePingPong(out)).toEqual({ latencyUs: { blocking: 0.55, nonblocking: 0.6 }, bandwidthMBs: { blocking: 3382.5, nonblocking: 408 } });
    expect(parsePingPong(out.split('\n').slice(0, 3).join('\n'))).toBeUndefined();
  });

  test('collectives and hello: only right sums count', () => {
    expect(parseCollectives('collectives: ranks 4 sum 6 barrier 20264.600 allreduce1 21000.000 allreduce1k 41359.900 ok')).toEqual({ barrierUs: 20264.6, allreduce1Us: 21000, allreduce1kUs: 41359.9 });
    expect(parseCollectives('collectives: ranks 4 sum 6 barrier 1 allreduce1 1 allreduce1k 1 WRONG')).toBeUndefined();
    expect(parseHello('hello: ranks 4 sum 6 running_at_ms 1796654910234.850', 4)).toBe(1796654910234.85);
    expect(parseHello('hello: ranks 4 sum 5 running_at_ms 1', 4)).toBeUndefined();
    expect(parseHello('hello: ranks 3 sum 3 running_at_ms 1', 4)).toBeUndefined();
  });
});

describe("mpi experiment: mesos-ts mpiexec's timings line", () => {
  test('read from a successful job only', () => {
    const err = 'mesos-ts mpiexec: slots gathered in 369 ms\nmesos-ts mpiexec: exit status 0 (timings, ms from submission: {"ended":725,"gathered":369,"mpiexec":385,"running":489})\n';
    expect(parseJobTimings(err)).toEqual({ gathered: 369, running: 489, ended: 725 });
    expect(parseJobTimings(err.replace('exit status 0', 'exit status 1'))).toBeUndefined();
  });
});
