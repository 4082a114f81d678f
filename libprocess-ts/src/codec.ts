import { Packr, Unpackr } from 'msgpackr';
import type { Envelope } from './message.js';

/**
 * The wire format of the WebSocket transport: one binary WebSocket message
 * (a "frame") carries a batch of envelopes, the messages one runtime queued
 * for another during one tick.
 *
 * A frame is ONE msgpack value: a flat array of 4 * n items
 *
 *     [to_1, from_1, name_1, body_1, to_2, from_2, name_2, body_2, ...]
 *
 * `to`, `from` and `name` are non-empty strings, `body` any msgpack value.
 * In every message but the first, `nil` in place of `to`, `from` or `name`
 * means "the same as in the message before" (a batch mostly repeats them).
 * The flat layout costs one array header per frame instead of one per
 * message, and the whole batch is encoded by a single `pack` call.
 *
 * Encoding: plain msgpack without msgpackr's record extension and with
 * minimal map headers (fixmap for small objects), so any msgpack decoder can
 * read a frame; see `docs` in the README for the measured cost of records.
 * Decoding is strict about the shape and never throws: a bad frame is
 * reported as a `FrameError` value that the transport counts and drops.
 */

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Fields per envelope in a frame. */
const FIELDS = 4;

/** Encodes a non-empty batch as one frame. The result may be a view into a shared buffer: send it before the next encode retires it (msgpackr never overwrites a returned frame). */
export function encodeFrame(messages: readonly Envelope[]): Uint8Array {
  const n = messages.length;
  const flat: unknown[] = new Array(n * FIELDS);
  let to = '';
  let from = '';
  let name = '';
  for (let i = 0, j = 0; i < n; i++, j += FIELDS) {
    const m = messages[i]!;
    flat[j] = m.to === to ? null : (to = m.to);
    flat[j + 1] = m.from === from ? null : (from = m.from);
    flat[j + 2] = m.name === name ? null : (name = m.name);
    flat[j + 3] = m.body;
  }
  return packr.pack(flat);
}

/** Why a frame was refused. */
export class FrameError extends Error {
  readonly code = 'E_BAD_FRAME';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FrameError';
  }
}

/** Decodes one frame into envelopes, or returns a FrameError for bytes that are not a well-formed frame. */
export function decodeFrame(frame: Uint8Array): Envelope[] | FrameError {
  if (frame.length === 0) return new FrameError('empty frame');
  let value: unknown;
  try {
    value = unpackr.unpack(frame);
  } catch (err) {
    return new FrameError(`frame does not decode as msgpack: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!Array.isArray(value)) return new FrameError(`frame is not an array but ${describe(value)}`);
  const len = value.length;
  if (len === 0 || len % FIELDS !== 0) return new FrameError(`frame has ${len} items, expected a positive multiple of ${FIELDS}`);
  const out: Envelope[] = new Array(len / FIELDS);
  let to: unknown = '';
  let from: unknown = '';
  let name: unknown = '';
  for (let i = 0, j = 0; j < len; i++, j += FIELDS) {
    const t: unknown = value[j];
    const f: unknown = value[j + 1];
    const n: unknown = value[j + 2];
    if (t !== null || i === 0) to = t;
    if (f !== null || i === 0) from = f;
    if (n !== null || i === 0) name = n;
    if (typeof to !== 'string' || to === '') return new FrameError(`message ${i}: 'to' is ${describe(t)}, expected a non-empty string`);
    if (typeof from !== 'string' || from === '') return new FrameError(`message ${i}: 'from' is ${describe(f)}, expected a non-empty string`);
    if (typeof name !== 'string' || name === '') return new FrameError(`message ${i}: 'name' is ${describe(n)}, expected a non-empty string`);
    out[i] = { to, from, name, body: value[j + 3] };
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return `a ${typeof value}`;
}
