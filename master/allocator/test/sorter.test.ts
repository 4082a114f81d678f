import { describe, test, expect } from '@jest/globals';
import fc from 'fast-check';
import { DRFSorter, QuantityIndex, dominantShare } from '../sorter.js';

function setup(totals: Record<string, number>, opts: { hierarchical?: boolean; weights?: Record<string, number> } = {}) {
  const q = new QuantityIndex();
  q.addTotals(q.vector(new Map(Object.entries(totals))), 1);
  const weights = opts.weights ?? {};
  const s = new DRFSorter(q, { hierarchical: opts.hierarchical ?? false, weightOf: (p) => weights[p] ?? 1 });
  const give = (client: string, amounts: Record<string, number>) => s.update(client, q.vector(new Map(Object.entries(amounts))));
  return { q, s, give };
}

describe('DRFSorter', () => {
  test('orders by dominant share, ties by name', () => {
    const { s, give } = setup({ cpus: 10_000, mem: 100_000 });
    for (const c of ['b', 'a', 'c']) s.add(c);
    expect(s.sorted()).toEqual(['a', 'b', 'c']);
    give('a', { cpus: 5000 }); // 0.5
    give('b', { mem: 30_000 }); // 0.3
    expect(s.sorted()).toEqual(['c', 'b', 'a']);
    expect(s.share('a')).toBeCloseTo(0.5);
    give('c', { cpus: 1000, mem: 40_000 }); // 0.4
    expect(s.sorted()).toEqual(['b', 'c', 'a']);
    give('a', { cpus: -5000 });
    expect(s.sorted()).toEqual(['a', 'b', 'c']);
  });

  test('weights divide shares', () => {
    const { s, give } = setup({ cpus: 10_000 }, { weights: { a: 2 } });
    s.add('a');
    s.add('b');
    give('a', { cpus: 4000 }); // 0.4 / 2 = 0.2
    give('b', { cpus: 3000 }); // 0.3
    expect(s.sorted()).toEqual(['a', 'b']);
    expect(s.share('a')).toBeCloseTo(0.2);
  });

  test('totals changing re-sorts everything', () => {
    const { q, s, give } = setup({ cpus: 10_000, mem: 10_000 });
    s.add('a');
    s.add('b');
    give('a', { cpus: 2000 });
    give('b', { mem: 3000 });
    expect(s.sorted()).toEqual(['a', 'b']);
    q.addTotals(q.vector(new Map([['mem', 90_000]])), 1);
    expect(s.sorted()).toEqual(['b', 'a']);
  });

  test('excluded names do not count', () => {
    const q = new QuantityIndex(new Set(['gpus']));
    q.addTotals(q.vector(new Map([['cpus', 10_000], ['gpus', 1000]])), 1);
    expect(dominantShare([1000, 1000], q, 1)).toBeCloseTo(0.1);
  });

  test('hierarchical: subtrees compete as a whole, internal clients through a virtual leaf', () => {
    const { s, give } = setup({ cpus: 100_000 }, { hierarchical: true });
    s.add('eng/backend');
    s.add('eng/frontend');
    s.add('ops');
    give('eng/backend', { cpus: 10_000 });
    expect(s.sorted()).toEqual(['ops', 'eng/frontend', 'eng/backend']);
    give('ops', { cpus: 20_000 });
    // eng subtree 0.1 < ops 0.2
    expect(s.sorted()).toEqual(['eng/frontend', 'eng/backend', 'ops']);
    s.add('eng');
    give('eng', { cpus: 5000 });
    expect(s.sorted()).toEqual(['eng/frontend', 'eng', 'eng/backend', 'ops']);
    expect(s.subtreeAllocation('eng')).toEqual([15_000]);
    s.remove('eng/frontend');
    s.remove('eng/backend');
    expect(s.sorted()).toEqual(['eng', 'ops']);
    expect(s.allocation('eng')).toEqual([5000]);
    s.remove('eng');
    expect(s.sorted()).toEqual(['ops']);
    expect(s.root.children.length).toBe(1);
  });

  test('incremental order equals a from-scratch order (property)', () => {
    const roles = ['a', 'b', 'a/x', 'a/y', 'b/z', 'c', 'a/x/q'];
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), c: fc.constantFrom(...roles) }),
      fc.record({ k: fc.constant('remove' as const), c: fc.constantFrom(...roles) }),
      fc.record({ k: fc.constant('give' as const), c: fc.constantFrom(...roles), cpus: fc.integer({ min: 0, max: 5000 }), mem: fc.integer({ min: 0, max: 5000 }) }),
      fc.record({ k: fc.constant('total' as const), cpus: fc.integer({ min: 1, max: 5000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.record({ a: fc.integer({ min: 1, max: 3 }), 'a/x': fc.integer({ min: 1, max: 3 }) }), (ops, weights) => {
        const { q, s, give } = setup({ cpus: 50_000, mem: 50_000 }, { hierarchical: true, weights });
        const alloc = new Map<string, [number, number]>();
        for (const o of ops) {
          if (o.k === 'add') {
            s.add(o.c);
            if (!alloc.has(o.c)) alloc.set(o.c, [0, 0]);
          } else if (o.k === 'remove') {
            s.remove(o.c);
            alloc.delete(o.c);
          } else if (o.k === 'give') {
            if (!alloc.has(o.c)) continue;
            give(o.c, { cpus: o.cpus, mem: o.mem });
            const a = alloc.get(o.c)!;
            a[0] += o.cpus;
            a[1] += o.mem;
          } else q.addTotals(q.vector(new Map([['cpus', o.cpus]])), 1);
          // From scratch.
          const t = q.totals;
          const w = (p: string) => (weights as Record<string, number>)[p] ?? 1;
          const sh = (pred: (c: string) => boolean, weight: number) => {
            let c = 0, m = 0;
            for (const [k, v] of alloc) if (pred(k)) { c += v[0]; m += v[1]; }
            return Math.max(c ? c / t[0]! : 0, m ? m / t[1]! : 0) / weight;
          };
          const order: string[] = [];
          const present = [...alloc.keys()];
          const visit = (prefix: string) => {
            const kids = new Set<string>();
            for (const r of present) if (prefix === '' || r.startsWith(prefix + '/')) kids.add((prefix === '' ? r : r.slice(prefix.length + 1)).split('/')[0]!);
            const nodes = [...kids].map((k) => {
              const path = prefix === '' ? k : `${prefix}/${k}`;
              const leaf = !present.some((r) => r.startsWith(path + '/'));
              return { name: k, path, leaf, share: sh((r) => r === path || r.startsWith(path + '/'), w(path)) };
            });
            if (prefix !== '' && alloc.has(prefix)) nodes.push({ name: '.', path: prefix, leaf: true, share: sh((r) => r === prefix, w(prefix)) });
            nodes.sort((x, y) => x.share - y.share || (x.name < y.name ? -1 : 1));
            for (const n of nodes) n.leaf ? order.push(n.path) : visit(n.path);
          };
          visit('');
          expect(s.sorted()).toEqual(order);
        }
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});
