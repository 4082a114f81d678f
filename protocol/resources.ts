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
import { Entry, KIND_NAME, RANGES, SCALAR, SET, allocatedMeta, cloneReservation, combine, entryAdd, entryContains, entryEquals, entryKey, entrySubtract, entryToJSON, entryToString, entryValueEquals, makeMeta, rangesCount, rangesUnion, setUnion, withMeta, type Kind, type Meta } from './resource-entry.js';
import { checkReservations, describe, entryFromJSON, entryFromText, jsonErr, resErr, textErr } from './resource-parse.js';

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

// ---------------------------------------------------------------------------


const BIG = 12;

/** Each array `json()` made, to the Resources it was made from (read back by `Resources.of`). */
const MADE_FROM = new WeakMap<readonly Resource[], Resources>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A Resource as entryToJSON makes it, frozen: its known parts directly, the rare free-form ones (disk, shared, revocable, labels) deeply. */
function freezeResource(r: Resource): Resource {
  if (r.scalar !== undefined) Object.freeze(r.scalar);
  else if (r.ranges !== undefined) {
    for (const x of r.ranges.range) Object.freeze(x);
    Object.freeze(r.ranges.range);
    Object.freeze(r.ranges);
  } else if (r.set !== undefined) {
    Object.freeze(r.set.item);
    Object.freeze(r.set);
  }
  if (r.reservations !== undefined) deepFreeze(r.reservations);
  if (r.allocation_info !== undefined) Object.freeze(r.allocation_info);
  if (r.disk !== undefined) deepFreeze(r.disk);
  if (r.shared !== undefined) deepFreeze(r.shared);
  if (r.revocable !== undefined) deepFreeze(r.revocable);
  return Object.freeze(r);
}

export class Resources {
  private static readonly EMPTY = new Resources([]);
  private index: Map<string, Entry> | undefined;
  /** `json()`, once made. */
  private frozen: readonly Resource[] | undefined;

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

  /** From plain Resource objects (validated like JSON). The frozen form of `json()` is read back as the Resources it came from, without parsing. */
  static of(list: readonly Resource[]): Resources {
    const made = MADE_FROM.get(list);
    if (made !== undefined) return made;
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
   * The JSON form of `toJSONWithCopies()`, made once and deeply frozen, so it can be shared: by the books (a
   * task's resources), by messages between the master and its allocator, and by offers. `Resources.of` given
   * this very array returns this object without parsing it again (the master and its allocator hand each other
   * the same resources many times a second at 50k agents). Not for a caller that would change what it gets.
   */
  json(): readonly Resource[] {
    let json = this.frozen;
    if (json === undefined) {
      const list = this.toJSONWithCopies();
      for (const r of list) freezeResource(r);
      json = Object.freeze(list);
      this.frozen = json;
      MADE_FROM.set(json, this);
    }
    return json;
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
    if (this === other) return true;
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

