/**
 * `make sim SEEDS=1-1000` / `make sim-replay SEED=n`: runs whole-cluster
 * seeds, on every core (one worker per core, seeds dealt round robin), and
 * prints how many ran and every failure with its one-line replay command.
 * With one seed (`--seed`) it runs it here and, when it fails, writes the
 * timeline of the events before the violation (`--timeline=<file>`, default
 * sim-<seed>.timeline.txt).
 *
 *   node dist/sim/main.js --seeds=1-100000 [--workers=2] [--agents=4] [--faults=2] [--pauses=15] [--stale-leaders=0.15] [--executor-share=0.5] [--mutation=skipFsync]
 *   node dist/sim/main.js --seed=42 [--timeline=out.txt]
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { parseMutation } from './mutations.js';
import { DEFAULT_FAULTS, DEFAULT_SIM, runSeed, scaleFaults, withPauses, type SimOptions } from './run.js';

interface Args {
  seeds: number[];
  workers: number;
  options: Partial<Omit<SimOptions, 'seed'>>;
  timeline: string | undefined;
  single: boolean;
  /** The flags that shape a run, for the replay line. */
  replayArgs: string;
}

export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`--seeds: '${part}' is not a seed or a range a-b`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new Error(`--seeds: the range ${part} is empty`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: [], workers: Math.max(1, availableParallelism()), options: {}, timeline: undefined, single: false, replayArgs: argv.filter((a) => !/^--(seeds|seed|workers|timeline|lines)=/.test(a)).join(' ') };
  const opts: Record<string, unknown> = {};
  let pauses: number | undefined; // applied after --faults, whatever the order
  let staleLeaders: number | undefined; // likewise
  for (const a of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unknown argument '${a}' (flags are --name=value)`);
    const [, k, v] = m as unknown as [string, string, string];
    const int = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${k}: '${v}' is not a whole number`);
      return n;
    };
    switch (k) {
      case 'seeds':
        args.seeds = parseSeeds(v);
        break;
      case 'seed':
        args.seeds = [int()];
        args.single = true;
        break;
      case 'workers':
        args.workers = Math.max(1, int());
        break;
      case 'agents':
        opts.agents = int();
        break;
      case 'frameworks':
        opts.frameworks = int();
        break;
      case 'chaos-ms':
        opts.chaosMs = int();
        break;
      case 'quiet-ms':
        opts.quietMs = int();
        break;
      case 'mutation':
        opts.mutations = parseMutation(v);
        break;
      case 'timeline':
        args.timeline = v;
        break;
      case 'lines':
        opts.traceLines = int();
        break;
      case 'executor-share': {
        const share = Number(v);
        if (!(share >= 0 && share <= 1)) throw new Error(`--executor-share: '${v}' is not a share between 0 and 1 (of tasks run by a custom executor)`);
        opts.executorShare = share;
        break;
      }
      case 'faults': {
        const scale = Number(v);
        if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`--faults: '${v}' is not a scale (0 = none, 1 = the defaults, 2 = twice as many)`);
        opts.faults = scaleFaults(scale);
        break;
      }
      case 'pauses': {
        const scale = Number(v);
        if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`--pauses: '${v}' is not a scale of the default pause rates (0 = none)`);
        pauses = scale;
        break;
      }
      case 'stale-leaders': {
        const rate = Number(v);
        if (!(rate >= 0) || !Number.isFinite(rate)) throw new Error(`--stale-leaders: '${v}' is not a rate of stale-leader episodes per virtual second (0 = none)`);
        staleLeaders = rate;
        break;
      }
      default:
        throw new Error(`unknown flag --${k}`);
    }
  }
  if (pauses !== undefined) opts.faults = withPauses((opts.faults as SimOptions['faults'] | undefined) ?? DEFAULT_FAULTS, pauses);
  if (staleLeaders !== undefined) opts.faults = { ...((opts.faults as SimOptions['faults'] | undefined) ?? DEFAULT_FAULTS), staleLeaderPerSec: staleLeaders };
  if (args.seeds.length === 0) throw new Error('give --seeds=a-b or --seed=n');
  args.options = opts as Partial<Omit<SimOptions, 'seed'>>;
  return args;
}

