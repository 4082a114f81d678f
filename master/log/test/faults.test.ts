/**
 * The replica actors (not only the core) under a faulty simulated network:
 * loss, duplication, reordering, partitions and restarts, a few seeds.
 */
import { describe, test, expect } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { Cluster, text } from './cluster.js';

async function run(seed: number): Promise<void> {
  const c = new Cluster(3, seed, {}, [1, 8], { loss: 0.03, duplicate: 0.03, reorder: 0.05 });
  const rnd = new Random(seed * 7919);
  await c.startAll();
  const acked: { index: number; term: number; data: string }[] = [];
  let n = 0;
  for (let step = 0; step < 40; step++) {
    const r = rnd.float();
    if (r < 0.1) c.net.isolate(c.address(rnd.int(3)));
    else if (r < 0.2) c.net.heal();
    else if (r < 0.25) {
      const i = rnd.int(3);
      if (c.alive(i)) await c.stop(i);
    } else if (r < 0.35) {
      const i = rnd.int(3);
      if (!c.alive(i)) await c.start(i);
    }
    for (const i of c.leaders()) {
      for (let k = 0; k < 3; k++) {
        const data = `v${n++}`;
        c.append(i, text(data)).then((res) => acked.push({ ...res, data }), () => {});
      }
    }
    await c.clock.advance(rnd.range(50, 400));
  }
  c.net.heal();
  for (let i = 0; i < 3; i++) if (!c.alive(i)) await c.start(i);
  const { leader } = await c.awaitLeader(5000);
  await c.appendAndWait(leader, text('final'));
  await c.clock.advance(1000);
  // One leader per term, across every incarnation's listener.
  const byTerm = new Map<number, string>();
  for (const node of c.nodes) {
    for (const [term, pid] of node.leaders) {
      expect(byTerm.get(term) ?? pid).toBe(pid);
      byTerm.set(term, pid);
    }
  }
  // Every replica converged to the same committed log, which holds every acknowledged append.
  const log = c.committedText(leader);
  for (let i = 0; i < 3; i++) expect(c.committedText(i)).toEqual(log);
  const entries = c.nodes[leader]!.replica!.read().entries;
  for (const a of acked) {
    const e = entries.find((x) => x.index === a.index);
    expect(e === undefined ? undefined : new TextDecoder().decode(e.data!)).toBe(a.data);
    expect(e?.term).toBe(a.term);
  }
  expect(acked.length).toBeGreaterThan(0);
  await c.stopAll();
}

describe('replica actors under faults', () => {
  for (let seed = 31; seed <= 46; seed++) {
    test(`seed ${seed}: one leader per term, convergence, acknowledged appends kept`, async () => {
      await run(seed);
    });
  }
});
