/** A list that keeps only the newest `capacity` items (completed tasks and frameworks). */
export class BoundedList<T> {
  readonly #items: T[] = [];
  #dropped = 0;
  /** Items pushed so far: the n-th pushed (from 0) is kept while n >= #pushed - capacity. */
  #pushed = 0;
  /** With `keyOf`: the items still in the list by key, oldest first, each with its push number; a lookup is not a scan. */
  readonly #byKey: Map<string, { item: T; n: number }[]> | undefined;

  constructor(readonly capacity: number, private readonly keyOf?: (item: T) => string) {
    this.#byKey = keyOf === undefined ? undefined : new Map();
  }

  push(item: T): void {
    this.#items.push(item);
    if (this.#byKey !== undefined) {
      const key = this.keyOf!(item);
      const same = this.#byKey.get(key);
      const entry = { item, n: this.#pushed };
      if (same === undefined) this.#byKey.set(key, [entry]);
      else same.push(entry);
    }
    this.#pushed++;
    if (this.#items.length > this.capacity) {
      // Amortized: trim in blocks instead of shifting one at a time.
      const excess = this.#items.length - this.capacity;
      if (excess >= Math.max(1, this.capacity >> 3)) {
        const gone = this.#items.splice(0, excess);
        this.#dropped += excess;
        if (this.#byKey !== undefined) for (const old of gone) this.#unindex(old);
      }
    }
  }

  /** Items leave oldest first: the one leaving is the oldest of its key. */
  #unindex(item: T): void {
    const key = this.keyOf!(item);
    const same = this.#byKey!.get(key);
    if (same === undefined) return;
    if (same.length <= 1) this.#byKey!.delete(key);
    else same.shift();
  }

  /** Oldest first, at most `capacity`. */
  items(): T[] {
    const n = this.#items.length;
    return n > this.capacity ? this.#items.slice(n - this.capacity) : [...this.#items];
  }

  /** Whether some kept item has this key and satisfies `test` (a list made with `keyOf`). */
  someWithKey(key: string, test: (item: T) => boolean = () => true): boolean {
    if (this.#byKey === undefined) throw new Error('BoundedList.someWithKey: this list was made without keyOf');
    const same = this.#byKey.get(key);
    if (same === undefined) return false;
    const oldestKept = this.#pushed - this.capacity;
    return same.some((e) => e.n >= oldestKept && test(e.item));
  }

  get size(): number {
    return Math.min(this.#items.length, this.capacity);
  }

  /** Items dropped so far for being too old. */
  get dropped(): number {
    return this.#dropped + Math.max(0, this.#items.length - this.capacity);
  }
}
