// `make bench` ends here: one table of every benchmark's headline figures, each beside the
// baseline measured in the same run (or the target, where the baseline is a target), read
// from benchmarks/results/*.json with the commit, date and load of the run that wrote it.
// Writes benchmarks/results/SUMMARY.md and prints it.
//
//   node dist/benchmarks/summary.js
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, type RunMeta } from './lib/results.js';

type Json = Record<string, unknown>;
interface Line {
  figure: string;
  measured: number | string;
  baseline: number | string;
  ratio?: number;
  target?: string;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const ratio = (a: number, b: number): number | undefined => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Math.round((a / b) * 100) / 100 : undefined);
const row = (figure: string, measured: number, baseline: number, target?: string): Line => ({ figure, measured, baseline, ratio: ratio(measured, baseline), ...(target !== undefined ? { target } : {}) });

/** Each results file's headline lines. */
const EXTRACT: Record<string, (r: Json) => Line[]> = {
  actors: (r) => [
    row('actors: local msgs/s', num(r['local_msgs_per_s']), num(r['local_baseline_msgs_per_s']), '>= 5M/s'),
    row('actors: remote one-way msgs/s', num(r['remote_msgs_per_s']), num(r['remote_baseline_msgs_per_s']), '>= 0.9x raw'),
    row('actors: ping-pong p50 us', num(r['pingpong_p50_us']), num(r['pingpong_baseline_p50_us']), '<= 1.2x raw'),
  ],
  resources: (r) => [row('resources: contains ops/s', num(r['contains_ops_per_s']), num(r['contains_baseline_ops_per_s'])), row('resources: subtract ops/s', num(r['subtract_ops_per_s']), num(r['subtract_baseline_ops_per_s']))],
  launch: (r) => {
    const rows = (r['rows'] as Json[] | undefined) ?? [];
    return rows.flatMap((x): Line[] => {
      // Paced: the launch latency of an agent that is not saturated; else tasks/s beside the floor of the same rounds (median of per-round ratios).
      if (x['paced_per_s'] !== undefined) return [{ figure: `launch: ${String(x['row'])}, ACCEPT->RUNNING p50 ms`, measured: num(x['launch_p50_ms']), baseline: '-', target: '< 20 ms' }];
      // A comparison row (the runtime dir on the disk) has no target of its own.
      const target = String(x['row']).includes('on disk') ? undefined : String(x['isolation']).startsWith('cgroups') ? '>= 0.6x spawn floor' : '>= 0.8x spawn floor';
      const line = row(`launch: ${String(x['row'])} tasks/s`, num(x['tasks_per_s_median']), num(r['spawn_floor_per_s']), target);
      // CPU per task of every process of the cluster beside the floor's per spawn (the figure load changes least).
      const cpu = x['cpu_ms_per_task'] as Json | undefined;
      const cpuLine = cpu ? [row(`launch: ${String(x['row'])}, CPU ms per task (baseline: the floor's per spawn)`, num(cpu['total']), num(r['spawn_floor_cpu_ms_per_task']))] : [];
      return [{ ...line, ratio: num(x['ratio_to_floor_median']) }, ...cpuLine];
    }).concat(((r['containerizer_rows'] as Json[] | undefined) ?? []).map((x): Line => ({ ...row(`launch: ${String(x['row'])}, tasks/s`, num(x['tasks_per_s_median']), num(r['spawn_floor_per_s'])), ratio: num(x['ratio_to_floor_median']) })));
  },
  // The image row run alone (ONLY=image); a full run's launch.json carries the same as image_row.
  'launch-image': (r) => {
    const x = r['image_row'];
    if (typeof x !== 'object' || x === null) return [];
    const j = x as Json;
    const cpu = j['cpu_ms_per_task'] as Json | undefined;
    const tmpfs = j['image_tmpfs'] as Json | undefined;
    return [
      row('launch: image row, busybox image tasks/s (baseline: host filesystem)', num(j['image_tasks_per_s']), num(j['host_tasks_per_s']), '>= 0.7x host'),
      ...(cpu ? [row('launch: image row, CPU ms per task, image (baseline: host filesystem)', num(cpu['image']), num(cpu['host']))] : []),
      // The same image with each container's writable layer in a tmpfs of its own (--image_provisioner_scratch=tmpfs), same rounds.
      ...(tmpfs
        ? [
            row('launch: image row, layer in tmpfs, tasks/s (baseline: host filesystem)', num(tmpfs['tasks_per_s']), num(j['host_tasks_per_s']), '>= 0.7x host'),
            ...(cpu ? [row('launch: image row, layer in tmpfs, CPU ms per task (baseline: host filesystem)', num(tmpfs['cpu_ms_per_task']), num(cpu['host']))] : []),
          ]
        : []),
    ];
  },
  groups: (r) => {
    const finished = (k: string): number => num((r[k] as Json | undefined)?.['finished'] !== undefined ? ((r[k] as Json)['finished'] as Json)['median_ms'] : undefined);
    return [row(`groups: ${num(r['tasks_per_round'])} tasks as one LAUNCH_GROUP, ACCEPT->last FINISHED ms (baseline: as command tasks)`, finished('group'), finished('command_baseline'))];
  },
  allocator: (r) => {
    const rows = (r['rows'] as Json[] | undefined) ?? [];
    const core = (a: number, f: number) => rows.find((x) => x['agents'] === a && x['frameworks'] === f && x['baseline'] !== true);
    const base = (a: number, f: number) => rows.find((x) => x['agents'] === a && x['frameworks'] === f && x['baseline'] === true);
    const out: Line[] = [];
    const b = base(1000, 50);
    const c = core(1000, 50);
    if (c !== undefined) out.push(row('allocator: 1k agents x 50 fws, cycle p50 ms', num(c['cycle_ms_p50']), b === undefined ? NaN : num(b['cycle_ms_p50'])));
    for (const [a, f] of [[10_000, 1000], [10_000, 200]] as const) {
      const x = core(a, f);
      // CPU time (the allocator's cost on a shared machine; the issue asks for it), wall time beside it.
      if (x !== undefined) out.push({ figure: `allocator: ${a / 1000}k agents x ${f} fws, cycle CPU p50 / max ms (wall)`, measured: `${num(x['cycle_cpu_ms_p50'])} / ${num(x['cycle_cpu_ms_max'])} (${num(x['cycle_ms_p50'])} / ${num(x['cycle_ms_max'])})`, baseline: '-', ...(f === 1000 ? { target: 'p50 <= 100, max <= 150' } : {}) });
    }
    return out;
  },
  'allocator-reservations': (r) => {
    const reserved = r['reserved'] as Json | undefined;
    const unreserved = r['unreserved'] as Json | undefined;
    if (reserved === undefined || unreserved === undefined) return [];
    return [row(`allocator: 20% reserved to 100 roles, ${num(r['agents']) / 1000}k agents x ${num(r['frameworks'])} fws, cycle CPU ms p50 (baseline: unreserved)`, num(reserved['median']), num(unreserved['median']), '<= 1.2x unreserved')];
  },
  log: (r) => {
    const log = r['log'] as Json | undefined;
    const etcd = r['etcd'] as Json | undefined;
    if (log === undefined || etcd === undefined) return [];
    return [
      row('log: sequential append p50 ms (baseline: etcd)', num(log['write_p50_ms']), num(etcd['write_p50_ms']), '<= 1x etcd'),
      row('log: 16 writers, writes/s (baseline: etcd)', num(log['writes_per_s']), num(etcd['writes_per_s']), '>= 2x etcd'),
      row('log: linearizable read p50 ms (baseline: etcd)', num(log['read_p50_ms']), num(etcd['read_p50_ms'])),
      row('log: failover median ms (baseline: etcd)', num(log['failover_ms_median']), num(etcd['failover_ms_median'])),
    ];
  },
  offers: (r) => {
    const slope = r['memory_slope'] as Json | undefined;
    return [
      ...((r['rows'] as Json[] | undefined) ?? []).map((x) => ({
        figure: `offers: ${num(x['agents']) / 1000}k agents, 1 master: p99 ms / launch overhead ms / censored`,
        measured: `${num(x['offer_latency_ms_p99'])} / ${num(x['launch_overhead_ms'])} / ${x['offers_censored'] ?? '?'}`,
        baseline: '-',
        target: num(x['agents']) <= 10_000 ? '<= 100 / <= 100' : '<= 500 / <= 250',
      })),
      ...(slope === undefined
        ? []
        : [{ figure: `offers: master memory per agent, ${num(slope['from']) / 1000}k -> ${num(slope['to']) / 1000}k agents: RSS KB (heap KB once registered)`, measured: `${num(slope['rss_kb_per_agent'])} (${num(slope['heap_registered_kb_per_agent'])})`, baseline: '-', target: 'RSS <= 10' }]),
    ];
  },
  'offers-3masters': (r) =>
    ((r['rows'] as Json[] | undefined) ?? []).map((x) => ({
      figure: `offers: ${num(x['agents']) / 1000}k agents, 3 masters: p99 ms / launch overhead ms / leader RSS MB`,
      measured: `${num(x['offer_latency_ms_p99'])} / ${num(x['launch_overhead_ms'])} / ${num(x['master_rss_mb'])}`,
      baseline: '-',
      target: 'within 1.5x (RSS 1.3x) of 1 master',
    })),
  // Baseline: real time (a real cluster lives one second per second).
  sim: (r) => ((r['rows'] as Json[] | undefined) ?? []).map((x) => row(`sim: ${num(x['agents'])} agents, ${num(x['frameworks'])} frameworks${x['faults'] === true ? ', faults' : ''}: virtual s per CPU s`, Math.round(num(x['cpuRatio']) * 10) / 10, 1, num(x['agents']) >= 100 ? '>= 100x real time' : undefined)),
  failover: (r) => [{ figure: `failover: ${num(r['agents']) / 1000}k agents, all back ms (median)`, measured: num(r['failover_all_back_ms_median']), baseline: '-', target: '< 3000 (Mesos paper, quoted: MTTR 4-8 s)' }],
};

