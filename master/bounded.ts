/** A list that keeps only the newest `capacity` items (completed tasks and frameworks). */
export class BoundedList<T> {
  readonly #items: T[] = [];
  #dropped = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.capacity) {
      // Amortized: trim in blocks instead of shifting one at a time.
      const excess = this.#items.length - this.capacity;
      if (excess >= Math.max(1, this.capacity >> 3)) {
        this.#items.splice(0, excess);
        this.#dropped += excess;
      }
    }
  }

  /** Oldest first, at most `capacity`. */
  items(): T[] {
    const n = this.#items.length;
    return n > this.capacity ? this.#items.slice(n - this.capacity) : [...this.#items];
  }

  get size(): number {
    return Math.min(this.#items.length, this.capacity);
  }

  /** Items dropped so far for being too old. */
  get dropped(): number {
    return this.#dropped + Math.max(0, this.#items.length - this.capacity);
  }
}
