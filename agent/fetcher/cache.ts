/**
 * The fetcher's cache (Mesos's `--fetcher_cache_dir`, `--fetcher_cache_size`):
 * downloaded artifacts kept as files under one directory, bounded in bytes,
 * evicted least recently used first. Concurrent requests for one key share
 * one download (single flight). An entry in use (between `acquire` and
 * `release`) is never evicted; an artifact that cannot fit beside what is in
 * use is handed out uncached and deleted on release, so the bound holds.
 *
 * The index is plain data; the files are touched only through `remove` and
 * the caller's `fill`, so the policy is unit-tested without a disk.
 */

export interface CacheEntryHandle {
  /** The file holding the artifact. */
  readonly path: string;
  /** True when no download was made for this request (a stored entry, or another request's download). */
  readonly hit: boolean;
  /** Whether the artifact stays in the cache after release. */
  readonly cached: boolean;
  release(): void;
}

interface Entry {
  readonly path: string;
  size: number;
  refs: number;
  /** Kept in the index (false: too big to keep beside what was in use; deleted at its last release). */
  kept: boolean;
  ready: Promise<void>;
  done: boolean;
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly usedBytes: number;
  readonly totalBytes: number;
  readonly entries: number;
  readonly evictions: number;
}

export class FetcherCache {
  /** Insertion order is recency: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  #used = 0;
  #seq = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(
    readonly dir: string,
    readonly capacityBytes: number,
    private readonly remove: (path: string) => Promise<void>,
    private readonly join: (dir: string, name: string) => string,
  ) {}

  /**
   * The artifact for `key`: from the cache, or made by `fill(path)` (which
   * writes the file and returns its size). A failed fill is not cached and
   * fails every request that waited on it.
   */
  async acquire(key: string, fill: (path: string) => Promise<number>): Promise<CacheEntryHandle> {
    const found = this.#entries.get(key);
    if (found) {
      this.#hits++;
      found.refs++;
      this.#touch(key, found);
      try {
        await found.ready;
      } catch (e) {
        found.refs--;
        throw e;
      }
      return this.#handle(key, found, true);
    }
    this.#misses++;
    const entry: Entry = { path: this.join(this.dir, `${++this.#seq}`), size: 0, refs: 1, kept: true, ready: Promise.resolve(), done: false };
    this.#entries.set(key, entry);
    entry.ready = (async () => {
      try {
        entry.size = await fill(entry.path);
      } catch (e) {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        void this.remove(entry.path).catch(() => {});
        throw e;
      }
      entry.done = true;
      this.#admit(key, entry);
    })();
    await entry.ready;
    return this.#handle(key, entry, false);
  }

  stats(): CacheStats {
    let entries = 0;
    for (const e of this.#entries.values()) if (e.done) entries++;
    return { hits: this.#hits, misses: this.#misses, usedBytes: this.#used, totalBytes: this.capacityBytes, entries, evictions: this.#evictions };
  }

  /** Keys in eviction order (least recently used first): for tests and logs. */
  keys(): string[] {
    return [...this.#entries].filter(([, e]) => e.done).map(([k]) => k);
  }

  #touch(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, e);
  }

  /** Makes room for a finished download by evicting idle entries, least recent first; else keeps it out of the cache. */
  #admit(key: string, entry: Entry): void {
    for (const [k, e] of this.#entries) {
      if (this.#used + entry.size <= this.capacityBytes) break;
      if (e === entry || !e.done || e.refs > 0) continue;
      this.#entries.delete(k);
      this.#used -= e.size;
      this.#evictions++;
      void this.remove(e.path).catch(() => {});
    }
    if (this.#used + entry.size <= this.capacityBytes) {
      this.#used += entry.size;
      return;
    }
    entry.kept = false;
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  #handle(key: string, e: Entry, hit: boolean): CacheEntryHandle {
    let released = false;
    return {
      path: e.path,
      hit,
      cached: e.kept,
      release: () => {
        if (released) return;
        released = true;
        e.refs--;
        if (!e.kept && e.refs === 0 && this.#entries.get(key) !== e) void this.remove(e.path).catch(() => {});
      },
    };
  }
}
