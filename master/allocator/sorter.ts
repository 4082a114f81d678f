/**
 * Hierarchical weighted Dominant Resource Fairness sorter.
 *
 * Clients are paths: with `hierarchical`, `eng/backend` is a child of `eng`;
 * otherwise every client is a direct child of the root. Each node holds the sum
 * of the allocations of its subtree as a quantity vector (integer thousandths
 * over the shared `QuantityIndex`), and its share:
 *
 *     share = max over resource names k (not excluded, total[k] > 0) of alloc[k] / total[k], / weight
 *
 * Children of a node are kept in an array sorted by (share, name). An
 * allocation change walks the client's path to the root, recomputing one share
 * per level and moving that node to its new place among its siblings (binary
 * search + splice), so nothing else is recomputed. A change of the totals
 * (an agent added or removed) changes every share: the sorter then marks
 * itself stale and recomputes and re-sorts everything on the next `sort()`.
 *
 * A node that is a client and also has children (`eng` with frameworks and a
 * subrole `eng/backend`) competes among its children through a virtual leaf
 * named '.', as in Mesos.
 */

import { IdList, IdTable } from './node-list.js';

/** Name -> small integer index shared by all vectors, plus the cluster totals. */
export class QuantityIndex {
  readonly names: string[] = [];
  readonly #index = new Map<string, number>();
  /** Cluster totals (thousandths), indexed like `names`. */
  readonly totals: number[] = [];
  /** 1 where the name counts for fairness, 0 where excluded. */
  readonly counted: number[] = [];
  /** Bumped whenever `totals` change. */
  version = 0;

  constructor(readonly excluded: ReadonlySet<string> = new Set()) {}

  indexOf(name: string): number {
    let i = this.#index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.#index.set(name, i);
      this.totals.push(0);
      this.counted.push(this.excluded.has(name) ? 0 : 1);
    }
    return i;
  }

  has(name: string): boolean {
    return this.#index.has(name);
  }

  /** A sparse vector (index, value, index, value, ...) from name -> thousandths. */
  vector(q: ReadonlyMap<string, number>): number[] {
    const out: number[] = [];
    for (const [name, v] of q) if (v !== 0) out.push(this.indexOf(name), v);
    return out;
  }

  addTotals(sparse: readonly number[], sign: 1 | -1): void {
    if (sparse.length === 0) return;
    for (let i = 0; i < sparse.length; i += 2) this.totals[sparse[i]!]! += sign * sparse[i + 1]!;
    this.version++;
  }

  /** Dense vector -> { name: real units }. */
  toRecord(dense: readonly number[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < dense.length; i++) if (dense[i]) out[this.names[i]!] = dense[i]! / 1000;
    return out;
  }
}

/** The one share formula, used by the sorter and by anything that must agree with it. */
export function dominantShare(alloc: readonly number[], q: QuantityIndex, weight: number): number {
  let s = 0;
  const totals = q.totals;
  const n = Math.min(alloc.length, totals.length);
  for (let i = 0; i < n; i++) {
    const a = alloc[i]!;
    const t = totals[i]!;
    if (a !== 0 && t > 0 && q.counted[i] === 1) {
      const r = a / t;
      if (r > s) s = r;
    }
  }
  return s / weight;
}

export class SorterNode {
  readonly children: IdList<SorterNode>;
  readonly alloc: number[] = [];
  share = 0;
  /** The client this node stands for (a leaf or a virtual leaf), else undefined. */
  client: string | undefined;
  /** Arbitrary data the owner attaches to a client node. */
  data: unknown;
  constructor(
    /** Sort name among siblings: the last path component, or '.' for a virtual leaf. */
    readonly name: string,
    /** Full path of the node ('' for the root). */
    readonly path: string,
    public parent: SorterNode | undefined,
    /** Its sorter's nodes: its children are kept as ids into it. */
    table: IdTable<SorterNode>,
    /** Its id in `table`. */
    readonly id: number = table.nextId(),
  ) {
    this.children = new IdList(table);
    table.set(this);
  }
  /** The virtual leaf '.' when this internal node is also a client. */
  self: SorterNode | undefined;
}

function before(a: SorterNode, share: number, name: string): boolean {
  return a.share < share || (a.share === share && a.name < name);
}

/** Clients in allocation order: an array, or a node's children (both index like arrays). */
export interface Ordered {
  readonly length: number;
  at(i: number): SorterNode | undefined;
  indexOf(node: SorterNode, from?: number): number;
}

