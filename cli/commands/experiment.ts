import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

/**
 * `mesos-ts experiment <name>`: one of the Mesos paper's experiments (experiments/README.md). The runner is its own
 * program (dist/experiments/main.js), started as a child: the experiments sit above the CLI in the layers, so the
 * CLI does not import them.
 */
export function experimentCommand(): Command {
  return new Command('experiment')
    .description("run one of the Mesos paper's experiments (sharing, drf, rampup, failover, offers) or mpi (MPI alone vs mesos-ts mpiexec), or all of them: raw data, summary and SVG plots under --out/<name>/")
    .argument('<name>', 'sharing | drf | rampup | failover | offers | all')
    .option('--quick', 'the quick form (small scale, minutes)', false)
    .option('--out <dir>', 'where each experiment writes <name>/raw.jsonl, summary.json and its plots', 'experiments/results')
    .option('--report <file>', 'also write the report (default for all: experiments/report.md)')
    .addHelpText('after', `
Examples:
  $ mesos-ts experiment sharing --quick           # sharing vs static partitioning, in the simulator
  $ mesos-ts experiment drf --out /tmp/exp        # DRF fairness over time, full form
  $ mesos-ts experiment all --quick               # what make experiments runs`)
    .action(async (name: string, o: { quick: boolean; out: string; report?: string }) => {
      const main = fileURLToPath(new URL('../../experiments/main.js', import.meta.url));
      const args = [main, name, ...(o.quick ? ['--quick'] : []), '--out', o.out, ...(o.report !== undefined ? ['--report', o.report] : [])];
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: 'inherit' });
        child.once('error', reject);
        child.once('exit', (c, signal) => resolve(c ?? (signal !== null ? 1 : 0)));
      });
      process.exitCode = code;
    });
}
