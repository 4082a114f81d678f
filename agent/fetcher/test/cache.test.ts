// The fetcher cache's policy without a disk: LRU order, the size bound,
// entries in use never evicted, single flight, failed fills not cached.
import { describe, expect, test } from '@jest/globals';
import { FetcherCache } from '../cache.js';

interface Pending {
  resolve: (size: number) => void;
  reject: (e: Error) => void;
}

function cache(capacity: number): { c: FetcherCache; removed: string[]; fills: string[] } {
  const removed: string[] = [];
  const fills: string[] = [];
  const c = new FetcherCache('/cache', capacity, async (p) => void removed.push(p), (d, n) => `${d}/${n}`);
  return { c, removed, fills };
}

const sized = (fills: string[], size: number) => async (path: string) => {
  fills.push(path);
  return size;
};

describe('FetcherCache', () => {
  test('a second acquire of a key is a hit with no fill; stats count hits, misses and bytes', async () => {
    const { c, fills } = cache(100);
    const a = await c.acquire('u1', sized(fills, 10));
    a.release();
    const b = await c.acquire('u1', sized(fills, 10));
    b.release();
    expect([a.hit, b.hit]).toEqual([false, true]);
    expect(b.path).toBe(a.path);
    expect(fills).toEqual(['/cache/1']);
    expect(c.stats()).toMatchObject({ hits: 1, misses: 1, usedBytes: 10, totalBytes: 100, entries: 1, evictions: 0 });
  });

  test('least recently used entries are evicted to stay within the size; a use refreshes an entry', async () => {
    const { c, fills, removed } = cache(30);
    for (const k of ['a', 'b', 'c']) (await c.acquire(k, sized(fills, 10))).release();
    (await c.acquire('a', sized(fills, 10))).release(); // a is now the most recent
    expect(c.keys()).toEqual(['b', 'c', 'a']);
    (await c.acquire('d', sized(fills, 15))).release(); // needs 15: evicts b, then c
    expect(c.keys()).toEqual(['a', 'd']);
    expect(removed).toEqual(['/cache/2', '/cache/3']);
    expect(c.stats()).toMatchObject({ usedBytes: 25, evictions: 2 });
  });

  test('an entry in use is not evicted; an artifact that cannot fit beside it is served uncached and removed on release', async () => {
    const { c, fills, removed } = cache(20);
    const held = await c.acquire('big', sized(fills, 15));
    const other = await c.acquire('other', sized(fills, 10));
    expect(other.cached).toBe(false);
    expect(c.keys()).toEqual(['big']);
    expect(c.stats().usedBytes).toBe(15);
    expect(removed).toEqual([]);
    other.release();
    expect(removed).toEqual(['/cache/2']);
    held.release();
    // Now idle, 'big' makes way for the next one.
    const next = await c.acquire('next', sized(fills, 10));
    expect(next.cached).toBe(true);
    expect(c.keys()).toEqual(['next']);
    next.release();
  });

  test('an artifact larger than the whole cache is never kept', async () => {
    const { c, fills } = cache(5);
    const h = await c.acquire('huge', sized(fills, 6));
    expect(h.cached).toBe(false);
    h.release();
    expect(c.stats()).toMatchObject({ usedBytes: 0, entries: 0 });
  });

  test('concurrent acquires of one key share one fill (single flight)', async () => {
    const { c } = cache(100);
    let fillsStarted = 0;
    let pending: Pending | undefined;
    const fill = (): Promise<number> => {
      fillsStarted++;
      return new Promise<number>((resolve, reject) => (pending = { resolve, reject }));
    };
    const all = Promise.all([c.acquire('u', fill), c.acquire('u', fill), c.acquire('u', fill)]);
    expect(fillsStarted).toBe(1);
    pending!.resolve(7);
    const handles = await all;
    expect(handles.map((h) => h.hit)).toEqual([false, true, true]);
    expect(new Set(handles.map((h) => h.path)).size).toBe(1);
    for (const h of handles) h.release();
    expect(c.stats()).toMatchObject({ hits: 2, misses: 1, usedBytes: 7 });
  });

  test('a failed fill fails every waiter, is removed, and the next acquire fills again', async () => {
    const { c, removed } = cache(100);
    let pending: Pending | undefined;
    const failing = (): Promise<number> => new Promise<number>((resolve, reject) => (pending = { resolve, reject }));
    const first = c.acquire('u', failing);
    const second = c.acquire('u', failing);
    pending!.reject(new Error('HTTP 500'));
    await expect(first).rejects.toThrow('HTTP 500');
    await expect(second).rejects.toThrow('HTTP 500');
    expect(removed).toEqual(['/cache/1']);
    expect(c.keys()).toEqual([]);
    const again = await c.acquire('u', async () => 3);
    expect(again.hit).toBe(false);
    again.release();
  });

  test('an entry being filled is not evicted to make room for another', async () => {
    const { c } = cache(10);
    let pending: Pending | undefined;
    const slow = c.acquire('slow', () => new Promise<number>((resolve, reject) => (pending = { resolve, reject })));
    const fast = await c.acquire('fast', async () => 8);
    expect(fast.cached).toBe(true);
    fast.release();
    pending!.resolve(5); // 8 + 5 > 10: the idle 'fast' goes
    const s = await slow;
    expect(c.keys()).toEqual(['slow']);
    s.release();
  });
});
