import { describe, expect, test } from '@jest/globals';
import { Random } from '../src/random.js';
import { Call } from '../src/call.js';
import { Inbox } from '../src/inbox.js';
import { PID } from '../src/pid.js';

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

describe('Inbox (a process mailbox)', () => {
  const sender = new PID('a', '127.0.0.1', 1);
  const drain = (box: Inbox): unknown[] => {
    const out: unknown[] = [];
    while (box.shift()) out.push(box.headName === undefined ? 'call' : box.headBody);
    return out;
  };

  test('is FIFO and bounded', () => {
    const box = new Inbox(3);
    expect(box.pushMessage('m', 1, sender, undefined, 0)).toBe(true);
    expect(box.pushMessage('m', 2, sender, undefined, 0)).toBe(true);
    expect(box.pushCall(new Call(() => {}))).toBe(true);
    expect(box.pushMessage('m', 4, sender, undefined, 0)).toBe(false);
    expect(box.pushCall(new Call(() => {}))).toBe(false);
    expect(box.shift()).toBe(true);
    expect([box.headName, box.headBody, box.headSender]).toEqual(['m', 1, sender]);
    expect(box.pushMessage('m', 5, sender, undefined, 0)).toBe(true);
    expect(drain(box)).toEqual([2, 'call', 5]);
    expect(box.size).toBe(0);
    expect(box.shift()).toBe(false);
    expect([box.headName, box.headBody, box.headSender, box.headAccount, box.headBytes]).toEqual([undefined, undefined, undefined, undefined, 0]);
  });

  test('keeps every field of an event with it across wrap-around, growth and shrinking', () => {
    const box = new Inbox(1_000_000);
    const account = { peer: '127.0.0.1:2', queued: 0 };
    let next = 0;
    let expected = 0;
    const wrong: number[] = [];
    const check = (): void => {
      const n = expected++;
      if (!box.shift()) wrong.push(n);
      else if (n % 7 === 0) {
        if (box.headName !== undefined || (box.headBody as Call).http !== (n % 2 === 0)) wrong.push(n);
      } else if (box.headName !== `m${n}` || box.headBody !== n || box.headSender !== sender || box.headAccount !== (n % 3 === 0 ? account : undefined) || box.headBytes !== (n % 3 === 0 ? n : 0)) {
        wrong.push(n);
      }
    };
    const push = (): void => {
      const n = next++;
      if (n % 7 === 0) box.pushCall(new Call(() => {}, undefined, n % 2 === 0));
      else box.pushMessage(`m${n}`, n, sender, n % 3 === 0 ? account : undefined, n % 3 === 0 ? n : 0);
    };
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 5 + round * 3; i++) push();
      for (let i = 0; i < 4 + round * 2; i++) check();
    }
    const census = box.census((c) => c.http);
    let messages = 0;
    let calls = 0;
    let http = 0;
    for (let n = expected; n < next; n++) {
      if (n % 7 !== 0) messages++;
      else if ((calls++, n % 2 === 0)) http++;
    }
    expect(census).toEqual({ messages, calls, http });
    while (box.size > 0) check();
    // A burst past the shrinking size, drained, then used again.
    for (let i = 0; i < 70_000; i++) push();
    while (box.size > 0) check();
    for (let i = 0; i < 10; i++) push();
    while (box.size > 0) check();
    expect(expected).toBe(next);
    expect(wrong).toEqual([]);
  });

  test('rejects a non-positive capacity', () => {
    expect(() => new Inbox(0)).toThrow('capacity');
  });
});
