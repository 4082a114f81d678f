/**
 * `mesos-ts experiment <name> [--quick] [--out dir]` and `make experiments`:
 * runs one experiment, or `all` of them, writing each one's raw data
 * (raw.jsonl), summary (summary.json) and plots (SVG) under `<out>/<name>/`;
 * with `--report <file>` (default for `all`: experiments/report.md) the
 * report of what ran.
 *
 *   node dist/experiments/main.js all --quick
 *   node dist/experiments/main.js sharing --out /tmp/x
 */
import { writeFileSync } from 'node:fs';
import { realClock } from 'libprocess-ts';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { EXPERIMENTS } from './registry.js';
import { meta, reportMarkdown, type Ran } from './report.js';

export function usage(): string {
  return `usage: experiment <name|all> [--quick] [--out <dir>] [--report <file>]\nexperiments: ${EXPERIMENTS.map((e) => e.name).join(', ')}`;
}

interface Args {
  readonly names: readonly string[];
  readonly quick: boolean;
  readonly out: string;
  readonly report: string | undefined;
}

export function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let out = 'experiments/results';
  let report: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const [flag, inline] = a.split('=', 2) as [string, string | undefined];
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--out' || a.startsWith('--out=')) out = value();
    else if (a === '--report' || a.startsWith('--report=')) report = value();
    else if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
    else names.push(a);
  }
  if (names.length !== 1) throw new Error(names.length === 0 ? 'name an experiment (or all)' : `one experiment at a time (or all), got ${names.join(' ')}`);
  const name = names[0]!;
  if (name !== 'all' && !EXPERIMENTS.some((e) => e.name === name)) throw new Error(`no experiment named '${name}'`);
  return { names: name === 'all' ? EXPERIMENTS.map((e) => e.name) : [name], quick, out, report: report ?? (name === 'all' ? 'experiments/report.md' : undefined) };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`experiment: ${(e as Error).message}\n${usage()}\n`);
    return 2;
  }
  const started = realClock.now();
  const ran: Ran[] = [];
  let failed = 0;
  for (const name of args.names) {
    const experiment = EXPERIMENTS.find((e) => e.name === name)!;
    const out = new Output(args.out, name);
    const progress = new Progress(name, 1);
    process.stderr.write(`\n== ${experiment.title} (${args.quick ? 'quick' : 'full'} form) ==\n`);
    try {
      const result = await experiment.run({ quick: args.quick, out, progress });
      out.flush();
      out.file('summary.json', JSON.stringify({ experiment: name, quick: args.quick, wall_s: progress.elapsedMs / 1000, figures: result.figures, summary: result.summary, setup: result.setup }, null, 2) + '\n');
      for (const f of result.figures) process.stdout.write(`  ${f.what}: ${f.ours}   [paper: ${f.paper}]\n`);
      process.stdout.write(`  wrote ${out.dir}/ (raw.jsonl, summary.json, ${result.plots.map((p) => p.file).join(', ')})\n`);
      ran.push({ experiment, result, wallS: progress.elapsedMs / 1000, dir: out.dir });
    } catch (e) {
      failed++;
      const error = (e as Error).stack ?? String(e);
      process.stderr.write(`[${name}] FAILED: ${error}\n`);
      ran.push({ experiment, result: undefined, error: (e as Error).message, wallS: progress.elapsedMs / 1000, dir: out.dir });
    }
  }
  if (args.report !== undefined) {
    const m = meta(args.quick, (realClock.now() - started) / 1000, new Date(realClock.now()));
    writeFileSync(args.report, reportMarkdown(ran, m, args.report) + '\n');
    process.stdout.write(`wrote ${args.report}\n`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
