// Every benchmark's results file carries the metadata that lets a figure in a README be traced
// to the run that measured it: the commit (and whether the tree was dirty), when, on what
// machine, and how loaded the machine was at the start and at the end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunMeta {
  benchmark: string;
  commit: string;
  dirty: boolean;
  started: string;
  finished?: string;
  machine: { cpus: number; cpu: string; mem_gib: number; kernel: string; node: string };
  loadavg_start: number[];
  loadavg_end?: number[];
  args: string[];
}

/** The repository's root: the nearest folder above this file with the Makefile (from the sources and from dist/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'Makefile')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`benchmarks: no Makefile above ${fileURLToPath(import.meta.url)}: run from a checkout of mesos-ts`);
    dir = up;
  }
  return dir;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Call when the benchmark starts: the start time and load are recorded then. */
export function startRun(benchmark: string): RunMeta {
  const cpus = os.cpus();
  return {
    benchmark,
    commit: git(['rev-parse', 'HEAD']) ?? 'unknown (not a git checkout)',
    // Only tracked sources count: build outputs are ignored, and results files are what runs write.
    dirty: (git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!benchmarks/results']) ?? '') !== '',
    started: new Date().toISOString(),
    machine: { cpus: cpus.length, cpu: cpus[0]?.model ?? 'unknown', mem_gib: round2(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version },
    loadavg_start: os.loadavg().map(round2),
    args: process.argv.slice(2),
  };
}

/** Writes benchmarks/results/<name>.json (or `<dir>/<name>.json`): `{ meta, ...figures }`, with the end time and load added. Returns the path. */
export function writeResults(name: string, meta: RunMeta, figures: Record<string, unknown>, dir?: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new Error(`results file name ${JSON.stringify(name)}: lowercase letters, digits, '.', '_' and '-' only`);
  const out = join(dir ?? join(repoRoot(), 'benchmarks', 'results'), `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const done: RunMeta = { ...meta, finished: new Date().toISOString(), loadavg_end: os.loadavg().map(round2) };
  writeFileSync(out, `${JSON.stringify({ meta: done, ...figures }, null, 2)}\n`);
  return out;
}
