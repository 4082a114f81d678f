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
 *  - nesting deeper than MAX_DEPTH is refused;
 *  - `null` and a missing key both mean unset, undeclared keys are dropped,
 *    so a handler sees exactly what its protocol declares.
 * Each message type is compiled once into closures; a valid body builds no
 * path string (the path of a refusal is gathered as the error unwinds).
 * Errors are ProtocolError E_BAD_MESSAGE naming the field path, e.g.
 *   run_task.task.task_id.value: "../x" must not contain '/' (ids become paths on agents)
 */
import { ProtocolError } from '../errors.js';
import { idError } from '../ids.js';
import { Schema, describe, type FieldSpec, type SchemaSource } from '../json/codec.js';

/** Message types whose `value` becomes a directory name on an agent. */
const PATH_IDS: ReadonlySet<string> = new Set(['FrameworkID', 'AgentID', 'ExecutorID', 'TaskID', 'ContainerID']);

/** Nesting deeper than this (a ContainerID parent chain, an `any` part) is refused. */
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

/**
 * A refusal on its way up: each level adds its path segment as the error
 * passes, so a valid body never builds a path string.
 */
class Refusal {
  readonly segments: string[] = [];
  constructor(readonly why: string) {}
}

/**
 * Checks one value; returns what goes into the clean copy. Throws Refusal. With `owned` (the value belongs to
 * this message alone: decoded from a frame), a clean part (no undeclared key, no null) is returned as it is
 * rather than copied; only the parts that need cleaning are new.
 */
type Check = (v: unknown, depth: number, pathIds: boolean, owned: boolean) => unknown;

interface CompiledField {
  readonly name: string;
  readonly segment: string;
  readonly required: boolean;
  readonly repeated: boolean;
  readonly check: Check;
}

export class BodyChecker {
  readonly schema: Schema;
  readonly #compiled = new Map<string, Check>();

  constructor(source: SchemaSource) {
    this.schema = new Schema(source);
  }

  /**
   * Checks `value` as a `type` message; returns the clean copy. Throws E_BAD_MESSAGE
   * naming the field path from `path`. `pathIds: false` leaves the path-safety
   * of ids to the receiver (the master answers a bad task id of a launch with
   * TASK_ERROR for that task).
   */
  check(type: string, value: unknown, path: string, pathIds = true, owned = false): Record<string, unknown> {
    try {
      return this.#message(type)(value, 0, pathIds, owned) as Record<string, unknown>;
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const where = path + err.segments.reverse().join('');
      throw badMessage(where.startsWith('.') ? where.slice(1) : where, err.why);
    }
  }

