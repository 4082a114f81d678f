/**
 * A small schema-driven codec between Mesos v1 JSON and plain data.
 *
 * Schemas are written with a compact field notation (see `field`):
 *   'string!'        required string
 *   'Resource[]'     repeated message
 *   'bool=true'      optional bool whose default (true) is written on output
 *   'string~'        deprecated: read and written when set, default never written
 *   'TaskState!'     enum (any name registered in `enums`), as a name string
 *
 * Rules (what Mesos's JSON <-> protobuf conversion does):
 *  - snake_case keys, exactly the .proto field names;
 *  - enums are name strings; a number is rejected;
 *  - bytes are base64 strings in JSON, Uint8Array in memory;
 *  - `null` and a missing key both mean unset; unknown keys are ignored;
 *  - on output, unset fields with a declared default are written with it;
 *    repeated fields are written only when non-empty;
 *  - doubles accept "Infinity", "-Infinity", "NaN" and numeric strings, and
 *    non-finite doubles are written as those strings;
 *  - 64-bit integers accept numbers and decimal strings, are written as numbers.
 * Decode errors are ProtocolError E_BAD_JSON naming the field path, e.g.
 *   task_infos[0].resources[1].scalar.value: expected a number, got the string "x"
 */
import { ProtocolError } from '../errors.js';

export type Scalar = 'string' | 'bool' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'double' | 'bytes' | 'any';
const SCALARS: ReadonlySet<string> = new Set(['string', 'bool', 'int32', 'uint32', 'int64', 'uint64', 'double', 'bytes', 'any']);

export interface FieldSpec {
  readonly type: string;
  readonly kind: 'scalar' | 'enum' | 'message';
  readonly repeated: boolean;
  readonly required: boolean;
  readonly deprecated: boolean;
  readonly default?: unknown;
}

export interface MessageSpec {
  readonly name: string;
  readonly fields: readonly (readonly [string, FieldSpec])[];
}

export interface SchemaSource {
  enums: Record<string, readonly string[]>;
  messages: Record<string, Record<string, string>>;
}

export interface DecodeOptions {
  /** Fill unset fields that have a declared default (as Mesos's protobuf getters would read them). */
  defaults?: boolean;
}

const FIELD = /^([A-Za-z0-9_.]+)(\[\])?([!~])?(?:=(.*))?$/;

export class Schema {
  readonly enums: ReadonlyMap<string, ReadonlySet<string>>;
  readonly enumLists: Readonly<Record<string, readonly string[]>>;
  readonly messages: ReadonlyMap<string, MessageSpec>;

  constructor(src: SchemaSource) {
    const enums = new Map<string, ReadonlySet<string>>();
    for (const [k, v] of Object.entries(src.enums)) enums.set(k, new Set(v));
    this.enums = enums;
    this.enumLists = src.enums;
    const messages = new Map<string, MessageSpec>();
    for (const [name, fields] of Object.entries(src.messages)) {
      messages.set(name, { name, fields: Object.entries(fields).map(([f, notation]) => [f, this.field(name, f, notation, src)] as const) });
    }
    this.messages = messages;
  }

  private field(msg: string, f: string, notation: string, src: SchemaSource): FieldSpec {
    const m = FIELD.exec(notation);
    if (!m) throw new Error(`schema ${msg}.${f}: bad notation '${notation}'`);
    const type = m[1]!;
    const kind = SCALARS.has(type) ? 'scalar' : type in src.enums ? 'enum' : type in src.messages ? 'message' : undefined;
    if (kind === undefined) throw new Error(`schema ${msg}.${f}: unknown type '${type}'`);
    const spec: { -readonly [K in keyof FieldSpec]: FieldSpec[K] } = {
      type,
      kind,
      repeated: m[2] !== undefined,
      required: m[3] === '!',
      deprecated: m[3] === '~',
    };
    if (m[4] !== undefined) {
      const d = m[4];
      if (kind === 'enum') {
        if (!src.enums[type]!.includes(d)) throw new Error(`schema ${msg}.${f}: default '${d}' not in ${type}`);
        spec.default = d;
      } else if (type === 'bool') spec.default = d === 'true';
      else if (type === 'string') spec.default = JSON.parse(d);
      else spec.default = Number(d);
    }
    return spec;
  }

  message(name: string): MessageSpec {
    const m = this.messages.get(name);
    if (!m) throw new ProtocolError('E_BAD_JSON', `no JSON schema for type '${name}'`);
    return m;
  }

  // ------------------------------------------------------------------ decode

  decode(type: string, json: unknown, path = '', opts: DecodeOptions = {}): unknown {
    return this.decodeMessage(this.message(type), json, path, opts);
  }

