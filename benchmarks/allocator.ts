// `make bench-allocator`: the allocator core alone on Mesos's DeclineOffers
// shape (HierarchicalAllocator_BENCHMARK_Test.DeclineOffers): every agent is
// cpus:24;mem:4096;disk:4096;ports:[31000-32000], every framework (one role)
// declines everything it is offered with a long filter, so filters pile up
// cycle after cycle. We time each allocate() cycle (the declines are not
// timed) for agents {1k, 10k, 50k} x frameworks {50, 200, 1k}.
//
// Baseline, measured in the same run: ReferenceAllocator, the independent naive
// allocator the equivalence property test checks the core against (every share
// recomputed from the raw allocations, the role tree rebuilt per agent, every
// filter scanned), at the sizes it finishes in reasonable time.
//
// Each size runs in a fresh Node process (--expose-gc), so one size's garbage
// does not land in the next one's cycles and heap_mb is the live heap after
// the run (the allocator's state with its filters), measured after a full GC.
//
// `--quick`: agents {1k, 10k} x frameworks {50, 200}.
// Writes benchmarks/results/allocator.json.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRun, writeResults } from './lib/results.js';
import { percentile as pct, sorted } from './lib/stats.js';
import { performance } from 'node:perf_hooks';
import { Resources } from '../protocol/resources.js';
import { AllocatorCore } from '../master/allocator/core.js';
import { ReferenceAllocator } from '../master/allocator/reference.js';

const AGENT = Resources.parse('cpus:24;mem:4096;disk:4096;ports:[31000-32000]');
const ROLE = 'bench';
const REFUSE_SECONDS = 24 * 3600;

interface Row {
  agents: number;
  frameworks: number;
  cycles: number;
  cycle_ms_p50: number;
  cycle_ms_max: number;
  offers_per_cycle: number;
  heap_mb: number;
  baseline?: true;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** p in 0..1 of unsorted samples. */
function percentile(xs: number[], p: number): number {
  return pct(sorted(xs), p * 100);
}

function heapMb(): number {
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function runCore(agents: number, frameworks: number, cycles: number): Row {
  const core = new AllocatorCore();
  for (let i = 0; i < agents; i++) core.addAgent(`agent-${pad(i, 6)}`, { total: AGENT });
  for (let i = 0; i < frameworks; i++) core.addFramework(`framework-${pad(i, 5)}`, { roles: [ROLE] });
  const times: number[] = [];
  let offers = 0;
  let now = 0;
  for (let c = 0; c < cycles; c++) {
    const t0 = performance.now();
    const out = core.allocate(now);
    times.push(performance.now() - t0);
    offers += out.length;
    for (const a of out) core.recoverResources(a.frameworkId, a.agentId, a.resources, REFUSE_SECONDS, now);
    now += 1000;
  }
  gc();
  const heap = heapMb();
  if (core.filterCount < 0) console.log('unreachable'); // keeps the core alive until measured
  return { agents, frameworks, cycles, cycle_ms_p50: round(percentile(times, 0.5)), cycle_ms_max: round(Math.max(...times)), offers_per_cycle: Math.round(offers / cycles), heap_mb: heap };
}

/**
 * The baseline: ReferenceAllocator (master/allocator/reference.ts), the independent naive
 * allocator the equivalence property test holds AllocatorCore to, on the same agents,
 * frameworks, declines and filters: the same decisions, computed the obvious way.
 */
function runBaseline(agents: number, frameworks: number, cycles: number): Row {
  const ref = new ReferenceAllocator();
  for (let i = 0; i < agents; i++) ref.addAgent(`agent-${pad(i, 6)}`, AGENT);
  for (let i = 0; i < frameworks; i++) ref.addFramework(`framework-${pad(i, 5)}`, [ROLE]);
  const times: number[] = [];
  let offers = 0;
  let now = 0;
  for (let c = 0; c < cycles; c++) {
    const t0 = performance.now();
    const out = ref.allocate(now);
    times.push(performance.now() - t0);
    offers += out.length;
    for (const a of out) ref.recoverResources(a.frameworkId, a.agentId, a.resources, REFUSE_SECONDS, now);
    now += 1000;
  }
  gc();
  const heap = heapMb();
  if (ref.filters.length < 0) console.log('unreachable');
  return { agents, frameworks, cycles, cycle_ms_p50: round(percentile(times, 0.5)), cycle_ms_max: round(Math.max(...times)), offers_per_cycle: Math.round(offers / cycles), heap_mb: heap, baseline: true };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One size in a fresh process: `--one core|baseline agents frameworks cycles`, prints the row as JSON. */
function inChild(kind: 'core' | 'baseline', agents: number, frameworks: number, cycles: number): Row {
  const me = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--expose-gc', me, '--one', kind, String(agents), String(frameworks), String(cycles)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Row;
}

function main(): void {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    const [kind, a, f, c] = process.argv.slice(one + 1);
    const row = kind === 'baseline' ? runBaseline(Number(a), Number(f), Number(c)) : runCore(Number(a), Number(f), Number(c));
    console.log(JSON.stringify(row));
    return;
  }
  const meta = startRun('bench-allocator');
  const quick = process.argv.includes('--quick');
  const agentSizes = quick ? [1000, 10_000] : [1000, 10_000, 50_000];
  const frameworkSizes = quick ? [50, 200] : [50, 200, 1000];
  const rows: Row[] = [];
  const print = (r: Row): void => {
    console.log(
      `| ${r.baseline ? 'ReferenceAllocator (baseline)' : 'AllocatorCore'} | ${r.agents.toLocaleString('en-US')} | ${r.frameworks.toLocaleString('en-US')} | ${r.cycles} | ${r.offers_per_cycle.toLocaleString('en-US')} | ${r.cycle_ms_p50} | ${r.cycle_ms_max} | ${r.heap_mb} |`,
    );
  };
  console.log('Allocator, DeclineOffers shape (agent cpus:24;mem:4096;disk:4096;ports:[31000-32000]; every offer declined with a 1-day filter)');
  console.log('| allocator | agents | frameworks | cycles | offers/cycle | cycle ms p50 | cycle ms max | heap MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const agents of agentSizes) {
    for (const frameworks of frameworkSizes) {
      const cycles = agents * frameworks <= 1_000_000 ? 20 : agents * frameworks <= 10_000_000 ? 10 : 5;
      const row = inChild('core', agents, frameworks, cycles);
      rows.push(row);
      print(row);
    }
  }
  // The baseline at the sizes it can do: it scans every filter for every framework on every agent.
  for (const [agents, frameworks, cycles] of quick ? [[1000, 50, 3]] : [[1000, 50, 3], [1000, 200, 2]]) {
    const row = inChild('baseline', agents!, frameworks!, cycles!);
    rows.push(row);
    print(row);
  }
  console.log(`wrote ${writeResults('allocator', meta, { rows })}`);
}

main();