  /** The check of a message type, compiled once (lazily, so recursive types such as ContainerID work). */
  #message(type: string): Check {
    let check = this.#compiled.get(type);
    if (check !== undefined) return check;
    const spec = this.schema.message(type);
    let fields: CompiledField[] | undefined;
    const pathId = PATH_IDS.has(spec.name);
    check = (v, depth, pathIds, owned) => {
      if (!isPlainObject(v)) throw new Refusal(`expected a ${spec.name} object, got ${what(v)}`);
      if (depth > MAX_DEPTH) throw new Refusal(`nested deeper than ${MAX_DEPTH}`);
      const fs = (fields ??= spec.fields.map(([name, f]) => this.#field(name, f)));
      // The clean copy, made only once it differs from `v` (always when `v` is not owned).
      let out: Record<string, unknown> | undefined = owned ? undefined : {};
      let present = 0;
      for (let i = 0; i < fs.length; i++) {
        const f = fs[i]!;
        const x = v[f.name];
        if (x === undefined || x === null) {
          if (f.required) {
            const r = new Refusal(`missing required field of ${spec.name}`);
            r.segments.push(f.segment);
            throw r;
          }
          if (x === null && out === undefined) out = cleanUpTo(v, fs, i);
          continue;
        }
        present++;
        let clean: unknown;
        try {
          if (f.repeated) {
            if (!Array.isArray(x)) throw new Refusal(`expected an array, got ${what(x)}`);
            let list: unknown[] | undefined = owned ? undefined : new Array<unknown>(x.length);
            for (let j = 0; j < x.length; j++) {
              let c: unknown;
              try {
                c = f.check(x[j], depth + 1, pathIds, owned);
              } catch (err) {
                if (err instanceof Refusal) err.segments.push(`[${j}]`);
                throw err;
              }
              if (list === undefined && c !== x[j]) list = x.slice(0, j);
              if (list !== undefined) list[j] = c;
            }
            clean = list ?? x;
          } else {
            clean = f.check(x, depth + 1, pathIds, owned);
          }
        } catch (err) {
          if (err instanceof Refusal) err.segments.push(f.segment);
          throw err;
        }
        if (out === undefined && clean !== x) out = cleanUpTo(v, fs, i);
        if (out !== undefined) out[f.name] = clean;
      }
      // Every declared field as it was: `v` itself is clean unless it has keys the protocol does not declare.
      if (out === undefined && ownKeys(v) !== present) out = cleanUpTo(v, fs, fs.length);
      const clean = out ?? v;
      if (pathId && pathIds) {
        const value = clean['value'];
        const why = idError(value);
        if (why !== undefined) {
          // The id is quoted as JSON, so that control characters in it cannot reach a log as they are.
          const r = new Refusal(`${why.replace(`'${String(value)}'`, JSON.stringify(value))} (ids become paths on agents)`);
          r.segments.push('.value');
          throw r;
        }
      }
      return clean;
    };
    this.#compiled.set(type, check);
    return check;
  }

  #field(name: string, f: FieldSpec): CompiledField {
    return { name, segment: `.${name}`, required: f.required, repeated: f.repeated, check: this.#value(f) };
  }

  #value(f: FieldSpec): Check {
    if (f.kind === 'message') {
      const type = f.type;
      let message: Check | undefined;
      return (v, depth, pathIds, owned) => (message ??= this.#message(type))(v, depth, pathIds, owned);
    }
    if (f.kind === 'enum') {
      const names = this.schema.enums.get(f.type)!;
      return (v) => {
        if (typeof v !== 'string') throw new Refusal(`expected a ${f.type} name string, got ${what(v)}`);
        if (!names.has(v)) throw new Refusal(`unknown ${f.type} value ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`);
        return v;
      };
    }
    switch (f.type) {
      case 'string':
        return (v) => {
          if (typeof v !== 'string') throw new Refusal(`expected a string, got ${what(v)}`);
          return v;
        };
      case 'bool':
        return (v) => {
          if (typeof v !== 'boolean') throw new Refusal(`expected a boolean, got ${what(v)}`);
          return v;
        };
      case 'double':
        return (v) => {
          if (typeof v !== 'number' || Number.isNaN(v)) throw new Refusal(`expected a number, got ${what(v)}`);
          return v;
        };
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'uint64': {
        const type = f.type;
        const [lo, hi] = LIMITS[type]!;
        return (v) => {
          if (typeof v !== 'number' || !Number.isInteger(v)) throw new Refusal(`expected an integer (${type}), got ${what(v)}`);
          if (v < lo || v > hi) throw new Refusal(`${v} is out of range for ${type}`);
          return v;
        };
      }
      case 'bytes':
        return (v) => {
          if (!(v instanceof Uint8Array)) throw new Refusal(`expected bytes, got ${what(v)}`);
          return v;
        };
      default: // 'any': kept as is, once it is known to hold no BigInt and to be shallow enough
        return (v) => {
          checkAny(v, 0);
          return v;
        };
    }
  }
}

/** The clean copy of `v` as far as `fields[0..end)`: those fields of `v` that are set (their checks returned them as they are). */
function cleanUpTo(v: Record<string, unknown>, fields: readonly CompiledField[], end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < end; i++) {
    const name = fields[i]!.name;
    const x = v[name];
    if (x !== undefined && x !== null) out[name] = x;
  }
  return out;
}

/** How many keys `v` has (own, enumerable; a decoded body inherits none). */
function ownKeys(v: Record<string, unknown>): number {
  let n = 0;
  for (const k in v) if (Object.hasOwn(v, k)) n++;
  return n;
}

function checkAny(v: unknown, depth: number): void {
  if (typeof v === 'bigint') throw new Refusal(`expected plain data, got ${what(v)}`);
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return;
  if (depth >= MAX_DEPTH) throw new Refusal(`nested deeper than ${MAX_DEPTH}`);
  const step = (segment: string, x: unknown): void => {
    try {
      checkAny(x, depth + 1);
    } catch (err) {
      if (err instanceof Refusal) err.segments.push(segment);
      throw err;
    }
  };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) step(`[${i}]`, v[i]);
    return;
  }
  for (const k of Object.keys(v)) step(`.${k}`, (v as Record<string, unknown>)[k]);
}
