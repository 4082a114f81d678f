/**
 * An ordered list of objects kept as their small integer ids in an Int32Array. The sorter keeps each
 * node's children in one of these: every offer moves a framework twice among up to thousands of
 * siblings, and shifting object pointers through an array (splice, or a loop) costs microseconds per
 * move (each store goes through the GC's write barrier), where shifting ids is a memmove.
 */

/** The objects a set of lists may hold, by id; ids of released objects are reused. */
export class IdTable<T extends { readonly id: number }> {
  readonly items: (T | undefined)[] = [];
  readonly #free: number[] = [];

  /** An id for a new object (pass it to the object's constructor, then `set` it). */
  nextId(): number {
    return this.#free.length > 0 ? this.#free.pop()! : this.items.length;
  }

  set(item: T): T {
    this.items[item.id] = item;
    return item;
  }

  /** The object is in no list any more: its id may be given to another. */
  release(item: T): void {
    if (this.items[item.id] !== item) return;
    this.items[item.id] = undefined;
    this.#free.push(item.id);
  }
}

export class IdList<T extends { readonly id: number }> implements Iterable<T> {
  #ids = new Int32Array(4);
  #length = 0;

  constructor(readonly table: IdTable<T>) {}

  get length(): number {
    return this.#length;
  }

  at(i: number): T | undefined {
    return i >= 0 && i < this.#length ? this.table.items[this.#ids[i]!] : undefined;
  }

  indexOf(item: T, from = 0): number {
    const ids = this.#ids;
    for (let i = Math.max(0, from); i < this.#length; i++) if (ids[i] === item.id) return i;
    return -1;
  }

  find(pred: (item: T) => boolean): T | undefined {
    // Indexed, not through the generator: the sorter finds a role's node among the root's children with it.
    for (let i = 0; i < this.#length; i++) {
      const x = this.table.items[this.#ids[i]!]!;
      if (pred(x)) return x;
    }
    return undefined;
  }

  insertAt(i: number, item: T): void {
    if (this.#length === this.#ids.length) {
      const grown = new Int32Array(this.#ids.length * 2);
      grown.set(this.#ids);
      this.#ids = grown;
    }
    this.#ids.copyWithin(i + 1, i, this.#length);
    this.#ids[i] = item.id;
    this.#length++;
  }

  removeAt(i: number): void {
    this.#ids.copyWithin(i, i + 1, this.#length);
    this.#length--;
  }

  /** A copy that later changes to this list do not touch. */
  copy(): IdList<T> {
    const out = new IdList(this.table);
    out.#ids = this.#ids.slice(0, Math.max(4, this.#length));
    out.#length = this.#length;
    return out;
  }

  sort(compare: (a: T, b: T) => number): void {
    const items = [...this].sort(compare);
    for (let i = 0; i < items.length; i++) this.#ids[i] = items[i]!.id;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.table.items[this.#ids[i]!]!;
  }
}
