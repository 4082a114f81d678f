/**
 * The inside of a `Resources` (resources.ts): one entry per resource identity, its interned
 * metadata (reservations, allocation role, disk, shared, revocable) and identity key, and the
 * exact arithmetic on entries (scalars in thousandths, ranges as flat coalesced arrays, sets as
 * sorted arrays). Nothing here validates: entries come from resource-parse.ts, already checked.
 */
import type { Labels, Range } from './values.js';
import type { Resource, ResourceReservation, ResourceType } from './resources.js';

/** Names whose type Mesos fixes. Other names may be of any type. */
export const KNOWN_TYPES: Readonly<Record<string, ResourceType>> = {
  cpus: 'SCALAR',
  mem: 'SCALAR',
  disk: 'SCALAR',
  gpus: 'SCALAR',
  ports: 'RANGES',
};

export const SCALAR = 0;
export const RANGES = 1;
export const SET = 2;
export type Kind = typeof SCALAR | typeof RANGES | typeof SET;
export const KIND_NAME: readonly ResourceType[] = ['SCALAR', 'RANGES', 'SET'];

/** Everything about a resource except its name, type and amount. Shared between entries. */
export interface Meta {
  readonly reservations: readonly ResourceReservation[] | undefined;
  readonly allocationRole: string | undefined;
  readonly disk: unknown;
  readonly shared: unknown;
  readonly revocable: unknown;
  /** Role of the innermost reservation, '*' when unreserved. */
  readonly role: string;
}

export class Entry {
  constructor(
    readonly key: string,
    readonly name: string,
    readonly kind: Kind,
    readonly meta: Meta,
    /** SCALAR: thousandths. RANGES: number of elements. SET: number of items. */
    readonly milli: number,
    readonly ranges: readonly number[] | null,
    readonly items: readonly string[] | null,
    /**
     * Copies of a shared resource (Resource.shared set): several tasks may use one at once, so adding
     * one to itself counts copies instead of summing the amount, as Mesos's `sharedCount`. Always 1 otherwise.
     */
    readonly copies: number = 1,
  ) {}

  get shared(): boolean {
    return this.meta.shared !== undefined;
  }
  withScalar(milli: number): Entry {
    return new Entry(this.key, this.name, SCALAR, this.meta, milli, null, null, this.copies);
  }
  withRanges(ranges: readonly number[]): Entry {
    return new Entry(this.key, this.name, RANGES, this.meta, 0, ranges, null, this.copies);
  }
  withItems(items: readonly string[]): Entry {
    return new Entry(this.key, this.name, SET, this.meta, 0, null, items, this.copies);
  }
  withCopies(copies: number): Entry {
    return new Entry(this.key, this.name, this.kind, this.meta, this.milli, this.ranges, this.items, copies);
  }
  isEmpty(): boolean {
    if (this.kind === SCALAR) return this.milli === 0;
    if (this.kind === RANGES) return this.ranges!.length === 0;
    return this.items!.length === 0;
  }
}

// ---------------------------------------------------------------------------
// Identity keys