  private decodeMessage(spec: MessageSpec, json: unknown, path: string, opts: DecodeOptions): Record<string, unknown> {
    if (!isPlainObject(json)) throw bad(path, `expected a ${spec.name} object, got ${describe(json)}`);
    const out: Record<string, unknown> = {};
    for (const [name, f] of spec.fields) {
      const p = path ? `${path}.${name}` : name;
      const v = json[name];
      if (v === undefined || v === null) {
        if (f.required) throw bad(p, `missing required field of ${spec.name}`);
        if (opts.defaults && f.default !== undefined) out[name] = f.default;
        continue;
      }
      if (f.repeated) {
        if (!Array.isArray(v)) throw bad(p, `expected an array, got ${describe(v)}`);
        out[name] = v.map((x, i) => this.decodeValue(f, x, `${p}[${i}]`, opts));
      } else {
        out[name] = this.decodeValue(f, v, p, opts);
      }
    }
    return out;
  }

  private decodeValue(f: FieldSpec, v: unknown, path: string, opts: DecodeOptions): unknown {
    if (f.kind === 'message') return this.decodeMessage(this.message(f.type), v, path, opts);
    if (f.kind === 'enum') {
      if (typeof v === 'number') throw bad(path, `expected a ${f.type} name string (numbers are not accepted), got ${v}`);
      if (typeof v !== 'string') throw bad(path, `expected a ${f.type} name string, got ${describe(v)}`);
      if (!this.enums.get(f.type)!.has(v)) {
        throw bad(path, `unknown ${f.type} value '${v}' (expected one of ${this.enumLists[f.type]!.join(', ')})`);
      }
      return v;
    }
    switch (f.type as Scalar) {
      case 'string':
        if (typeof v !== 'string') throw bad(path, `expected a string, got ${describe(v)}`);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw bad(path, `expected a boolean, got ${describe(v)}`);
        return v;
      case 'double':
        return decodeDouble(v, path);
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'uint64':
        return decodeInt(f.type as Scalar, v, path);
      case 'bytes':
        return decodeBytes(v, path);
      case 'any':
        return structuredClone(v);
    }
  }

  // ------------------------------------------------------------------ encode

  encode(type: string, value: unknown, path = ''): Record<string, unknown> {
    return this.encodeMessage(this.message(type), value, path);
  }

  private encodeMessage(spec: MessageSpec, value: unknown, path: string): Record<string, unknown> {
    if (!isPlainObject(value)) throw bad(path, `cannot encode ${describe(value)} as ${spec.name}`);
    const out: Record<string, unknown> = {};
    for (const [name, f] of spec.fields) {
      const p = path ? `${path}.${name}` : name;
      const v = value[name];
      if (v === undefined || v === null) {
        if (f.required) throw bad(p, `missing required field of ${spec.name}`);
        if (f.default !== undefined && !f.deprecated) out[name] = this.encodeValue(f, f.default, p);
        continue;
      }
      if (f.repeated) {
        if (!Array.isArray(v)) throw bad(p, `expected an array, got ${describe(v)}`);
        if (v.length > 0) out[name] = v.map((x, i) => this.encodeValue(f, x, `${p}[${i}]`));
      } else {
        out[name] = this.encodeValue(f, v, p);
      }
    }
    return out;
  }

  private encodeValue(f: FieldSpec, v: unknown, path: string): unknown {
    if (f.kind === 'message') return this.encodeMessage(this.message(f.type), v, path);
    if (f.kind === 'enum') {
      if (typeof v !== 'string' || !this.enums.get(f.type)!.has(v)) throw bad(path, `cannot encode ${describe(v)} as ${f.type}`);
      return v;
    }
    switch (f.type as Scalar) {
      case 'string':
        if (typeof v !== 'string') throw bad(path, `cannot encode ${describe(v)} as a string`);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw bad(path, `cannot encode ${describe(v)} as a boolean`);
        return v;
      case 'double':
        if (typeof v !== 'number') throw bad(path, `cannot encode ${describe(v)} as a double`);
        return Number.isFinite(v) ? v : String(v);
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'uint64':
        return decodeInt(f.type as Scalar, v, path);
      case 'bytes':
        if (!(v instanceof Uint8Array)) throw bad(path, `cannot encode ${describe(v)} as bytes (expected a Uint8Array)`);
        return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      case 'any':
        return structuredClone(v);
    }
  }
}

// ---------------------------------------------------------------------------

export function bad(path: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_JSON', `${path || '<root>'}: ${why}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function decodeDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
    if (NUMERIC.test(v)) return Number(v);
  }
  throw bad(path, `expected a number, got ${describe(v)}`);
}

const LIMITS: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  // Mesos writes 64-bit integers as JSON numbers (TimeInfo.nanoseconds is ~1.8e18 today):
  // the whole range is accepted; above 2^53 a value keeps its first 15-16 digits.
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

function decodeInt(type: Scalar, v: unknown, path: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) n = Number(v);
  else throw bad(path, `expected an integer (${type}), got ${describe(v)}`);
  if (!Number.isInteger(n)) throw bad(path, `expected an integer (${type}), got ${n}`);
  const [lo, hi] = LIMITS[type]!;
  if (n < lo || n > hi) throw bad(path, `${n} is out of range for ${type}`);
  return n;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string') throw bad(path, `expected base64 bytes (a string), got ${describe(v)}`);
  const s = v.replace(/\s+/g, '');
  if (!BASE64.test(s) || s.replace(/=+$/, '').length % 4 === 1) throw bad(path, 'expected base64 bytes, got invalid base64');
  const b = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
}
