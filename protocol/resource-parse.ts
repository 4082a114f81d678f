/**
 * Building resource entries from outside: the v1 JSON shape (every field checked, with Mesos's
 * rules on roles and reservations) and the text form of `--resources`
 * ('cpus:4;mem:1024;ports:[31000-32000];cpus(analytics):2;disks:{a,b}'). Errors name the path
 * or the token that was wrong.
 */
import { ProtocolError } from './errors.js';
import { isStrictSubrole, roleError } from './roles.js';
import type { Labels, Range } from './values.js';
import type { ResourceReservation, ResourceType } from './resources.js';
import { Entry, KIND_NAME, KNOWN_TYPES, RANGES, SCALAR, SET, entryKey, makeMeta, type Kind } from './resource-entry.js';

// ---------------------------------------------------------------------------
// Validation (JSON shape and Mesos semantics) -> Entry

export function jsonErr(path: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_JSON', `${path || '<root>'}: ${why}`);
}
export function resErr(path: string, why: string): ProtocolError {
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

export function describe(v: unknown): string {
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

export function checkReservations(res: ResourceReservation[], path: string, mk: (p: string, w: string) => ProtocolError): void {
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
export function entryFromJSON(v: unknown, path: string): Entry | null {
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

export function textErr(token: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_RESOURCES', `bad resource '${token}': ${why}`);
}

export function entryFromText(token: string, defaultRole: string): Entry | null {
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

