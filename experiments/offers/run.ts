/**
 * Offer latency vs cluster size: runs the offer benchmark's built program
 * (dist/benchmarks/offers/main.js) as a child process with this setup's sizes
 * and `--out` this experiment's directory, then plots its rows (offers.json)
 * against agents. Real processes on this machine: the figures are its.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { lineChart, type ChartSeries } from '../../benchmarks/offers/plot.js';
import { runBenchmark } from '../bench.js';
import type { Context, Experiment, Figure, Result } from '../types.js';
import { OFFERS, type OffersSetup } from './setup.js';

export interface Row {
  readonly agents: number;
  readonly offer_latency_ms_p50: number;
  readonly offer_latency_ms_p90: number;
  readonly offer_latency_ms_p99: number;
  readonly launch_overhead_ms: number;
  readonly master_cpu_percent: number;
  readonly master_rss_mb: number;
  readonly tasks_per_s: number;
}

export function benchArgs(setup: OffersSetup, out: string): string[] {
  return ['--agents', setup.agents.join(','), '--frameworks', String(setup.frameworks), ...(setup.warmupS !== undefined ? ['--warmup', String(setup.warmupS)] : []), ...(setup.measureS !== undefined ? ['--measure', String(setup.measureS)] : []), '--out', out];
}

/** The benchmark at `setup`'s sizes, writing offers.json and offers.svg into `dir`; `progress` after each size registers and after each row. */
export async function runOffers(setup: OffersSetup, dir: string, progress: (sizesDone: number, row: Row | undefined) => void = () => {}): Promise<Row[]> {
  let done = 0;
  await runBenchmark('benchmarks/offers/main.js', benchArgs(setup, dir), (l) => {
    if (/^\s+\{"agents"/.test(l)) progress(++done, JSON.parse(l.trim()) as Row);
    else if (/registered in/.test(l)) progress(done, undefined);
  });
  return (JSON.parse(readFileSync(join(dir, 'offers.json'), 'utf8')) as { rows: Row[] }).rows;
}

const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');

export const offers: Experiment = {
  name: 'offers',
  title: 'Offer latency vs cluster size',
  where: 'real OS processes on this machine (a master, simulated agents over real WebSockets, 200 SDK frameworks)',
  async run(ctx: Context): Promise<Result> {
    const setup = ctx.quick ? OFFERS.quick : OFFERS.full;
    ctx.progress.total = setup.agents.length;
    ctx.progress.phase('offer benchmark', setup.agents.length);
    const load = loadavg()[0]!;
    const rows = await runOffers(setup, ctx.out.dir, (done, row) => {
      if (row !== undefined) ctx.out.raw(row as unknown as Record<string, unknown>);
      ctx.out.flush();
      ctx.progress.update(done, 0, 'sizes', 1);
    });
    const line = (name: string, get: (r: Row) => number, dashed = false): ChartSeries => ({ name, dashed, dots: true, points: rows.map((r) => [r.agents, get(r)] as const) });
    ctx.out.file('latency.svg', lineChart({
      title: `Offer latency and launch overhead vs agents (${setup.frameworks} frameworks, one master)`,
      xLabel: 'agents',
      yLabel: 'ms',
      logX: true,
      series: [line('offer latency p50', (r) => r.offer_latency_ms_p50), line('offer latency p90', (r) => r.offer_latency_ms_p90), line('offer latency p99', (r) => r.offer_latency_ms_p99), line('launch overhead', (r) => r.launch_overhead_ms, true)],
    }));
    const figures: Figure[] = rows.map((r, i) => ({
      what: `${r.agents.toLocaleString('en-US')} agents: offer latency p50 / p90 / p99, launch overhead`,
      ours: `${ms(r.offer_latency_ms_p50)} / ${ms(r.offer_latency_ms_p90)} / ${ms(r.offer_latency_ms_p99)}, ${ms(r.launch_overhead_ms)} (master ${r.master_cpu_percent}% CPU, ${r.master_rss_mb} MB; ${r.tasks_per_s} tasks/s)`,
      paper: 'launch overhead under 1 s up to 50,000 emulated agents (latency not reported)',
      headline: i === rows.length - 1,
      note: i > 0 ? undefined : `real processes sharing this 2-core machine with whatever else runs (load average ${load.toFixed(1)} when the experiment started, ${loadavg()[0]!.toFixed(1)} at its end): the tails are the machine's; benchmarks/README.md has the quiet machine's figures`,
    }));
    return {
      setup,
      description: `The offer benchmark (\`make bench-offers\`, benchmarks/README.md) at ${setup.agents.join(', ')} agents: one master as an OS process, simulated agents (the real agent protocol over real WebSockets, tasks that pretend), ${setup.frameworks} SDK frameworks keeping the cluster near 700 tasks/s. Offer latency: from resources freed on an agent to an offer of them reaching a framework; launch overhead: a new framework's 500 ms task, its completion time minus 500 ms.`,
      figures,
      plots: [{ file: 'latency.svg', caption: 'offer latency percentiles and launch overhead against agents' }],
      summary: { rows },
    };
  },
};
