// The experiments' real-process forms at tiny scale, on the benchmarks' build. Offer latency vs cluster size: a row
// per size, percentiles in order, a launch overhead measured, the benchmark's files in the experiment's directory.
// Failover: a SIGKILL of the leading master among three, everyone back at another. And the built
// `mesos-ts experiment` refuses what it does not know, saying what.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runBuilt, stopAll, type Proc } from '../../test/processes.js';
import { tempDir } from '../../test/temp.js';
import { runRealFailover } from '../failover/run.js';
import { benchArgs, runOffers } from '../offers/run.js';

const work = tempDir('mesos-ts-experiments-test');
const started: Proc[] = [];

afterAll(async () => {
  await stopAll('SIGKILL');
  await work.remove(started);
});

describe('real-process forms', () => {
  test('the benchmark is asked for the setup\'s sizes, into the experiment\'s directory', () => {
    expect(benchArgs({ agents: [10, 20], frameworks: 5, warmupS: 1 }, '/x')).toEqual(['--agents', '10,20', '--frameworks', '5', '--warmup', '1', '--out', '/x']);
  });

  test('tiny sizes: one row each, p50 <= p90 <= p99, launch overhead measured', async () => {
    const sizes: number[] = [];
    const rows = await runOffers({ agents: [50, 100], frameworks: 10, warmupS: 2, measureS: 4 }, work.path, (_done, row) => {
      if (row !== undefined) sizes.push(row.agents);
    });
    expect(sizes).toEqual([50, 100]);
    expect(rows.map((r) => r.agents)).toEqual([50, 100]);
    for (const r of rows) {
      expect(r.offer_latency_ms_p50).toBeLessThanOrEqual(r.offer_latency_ms_p90);
      expect(r.offer_latency_ms_p90).toBeLessThanOrEqual(r.offer_latency_ms_p99);
      expect(r.launch_overhead_ms).toBeGreaterThanOrEqual(0);
    }
    expect(existsSync(join(work.path, 'offers.svg'))).toBe(true);
  }, 120_000);

  test('failover, real processes: SIGKILL of the leader, everyone back', async () => {
    const dir = join(work.path, 'failover');
    const rounds: number[] = [];
    const r = await runRealFailover({ agents: 20, frameworks: 3, rounds: 1 }, dir, (n) => rounds.push(n));
    expect(rounds).toEqual([1]);
    expect(r.all_back_ms).toHaveLength(1);
    expect(r.all_back_ms[0]).toBeGreaterThan(0);
    expect(r.new_leader_ms[0]).toBeLessThanOrEqual(r.all_back_ms[0]!);
    expect(r.median_all_back_ms).toBe(r.all_back_ms[0]);
  }, 120_000);

  test('mesos-ts experiment: an unknown experiment or flag is refused, naming it', async () => {
    for (const [args, says] of [[['experiment', 'nope'], "no experiment named 'nope'"], [['experiment', 'drf', '--report'], "option '--report <file>' argument missing"], [['experiment', 'drf', 'sharing'], 'too many arguments']] as const) {
      const p = runBuilt('cli/main.ts', [...args]);
      started.push(p);
      const code = await p.done;
      expect(code).not.toBe(0);
      expect(p.stderr() + p.stdout()).toContain(says);
    }
  }, 60_000);
});
