// `make bench-allocator`: the allocator core alone on Mesos's DeclineOffers
// shape (HierarchicalAllocator_BENCHMARK_Test.DeclineOffers): every agent is
// cpus:24;mem:4096;disk:4096;ports:[31000-32000], every framework (one role)
// declines everything it is offered with a long filter, so filters pile up
// cycle after cycle. We time each allocate() cycle (the declines are not
// timed), in wall and in CPU time (user + system of the process), for agents
// {1k, 10k, 50k} x frameworks {50, 200, 1k}, and report p50 and max.
//
// Baseline, measured in the same run: ReferenceAllocator, the independent naive
// allocator the equivalence property test checks the core against (every share
// recomputed from the raw allocations, the role tree rebuilt per agent, every
// filter scanned), at the sizes it finishes in reasonable time (1k agents x
// {50, 200} frameworks, 5 cycles each, the core alike), in interleaved rounds
// with the core (benchmarks/lib/rounds.ts, the order flipped every round).
// Every size runs ROUNDS rounds; a row's p50 is the median of the rounds' p50s,
// its max the largest cycle of any round.
//
// Each round runs in a fresh Node process (--expose-gc), so one size's garbage
// does not land in the next one's cycles and heap_mb is the live heap after
// the run (the allocator's state with its filters), measured after a full GC.
// Before it measures, the process warms the JIT on a small cluster with the
// same allocator (a master allocates every second: its code is compiled after
// the first cycles), the reference alike.
//
// `--quick`: agents {1k, 10k} x frameworks {50, 200, 1k}.
//
// Then the reservations shape: 100 roles (role-00 .. role-99), the frameworks spread over them,
// the same agents (each agent's resources parsed for it, in both variants) and declines; in the reserved variant 20% of every agent's cpus, mem and disk
// is dynamically reserved to one role (agent i to role i % 100), in the baseline nothing is. The
// two run in turn (benchmarks/lib/rounds.ts: one warm-up round, then ROLE_ROUNDS rounds, the
// order flipped each round), each run in a fresh process; the figure is the ratio of the
// median cycle p50s (target: at most 1.2), in CPU time (user + system of the process: on a
// shared, loaded machine wall time swings more than the difference measured) and wall time.
// `--reservations`: that shape alone.
// Writes benchmarks/results/allocator.json and allocator-reservations.json.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRun, writeResults } from './lib/results.js';
import { percentile as pct, sorted } from './lib/stats.js';
import { performance } from 'node:perf_hooks';
import { Resources } from '../protocol/resources.js';
import { AllocatorCore } from '../master/allocator/core.js';
import { ReferenceAllocator } from '../master/allocator/reference.js';
import { interleave } from './lib/rounds.js';

const AGENT_TEXT = 'cpus:24;mem:4096;disk:4096;ports:[31000-32000]';
const AGENT = Resources.parse(AGENT_TEXT);
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
  /** CPU time (user + system) of the cycle: less sensitive than wall time to a loaded machine. */
  cycle_cpu_ms_p50?: number;
  cycle_cpu_ms_max?: number;
  /** A row over several rounds: each round's p50 and max (wall ms). */
  rounds?: { cycle_ms_p50: number; cycle_ms_max: number; cycle_cpu_ms_p50: number; cycle_cpu_ms_max: number }[];
}

/** What both allocators offer the benchmark. */
interface Subject {
  allocate(now: number): readonly { frameworkId: string; agentId: string; resources: Resources }[];
  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number, now: number): void;
}

/** The DeclineOffers cycles on `subject`: per cycle, its wall and CPU ms and the offers made. */
function declineCycles(subject: Subject, cycles: number): { wall: number[]; cpu: number[]; offers: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  let offers = 0;
  let now = 0;
  for (let c = 0; c < cycles; c++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = subject.allocate(now);
    wall.push(performance.now() - t0);
    const dc = process.cpuUsage(c0);
    cpu.push((dc.user + dc.system) / 1000);
    offers += out.length;
    for (const a of out) subject.recoverResources(a.frameworkId, a.agentId, a.resources, REFUSE_SECONDS, now);
    now += 1000;
  }
  return { wall, cpu, offers };
}

