/**
 * Mesos resources: the v1 `Resource` JSON shape, and `Resources`, an
 * immutable bag of them with exact arithmetic.
 *
 * Internally a `Resources` is a short list of entries, one per *identity*
 * (name, type, reservations, allocation role, disk, shared, revocable),
 * each keyed by a precomputed identity string. Scalars are integers in
 * thousandths (Mesos keeps three decimals, so 0.1 + 0.2 is exactly 0.3),
 * ranges are flat sorted coalesced `[b0, e0, b1, e1, ...]` arrays and sets
 * are sorted arrays of distinct strings. Empty entries are never kept.
 * Validation happens once, when a `Resources` is built from text or JSON;
 * arithmetic works on entries directly and never re-validates.
 */
import { ProtocolError } from './errors.js';
import { isStrictSubrole, roleError } from './roles.js';
import type { Labels, Range } from './values.js';

export { ProtocolError } from './errors.js';
export type { Range } from './values.js';

export type ResourceType = 'SCALAR' | 'RANGES' | 'SET';
export type ReservationType = 'STATIC' | 'DYNAMIC';

export interface ResourceReservation {
  type?: ReservationType;
  role: string;
  principal?: string;
  labels?: Labels;
}

/** Mesos v1 `Resource`, snake_case (plain data: safe to put in messages). */
export interface Resource {
  name: string;
  type: ResourceType;
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  /** Refined reservations, innermost (most specific role) last. */
  reservations?: ResourceReservation[];
  /** The pre-refinement form (read on input; sent to frameworks without RESERVATION_REFINEMENT: reservations.ts `preRefinement`). */
  role?: string;
  reservation?: { principal?: string; labels?: Labels };
  allocation_info?: { role: string };
  disk?: unknown;
  shared?: unknown;
  revocable?: unknown;
}

/** Names whose type Mesos fixes. Other names may be of any type. */
const KNOWN_TYPES: Readonly<Record<string, ResourceType>> = {
  cpus: 'SCALAR',
  mem: 'SCALAR',
  disk: 'SCALAR',
  gpus: 'SCALAR',
  ports: 'RANGES',
};

const SCALAR = 0;
const RANGES = 1;
const SET = 2;
type Kind = typeof SCALAR | typeof RANGES | typeof SET;
const KIND_NAME: readonly ResourceType[] = ['SCALAR', 'RANGES', 'SET'];

/** Everything about a resource except its name, type and amount. Shared between entries. */
interface Meta {
  readonly reservations: readonly ResourceReservation[] | undefined;
  readonly allocationRole: string | undefined;
  readonly disk: unknown;
  readonly shared: unknown;
  readonly revocable: unknown;
  /** Role of the innermost reservation, '*' when unreserved. */
  readonly role: string;
}