/** Index of the first child not before (share, name). */
function lowerBound(list: IdList<SorterNode>, share: number, name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list.at(mid)!, share, name)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SorterOptions {
  readonly hierarchical?: boolean;
  /** Weight of a path (the sorter asks; default 1). */
  readonly weightOf?: (path: string) => number;
}

export class DRFSorter {
  readonly #table = new IdTable<SorterNode>();
  readonly root = new SorterNode('', '', undefined, this.#table);
  readonly #clients = new Map<string, SorterNode>();
  readonly #hierarchical: boolean;
  readonly #weightOf: (path: string) => number;
  #totalsVersion: number;
  #stale = false;
  #order: Ordered | undefined;
  /** Nodes below the root with children: none when no role is nested (the order is then the root's children). */
  #inner = 0;

  constructor(readonly q: QuantityIndex, options: SorterOptions = {}) {
    this.#hierarchical = options.hierarchical ?? false;
    this.#weightOf = options.weightOf ?? (() => 1);
    this.#totalsVersion = q.version;
  }

  get size(): number {
    return this.#clients.size;
  }

  has(client: string): boolean {
    return this.#clients.has(client);
  }

  node(client: string): SorterNode | undefined {
    return this.#clients.get(client);
  }

  clients(): IterableIterator<string> {
    return this.#clients.keys();
  }

  #weight(n: SorterNode): number {
    return this.#weightOf(n.name === '.' ? n.parent!.path : n.path);
  }