function coreCluster(agents: number, frameworks: number): AllocatorCore {
  const core = new AllocatorCore();
  for (let i = 0; i < agents; i++) core.addAgent(`agent-${pad(i, 6)}`, { total: AGENT });
  for (let i = 0; i < frameworks; i++) core.addFramework(`framework-${pad(i, 5)}`, { roles: [ROLE] });
  return core;
}

function referenceCluster(agents: number, frameworks: number): ReferenceAllocator {
  const ref = new ReferenceAllocator();
  for (let i = 0; i < agents; i++) ref.addAgent(`agent-${pad(i, 6)}`, AGENT);
  for (let i = 0; i < frameworks; i++) ref.addFramework(`framework-${pad(i, 5)}`, [ROLE]);
  return ref;
}

function rowOf(agents: number, frameworks: number, cycles: number, run: { wall: number[]; cpu: number[]; offers: number }, heap: number): Row {
  return {
    agents,
    frameworks,
    cycles,
    cycle_ms_p50: round(percentile(run.wall, 0.5)),
    cycle_ms_max: round(Math.max(...run.wall)),
    offers_per_cycle: Math.round(run.offers / cycles),
    heap_mb: heap,
    cycle_cpu_ms_p50: round(percentile(run.cpu, 0.5)),
    cycle_cpu_ms_max: round(Math.max(...run.cpu)),
  };
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
  declineCycles(coreCluster(1000, 50), 5); // JIT warm-up
  gc();
  const core = coreCluster(agents, frameworks);
  const run = declineCycles(core, cycles);
  gc();
  const heap = heapMb();
  if (core.filterCount < 0) console.log('unreachable'); // keeps the core alive until measured
  return rowOf(agents, frameworks, cycles, run, heap);
}

/**
 * The baseline: ReferenceAllocator (master/allocator/reference.ts), the independent naive
 * allocator the equivalence property test holds AllocatorCore to, on the same agents,
 * frameworks, declines and filters: the same decisions, computed the obvious way.
 */
function runBaseline(agents: number, frameworks: number, cycles: number): Row {
  declineCycles(referenceCluster(100, 10), 5); // JIT warm-up
  gc();
  const ref = referenceCluster(agents, frameworks);
  const run = declineCycles(ref, cycles);
  gc();
  const heap = heapMb();
  if (ref.filters.length < 0) console.log('unreachable');
  return { ...rowOf(agents, frameworks, cycles, run, heap), baseline: true };
}

const ROLES = 100;
const roleName = (i: number): string => `role-${pad(i % ROLES, 2)}`;
const ROLE_ROUNDS = 3;
/** Rounds per size of the DeclineOffers table. */
const ROUNDS = 3;

/**
 * An agent of the reservations shape: 20% of its scalars reserved to one role (or nothing reserved, for the
 * baseline). Parsed for each agent in both shapes, as agents register their own resources: when every
 * unreserved agent shared the one parsed AGENT, its 10k agents shared 4 resource entries while the reserved
 * agents had 7 each of their own, and that difference in memory alone was about half the measured gap.
 */
function roleAgent(i: number, reserved: boolean): Resources {
  if (!reserved) return Resources.parse(AGENT_TEXT);
  const role = roleName(i);
  return Resources.parse(`cpus:19.2;mem:3276.8;disk:3276.8;ports:[31000-32000];cpus(${role}@ops):4.8;mem(${role}@ops):819.2;disk(${role}@ops):819.2`);
}

function rolesCluster(agents: number, frameworks: number, reserved: boolean): AllocatorCore {
  const core = new AllocatorCore();
  for (let i = 0; i < agents; i++) core.addAgent(`agent-${pad(i, 6)}`, { total: roleAgent(i, reserved) });
  for (let i = 0; i < frameworks; i++) core.addFramework(`framework-${pad(i, 5)}`, { roles: [roleName(i)] });
  return core;
}

