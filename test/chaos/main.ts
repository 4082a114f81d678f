// `make chaos`: the long form of the chaos test. Prints the report, exits 1 when an invariant broke.
//   node --import ./test/ts-loader.mjs test/chaos/main.ts [--seconds=300] [--seed=N] [--out=DIR]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { netnsUnavailable } from '../../cli/netns/sh.js';
import { runChaos } from './run.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '300' }, seed: { type: 'string', default: '1' }, out: { type: 'string' } } });
const seconds = Number(values.seconds);
const seed = Number(values.seed);
if (!(seconds > 0) || !Number.isInteger(seed)) {
  process.stderr.write(`chaos: --seconds must be positive and --seed an integer (got ${values.seconds}, ${values.seed})\n`);
  process.exit(2);
}
const why = netnsUnavailable();
if (why !== null) {
  process.stderr.write(`chaos: ${why}\n`);
  process.exit(2);
}
const out = resolve(values.out ?? mkdtempSync(join(tmpdir(), 'mesos-ts-chaos-')));
const result = await runChaos({ seed, faultMs: seconds * 1000, workDir: out, log: (l) => console.log(l) });
console.log(result.report);
console.log(`history: ${join(out, 'history.jsonl')}; report: ${join(out, 'report.md')}`);
process.exit(result.verdicts.every((v) => v.ok) ? 0 : 1);