interface Outcome {
  seed: number;
  ok: boolean;
  violation?: string;
  hash: string;
  virtualMs: number;
}

/** The one-line replay of a seed run with these flags. */
function replay(seed: number, flags: string): string {
  return `make sim-replay SEED=${seed}${flags !== '' ? ` ARGS="${flags}"` : ''}`;
}

async function runList(seeds: readonly number[], options: Partial<Omit<SimOptions, 'seed'>>, report: (o: Outcome) => void): Promise<void> {
  for (const seed of seeds) {
    let r: Awaited<ReturnType<typeof runSeed>>;
    try {
      r = await runSeed(seed, options);
    } catch (e) {
      // The simulation itself threw: that seed fails, named, and the lane goes on (a long sweep is not lost to it).
      report({ seed, ok: false, violation: `the run threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, hash: '', virtualMs: 0 });
      continue;
    }
    report({ seed, ok: r.ok, ...(r.violation !== undefined ? { violation: r.violation } : {}), hash: r.hash, virtualMs: r.virtualMs });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const o = { ...DEFAULT_SIM, ...args.options };
  if (args.single) {
    const seed = args.seeds[0]!;
    const r = await runSeed(seed, args.options);
    console.log(`seed ${seed}: ${r.ok ? 'ok' : `FAILED (${r.phase}) ${r.violation}`}`);
    console.log(`trace hash ${r.hash}, ${r.events} events, ${(r.virtualMs / 1000).toFixed(1)} virtual s in ${(r.wallMs / 1000).toFixed(2)} wall s`);
    if (!r.ok) {
      const file = args.timeline ?? `sim-${seed}.timeline.txt`;
      writeFileSync(file, r.timeline() + '\n');
      console.log(`timeline of the last events: ${file}`);
      console.log(`replay: ${replay(seed, args.replayArgs)}`);
      process.exitCode = 1;
    }
    return;
  }
  const started = performance.now();
  const workers = Math.min(args.workers, args.seeds.length);
  const lanes: number[][] = Array.from({ length: workers }, () => []);
  args.seeds.forEach((s, i) => lanes[i % workers]!.push(s));
  let ran = 0;
  let virtualMs = 0;
  const failures: Outcome[] = [];
  const report = (x: Outcome): void => {
    ran++;
    virtualMs += x.virtualMs;
    if (!x.ok) {
      failures.push(x);
      console.log(`seed ${x.seed} FAILED: ${x.violation}\n  replay: ${replay(x.seed, args.replayArgs)}`);
    }
    if (ran % 100 === 0) console.log(`${ran} / ${args.seeds.length} seeds, ${failures.length} failed, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };
  const summary = (how: string): string => {
    const wall = (performance.now() - started) / 1000;
    return `${ran} seeds ran${how} on ${workers} worker(s) in ${wall.toFixed(1)} s (${(virtualMs / 1000 / wall).toFixed(0)} simulated cluster-seconds per wall second; ${o.agents} agents, ${o.frameworks} frameworks, 3 masters): ${ran - failures.length} passed, ${failures.length} failed`;
  };
  // A long sweep stopped with Ctrl-C still says how far it got (the failures were printed as they came).
  process.once('SIGINT', () => {
    console.log(summary(` of ${args.seeds.length} (interrupted)`));
    process.exit(130);
  });
  await Promise.all(
    lanes.map(
      (lane) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(fileURLToPath(import.meta.url), { workerData: { seeds: lane, options: args.options } });
          w.on('message', (x: Outcome) => report(x));
          w.on('error', reject);
          w.on('exit', () => resolve());
        }),
    ),
  );
  console.log(summary(''));
  if (failures.length > 0) process.exitCode = 1;
}

if (!isMainThread) {
  const { seeds, options } = workerData as { seeds: number[]; options: Partial<Omit<SimOptions, 'seed'>> };
  void runList(seeds, options, (o) => parentPort!.postMessage(o)).then(() => process.exit(0));
} else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(2);
  });
}
