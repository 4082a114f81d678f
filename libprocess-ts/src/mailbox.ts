/**
 * A bounded FIFO queue. Pushing onto a full mailbox refuses the item and
 * counts it; the owner decides what a refusal means.
 */
export class Mailbox<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  /** Items refused because the mailbox was full. */
  refused = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`mailbox capacity must be positive, got ${capacity}`);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Appends; returns false (and counts a refusal) when full. */
  push(item: T): boolean {
    if (this.#items.length - this.#head >= this.capacity) {
      this.refused++;
      return false;
    }
    this.#items.push(item);
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    const items = this.#items;
    if (this.#head >= items.length) return undefined;
    const item = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** How many queued items `pred` holds for (oldest first; for metrics, not a hot path). */
  count(pred: (item: T) => boolean): number {
    let n = 0;
    for (let i = this.#head; i < this.#items.length; i++) if (pred(this.#items[i]!)) n++;
    return n;
  }

  /** Drops everything queued; returns how many items were dropped. */
  clear(): number {
    const n = this.size;
    this.#items = [];
    this.#head = 0;
    return n;
  }
}
