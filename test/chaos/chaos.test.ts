// The chaos test's short form (make test): 3 masters and 3 agents in namespaces of their own, a
// framework launching tasks, 32 s of faults from the kernel (a minority leader, an asymmetric cut,
// a SIGKILLed master, then seeded ones), healed and drained; every invariant must hold. The
// long form is `make chaos`. Root, ip and nft needed (skipped with the reason otherwise).
import { afterAll, expect } from '@jest/globals';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { netnsUnavailable } from '../../cli/netns/sh.js';
import { root } from '../processes.js';
import { tempDir } from '../temp.js';
import { testIf } from '../skip.js';
import { runChaos } from './run.js';

const work = tempDir('mesos-ts-chaos');
afterAll(async () => {
  await work.remove();
});

testIf(netnsUnavailable())('chaos, short: the invariants hold through partitions, an asymmetric cut, loss and kills', async () => {
  const result = await runChaos({ seed: 26, faultMs: 32_000, workDir: `${work.path}/cluster` });
  const broken = result.verdicts.filter((v) => !v.ok);
  if (broken.length > 0) {
    // Kept for the post-mortem: the work dir goes with the test.
    const keep = join(root, 'test-output', 'chaos-26');
    mkdirSync(keep, { recursive: true });
    for (const f of ['history.jsonl', 'report.md']) cpSync(join(work.path, 'cluster', f), join(keep, f));
    process.stderr.write(`${result.report}\n(history and report kept in ${keep})\n`);
  }
  expect(broken).toEqual([]);
  expect(result.steps.slice(0, 3).map((s) => s.kind)).toEqual(['isolate-leader', 'asymmetric-leader', 'kill-master']);
  // The faults did something: a partitioned leader was replaced, and tasks ran throughout.
  const terms = new Set(result.history.flatMap((e) => (e.src === 'leader' ? [e.term] : [])));
  expect(terms.size).toBeGreaterThan(1);
  expect(result.history.filter((e) => e.src === 'framework' && e.ev === 'launch').length).toBeGreaterThan(0);
  expect(result.report).toContain('| no task lost | yes |');
}, 180_000);
