import type { Envelope } from './message.js';

/**
 * What the wire encoding (codec.ts: msgpack, encoded then decoded) makes of
 * a batch of plain data, built directly instead of through bytes: the
 * in-memory network's copy of a message (memory-transport.ts).
 *
 * It gives exactly what a round trip through `encodeFrame`/`decodeFrame`
 * gives, for the values it accepts: strings (well-formed UTF-16), numbers
 * (-0 becomes 0, as msgpack writes it as an integer), booleans, null,
 * undefined, arrays (holes become undefined, extra properties are dropped),
 * objects whose prototype is Object's or null (own enumerable keys, in
 * order; the copy is a plain object), and Uint8Arrays (a Buffer copy, as
 * the decoder returns). For anything else (a class instance, a Map, a Date,
 * a function, a symbol, a BigInt, another typed array, a lone surrogate, an
 * empty or non-string address) it returns undefined and the caller takes the
 * real round trip, so messages that would not survive the wire, or would
 * arrive changed, are still treated as the wire treats them.
 *
 * Bytes from a real transport are never trusted this way: only the in-memory
 * network uses it, on values its own runtimes sent.
 */
export function wireCopy(batch: readonly Envelope[]): Envelope[] | undefined {
  const out: Envelope[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const m = batch[i]!;
    if (!address(m.to) || !address(m.from) || !address(m.name)) return undefined;
    const body = copy(m.body, 0);
    if (body === NOT_PLAIN) return undefined;
    out[i] = { to: m.to, from: m.from, name: m.name, body };
  }
  return out;
}

const NOT_PLAIN: unique symbol = Symbol('not plain');

/** Deeper than this, take the real encoding (which has its own limits). */
const MAX_DEPTH = 64;

/** No lone surrogate (which UTF-8 on the wire would turn into U+FFFD). Node 20 has it; the compiler's lib (es2022) does not know it. */
function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function address(s: unknown): boolean {
  return typeof s === 'string' && s !== '' && wellFormed(s);
}

function copy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      return wellFormed(v) ? v : NOT_PLAIN;
    case 'number':
      return v === 0 ? 0 : v;
    case 'boolean':
    case 'undefined':
      return v;
    case 'object': {
      if (v === null) return null;
      if (depth >= MAX_DEPTH) return NOT_PLAIN;
      if (Array.isArray(v)) {
        const n = v.length;
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          const x = copy(v[i], depth + 1);
          if (x === NOT_PLAIN) return NOT_PLAIN;
          a[i] = x;
        }
        return a;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        const o: Record<string, unknown> = {};
        const src = v as Record<string, unknown>;
        for (const k of Object.keys(src)) {
          if (k === '__proto__' || !wellFormed(k)) return NOT_PLAIN;
          const x = copy(src[k], depth + 1);
          if (x === NOT_PLAIN) return NOT_PLAIN;
          o[k] = x;
        }
        return o;
      }
      if (proto === Buffer.prototype || proto === Uint8Array.prototype) return Buffer.from(v as Uint8Array);
      return NOT_PLAIN;
    }
    default: // bigint, symbol, function
      return NOT_PLAIN;
  }
}
