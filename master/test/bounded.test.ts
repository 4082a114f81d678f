import { describe, expect, it } from '@jest/globals';
import { BoundedList } from '../bounded.js';

describe('BoundedList keyed by its items', () => {
  const item = (id: string, agent: string) => ({ id, agent });

  it('finds a kept item by key and not one that aged out, whether or not it was trimmed yet', () => {
    const list = new BoundedList(8, (x: { id: string }) => x.id);
    for (let i = 0; i < 9; i++) list.push(item(`t${i}`, 'a'));
    // 9 pushed, capacity 8 (trimmed in blocks of 8 / 8 = 1, so at once): t0 is gone.
    expect(list.items().map((x) => x.id)).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']);
    expect(list.someWithKey('t0')).toBe(false);
    expect(list.someWithKey('t1')).toBe(true);
    expect(list.someWithKey('t8')).toBe(true);
    expect(list.someWithKey('t9')).toBe(false);

    const big = new BoundedList(64, (x: { id: string }) => x.id);
    for (let i = 0; i < 70; i++) big.push(item(`t${i}`, 'a'));
    // 70 pushed: 6 over capacity, fewer than the block of 8, so not trimmed yet; the oldest 6 are not kept all the same.
    expect(big.items()).toHaveLength(64);
    for (let i = 0; i < 6; i++) expect(big.someWithKey(`t${i}`)).toBe(false);
    expect(big.someWithKey('t6')).toBe(true);
    expect(big.dropped).toBe(6);
  });

  it('keeps every item of a repeated key and tests each', () => {
    const list = new BoundedList(3, (x: { id: string; agent: string }) => x.id);
    list.push(item('t', 'a'));
    list.push(item('t', 'b'));
    expect(list.someWithKey('t', (x) => x.agent === 'a')).toBe(true);
    expect(list.someWithKey('t', (x) => x.agent === 'b')).toBe(true);
    expect(list.someWithKey('t', (x) => x.agent === 'c')).toBe(false);
    list.push(item('u', 'a'));
    list.push(item('v', 'a'));
    // The first 't' (agent a) aged out; the second is still kept.
    expect(list.someWithKey('t', (x) => x.agent === 'a')).toBe(false);
    expect(list.someWithKey('t', (x) => x.agent === 'b')).toBe(true);
  });

  it('refuses a lookup by key on a list made without one', () => {
    expect(() => new BoundedList<number>(2).someWithKey('x')).toThrow(/without keyOf/);
  });
});
