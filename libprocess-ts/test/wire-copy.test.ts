import { describe, test, expect } from '@jest/globals';
import { decodeFrame, encodeFrame, FrameError } from '../src/codec.js';
import type { Envelope } from '../src/message.js';
import { Random } from '../src/random.js';
import { wireCopy } from '../src/wire-copy.js';

/** The real round trip through bytes, the reference. */
function throughBytes(batch: Envelope[]): Envelope[] {
  const d = decodeFrame(encodeFrame(batch).slice());
  if (d instanceof FrameError) throw d;
  return d;
}

/** Equal as the wire gives them: same keys in the same order, same types (Buffer, -0 vs 0, undefined kept). */
function sameAsWire(a: unknown, b: unknown): void {
  expect(Object.prototype.toString.call(a)).toBe(Object.prototype.toString.call(b));
  if (a instanceof Uint8Array) {
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
    expect(Buffer.from(a).equals(Buffer.from(b as Uint8Array))).toBe(true);
    return;
  }
  if (typeof a === 'object' && a !== null) {
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
    expect(Object.keys(a)).toEqual(Object.keys(b as object));
    for (const k of Object.keys(a)) sameAsWire((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
    return;
  }
  expect(Object.is(a, b)).toBe(true);
}

const env = (body: unknown, name = 'm'): Envelope => ({ to: 'a@h:1', from: 'b@h:2', name, body });

describe('wireCopy', () => {
  test('gives what the wire encoding gives for plain data', () => {
    const bodies: unknown[] = [
      undefined, null, 0, -0, 1.5, -7, 2 ** 53 + 2, -(2 ** 40), NaN, Infinity, true, '', 'héllo ✓',
      [1, undefined, null, [2, [3]]], [1, , 3], // eslint-disable-line no-sparse-arrays
      { b: 1, a: { c: [{ d: 'x' }] }, 2: 'two', 1: 'one', u: undefined },
      { bytes: Buffer.from([1, 2, 3]), view: new Uint8Array([4, 5]), sub: Buffer.from([9, 8, 7]).subarray(1) },
      Object.assign(Object.create(null) as object, { x: 1 }),
      Object.assign([1, 2], { extra: 'dropped' }),
    ];
    for (const body of bodies) {
      const batch = [env(body), env({ wrapped: body }, 'n')];
      const fast = wireCopy(batch);
      expect(fast).toBeDefined();
      sameAsWire(fast, throughBytes(batch));
    }
  });

  test('random plain values come out as the wire gives them', () => {
    const random = new Random(11);
    const value = (depth: number): unknown => {
      const k = random.int(depth > 3 ? 5 : 8);
      switch (k) {
        case 0: return random.int(1000) - 500;
        case 1: return random.float() * 1e6;
        case 2: return `s${random.int(100)}`;
        case 3: return random.chance(0.5);
        case 4: return random.chance(0.5) ? null : undefined;
        case 5: return Array.from({ length: random.int(4) }, () => value(depth + 1));
        case 6: return Object.fromEntries(Array.from({ length: random.int(5) }, (_, i) => [`k${random.int(9)}${i}`, value(depth + 1)]));
        default: return Buffer.from([random.int(256), random.int(256)]);
      }
    };
    for (let i = 0; i < 300; i++) {
      const batch = Array.from({ length: 1 + random.int(3) }, () => env(value(0)));
      sameAsWire(wireCopy(batch), throughBytes(batch));
    }
  });

  test('copies: the sender changing its object afterwards changes nothing delivered', () => {
    const body = { list: [1], inner: { x: 1 }, bytes: Buffer.from([1]) };
    const [copy] = wireCopy([env(body)])!;
    body.list.push(2);
    body.inner.x = 2;
    body.bytes[0] = 9;
    expect(copy!.body).toEqual({ list: [1], inner: { x: 1 }, bytes: Buffer.from([1]) });
  });

  test('anything but plain data is left to the real encoding', () => {
    class K {
      a = 1;
    }
    const fn = (): number => 1;
    for (const body of [new K(), new Map([[1, 2]]), new Set([1]), new Date(0), fn, Symbol('s'), 5n, new Uint16Array(2), 'lone \ud800', { nested: [new K()] }, { ['\udc00']: 1 }, JSON.parse('{"__proto__": 1}') as unknown]) {
      expect(wireCopy([env(body)])).toBeUndefined();
    }
    expect(wireCopy([{ to: '', from: 'b@h:2', name: 'm', body: 1 }])).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(wireCopy([env(deep)])).toBeUndefined();
  });
});
