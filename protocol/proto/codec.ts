/**
 * Mesos v1 messages in protobuf, both ways, through their v1 JSON form: the
 * same JSON the codec of json/ reads and writes, so both encodings share
 * one set of checks and one set of goldens.
 *
 *   const bytes = toProtobuf('scheduler.Event', encode('scheduler.Event', event));
 *   const call = decode('scheduler.Call', fromProtobuf('scheduler.Call', body));  // then the usual checks
 *
 * Enums travel as their numbers and come back as names (proto2 enums are
 * closed: an unknown number is an unknown field, dropped, as Mesos's C++
 * parser does);
 * 64-bit integers as numbers; bytes as base64 in the JSON form; non-finite
 * doubles as "Infinity" / "-Infinity" / "NaN". Fields the schema does not
 * know are dropped.
 */
import { ProtocolError } from '../errors.js';
import { protoType } from './schema.js';

/** Mesos v1 JSON of `type` -> its protobuf bytes. Throws ProtocolError E_BAD_MESSAGE naming the problem. */
export function toProtobuf(type: string, json: unknown): Uint8Array {
  const t = protoType(type);
  try {
    return t.encode(t.fromObject(json as Record<string, unknown>)).finish();
  } catch (err) {
    throw new ProtocolError('E_BAD_MESSAGE', `cannot encode ${type} as protobuf: ${(err as Error).message}`);
  }
}

/** Protobuf bytes of `type` -> its Mesos v1 JSON. Throws ProtocolError E_BAD_MESSAGE when the bytes do not parse (a required field missing included). */
export function fromProtobuf(type: string, bytes: Uint8Array): Record<string, unknown> {
  const t = protoType(type);
  try {
    return t.toObject(t.decode(bytes), { enums: String, longs: Number, bytes: String, json: true });
  } catch (err) {
    throw new ProtocolError('E_BAD_MESSAGE', `not a ${type} protobuf: ${(err as Error).message}`);
  }
}
