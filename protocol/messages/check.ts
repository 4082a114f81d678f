/**
 * Checks a message body as it arrives on the actor path (msgpack decoded to
 * plain data), against the same schema notation as the v1 JSON codec
 * (json/codec.ts), and returns a clean copy holding only the declared fields.
 *
 * In memory, not JSON, so the rules differ from the codec's:
 *  - bytes must be a Uint8Array (not base64); doubles and integers numbers;
 *  - a msgpack int64/uint64 decodes to a BigInt (msgpackr does so for every
 *    value sent with those formats, small ones too): refused everywhere,
 *    `any` parts included, since no sender of this project writes them and
 *    one BigInt kept in state would break every JSON view of it;
 *  - NaN is refused where a number is expected;
 *  - ids that become paths on an agent (framework, agent, executor, task and
 *    container ids) must be safe as one path component (ids.ts `idError`:
 *    not empty, no '/', not '.' or '..', no control characters, at most
 *    255 characters);
 *  - `null` and a missing key both mean unset, undeclared keys are dropped,
 *    so a handler sees exactly what its protocol declares.
 * Errors are ProtocolError E_BAD_MESSAGE naming the field path, e.g.
 *   run_task.task.task_id.value: '../x' must not contain '/'
 */
import { ProtocolError } from '../errors.js';
import { idError } from '../ids.js';
import { Schema, describe, type FieldSpec, type MessageSpec, type SchemaSource } from '../json/codec.js';

/** Message types whose `value` becomes a directory name on an agent. */
const PATH_IDS: ReadonlySet<string> = new Set(['FrameworkID', 'AgentID', 'ExecutorID', 'TaskID', 'ContainerID']);

/** Nesting deeper than this in an `any` part (or a ContainerID parent chain) is refused. */
export const MAX_DEPTH = 32;

const LIMITS: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

export function badMessage(path: string, why: string): ProtocolError {
  return new ProtocolError('E_BAD_MESSAGE', `${path || '<root>'}: ${why}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function what(v: unknown): string {
  if (typeof v === 'bigint') return `a 64-bit msgpack integer (BigInt ${v}n); integers travel as msgpack numbers within ±2^53`;
  return describe(v);
}

export class BodyChecker {
  readonly schema: Schema;

  constructor(source: SchemaSource) {
    this.schema = new Schema(source);
  }

  /**
   * Checks `value` as a `type` message; returns the clean copy. Throws E_BAD_MESSAGE.
   * `pathIds: false` leaves the path-safety of ids to the receiver (the
   * master answers a bad task id of a launch with TASK_ERROR for that task).
   */
  check(type: string, value: unknown, path: string, pathIds = true): Record<string, unknown> {
    return this.#message(this.schema.message(type), value, path, 0, pathIds);
  }

  #message(spec: MessageSpec, v: unknown, path: string, depth: number, pathIds: boolean): Record<string, unknown> {
    if (!isPlainObject(v)) throw badMessage(path, `expected a ${spec.name} object, got ${what(v)}`);
    if (depth > MAX_DEPTH) throw badMessage(path, `nested deeper than ${MAX_DEPTH}`);
    const out: Record<string, unknown> = {};
    for (const [name, f] of spec.fields) {
      const x = v[name];
      if (x === undefined || x === null) {
        if (f.required) throw badMessage(path ? `${path}.${name}` : name, `missing required field of ${spec.name}`);
        continue;
      }
      const p = path ? `${path}.${name}` : name;
      if (f.repeated) {
        if (!Array.isArray(x)) throw badMessage(p, `expected an array, got ${what(x)}`);
        const list = new Array<unknown>(x.length);
        for (let i = 0; i < x.length; i++) list[i] = this.#value(f, x[i], `${p}[${i}]`, depth, pathIds);
        out[name] = list;
      } else {
        out[name] = this.#value(f, x, p, depth, pathIds);
      }
    }
    if (pathIds && PATH_IDS.has(spec.name)) {
      const value = out['value'];
      const why = idError(value);
      // The id is quoted as JSON, so that control characters in it cannot reach a log as they are.
      if (why !== undefined) throw badMessage(`${path}.value`, `${why.replace(`'${String(value)}'`, JSON.stringify(value))} (ids become paths on agents)`);
    }
    return out;
  }

  #value(f: FieldSpec, v: unknown, path: string, depth: number, pathIds: boolean): unknown {
    if (f.kind === 'message') return this.#message(this.schema.message(f.type), v, path, depth + 1, pathIds);
    if (f.kind === 'enum') {
      if (typeof v !== 'string') throw badMessage(path, `expected a ${f.type} name string, got ${what(v)}`);
      if (!this.schema.enums.get(f.type)!.has(v)) {
        throw badMessage(path, `unknown ${f.type} value ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`);
      }
      return v;
    }
    switch (f.type) {
      case 'string':
        if (typeof v !== 'string') throw badMessage(path, `expected a string, got ${what(v)}`);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw badMessage(path, `expected a boolean, got ${what(v)}`);
        return v;
      case 'double':
        if (typeof v !== 'number' || Number.isNaN(v)) throw badMessage(path, `expected a number, got ${what(v)}`);
        return v;
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'uint64': {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw badMessage(path, `expected an integer (${f.type}), got ${what(v)}`);
        const [lo, hi] = LIMITS[f.type]!;
        if (v < lo || v > hi) throw badMessage(path, `${v} is out of range for ${f.type}`);
        return v;
      }
      case 'bytes':
        if (!(v instanceof Uint8Array)) throw badMessage(path, `expected bytes, got ${what(v)}`);
        return v;
      default: // 'any': kept as is, once it is known to hold no BigInt and to be shallow enough
        checkAny(v, path, 0);
        return v;
    }
  }
}

function checkAny(v: unknown, path: string, depth: number): void {
  if (typeof v === 'bigint') throw badMessage(path, `expected plain data, got ${what(v)}`);
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return;
  if (depth >= MAX_DEPTH) throw badMessage(path, `nested deeper than ${MAX_DEPTH}`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkAny(v[i], `${path}[${i}]`, depth + 1);
    return;
  }
  for (const k of Object.keys(v)) checkAny((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
}
