// The summary of `make bench`: each results file's headline figures beside its same-run
// baseline, with the run's commit, date and load; files not written yet are listed.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../lib/results.js';
import { interleave } from '../lib/rounds.js';
import { pairedRatio } from '../lib/stats.js';
import { summarize } from '../summary.js';

const dir = mkdtempSync(join(tmpdir(), 'mesos-ts-bench-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('make bench summary', () => {
  test('a row per headline figure with its ratio to the same-run baseline and the run it came from', () => {
    const meta = { ...startRun('bench-log'), loadavg_end: [1.5, 1, 1] };
    writeFileSync(join(dir, 'log.json'), JSON.stringify({ meta, log: { write_p50_ms: 1.5, writes_per_s: 6000, read_p50_ms: 0.05, failover_ms_median: 1000 }, etcd: { write_p50_ms: 1.2, writes_per_s: 3000, read_p50_ms: 0.4, failover_ms_median: 1100 } }));
    const text = summarize(dir);
    expect(text).toContain('| log: sequential append p50 ms (baseline: etcd) | 1.5 | 1.2 | 1.25x | <= 1x etcd |');
    expect(text).toContain('| log: 16 writers, writes/s (baseline: etcd) | 6,000 | 3,000 | 2x | >= 2x etcd |');
    expect(text).toContain(meta.commit.slice(0, 7));
    expect(text).toMatch(/Not run yet: actors\.json, resources\.json, launch\.json/);
  });

  test("the image row, run alone: the image's rate beside the host's, and its CPU per task beside the host's; the same with the layer in tmpfs", () => {
    const meta = { ...startRun('bench-launch'), loadavg_end: [2, 1, 1] };
    writeFileSync(join(dir, 'launch-image.json'), JSON.stringify({ meta, image_row: { host_tasks_per_s: 500, image_tasks_per_s: 400, cpu_ms_per_task: { host: 2, image: 2.5 }, image_tmpfs: { tasks_per_s: 450, cpu_ms_per_task: 2.2 } } }));
    const text = summarize(dir);
    expect(text).toContain('| launch: image row, busybox image tasks/s (baseline: host filesystem) | 400 | 500 | 0.8x | >= 0.7x host |');
    expect(text).toContain('| launch: image row, CPU ms per task, image (baseline: host filesystem) | 2.5 | 2 | 1.25x | - |');
    expect(text).toContain('| launch: image row, layer in tmpfs, tasks/s (baseline: host filesystem) | 450 | 500 | 0.9x | >= 0.7x host |');
    expect(text).toContain('| launch: image row, layer in tmpfs, CPU ms per task (baseline: host filesystem) | 2.2 | 2 | 1.1x | - |');
  });

  test('results without metadata say so instead of passing for current', () => {
    writeFileSync(join(dir, 'failover.json'), JSON.stringify({ agents: 1000, failover_all_back_ms_median: 2190 }));
    expect(summarize(dir)).toContain('| failover: 1k agents, all back ms (median) | 2,190 | - | - | < 3000 (Mesos paper, quoted: MTTR 4-8 s) | no metadata');
  });
});

describe('interleaved rounds', () => {
  test('alternates the order every round, drops the warm-up, reports median and spread', async () => {
    const calls: string[] = [];
    let a = 0;
    let b = 0;
    const figures = await interleave(
      [
        { name: 'subject', measure: async () => (calls.push('s'), ++a) },
        { name: 'baseline', measure: async () => (calls.push('b'), 10 * ++b) },
      ],
      3,
      1,
    );
    expect(calls.join('')).toBe('bs' + 'sb' + 'bs' + 'sb');
    expect(figures.get('subject')).toEqual({ median: 3, min: 2, max: 4, rounds: [2, 3, 4] });
    expect(figures.get('baseline')).toEqual({ median: 30, min: 20, max: 40, rounds: [20, 30, 40] });
  });

  test('a paired ratio is the median of the rounds\' ratios, not the ratio of the medians', () => {
    // A load swing: round 2 is slow for both. The medians' ratio (4/4 = 1) hides that the subject is half the baseline each round.
    expect(pairedRatio([1, 4, 4.5], [2, 8, 9])).toBe(0.5);
    expect(() => pairedRatio([1], [1, 2])).toThrow(/1 rounds against 2/);
  });
});