/**
 * The DeclineOffers cycle over 100 roles, with or without 20% of every agent reserved. Like the DeclineOffers
 * table, each variant first warms the JIT on a small cluster of its own shape, as many cycles as it measures,
 * once the measured cluster is built (so the garbage collections of building it do not flush what the warm-up
 * compiled). Unwarmed, the reserved variant met its later paths (an unreserved part given and a reservation
 * left, then that remainder skipped as marked) only in its third and fourth measured cycles, and deoptimized
 * and recompiled there (`--trace-deopt`), which the unreserved variant, with no such paths, never does.
 */
function runRoles(agents: number, frameworks: number, cycles: number, reserved: boolean): Row {
  const core = rolesCluster(agents, frameworks, reserved);
  declineCycles(rolesCluster(1000, frameworks, reserved), cycles); // JIT warm-up
  gc();
  const run = declineCycles(core, cycles);
  gc();
  const heap = heapMb();
  if (core.filterCount < 0) console.log('unreachable');
  return rowOf(agents, frameworks, cycles, run, heap);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** One size in a fresh process: `--one core|baseline agents frameworks cycles`, prints the row as JSON. */
function inChild(kind: 'core' | 'baseline' | 'roles-reserved' | 'roles-unreserved', agents: number, frameworks: number, cycles: number): Row {
  const me = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--expose-gc', me, '--one', kind, String(agents), String(frameworks), String(cycles)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Row;
}

async function main(): Promise<void> {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    const [kind, a, f, c] = process.argv.slice(one + 1);
    const row =
      kind === 'baseline'
        ? runBaseline(Number(a), Number(f), Number(c))
        : kind === 'roles-reserved' || kind === 'roles-unreserved'
          ? runRoles(Number(a), Number(f), Number(c), kind === 'roles-reserved')
          : runCore(Number(a), Number(f), Number(c));
    console.log(JSON.stringify(row));
    return;
  }
  const meta = startRun('bench-allocator');
  const quick = process.argv.includes('--quick');
  if (process.argv.includes('--reservations')) {
    const reservations = await reservationsShape(quick ? [1000, 50, 10] : [10_000, 200, 10]);
    console.log(`wrote ${writeResults('allocator-reservations', meta, reservations)}`);
    return;
  }
  const agentSizes = quick ? [1000, 10_000] : [1000, 10_000, 50_000];
  const frameworkSizes = [50, 200, 1000];
  const rows: Row[] = [];
  const print = (r: Row): void => {
    console.log(
      `| ${r.baseline ? 'ReferenceAllocator (baseline)' : 'AllocatorCore'} | ${r.agents.toLocaleString('en-US')} | ${r.frameworks.toLocaleString('en-US')} | ${r.cycles} | ${r.offers_per_cycle.toLocaleString('en-US')} | ${r.cycle_ms_p50} | ${r.cycle_ms_max} | ${r.cycle_cpu_ms_p50} | ${r.cycle_cpu_ms_max} | ${r.heap_mb} |`,
    );
  };
  console.log(`Allocator, DeclineOffers shape (agent cpus:24;mem:4096;disk:4096;ports:[31000-32000]; every offer declined with a 1-day filter); ${ROUNDS} rounds per size`);
  console.log('| allocator | agents | frameworks | cycles | offers/cycle | cycle ms p50 | cycle ms max | cycle CPU ms p50 | cycle CPU ms max | heap MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const agents of agentSizes) {
    for (const frameworks of frameworkSizes) {
      // The reference in the same rounds, where it finishes (it scans every filter for every framework on every agent).
      const paired = agents === 1000 && frameworks <= 200;
      const cycles = paired ? 5 : agents * frameworks <= 10_000_000 ? 10 : 5;
      for (const row of await sizeRounds(agents, frameworks, cycles, paired)) {
        rows.push(row);
        print(row);
      }
    }
  }
  console.log(`wrote ${writeResults('allocator', meta, { rows })}`);
  // Its own start time and load: taken before the shape runs, not when its file is written.
  const reservationsMeta = startRun('bench-allocator');
  const reservations = await reservationsShape(quick ? [1000, 50, 10] : [10_000, 200, 10]);
  console.log(`wrote ${writeResults('allocator-reservations', reservationsMeta, reservations)}`);
}

/**
 * ROUNDS rounds of one size, each in a fresh process; with `paired`, the reference in the same rounds,
 * interleaved. A row per allocator: the median of the rounds' p50s, the largest of their maxima.
 */
