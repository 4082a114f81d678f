/**
 * experiments/report.md: for each experiment its setup, its figures beside the
 * paper's, and its plots; with the run's metadata (date, machine, commit).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { relative } from 'node:path';
import type { Experiment, Result } from './types.js';

export interface Ran {
  readonly experiment: Experiment;
  readonly result: Result | undefined;
  readonly error?: string;
  readonly wallS: number;
  readonly dir: string;
}

export interface Meta {
  readonly date: string;
  readonly quick: boolean;
  readonly commit: string;
  readonly machine: string;
  readonly loadavg: string;
  readonly wallS: number;
}

export function meta(quick: boolean, wallS: number, now: Date): Meta {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // The run's own outputs (committed results, this report) do not make the tree dirty; any other tracked change does.
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!experiments/results', ':!experiments/report.md'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty !== '') commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout: the commit stays unknown
  }
  const c = cpus();
  return {
    date: now.toISOString(),
    quick,
    commit,
    machine: `${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}`,
    loadavg: loadavg().map((x) => x.toFixed(2)).join(' / '),
    wallS,
  };
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportMarkdown(ran: readonly Ran[], m: Meta, reportPath: string): string {
  const out: string[] = [];
  out.push('# Experiments: the Mesos paper\'s results, reproduced');
  out.push('');
  out.push(`Produced by \`${m.quick ? 'make experiments' : 'node dist/experiments/main.js all'}\` (${m.quick ? 'quick form' : 'full form'}): ${m.date}, commit ${m.commit}, ${m.machine}, load average at the end ${m.loadavg}, ${m.wallS.toFixed(0)} s in all. How each experiment works: [README.md](README.md).`);
  out.push('');
  out.push('At a glance (each experiment\'s section below has its setup, every figure, the plots and where ours differ from the paper\'s):');
  out.push('');
  out.push('| experiment | figure | mesos-ts | paper |');
  out.push('| --- | --- | --- | --- |');
  for (const r of ran) {
    if (r.result === undefined) out.push(`| ${r.experiment.name} | | **failed** | |`);
    else for (const f of r.result.figures.filter((x) => x.headline === true)) out.push(`| ${r.experiment.name} | ${cell(f.what)} | ${cell(f.ours)} | ${cell(f.paper)} |`);
  }
  out.push('');
  for (const r of ran) {
    out.push(`## ${r.experiment.title}`);
    out.push('');
    out.push(`\`mesos-ts experiment ${r.experiment.name}${m.quick ? ' --quick' : ''}\`: ${r.experiment.where}; ${r.wallS.toFixed(0)} s of wall time. Raw data and summary: [${relative(dirOf(reportPath), r.dir)}/](${relative(dirOf(reportPath), r.dir)}/).`);
    out.push('');
    if (r.result === undefined) {
      out.push(`**Failed**: ${r.error ?? 'unknown error'}`);
      out.push('');
      continue;
    }
    out.push(r.result.description);
    out.push('');
    out.push('| figure | mesos-ts | paper |');
    out.push('| --- | --- | --- |');
    for (const f of r.result.figures) out.push(`| ${cell(f.what)} | ${cell(f.ours)} | ${cell(f.paper)} |`);
    out.push('');
    const notes = r.result.figures.filter((f) => f.note !== undefined);
    for (const f of notes) out.push(`- ${f.what}: ${f.note}`);
    if (notes.length > 0) out.push('');
    for (const p of r.result.plots) {
      out.push(`![${p.caption}](${relative(dirOf(reportPath), r.dir)}/${p.file})`);
      out.push('');
    }
    out.push('<details><summary>setup</summary>');
    out.push('');
    out.push('```json');
    out.push(JSON.stringify(r.result.setup, null, 1));
    out.push('```');
    out.push('</details>');
    out.push('');
  }
  return out.join('\n');
}

const dirOf = (p: string): string => p.replace(/[^/]*$/, '') || '.';