  #insert(parent: SorterNode, child: SorterNode): void {
    const list = parent.children;
    if (list.length === 0 && parent !== this.root) this.#inner++;
    list.insertAt(lowerBound(list, child.share, child.name), child);
  }

  #detach(child: SorterNode): void {
    const list = child.parent!.children;
    let i = this.#stale ? list.indexOf(child) : lowerBound(list, child.share, child.name);
    if (list.at(i) !== child) i = list.indexOf(child);
    list.removeAt(i);
    if (list.length === 0 && child.parent !== this.root) this.#inner--;
  }

  /** Adds a client with no allocation. Adding a present client does nothing. */
  add(client: string): SorterNode {
    const present = this.#clients.get(client);
    if (present) return present;
    this.#order = undefined;
    const parts = this.#hierarchical ? client.split('/') : [client];
    let node = this.root;
    for (let i = 0; i < parts.length; i++) {
      const path = this.#hierarchical ? parts.slice(0, i + 1).join('/') : client;
      let next = node.children.find((c) => c.name === parts[i]);
      if (next === undefined) {
        next = new SorterNode(parts[i]!, path, node, this.#table);
        // A leaf that gains children: its own allocation moves to a virtual leaf.
        if (node.client !== undefined && node.self === undefined && node !== this.root) this.#splitLeaf(node);
        this.#insert(node, next);
      }
      node = next;
    }
    if (node.children.length > 0) {
      // An internal node becomes a client too: a virtual leaf '.'.
      const self = new SorterNode('.', node.path, node, this.#table);
      node.self = self;
      self.client = client;
      this.#insert(node, self);
      this.#clients.set(client, self);
      return self;
    }
    node.client = client;
    this.#clients.set(client, node);
    return node;
  }

  #splitLeaf(node: SorterNode): void {
    const self = new SorterNode('.', node.path, node, this.#table);
    self.client = node.client;
    self.data = node.data;
    for (let i = 0; i < node.alloc.length; i++) self.alloc[i] = node.alloc[i]!;
    self.share = dominantShare(self.alloc, this.q, this.#weight(self));
    node.client = undefined;
    node.data = undefined;
    node.self = self;
    this.#insert(node, self);
    this.#clients.set(self.client!, self);
  }

  /** Removes a client; its allocation leaves its ancestors' sums. */
  remove(client: string): void {
    const node = this.#clients.get(client);
    if (!node) return;
    this.#order = undefined;
    const zero: number[] = [];
    for (let i = 0; i < node.alloc.length; i++) if (node.alloc[i]) zero.push(i, -node.alloc[i]!);
    if (zero.length > 0) this.update(client, zero);
    this.#clients.delete(client);
    node.client = undefined;
    let n: SorterNode | undefined = node;
    // Prune nodes that are neither clients nor have children.
    while (n && n !== this.root && n.client === undefined && n.children.length === 0) {
      const parent: SorterNode = n.parent!;
      this.#detach(n);
      this.#table.release(n);
      if (n.name === '.') parent.self = undefined;
      n = parent;
    }
    // An internal node left with only its virtual leaf becomes a plain leaf again.
    if (n && n !== this.root && n.self !== undefined && n.children.length === 1) {
      const self = n.self;
      this.#detach(self);
      this.#table.release(self);
      n.self = undefined;
      n.client = self.client;
      n.data = self.data;
      this.#clients.set(self.client!, n);
    }
  }

  /** Adds a sparse delta (index, value, ...) to a client's allocation. */
  update(client: string, sparse: readonly number[]): void {
    const leaf = this.#clients.get(client);
    if (!leaf || sparse.length === 0) return;
    this.#order = undefined;
    const stale = this.#stale || this.#totalsVersion !== this.q.version;
    for (let n: SorterNode = leaf; n !== this.root; n = n.parent!) {
      const a = n.alloc;
      for (let i = 0; i < sparse.length; i += 2) {
        const k = sparse[i]!;
        while (a.length <= k) a.push(0);
        a[k] = a[k]! + sparse[i + 1]!;
      }
      if (stale) continue;
      const share = dominantShare(a, this.q, this.#weight(n));
      if (share !== n.share) {
        this.#detach(n);
        n.share = share;
        this.#insert(n.parent!, n);
      }
    }
    if (stale) this.#stale = true;
  }

  /** Weights changed for `path` (or for anything: no argument). */
  weightsChanged(): void {
    this.#stale = true;
    this.#order = undefined;
  }

  #refresh(): void {
    if (!this.#stale && this.#totalsVersion === this.q.version) return;
    this.#totalsVersion = this.q.version;
    this.#stale = false;
    this.#order = undefined;
    const visit = (n: SorterNode): void => {
      for (const c of n.children) {
        c.share = dominantShare(c.alloc, this.q, this.#weight(c));
        visit(c);
      }
      n.children.sort((x, y) => (x.share < y.share ? -1 : x.share > y.share ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    };
    visit(this.root);
  }

  /**
   * Client nodes in allocation order (depth first, siblings by share then
   * name). Owned by the sorter: valid until the next change. For a
   * hierarchical sorter an array (kept for the next change); for a flat one
   * the live list of the root's children.
   */
  sort(): Ordered {
    this.#refresh();
    if (!this.#hierarchical) return this.root.children;
    if (this.#order) return this.#order;
    // No nesting: the root's children are the order (copied: it must not change under a caller's pass).
    if (this.#inner === 0) return (this.#order = this.root.children.copy());
    const out: SorterNode[] = [];
    const visit = (n: SorterNode): void => {
      const kids = n.children;
      for (let i = 0; i < kids.length; i++) {
        const c = kids.at(i)!;
        if (c.children.length > 0) visit(c);
        else if (c.client !== undefined) out.push(c);
      }
    };
    visit(this.root);
    this.#order = out;
    return out;
  }

  /** Client names in order (a copy). */
  sorted(): string[] {
    const order = this.sort();
    const out: string[] = [];
    for (let i = 0; i < order.length; i++) out.push(order.at(i)!.client!);
    return out;
  }

  share(client: string): number {
    this.#refresh();
    return this.#clients.get(client)?.share ?? 0;
  }

  /** The client's own allocation (dense vector; do not mutate). */
  allocation(client: string): readonly number[] {
    return this.#clients.get(client)?.alloc ?? [];
  }

  /** The client nodes at `path` and under it (hierarchical sorters), depth first in sort order; none when absent. */
  subtreeClients(path: string): SorterNode[] {
    let n: SorterNode | undefined = this.#clients.get(path);
    if (n !== undefined && n.name === '.') n = n.parent;
    if (n === undefined && this.#hierarchical) {
      n = this.root;
      for (const part of path.split('/')) {
        n = n.children.find((c) => c.name === part);
        if (n === undefined) return [];
      }
    }
    if (n === undefined) return [];
    if (n.children.length === 0) return n.client !== undefined ? [n] : [];
    const out: SorterNode[] = [];
    const visit = (x: SorterNode): void => {
      const kids = x.children;
      for (let i = 0; i < kids.length; i++) {
        const c = kids.at(i)!;
        if (c.children.length > 0) visit(c);
        else if (c.client !== undefined) out.push(c);
      }
    };
    visit(n);
    return out;
  }

  /** The allocation of the subtree at `path` (hierarchical sorters). */
  subtreeAllocation(path: string): readonly number[] {
    const leaf = this.#clients.get(path);
    if (leaf) return leaf.name === '.' ? leaf.parent!.alloc : leaf.alloc;
    if (!this.#hierarchical) return [];
    let n: SorterNode | undefined = this.root;
    for (const part of path.split('/')) {
      n = n.children.find((c) => c.name === part);
      if (!n) return [];
    }
    return n.alloc;
  }
}