class Entry {
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

function makeMeta(
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

function entryKey(name: string, kind: Kind, metaKey: string): string {
  const key = `${name}\u0000${kind}\u0000${metaKey}`;
  const k = interned.get(key);
  if (k !== undefined) return k;
  if (interned.size < 100_000) interned.set(key, key);
  return key;
}

function cloneReservation(r: ResourceReservation): ResourceReservation {
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
function allocatedMeta(m: Meta, role: string | undefined): { meta: Meta; metaKey: string } {
  let byRole = allocationCache.get(m);
  if (byRole === undefined) allocationCache.set(m, (byRole = new Map()));
  const k = role ?? '\u0000';
  let hit = byRole.get(k);
  if (hit === undefined) byRole.set(k, (hit = makeMeta(m.reservations, role, m.disk, m.shared, m.revocable)));
  return hit;
}

/** Entry keys per meta, by kind and name (withMeta runs on every allocate and unallocate). */
const entryKeys = new WeakMap<Meta, Map<string, string>[]>();

function withMeta(e: Entry, meta: Meta, metaKey: string): Entry {
  let byKind = entryKeys.get(meta);
  if (byKind === undefined) entryKeys.set(meta, (byKind = [new Map(), new Map(), new Map()]));
  const names = byKind[e.kind]!;
  let key = names.get(e.name);
  if (key === undefined) names.set(e.name, (key = entryKey(e.name, e.kind, metaKey)));
  return new Entry(key, e.name, e.kind, meta, e.milli, e.ranges, e.items, meta.shared !== undefined ? e.copies : 1);
}

// ---------------------------------------------------------------------------
// Range and set algebra on flat, sorted, coalesced arrays.

function rangesUnion(a: readonly number[], b: readonly number[]): number[] {
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

function rangesCount(a: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 2) n += a[i + 1]! - a[i]! + 1;
  return n;
}

function setUnion(a: readonly string[], b: readonly string[]): string[] {
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

function entryAdd(a: Entry, b: Entry): Entry {
  // Shared resources of one identity are copies of one thing (a shared volume): they count, they do not sum.
  if (a.shared) return a.withCopies(a.copies + b.copies);
  if (a.kind === SCALAR) return a.withScalar(a.milli + b.milli);
  if (a.kind === RANGES) return a.withRanges(rangesUnion(a.ranges!, b.ranges!));
  return a.withItems(setUnion(a.items!, b.items!));
}

/** a - b, or null when nothing is left. */
function entrySubtract(a: Entry, b: Entry): Entry | null {
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

function entryContains(a: Entry, b: Entry): boolean {
  if (a.shared) return a.copies >= b.copies && entryValueEquals(a, b);
  if (a.kind === SCALAR) return a.milli >= b.milli;
  if (a.kind === RANGES) return rangesContain(a.ranges!, b.ranges!);
  return setContains(a.items!, b.items!);
}

function entryEquals(a: Entry, b: Entry): boolean {
  return a.copies === b.copies && entryValueEquals(a, b);
}

function entryValueEquals(a: Entry, b: Entry): boolean {
  if (a.kind === SCALAR) return a.milli === b.milli;
  const x = a.kind === RANGES ? a.ranges! : a.items!;
  const y = a.kind === RANGES ? b.ranges! : b.items!;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function entryToJSON(e: Entry): Resource {
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

function entryToString(e: Entry): string {
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

// ---------------------------------------------------------------------------
// Validation (JSON shape and Mesos semantics) -> Entry

function jsonErr(path: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_JSON', `${path || '<root>'}: ${why}`);
}
function resErr(path: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_RESOURCES', `${path || '<root>'}: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function jsonNumber(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
    if (/^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  }
  throw jsonErr(path, `expected a number, got ${describe(v)}`);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function jsonString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw jsonErr(path, `expected a string, got ${describe(v)}`);
  return v;
}

function toMilli(value: number, path: string, mk: (p: string, w: string) => ProtocolError): number {
  if (Number.isNaN(value)) throw mk(path, 'scalar value must be a number, got NaN');
  if (!Number.isFinite(value)) throw mk(path, `scalar value must be finite, got ${value}`);
  if (value < 0) throw mk(path, `negative scalar value ${value}`);
  const milli = Math.round(value * 1000);
  if (!Number.isSafeInteger(milli)) throw mk(path, `scalar value ${value} is too large`);
  return milli;
}

/** Sorted, validated, coalesced flat ranges. Overlaps are an error; adjacent ranges merge. */
function normalizeRanges(list: Range[], path: string, mk: (p: string, w: string) => ProtocolError): number[] {
  const pairs: [number, number][] = [];
  list.forEach((r, i) => {
    const b = r.begin;
    const e = r.end;
    for (const [v, f] of [
      [b, 'begin'],
      [e, 'end'],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw mk(`${path}[${i}].${f}`, `range bound must be a non-negative integer, got ${v}`);
      }
    }
    if (b > e) throw mk(`${path}[${i}]`, `range ${b}-${e} has begin > end`);
    pairs.push([b, e]);
  });
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: number[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const [b, e] = pairs[i]!;
    const n = out.length;
    if (n > 0 && b <= out[n - 1]!) {
      throw mk(path, `ranges overlap: ${out[n - 2]}-${out[n - 1]} and ${b}-${e}`);
    }
    if (n > 0 && b === out[n - 1]! + 1) out[n - 1] = e;
    else out.push(b, e);
  }
  return out;
}

function normalizeItems(items: string[], path: string, mk: (p: string, w: string) => ProtocolError): string[] {
  const sorted = items.slice().sort();
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] === '') throw mk(path, 'set item must not be empty');
    if (i > 0 && sorted[i] === sorted[i - 1]) throw mk(path, `duplicate set item '${sorted[i]}'`);
  }
  return sorted;
}

function checkRole(role: string, path: string, mk: (p: string, w: string) => ProtocolError): void {
  const why = roleError(role);
  if (why !== undefined) throw mk(path, `bad role name: ${why}`);
}

function checkReservations(res: ResourceReservation[], path: string, mk: (p: string, w: string) => ProtocolError): void {
  res.forEach((r, i) => {
    const p = `${path}[${i}]`;
    checkRole(r.role, `${p}.role`, mk);
    if (r.role === '*') throw mk(`${p}.role`, "cannot reserve to the default role '*'");
    if (i > 0) {
      const prev = res[i - 1]!.role;
      if (!isStrictSubrole(r.role, prev)) {
        throw mk(`${p}.role`, `refined reservation role '${r.role}' is not a subrole of '${prev}'`);
      }
      if (r.type === 'STATIC') throw mk(`${p}.type`, 'only the first reservation may be STATIC');
    }
  });
}

function jsonLabels(v: unknown, path: string): Labels | undefined {
  if (!present(v)) return undefined;
  if (!isObject(v)) throw jsonErr(path, `expected an object, got ${describe(v)}`);
  const list = v.labels;
  if (!present(list)) return { labels: [] };
  if (!Array.isArray(list)) throw jsonErr(`${path}.labels`, `expected an array, got ${describe(list)}`);
  return {
    labels: list.map((l, i) => {
      const p = `${path}.labels[${i}]`;
      if (!isObject(l)) throw jsonErr(p, `expected an object, got ${describe(l)}`);
      const out: { key: string; value?: string } = { key: jsonString(l.key, `${p}.key`) };
      if (present(l.value)) out.value = jsonString(l.value, `${p}.value`);
      return out;
    }),
  };
}

function jsonReservation(v: unknown, path: string): ResourceReservation {
  if (!isObject(v)) throw jsonErr(path, `expected an object, got ${describe(v)}`);
  const out: ResourceReservation = { role: jsonString(v.role, `${path}.role`) };
  if (present(v.principal)) out.principal = jsonString(v.principal, `${path}.principal`);
  const labels = jsonLabels(v.labels, `${path}.labels`);
  if (labels) out.labels = labels;
  if (present(v.type)) {
    if (v.type !== 'STATIC' && v.type !== 'DYNAMIC') {
      throw jsonErr(`${path}.type`, `expected one of STATIC, DYNAMIC, got ${describe(v.type)}`);
    }
    out.type = v.type;
  } else {
    out.type = out.principal !== undefined || labels !== undefined ? 'DYNAMIC' : 'STATIC';
  }
  return out;
}

/** Validates one v1 JSON Resource and returns its entry (null when empty). */
function entryFromJSON(v: unknown, path: string): Entry | null {
  if (!isObject(v)) throw jsonErr(path, `expected a Resource object, got ${describe(v)}`);
  const name = jsonString(v.name, `${path}.name`);
  if (name.trim() === '') throw resErr(`${path}.name`, 'resource name must not be empty');
  if (!present(v.type)) throw jsonErr(`${path}.type`, 'missing resource type');
  const type = v.type;
  if (typeof type !== 'string') throw jsonErr(`${path}.type`, `expected an enum name string, got ${describe(type)}`);
  const kind = KIND_NAME.indexOf(type as ResourceType);
  if (kind < 0) throw resErr(`${path}.type`, `unknown resource type '${type}' (expected SCALAR, RANGES or SET)`);
  const known = KNOWN_TYPES[name];
  if (known !== undefined && known !== type) throw resErr(`${path}.type`, `resource '${name}' must be ${known}, not ${type}`);

  let reservations: ResourceReservation[] | undefined;
  if (present(v.reservations)) {
    if (!Array.isArray(v.reservations)) throw jsonErr(`${path}.reservations`, `expected an array, got ${describe(v.reservations)}`);
    reservations = v.reservations.map((r, i) => jsonReservation(r, `${path}.reservations[${i}]`));
  }
  // Pre-refinement format: `role` (+ `reservation` for dynamic reservations).
  if ((!reservations || reservations.length === 0) && present(v.role)) {
    const role = jsonString(v.role, `${path}.role`);
    if (role !== '*') {
      const r: ResourceReservation = { type: 'STATIC', role };
      if (present(v.reservation)) {
        const legacy = jsonReservation({ ...(v.reservation as object), role, type: 'DYNAMIC' }, `${path}.reservation`);
        Object.assign(r, legacy);
      }
      reservations = [r];
    }
  }
  if (reservations) checkReservations(reservations, `${path}.reservations`, resErr);

  let allocationRole: string | undefined;
  if (present(v.allocation_info)) {
    if (!isObject(v.allocation_info)) throw jsonErr(`${path}.allocation_info`, `expected an object, got ${describe(v.allocation_info)}`);
    if (present(v.allocation_info.role)) {
      allocationRole = jsonString(v.allocation_info.role, `${path}.allocation_info.role`);
      checkRole(allocationRole, `${path}.allocation_info.role`, resErr);
    }
  }
  const { meta, metaKey } = makeMeta(
    reservations,
    allocationRole,
    present(v.disk) ? structuredClone(v.disk) : undefined,
    present(v.shared) ? structuredClone(v.shared) : undefined,
    present(v.revocable) ? structuredClone(v.revocable) : undefined,
  );
  const key = entryKey(name, kind as Kind, metaKey);

  if (kind === SCALAR) {
    if (!isObject(v.scalar)) throw jsonErr(`${path}.scalar`, `SCALAR resource needs a scalar object, got ${describe(v.scalar)}`);
    const value = jsonNumber(v.scalar.value, `${path}.scalar.value`);
    const milli = toMilli(value, `${path}.scalar.value`, resErr);
    return milli === 0 ? null : new Entry(key, name, SCALAR, meta, milli, null, null);
  }
  if (kind === RANGES) {
    if (!isObject(v.ranges)) throw jsonErr(`${path}.ranges`, `RANGES resource needs a ranges object, got ${describe(v.ranges)}`);
    const raw = v.ranges.range;
    const list: Range[] = [];
    if (present(raw)) {
      if (!Array.isArray(raw)) throw jsonErr(`${path}.ranges.range`, `expected an array, got ${describe(raw)}`);
      raw.forEach((r, i) => {
        const p = `${path}.ranges.range[${i}]`;
        if (!isObject(r)) throw jsonErr(p, `expected an object, got ${describe(r)}`);
        list.push({ begin: jsonNumber(r.begin, `${p}.begin`), end: jsonNumber(r.end, `${p}.end`) });
      });
    }
    const flat = normalizeRanges(list, `${path}.ranges.range`, resErr);
    return flat.length === 0 ? null : new Entry(key, name, RANGES, meta, 0, flat, null);
  }
  if (!isObject(v.set)) throw jsonErr(`${path}.set`, `SET resource needs a set object, got ${describe(v.set)}`);
  const rawItems = v.set.item;
  const items: string[] = [];
  if (present(rawItems)) {
    if (!Array.isArray(rawItems)) throw jsonErr(`${path}.set.item`, `expected an array, got ${describe(rawItems)}`);
    rawItems.forEach((x, i) => items.push(jsonString(x, `${path}.set.item[${i}]`)));
  }
  const sorted = normalizeItems(items, `${path}.set.item`, resErr);
  return sorted.length === 0 ? null : new Entry(key, name, SET, meta, 0, null, sorted);
}

// ---------------------------------------------------------------------------
// Text parsing: 'cpus:4;mem:1024;ports:[31000-32000];cpus(analytics):2;disks:{a,b}'

const TOKEN = /^([A-Za-z0-9_][A-Za-z0-9_.\-/]*)\s*(?:\(([^()]*)\))?\s*(?:<([^<>]*)>)?\s*:\s*([\s\S]*)$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

function textErr(token: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_RESOURCES', `bad resource '${token}': ${why}`);
}

function entryFromText(token: string, defaultRole: string): Entry | null {
  const m = TOKEN.exec(token);
  if (!m) {
    throw textErr(token, 'expected name[(role)]:value, e.g. cpus:4, cpus(role):2, ports:[31000-32000], disks:{a,b}');
  }
  const name = m[1]!;
  const resText = m[2];
  const allocText = m[3];
  const valueText = m[4]!.trim();
  const mk = (_p: string, why: string): ProtocolError => textErr(token, why);

  let reservations: ResourceReservation[] | undefined;
  if (resText === undefined) {
    if (defaultRole !== '*') reservations = [{ type: 'STATIC', role: defaultRole }];
  } else {
    const items = resText.split(',').map((s) => s.trim());
    if (!(items.length === 1 && items[0] === '*')) {
      reservations = items.map((item) => {
        const at = item.indexOf('@');
        if (at < 0) {
          checkRole(item, '', mk);
          return { type: 'STATIC', role: item };
        }
        const role = item.slice(0, at).trim();
        const principal = item.slice(at + 1).trim();
        checkRole(role, '', mk);
        const r: ResourceReservation = { type: 'DYNAMIC', role };
        if (principal !== '') r.principal = principal;
        return r;
      });
      checkReservations(reservations, '', mk);
    }
  }
  let allocationRole: string | undefined;
  if (allocText !== undefined) {
    allocationRole = allocText.trim();
    checkRole(allocationRole, '', mk);
  }

  let kind: Kind;
  let milli = 0;
  let ranges: number[] | null = null;
  let items: string[] | null = null;
  if (valueText.startsWith('[')) {
    if (!valueText.endsWith(']')) throw textErr(token, "ranges must end with ']'");
    kind = RANGES;
    const inner = valueText.slice(1, -1).trim();
    const list: Range[] = [];
    if (inner !== '') {
      for (const part of inner.split(',')) {
        const p = part.trim();
        const rm = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(p);
        if (!rm) {
          if (/^-\s*\d/.test(p) || /-\s*-/.test(p)) throw textErr(token, `range '${p}' has a negative bound`);
          throw textErr(token, `range '${p}' is not of the form begin-end`);
        }
        const b = Number(rm[1]);
        const e = rm[2] === undefined ? b : Number(rm[2]);
        list.push({ begin: b, end: e });
      }
    }
    ranges = normalizeRanges(list, '', mk);
  } else if (valueText.startsWith('{')) {
    if (!valueText.endsWith('}')) throw textErr(token, "set must end with '}'");
    kind = SET;
    const inner = valueText.slice(1, -1).trim();
    items = normalizeItems(inner === '' ? [] : inner.split(',').map((s) => s.trim()), '', mk);
  } else {
    kind = SCALAR;
    if (NON_FINITE.test(valueText)) throw textErr(token, `scalar value must be a finite number, got '${valueText}'`);
    if (!NUMBER.test(valueText)) {
      throw textErr(
        token,
        `unknown resource type: value '${valueText}' is not a scalar (4, 0.5), ranges ([a-b,c-d]) or a set ({a,b})`,
      );
    }
    milli = toMilli(Number(valueText), '', mk);
  }
  const known = KNOWN_TYPES[name];
  if (known !== undefined && known !== KIND_NAME[kind]) {
    throw textErr(token, `resource '${name}' must be ${known}, not ${KIND_NAME[kind]}`);
  }
  const { meta, metaKey } = makeMeta(reservations, allocationRole, undefined, undefined, undefined);
  const e = new Entry(entryKey(name, kind, metaKey), name, kind, meta, milli, ranges, items);
  return e.isEmpty() ? null : e;
}

// ---------------------------------------------------------------------------

/** Accumulates entries, combining those with the same identity. */
function combine(entries: Iterable<Entry | null>): Entry[] {
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

const BIG = 12;

export class Resources {
  private static readonly EMPTY = new Resources([]);
  private index: Map<string, Entry> | undefined;

  private constructor(private readonly list: readonly Entry[]) {}

  // --- construction -------------------------------------------------------

  static empty(): Resources {
    return Resources.EMPTY;
  }

  /**
   * Parses `--resources` text, or its JSON form when the text is a JSON array.
   * Items without a role are reserved to `defaultRole` ('*' = unreserved).
   */
  static parse(text: string, defaultRole = '*'): Resources {
    const why = roleError(defaultRole);
    if (why !== undefined) throw new ProtocolError('E_BAD_RESOURCES', `bad default role: ${why}`);
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) {
      let json: unknown;
      try {
        json = JSON.parse(trimmed);
      } catch (e) {
        throw new ProtocolError('E_BAD_JSON', `resources text starts with '[' but is not valid JSON: ${(e as Error).message}`);
      }
      return Resources.fromJSON(json);
    }
    const entries: Entry[] = [];
    const types = new Map<string, Kind>();
    for (const raw of trimmed.split(';')) {
      const token = raw.trim();
      if (token === '') continue;
      const e = entryFromText(token, defaultRole);
      if (e === null) continue;
      const seen = types.get(e.name);
      if (seen !== undefined && seen !== e.kind) {
        throw textErr(token, `resource '${e.name}' was already given as ${KIND_NAME[seen]}, not ${KIND_NAME[e.kind]}`);
      }
      types.set(e.name, e.kind);
      entries.push(e);
    }
    return Resources.make(combine(entries));
  }

  /** From the Mesos v1 JSON form (an array of Resource). */
  static fromJSON(value: unknown, path = ''): Resources {
    if (!Array.isArray(value)) throw jsonErr(path, `expected an array of Resource, got ${describe(value)}`);
    return Resources.make(combine(value.map((v, i) => entryFromJSON(v, `${path}[${i}]`))));
  }

  /** From plain Resource objects (validated like JSON). */
  static of(list: readonly Resource[]): Resources {
    try {
      return Resources.fromJSON(list);
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'E_BAD_JSON') throw new ProtocolError('E_BAD_RESOURCES', e.message);
      throw e;
    }
  }

  /** Validates one Resource, throwing a ProtocolError naming `path` when it is not valid. */
  static validate(resource: unknown, path = ''): void {
    entryFromJSON(resource, path);
  }

  private static make(list: Entry[]): Resources {
    return list.length === 0 ? Resources.EMPTY : new Resources(list);
  }

  // --- conversion ---------------------------------------------------------

  /** The v1 JSON form: each resource once (a shared one too, whatever its copies, as Mesos's protobuf form). */
  toJSON(): Resource[] {
    return this.list.map(entryToJSON);
  }

  /**
   * The JSON form with a shared resource repeated once per copy, which `Resources.of` reads back as as many
   * copies: for messages between our own processes (master to allocator) where the copies must survive.
   */
  toJSONWithCopies(): Resource[] {
    const out: Resource[] = [];
    for (const e of this.list) {
      const r = entryToJSON(e);
      out.push(r);
      for (let i = 1; i < e.copies; i++) out.push(structuredClone(r));
    }
    return out;
  }

  toString(): string {
    return this.list.map(entryToString).join(';');
  }

  // --- queries ------------------------------------------------------------

  isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Number of distinct resource identities. */
  get size(): number {
    return this.list.length;
  }

  private find(key: string): Entry | undefined {
    const list = this.list;
    if (list.length > BIG) {
      let index = this.index;
      if (!index) {
        index = new Map();
        for (const e of list) index.set(e.key, e);
        this.index = index;
      }
      return index.get(key);
    }
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.key === key) return e;
    }
    return undefined;
  }

  equals(other: Resources): boolean {
    if (this === other) return true;
    if (this.list.length !== other.list.length) return false;
    for (const e of this.list) {
      const o = other.find(e.key);
      if (!o || !entryEquals(e, o)) return false;
    }
    return true;
  }

  contains(other: Resources): boolean {
    const list = other.list;
    const mine = this.list;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      // Same position first: requests usually list names in the agent's order.
      const same = mine[i];
      const e = same !== undefined && same.key === o.key ? same : this.find(o.key);
      if (e === undefined || !entryContains(e, o)) return false;
    }
    return true;
  }

  scalar(name: string): number {
    return this.milli(name) / 1000;
  }

  milli(name: string): number {
    let m = 0;
    for (const e of this.list) if (e.kind === SCALAR && e.name === name) m += e.milli;
    return m;
  }

  ranges(name: string): Range[] {
    let acc: readonly number[] = [];
    for (const e of this.list) if (e.kind === RANGES && e.name === name) acc = acc.length === 0 ? e.ranges! : rangesUnion(acc, e.ranges!);
    const out: Range[] = [];
    for (let i = 0; i < acc.length; i += 2) out.push({ begin: acc[i]!, end: acc[i + 1]! });
    return out;
  }

  /** Set items of `name`, merged over all reservations, sorted. */
  items(name: string): string[] {
    let acc: readonly string[] = [];
    for (const e of this.list) if (e.kind === SET && e.name === name) acc = setUnion(acc, e.items!);
    return acc.slice();
  }

  names(): string[] {
    const out: string[] = [];
    for (const e of this.list) if (!out.includes(e.name)) out.push(e.name);
    return out;
  }

  /** name -> thousandths; ranges count elements x1000, sets count items x1000. */
  quantities(): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.list) {
      const q = e.kind === SCALAR ? e.milli : e.kind === RANGES ? rangesCount(e.ranges!) * 1000 : e.items!.length * 1000;
      out.set(e.name, (out.get(e.name) ?? 0) + q);
    }
    return out;
  }

  // --- arithmetic ---------------------------------------------------------

  add(other: Resources): Resources {
    if (other.list.length === 0) return this;
    if (this.list.length === 0) return other;
    const out = this.list.slice();
    const big = out.length + other.list.length > BIG;
    let index: Map<string, number> | undefined;
    if (big) {
      index = new Map();
      for (let i = 0; i < out.length; i++) index.set(out[i]!.key, i);
    }
    for (const o of other.list) {
      let i = -1;
      if (index) i = index.get(o.key) ?? -1;
      else for (let k = 0; k < out.length; k++) if (out[k]!.key === o.key) { i = k; break; }
      if (i < 0) {
        index?.set(o.key, out.length);
        out.push(o);
      } else {
        out[i] = entryAdd(out[i]!, o);
      }
    }
    return new Resources(out);
  }

  /** Removes what it can of `other` (like Mesos's '-'): never negative. */
  subtract(other: Resources): Resources {
    const mine = this.list;
    const theirs = other.list;
    if (theirs.length === 0 || mine.length === 0) return this;
    // Keys are unique within a value, so each of our entries meets at most one of theirs.
    const out: Entry[] = [];
    let changed = false;
    for (let i = 0; i < mine.length; i++) {
      const e = mine[i]!;
      // Same position first: requests usually list names in the agent's order.
      const same = theirs[i];
      const o = same !== undefined && same.key === e.key ? same : other.find(e.key);
      if (o === undefined) {
        out.push(e);
        continue;
      }
      changed = true;
      const d = entrySubtract(e, o);
      if (d !== null) out.push(d);
    }
    return changed ? Resources.make(out) : this;
  }

  // --- roles and reservations --------------------------------------------

  /** Role of the innermost reservation, '*' when unreserved. */
  static reservationRole(r: Resource): string {
    const res = r.reservations;
    return res && res.length > 0 ? res[res.length - 1]!.role : '*';
  }

  reservationRole(r: Resource): string {
    return Resources.reservationRole(r);
  }

  /** The distinct roles of the (innermost) reservations, in entry order ('*' for unreserved resources). */
  reservationRoles(): string[] {
    const out: string[] = [];
    for (const e of this.list) if (!out.includes(e.meta.role)) out.push(e.meta.role);
    return out;
  }

  /** Reserved resources; only those whose (innermost) reservation is to `role` when given. */
  reserved(role?: string): Resources {
    return this.filterEntries((e) => e.meta.role !== '*' && (role === undefined || e.meta.role === role));
  }

  unreserved(): Resources {
    return this.filterEntries((e) => e.meta.role === '*');
  }

  /** Unreserved resources plus those reserved to `role` or to an ancestor of it. */
  allocatableTo(role: string): Resources {
    return this.filterEntries((e) => {
      const r = e.meta.role;
      return r === '*' || r === role || isStrictSubrole(role, r);
    });
  }

  /** Resources allocated to `role` (allocation_info.role), or all allocated ones. */
  allocatedTo(role?: string): Resources {
    return this.filterEntries((e) => e.meta.allocationRole !== undefined && (role === undefined || e.meta.allocationRole === role));
  }

  /** Every resource gets allocation_info.role = role. */
  allocate(role: string): Resources {
    const why = roleError(role);
    if (why !== undefined) throw new ProtocolError('E_BAD_RESOURCES', `cannot allocate to role: ${why}`);
    return this.mapMeta((m) => allocatedMeta(m, role));
  }

  unallocate(): Resources {
    return this.mapMeta((m) => allocatedMeta(m, undefined));
  }

  /** Drops reservations, or (given a role other than '*') makes every resource statically reserved to it. */
  flatten(role?: string): Resources {
    if (role !== undefined) {
      const why = roleError(role);
      if (why !== undefined) throw new ProtocolError('E_BAD_RESOURCES', `cannot flatten to role: ${why}`);
    }
    const res: ResourceReservation[] | undefined = role === undefined || role === '*' ? undefined : [{ type: 'STATIC', role }];
    return this.mapMeta((m) => makeMeta(res, m.allocationRole, m.disk, m.shared, m.revocable));
  }

  /** Adds a (dynamic) reservation on top of every resource (refining existing ones). */
  pushReservation(reservation: ResourceReservation): Resources {
    const r = cloneReservation({ ...reservation, type: reservation.type ?? 'DYNAMIC' });
    const list = this.list.map((e) => {
      const res = [...(e.meta.reservations ?? []), r];
      checkReservations(res, 'reservations', resErr);
      const { meta, metaKey } = makeMeta(res, e.meta.allocationRole, e.meta.disk, e.meta.shared, e.meta.revocable);
      return withMeta(e, meta, metaKey);
    });
    return Resources.make(combine(list));
  }

  /** Removes the innermost reservation of every reserved resource. */
  popReservation(): Resources {
    return this.mapMeta((m) =>
      makeMeta(m.reservations ? m.reservations.slice(0, -1) : undefined, m.allocationRole, m.disk, m.shared, m.revocable),
    );
  }

  filter(pred: (r: Resource) => boolean): Resources {
    return this.filterEntries((e) => pred(entryToJSON(e)));
  }

  /** Only resources called `name`. */
  named(name: string): Resources {
    return this.filterEntries((e) => e.name === name);
  }

  /** Only scalar resources. */
  scalars(): Resources {
    return this.filterEntries((e) => e.kind === SCALAR);
  }

  /** Only shared resources (Resource.shared set), with their copies. */
  shared(): Resources {
    return this.filterEntries((e) => e.shared);
  }

  /** Everything but shared resources. */
  nonShared(): Resources {
    return this.filterEntries((e) => !e.shared);
  }

  /** Whether any resource here is shared. */
  hasShared(): boolean {
    for (const e of this.list) if (e.shared) return true;
    return false;
  }

  /**
   * How many copies of `r` this holds, as Mesos's `Resources::count`: for a shared
   * resource its copies, 1 for another that is here whole and alike, else 0.
   */
  count(r: Resource): number {
    const o = entryFromJSON(r, '');
    if (o === null) return 0;
    const e = this.find(o.key);
    if (e === undefined || !entryValueEquals(e, o)) return 0;
    return e.copies;
  }

  private filterEntries(pred: (e: Entry) => boolean): Resources {
    const out = this.list.filter(pred);
    return out.length === this.list.length ? this : Resources.make(out);
  }

  private mapMeta(f: (m: Meta) => { meta: Meta; metaKey: string }): Resources {
    return Resources.make(
      combine(
        this.list.map((e) => {
          const { meta, metaKey } = f(e.meta);
          return meta === e.meta ? e : withMeta(e, meta, metaKey);
        }),
      ),
    );
  }
}

/** The identity string two resources must share to combine (name, type, reservations, allocation, disk, shared). */
export function resourceIdentity(r: Resource): string {
  const e = entryFromJSON(r, '');
  if (e) return e.key;
  const m = makeMeta(r.reservations, r.allocation_info?.role, r.disk, r.shared, r.revocable);
  return entryKey(r.name, KIND_NAME.indexOf(r.type) as Kind, m.metaKey);
}
