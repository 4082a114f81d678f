import { describe, test, expect } from '@jest/globals';
import { pack } from 'msgpackr';
import { decodeFrame, encodeFrame, FrameError } from '../src/codec.js';
import type { Envelope } from '../src/message.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const str = (s: string): string => (0xa0 + s.length).toString(16) + Buffer.from(s).toString('hex');

describe('encodeFrame', () => {
  test('one message is a flat fixarray of to, from, name, body', () => {
    const frame = encodeFrame([{ to: 'a@h:1', from: 'b@h:2', name: 'ping', body: 1 }]);
    expect(hex(frame)).toBe('94' + str('a@h:1') + str('b@h:2') + str('ping') + '01');
  });

  test('a batch is one array of 4n items, bodies as plain msgpack maps', () => {
    const frame = encodeFrame([
      { to: 't@h:1', from: 'f@h:2', name: 'a', body: { x: 1 } },
      { to: 't@h:1', from: 'f@h:2', name: 'b', body: null },
    ]);
    // 0x98: fixarray of 8; 0x81: fixmap of 1 (no msgpackr record extension);
    // 0xc0 (nil) for a `to`/`from` equal to the previous message's, and as the null body
    expect(hex(frame)).toBe('98' + str('t@h:1') + str('f@h:2') + str('a') + '81' + str('x') + '01'
      + 'c0' + 'c0' + str('b') + 'c0');
    expect(decodeFrame(frame)).toEqual([
      { to: 't@h:1', from: 'f@h:2', name: 'a', body: { x: 1 } },
      { to: 't@h:1', from: 'f@h:2', name: 'b', body: null },
    ]);
  });

  test('round-trips bodies of every msgpack type', () => {
    const messages: Envelope[] = [
      { to: 'p(1)@10.0.0.1:5050', from: 'scheduler-7@127.0.0.1:40000', name: 'offer', body: { id: 'o1', cpus: 2.5, ids: [1, 2, 3], nested: { ok: true, none: null } } },
      { to: 'p(1)@10.0.0.1:5050', from: 'x@h:1', name: 'bytes', body: Buffer.from([0, 1, 255]) },
      { to: 'p(1)@10.0.0.1:5050', from: 'x@h:1', name: 'big', body: 'é'.repeat(100_000) },
      { to: 'p(1)@10.0.0.1:5050', from: 'x@h:1', name: 'neg', body: -123456789012 },
    ];
    const decoded = decodeFrame(encodeFrame(messages));
    expect(decoded).not.toBeInstanceOf(FrameError);
    const d = decoded as Envelope[];
    expect(d.map((m) => [m.to, m.from, m.name])).toEqual(messages.map((m) => [m.to, m.from, m.name]));
    expect(d[0]!.body).toEqual(messages[0]!.body);
    expect(Buffer.from(d[1]!.body as Uint8Array)).toEqual(Buffer.from([0, 1, 255]));
    expect(d[2]!.body).toBe('é'.repeat(100_000));
    expect(d[3]!.body).toBe(-123456789012);
  });

  test('a frame stays valid after later encodes (no shared-buffer overwrite)', () => {
    const first = encodeFrame([{ to: 'a@h:1', from: 'b@h:1', name: 'n', body: 'first' }]);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1000; i++) encodeFrame([{ to: 'a@h:1', from: 'b@h:1', name: 'n', body: 'x'.repeat(i) }]);
    expect(Buffer.from(first)).toEqual(copy);
  });
});

describe('decodeFrame', () => {
  test('nil repeats the previous to/from/name; a new value resets it', () => {
    const frame = pack(['a@h:1', 'b@h:1', 'x', 1, null, null, 'y', 2, 'c@h:1', null, null, 3]);
    expect(decodeFrame(frame)).toEqual([
      { to: 'a@h:1', from: 'b@h:1', name: 'x', body: 1 },
      { to: 'a@h:1', from: 'b@h:1', name: 'y', body: 2 },
      { to: 'c@h:1', from: 'b@h:1', name: 'y', body: 3 },
    ]);
    const mixed: Envelope[] = [
      { to: 'a@h:1', from: 'b@h:1', name: 'x', body: 1 },
      { to: 'c@h:1', from: 'b@h:1', name: 'x', body: 2 },
      { to: 'a@h:1', from: 'd@h:1', name: 'z', body: 3 },
      { to: 'a@h:1', from: 'd@h:1', name: 'z', body: 4 },
    ];
    expect(decodeFrame(encodeFrame(mixed))).toEqual(mixed);
  });

  test('decodes hand-written bytes', () => {
    const bytes = Buffer.from('94' + str('a@h:1') + str('b@h:2') + str('ping') + '81' + str('k') + 'a0', 'hex');
    expect(decodeFrame(bytes)).toEqual([{ to: 'a@h:1', from: 'b@h:2', name: 'ping', body: { k: '' } }]);
  });

  const bad: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['truncated', Buffer.from('94' + str('a@h:1'), 'hex')],
    ['reserved byte 0xc1', Buffer.from('c1', 'hex')],
    ['garbage', Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ['not an array', pack({ to: 'a', from: 'b', name: 'c', body: 1 })],
    ['empty array', pack([])],
    ['3 items', pack(['a@h:1', 'b@h:1', 'n'])],
    ['5 items', pack(['a@h:1', 'b@h:1', 'n', 1, 'x'])],
    ['to not a string', pack([1, 'b@h:1', 'n', 1])],
    ['from empty', pack(['a@h:1', '', 'n', 1])],
    ['name null in the first message', pack(['a@h:1', 'b@h:1', null, 1])],
    ['to nil (repeat) in the first message', pack([null, 'b@h:1', 'n', 1])],
    ['bad second message', pack(['a@h:1', 'b@h:1', 'n', 1, 'a@h:1', 'b@h:1', ['x'], 1])],
    ['array32 header claiming 4 billion items', Buffer.from('ddffffffff01', 'hex')],
    ['str32 header claiming 4 GB', Buffer.from('dbffffffff61', 'hex')],
    ['a valid frame followed by trailing bytes', Buffer.concat([pack(['a@h:1', 'b@h:1', 'n', 1]), Buffer.from([1])])],
  ];
  test.each(bad)('refuses %s with a FrameError, never throws', (_label, bytes) => {
    const result = decodeFrame(bytes);
    expect(result).toBeInstanceOf(FrameError);
    expect((result as FrameError).code).toBe('E_BAD_FRAME');
  });

  test('__proto__ keys in a body do not pollute prototypes', () => {
    const bytes = Buffer.from('94' + str('a@h:1') + str('b@h:2') + str('p') + '81' + 'a9' + Buffer.from('__proto__').toString('hex') + '81' + str('polluted') + 'c3', 'hex');
    const result = decodeFrame(bytes) as Envelope[];
    expect(Array.isArray(result)).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(result[0]!.body)).toBe(Object.prototype);
  });
});
