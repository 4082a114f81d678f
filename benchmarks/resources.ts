// `make bench-resources`: the allocator's hot Resources operations (contains
// and subtract of a task-sized request against an agent's resources: four
// scalars and a port range), each next to a baseline measured in the same
// run: the same check on a plain {cpus, mem, disk, gpus} number record with
// float compare (no ports, no roles). Subject and baseline alternate over
// ROUNDS rounds (the order flipping each round, after one warm-up round);
// the figures are the medians, with min and max. Bounded: about 5 s in all.
// Writes benchmarks/results/resources.json.
import { startRun, writeResults } from './lib/results.js';
import { interleave } from './lib/rounds.js';
import type { RoundsFigure } from './lib/stats.js';
import { performance } from 'node:perf_hooks';
import { Resources } from '../protocol/resources.js';

const WARMUP_MS = 50;
const MEASURE_MS = 100;
const ROUNDS = 5;
const BATCH = 10_000;

let sink = 0;

/** Runs `op` in batches until MEASURE_MS have passed (after a warm-up); returns ops/s. */
function measure(op: () => number): number {
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) for (let i = 0; i < BATCH; i++) sink += op();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < MEASURE_MS) {
    for (let i = 0; i < BATCH; i++) sink += op();
    ops += BATCH;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

interface Plain {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
}

function plainContains(a: Plain, b: Plain): boolean {
  return a.cpus >= b.cpus && a.mem >= b.mem && a.disk >= b.disk && a.gpus >= b.gpus;
}

function plainSubtract(a: Plain, b: Plain): Plain {
  return {
    cpus: Math.max(0, a.cpus - b.cpus),
    mem: Math.max(0, a.mem - b.mem),
    disk: Math.max(0, a.disk - b.disk),
    gpus: Math.max(0, a.gpus - b.gpus),
  };
}

function plainAdd(a: Plain, b: Plain): Plain {
  return { cpus: a.cpus + b.cpus, mem: a.mem + b.mem, disk: a.disk + b.disk, gpus: a.gpus + b.gpus };
}

async function main(): Promise<void> {
  const meta = startRun('bench-resources');
  const agent = Resources.parse('cpus:24;mem:4096;disk:4096;gpus:2;ports:[31000-32000]');
  // Two requests alternated so the JIT cannot fold a constant answer.
  const requests = [
    Resources.parse('cpus:1.5;mem:256;disk:128;gpus:1;ports:[31500-31500]'),
    Resources.parse('cpus:0.1;mem:32;disk:16;gpus:1;ports:[31000-31009,31990-32000]'),
  ];
  const plainAgent: Plain = { cpus: 24, mem: 4096, disk: 4096, gpus: 2 };
  const plainRequests: Plain[] = [
    { cpus: 1.5, mem: 256, disk: 128, gpus: 1 },
    { cpus: 0.1, mem: 32, disk: 16, gpus: 1 },
  ];
  if (!agent.contains(requests[0]!) || agent.subtract(requests[0]!).scalar('cpus') !== 22.5) throw new Error('benchmark setup is wrong');

  let k = 0;
  const results: Record<string, number> = {};
  const spread: Record<string, RoundsFigure> = {};
  const pair = async (name: string, subject: () => number, baseline: () => number): Promise<void> => {
    const f = await interleave([{ name: 'subject', measure: async () => measure(subject) }, { name: 'baseline', measure: async () => measure(baseline) }], ROUNDS);
    results[`${name}_ops_per_s`] = f.get('subject')!.median;
    results[`${name}_baseline_ops_per_s`] = f.get('baseline')!.median;
    spread[name] = f.get('subject')!;
    spread[`${name}_baseline`] = f.get('baseline')!;
  };
  await pair('contains', () => (agent.contains(requests[k++ & 1]!) ? 1 : 0), () => (plainContains(plainAgent, plainRequests[k++ & 1]!) ? 1 : 0));
  await pair('subtract', () => (agent.subtract(requests[k++ & 1]!).isEmpty() ? 1 : 0), () => plainSubtract(plainAgent, plainRequests[k++ & 1]!).cpus);
  await pair('add', () => (agent.add(requests[k++ & 1]!).isEmpty() ? 1 : 0), () => plainAdd(plainAgent, plainRequests[k++ & 1]!).mem);
  // What the allocator does per agent per request: contains, then subtract from the free pool.
  results['contains_subtract_ops_per_s'] = measure(() => {
    const r = requests[k++ & 1]!;
    return agent.contains(r) ? agent.subtract(r).size : 0;
  });
  results['parse_ops_per_s'] = measure(() => Resources.parse('cpus:1.5;mem:256;disk:128;gpus:1;ports:[31500-31500]').size);

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const rows: [string, number, number | undefined][] = [
    ['contains', results['contains_ops_per_s']!, results['contains_baseline_ops_per_s']],
    ['subtract', results['subtract_ops_per_s']!, results['subtract_baseline_ops_per_s']],
    ['add', results['add_ops_per_s']!, results['add_baseline_ops_per_s']],
    ['contains + subtract', results['contains_subtract_ops_per_s']!, undefined],
    ['parse (text, 5 items)', results['parse_ops_per_s']!, undefined],
  ];
  console.log('Resources hot operations (agent cpus:24;mem:4096;disk:4096;gpus:2;ports:[31000-32000])');
  console.log('| operation | Resources, ops/s | plain record, ops/s | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, v, base] of rows) {
    console.log(`| ${name} | ${fmt(v)} | ${base === undefined ? '-' : fmt(base)} | ${base === undefined ? '-' : (v / base).toFixed(2)} |`);
  }
  console.log(`wrote ${writeResults('resources', meta, { ...results, rounds: ROUNDS, spread })}${sink === -1 ? ' ' : ''}`);
}

await main();