async function sizeRounds(agents: number, frameworks: number, cycles: number, paired: boolean): Promise<Row[]> {
  const runs = new Map<string, Row[]>();
  const contender = (kind: 'core' | 'baseline') => ({
    name: kind,
    measure: async (): Promise<number> => {
      const row = inChild(kind, agents, frameworks, cycles);
      runs.set(kind, [...(runs.get(kind) ?? []), row]);
      return row.cycle_ms_p50;
    },
  });
  await interleave(paired ? [contender('core'), contender('baseline')] : [contender('core')], ROUNDS, 0);
  return [...runs.values()].map((rs): Row => {
    const median = (f: (r: Row) => number): number => round(percentile(rs.map(f), 0.5));
    const worst = (f: (r: Row) => number): number => round(Math.max(...rs.map(f)));
    return {
      ...rs[0]!,
      cycle_ms_p50: median((r) => r.cycle_ms_p50),
      cycle_ms_max: worst((r) => r.cycle_ms_max),
      cycle_cpu_ms_p50: median((r) => r.cycle_cpu_ms_p50!),
      cycle_cpu_ms_max: worst((r) => r.cycle_cpu_ms_max!),
      heap_mb: median((r) => r.heap_mb),
      offers_per_cycle: median((r) => r.offers_per_cycle),
      rounds: rs.map((r) => ({ cycle_ms_p50: r.cycle_ms_p50, cycle_ms_max: r.cycle_ms_max, cycle_cpu_ms_p50: r.cycle_cpu_ms_p50!, cycle_cpu_ms_max: r.cycle_cpu_ms_max! })),
    };
  });
}

/** The reservations shape against its same-run baseline, interleaved; prints and returns the figures. */
async function reservationsShape([agents, frameworks, cycles]: [number, number, number]): Promise<Record<string, unknown>> {
  const rowsOf = new Map<string, Row[]>();
  const contender = (name: 'roles-unreserved' | 'roles-reserved') => ({
    name,
    measure: async (): Promise<number> => {
      const row = inChild(name, agents, frameworks, cycles);
      rowsOf.set(name, [...(rowsOf.get(name) ?? []), row]);
      return row.cycle_cpu_ms_p50!;
    },
  });
  const figures = await interleave([contender('roles-unreserved'), contender('roles-reserved')], ROLE_ROUNDS);
  const base = figures.get('roles-unreserved')!;
  const reserved = figures.get('roles-reserved')!;
  const ratio = round(reserved.median / base.median);
  const wall = (name: string): number => round(percentile((rowsOf.get(name) ?? []).slice(1).map((r) => r.cycle_ms_p50), 0.5));
  const wallRatio = round(wall('roles-reserved') / wall('roles-unreserved'));
  console.log(`\nReservations shape: ${agents.toLocaleString('en-US')} agents, ${frameworks} frameworks over ${ROLES} roles, every offer declined (cycle p50, median of ${ROLE_ROUNDS} interleaved rounds after a warm-up)`);
  console.log('| shape | cycle CPU ms p50 (median) | rounds | cycle wall ms p50 (median) | offers/cycle |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| unreserved (baseline) | ${base.median} | ${base.rounds.join(', ')} | ${wall('roles-unreserved')} | ${rowsOf.get('roles-unreserved')!.at(-1)!.offers_per_cycle} |`);
  console.log(`| 20% of every agent reserved to one of 100 roles | ${reserved.median} | ${reserved.rounds.join(', ')} | ${wall('roles-reserved')} | ${rowsOf.get('roles-reserved')!.at(-1)!.offers_per_cycle} |`);
  console.log(`reserved / unreserved: ${ratio} in CPU time, ${wallRatio} in wall time (target <= 1.2)`);
  return { agents, frameworks, roles: ROLES, cycles, reserved_fraction: 0.2, measure: 'cycle_cpu_ms_p50', unreserved: base, reserved, ratio, wall_ms_p50: { unreserved: wall('roles-unreserved'), reserved: wall('roles-reserved') }, wall_ratio: wallRatio, target_ratio: 1.2 };
}

await main();