function stableStringify(v: unknown): string {
  if (v === undefined) return '';
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? '';
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('base64')}`;
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

function labelsKey(labels: Labels | undefined): string {
  if (!labels || !labels.labels || labels.labels.length === 0) return '';
  return labels.labels.map((l) => `${l.key}=${l.value ?? ''}`).join('&');
}

const metaCache = new Map<string, Meta>();

export function makeMeta(
  reservations: readonly ResourceReservation[] | undefined,
  allocationRole: string | undefined,
  disk: unknown,
  shared: unknown,
  revocable: unknown,
): { meta: Meta; metaKey: string } {
  const res = reservations && reservations.length > 0 ? reservations : undefined;
  let metaKey = '';
  if (res) {
    metaKey = res
      .map((r) => `${r.type ?? 'STATIC'}:${r.role}:${r.principal ?? ''}:${labelsKey(r.labels)}`)
      .join('|');
  }
  metaKey += `\u0001${allocationRole ?? ''}`;
  if (disk !== undefined || shared !== undefined || revocable !== undefined) {
    metaKey += `\u0001${stableStringify(disk)}\u0001${stableStringify(shared)}\u0001${stableStringify(revocable)}`;
  }
  let meta = metaCache.get(metaKey);
  if (!meta) {
    meta = Object.freeze({
      reservations: res ? Object.freeze(res.map(cloneReservation)) : undefined,
      allocationRole,
      disk,
      shared,
      revocable,
      role: res ? res[res.length - 1]!.role : '*',
    });
    if (metaCache.size < 10000) metaCache.set(metaKey, meta);
  }
  return { meta, metaKey };
}

// Keys are interned so that equal keys are the same string and `===` on
// them is a pointer compare in the hot paths.
const interned = new Map<string, string>();

export function entryKey(name: string, kind: Kind, metaKey: string): string {
  const key = `${name}\u0000${kind}\u0000${metaKey}`;
  const k = interned.get(key);
  if (k !== undefined) return k;
  if (interned.size < 100_000) interned.set(key, key);
  return key;
}

export function cloneReservation(r: ResourceReservation): ResourceReservation {
  const out: ResourceReservation = { type: r.type ?? 'STATIC', role: r.role };
  if (r.principal !== undefined) out.principal = r.principal;
  if (r.labels !== undefined) out.labels = { labels: r.labels.labels.map((l) => ({ ...l })) };
  return out;
}

/**
 * The meta of `m` allocated to `role` (undefined: unallocated), remembered per
 * meta: the allocator allocates and unallocates the same few metas over and
 * over, and building a key of refined reservations each time was the cost.
 */
const allocationCache = new WeakMap<Meta, Map<string, { meta: Meta; metaKey: string }>>();
export function allocatedMeta(m: Meta, role: string | undefined): { meta: Meta; metaKey: string } {
  let byRole = allocationCache.get(m);
  if (byRole === undefined) allocationCache.set(m, (byRole = new Map()));
  const k = role ?? '\u0000';
  let hit = byRole.get(k);
  if (hit === undefined) byRole.set(k, (hit = makeMeta(m.reservations, role, m.disk, m.shared, m.revocable)));
  return hit;
}

/** Entry keys per meta, by kind and name (withMeta runs on every allocate and unallocate). */
const entryKeys = new WeakMap<Meta, Map<string, string>[]>();

export function withMeta(e: Entry, meta: Meta, metaKey: string): Entry {
  let byKind = entryKeys.get(meta);
  if (byKind === undefined) entryKeys.set(meta, (byKind = [new Map(), new Map(), new Map()]));
  const names = byKind[e.kind]!;
  let key = names.get(e.name);
  if (key === undefined) names.set(e.name, (key = entryKey(e.name, e.kind, metaKey)));
  return new Entry(key, e.name, e.kind, meta, e.milli, e.ranges, e.items, meta.shared !== undefined ? e.copies : 1);
}

// ---------------------------------------------------------------------------
// Range and set algebra on flat, sorted, coalesced arrays.

export function rangesUnion(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let s: number;
    let e: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      s = a[i]!;
      e = a[i + 1]!;
      i += 2;
    } else {
      s = b[j]!;
      e = b[j + 1]!;
      j += 2;
    }
    const n = out.length;
    if (n > 0 && s <= out[n - 1]! + 1) {
      if (e > out[n - 1]!) out[n - 1] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

function rangesSubtract(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i]!;
    const e = a[i + 1]!;
    while (j < b.length && b[j + 1]! < s) j += 2;
    for (let k = j; k < b.length && b[k]! <= e && s <= e; k += 2) {
      if (b[k]! > s) out.push(s, b[k]! - 1);
      if (b[k + 1]! + 1 > s) s = b[k + 1]! + 1;
    }
    if (s <= e) out.push(s, e);
  }
  return out;
}

function rangesContain(a: readonly number[], b: readonly number[]): boolean {
  let i = 0;
  for (let j = 0; j < b.length; j += 2) {
    const s = b[j]!;
    while (i < a.length && a[i + 1]! < s) i += 2;
    if (i >= a.length || a[i]! > s || a[i + 1]! < b[j + 1]!) return false;
  }
  return true;
}

export function rangesCount(a: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 2) n += a[i + 1]! - a[i]! + 1;
  return n;
}

export function setUnion(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}

function setSubtract(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out;
}

function setContains(a: readonly string[], b: readonly string[]): boolean {
  let i = 0;
  for (const x of b) {
    while (i < a.length && a[i]! < x) i++;
    if (i >= a.length || a[i] !== x) return false;
  }
  return true;
}

export function entryAdd(a: Entry, b: Entry): Entry {
  // Shared resources of one identity are copies of one thing (a shared volume): they count, they do not sum.
  if (a.shared) return a.withCopies(a.copies + b.copies);
  if (a.kind === SCALAR) return a.withScalar(a.milli + b.milli);
  if (a.kind === RANGES) return a.withRanges(rangesUnion(a.ranges!, b.ranges!));
  return a.withItems(setUnion(a.items!, b.items!));
}

/** a - b, or null when nothing is left. */
export function entrySubtract(a: Entry, b: Entry): Entry | null {
  if (a.shared) {
    const left = a.copies - b.copies;
    return left > 0 ? a.withCopies(left) : null;
  }
  if (a.kind === SCALAR) {
    const m = a.milli - b.milli;
    return m > 0 ? a.withScalar(m) : null;
  }
  if (a.kind === RANGES) {
    const r = rangesSubtract(a.ranges!, b.ranges!);
    return r.length > 0 ? a.withRanges(r) : null;
  }
  const s = setSubtract(a.items!, b.items!);
  return s.length > 0 ? a.withItems(s) : null;
}

export function entryContains(a: Entry, b: Entry): boolean {
  if (a.shared) return a.copies >= b.copies && entryValueEquals(a, b);
  if (a.kind === SCALAR) return a.milli >= b.milli;
  if (a.kind === RANGES) return rangesContain(a.ranges!, b.ranges!);
  return setContains(a.items!, b.items!);
}

export function entryEquals(a: Entry, b: Entry): boolean {
  return a.copies === b.copies && entryValueEquals(a, b);
}

export function entryValueEquals(a: Entry, b: Entry): boolean {
  if (a.kind === SCALAR) return a.milli === b.milli;
  const x = a.kind === RANGES ? a.ranges! : a.items!;
  const y = a.kind === RANGES ? b.ranges! : b.items!;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function entryToJSON(e: Entry): Resource {
  const r: Resource = { name: e.name, type: KIND_NAME[e.kind]! };
  if (e.kind === SCALAR) r.scalar = { value: e.milli / 1000 };
  else if (e.kind === RANGES) {
    const range: Range[] = [];
    const a = e.ranges!;
    for (let i = 0; i < a.length; i += 2) range.push({ begin: a[i]!, end: a[i + 1]! });
    r.ranges = { range };
  } else r.set = { item: e.items!.slice() };
  const m = e.meta;
  if (m.reservations) r.reservations = m.reservations.map(cloneReservation);
  if (m.allocationRole !== undefined) r.allocation_info = { role: m.allocationRole };
  if (m.disk !== undefined) r.disk = structuredClone(m.disk);
  if (m.shared !== undefined) r.shared = structuredClone(m.shared);
  if (m.revocable !== undefined) r.revocable = structuredClone(m.revocable);
  return r;
}

function formatScalar(milli: number): string {
  return String(milli / 1000);
}

export function entryToString(e: Entry): string {
  let s = e.name;
  const m = e.meta;
  if (m.reservations) {
    s += `(${m.reservations
      .map((r) => (r.type === 'DYNAMIC' ? `${r.role}@${r.principal ?? ''}` : r.role))
      .join(',')})`;
  }
  if (m.allocationRole !== undefined) s += `<${m.allocationRole}>`;
  s += ':';
  if (e.kind === SCALAR) s += formatScalar(e.milli);
  else if (e.kind === RANGES) {
    const a = e.ranges!;
    const parts: string[] = [];
    for (let i = 0; i < a.length; i += 2) parts.push(`${a[i]}-${a[i + 1]}`);
    s += `[${parts.join(',')}]`;
  } else s += `{${e.items!.join(',')}}`;
  return s;
}


/** Accumulates entries, combining those with the same identity. */
export function combine(entries: Iterable<Entry | null>): Entry[] {
  const out: Entry[] = [];
  const index = new Map<string, number>();
  for (const e of entries) {
    if (e === null || e.isEmpty()) continue;
    const i = index.get(e.key);
    if (i === undefined) {
      index.set(e.key, out.length);
      out.push(e);
    } else {
      out[i] = entryAdd(out[i]!, e);
    }
  }
  return out;
}