function fmt(v: number | string | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '-';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100);
}

export function summarize(dir: string): string {
  const out: string[] = ['# Benchmark results', '', 'Written by `make bench` (benchmarks/summary.ts) from the files beside it; every figure comes from the run named on its line. Ratios are measured / baseline of the same run.', ''];
  out.push('| figure | measured | baseline (same run) | ratio | target | run (commit, date, load 1m start→end) |', '| --- | --- | --- | --- | --- | --- |');
  const missing: string[] = [];
  for (const [name, extract] of Object.entries(EXTRACT)) {
    const file = join(dir, `${name}.json`);
    if (!existsSync(file)) {
      missing.push(name);
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const meta = r['meta'] as RunMeta | undefined;
    const run = meta === undefined ? 'no metadata (written before results carried it)' : `${meta.commit.slice(0, 7)}${meta.dirty ? '+dirty' : ''}, ${meta.started.slice(0, 16).replace('T', ' ')}, ${meta.loadavg_start[0]}→${meta.loadavg_end?.[0] ?? '?'}`;
    for (const l of extract(r)) out.push(`| ${l.figure} | ${fmt(l.measured)} | ${fmt(l.baseline)} | ${l.ratio === undefined ? '-' : `${l.ratio}x`} | ${l.target ?? '-'} | ${run} |`);
  }
  if (missing.length > 0) out.push('', `Not run yet: ${missing.map((m) => `${m}.json`).join(', ')}.`);
  return `${out.join('\n')}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = join(repoRoot(), 'benchmarks', 'results');
  const text = summarize(dir);
  writeFileSync(join(dir, 'SUMMARY.md'), text);
  process.stdout.write(text);
  process.stdout.write(`\nwrote ${join(dir, 'SUMMARY.md')}\n`);
}
