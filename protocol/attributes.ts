/**
 * Agent attributes: parsing `--attributes` text into v1 `Attribute`s and
 * matching them against simple constraints.
 *
 *   rack:r1;zone:a;level:3;ids:[1-4];tags:{a,b}
 *
 * A value in [..] is RANGES, in {..} is SET, a number is SCALAR, anything
 * else is TEXT (Mesos's rule).
 */
import { ProtocolError } from './errors.js';
import type { Attribute } from './types.js';
import type { Range } from './values.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;
const TEXT = /^[A-Za-z0-9_.\-/]+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function err(token: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_ATTRIBUTES', `bad attribute '${token}': ${why}`);
}

function parseRanges(token: string, inner: string): Range[] {
  const pairs: Range[] = [];
  if (inner.trim() === '') return pairs;
  for (const raw of inner.split(',')) {
    const p = raw.trim();
    const m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(p);
    if (!m) throw err(token, `range '${p}' is not of the form begin-end with non-negative integers`);
    const begin = Number(m[1]);
    const end = m[2] === undefined ? begin : Number(m[2]);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) throw err(token, `range '${p}' is too large`);
    if (begin > end) throw err(token, `range ${begin}-${end} has begin > end`);
    pairs.push({ begin, end });
  }
  pairs.sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of pairs) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end) throw err(token, `ranges overlap: ${last.begin}-${last.end} and ${r.begin}-${r.end}`);
    if (last && r.begin === last.end + 1) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** Parses one `name:value` attribute. */
export function parseAttribute(token: string): Attribute {
  const colon = token.indexOf(':');
  if (colon < 0) throw err(token, "expected name:value (missing ':')");
  const name = token.slice(0, colon).trim();
  const value = token.slice(colon + 1).trim();
  if (name === '') throw err(token, 'attribute name must not be empty');
  if (!NAME.test(name)) throw err(token, `attribute name '${name}' may only contain letters, digits, '_', '.', '-' and '/'`);
  if (value === '') throw err(token, 'attribute value must not be empty');
  if (value.startsWith('[')) {
    if (!value.endsWith(']')) throw err(token, "ranges must end with ']'");
    return { name, type: 'RANGES', ranges: { range: parseRanges(token, value.slice(1, -1)) } };
  }
  if (value.startsWith('{')) {
    if (!value.endsWith('}')) throw err(token, "set must end with '}'");
    const inner = value.slice(1, -1).trim();
    const items = inner === '' ? [] : inner.split(',').map((s) => s.trim());
    const seen = new Set<string>();
    for (const it of items) {
      if (it === '') throw err(token, 'set item must not be empty');
      if (!TEXT.test(it)) throw err(token, `set item '${it}' may only contain letters, digits, '_', '.', '-' and '/'`);
      if (seen.has(it)) throw err(token, `duplicate set item '${it}'`);
      seen.add(it);
    }
    return { name, type: 'SET', set: { item: items } };
  }
  if (NUMBER.test(value)) {
    const n = Number(value);
    if (!Number.isFinite(n)) throw err(token, `scalar value ${value} is not finite`);
    return { name, type: 'SCALAR', scalar: { value: n } };
  }
  if (!TEXT.test(value)) throw err(token, `text value '${value}' may only contain letters, digits, '_', '.', '-' and '/'`);
  return { name, type: 'TEXT', text: { value } };
}

/** Parses `--attributes` text; names must be distinct. */
export function parseAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  const names = new Set<string>();
  for (const raw of text.split(';')) {
    const token = raw.trim();
    if (token === '') continue;
    const a = parseAttribute(token);
    if (names.has(a.name)) throw err(token, `duplicate attribute '${a.name}'`);
    names.add(a.name);
    out.push(a);
  }
  return out;
}

/** The value part of an attribute as `--attributes` text writes it. */
export function attributeValueString(a: Attribute): string {
  switch (a.type) {
    case 'SCALAR':
      return String(a.scalar?.value ?? 0);
    case 'RANGES':
      return `[${(a.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(',')}]`;
    case 'SET':
      return `{${(a.set?.item ?? []).join(',')}}`;
    case 'TEXT':
      return a.text?.value ?? '';
  }
}

export function attributesToString(attrs: readonly Attribute[]): string {
  return attrs.map((a) => `${a.name}:${attributeValueString(a)}`).join(';');
}

export function findAttribute(attrs: readonly Attribute[] | undefined, name: string): Attribute | undefined {
  return attrs?.find((a) => a.name === name);
}

/**
 * A constraint on one attribute:
 *  - EXISTS: the agent has it;
 *  - EQUALS: text equal, scalar equal, or (for a string) equal to the value text;
 *  - IN: equal to one of `values`;
 *  - LIKE / UNLIKE: the value text matches / does not match the regex (anchored);
 *  - CONTAINS: a ranges attribute contains the number, a set contains the item;
 *  - GREATER_THAN / LESS_THAN: numeric compare of a scalar.
 */
export type AttributeConstraint =
  | { name: string; op: 'EXISTS' }
  | { name: string; op: 'EQUALS'; value: string | number }
  | { name: string; op: 'IN'; values: (string | number)[] }
  | { name: string; op: 'LIKE' | 'UNLIKE'; pattern: string }
  | { name: string; op: 'CONTAINS'; value: string | number }
  | { name: string; op: 'GREATER_THAN' | 'LESS_THAN'; value: number };

function equalsValue(a: Attribute, v: string | number): boolean {
  if (a.type === 'SCALAR') return Number(v) === a.scalar?.value;
  return attributeValueString(a) === String(v);
}

export function matchesConstraint(attrs: readonly Attribute[] | undefined, c: AttributeConstraint): boolean {
  const a = findAttribute(attrs, c.name);
  switch (c.op) {
    case 'EXISTS':
      return a !== undefined;
    case 'EQUALS':
      return a !== undefined && equalsValue(a, c.value);
    case 'IN':
      return a !== undefined && c.values.some((v) => equalsValue(a, v));
    case 'LIKE':
      return a !== undefined && new RegExp(`^(?:${c.pattern})$`).test(attributeValueString(a));
    case 'UNLIKE':
      return a === undefined || !new RegExp(`^(?:${c.pattern})$`).test(attributeValueString(a));
    case 'CONTAINS':
      if (a === undefined) return false;
      if (a.type === 'RANGES') {
        const n = Number(c.value);
        return (a.ranges?.range ?? []).some((r) => r.begin <= n && n <= r.end);
      }
      if (a.type === 'SET') return (a.set?.item ?? []).includes(String(c.value));
      return equalsValue(a, c.value);
    case 'GREATER_THAN':
      return a !== undefined && a.type === 'SCALAR' && (a.scalar?.value ?? 0) > c.value;
    case 'LESS_THAN':
      return a !== undefined && a.type === 'SCALAR' && (a.scalar?.value ?? 0) < c.value;
  }
}

/** True when every constraint holds. */
export function matchesAttributes(attrs: readonly Attribute[] | undefined, constraints: readonly AttributeConstraint[]): boolean {
  return constraints.every((c) => matchesConstraint(attrs, c));
}
