import { describe, expect, test } from '@jest/globals';
import { Random } from '../src/random.js';
import { Mailbox } from '../src/mailbox.js';

describe('Random', () => {
  test('the same seed gives the same sequence; another seed another', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.uint32())).not.toEqual(xs);
  });

  test('values stay in range and are spread', () => {
    const r = new Random(7);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      buckets[r.int(10)]++;
    }
    for (const n of buckets) expect(n).toBeGreaterThan(800);
    for (let i = 0; i < 1000; i++) {
      const v = r.range(3, 5);
      expect(v >= 3 && v <= 5).toBe(true);
    }
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => r.pick([])).toThrow('empty');
  });
});

describe('Mailbox', () => {
  test('is FIFO and bounded, counting refusals', () => {
    const box = new Mailbox<number>(3);
    expect(box.push(1)).toBe(true);
    expect(box.push(2)).toBe(true);
    expect(box.push(3)).toBe(true);
    expect(box.push(4)).toBe(false);
    expect(box.refused).toBe(1);
    expect(box.shift()).toBe(1);
    expect(box.push(5)).toBe(true);
    expect([box.shift(), box.shift(), box.shift(), box.shift()]).toEqual([2, 3, 5, undefined]);
    expect(box.size).toBe(0);
  });

  test('stays FIFO across internal compaction', () => {
    const box = new Mailbox<number>(100_000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5000; i++) box.push(next++);
      for (let i = 0; i < 4000; i++) expect(box.shift()).toBe(expected++);
    }
    while (box.size > 0) expect(box.shift()).toBe(expected++);
    expect(expected).toBe(next);
  });

  test('rejects a non-positive capacity', () => {
    expect(() => new Mailbox(0)).toThrow('capacity');
  });
});
