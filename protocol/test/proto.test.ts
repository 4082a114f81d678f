// Protobuf on the wire: every golden of the v1 APIs (scheduler, executor,
// master and agent operator calls, responses and events, and the mesos.proto
// types) round-trips JSON -> protobuf -> JSON unchanged; known bytes decode
// as Mesos's clients write them; media negotiation as libprocess does it.
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '../json/index.js';
import { accepts, fromProtobuf, protoType, requestEncoding, responseMedia, toProtobuf } from '../proto/index.js';

const dir = fileURLToPath(new URL('./golden/', import.meta.url));
const goldens = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

describe('every golden round-trips JSON -> protobuf -> JSON unchanged', () => {
  test('there are goldens of every API', () => {
    for (const api of ['scheduler.Call', 'scheduler.Event', 'executor.Call', 'executor.Event', 'master.Call', 'master.Response', 'master.Event', 'agent.Call', 'agent.Response']) {
      expect([api, goldens.some((g) => g.startsWith(`${api}@`))]).toEqual([api, true]);
    }
  });
  for (const name of goldens) {
    test(name, () => {
      const type = name.split('@')[0]!;
      const json = JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as Record<string, unknown>;
      const bytes = toProtobuf(type, json);
      expect(bytes.length).toBeGreaterThan(0);
      const back = fromProtobuf(type, bytes);
      expect(back).toEqual(json);
      // and the codec reads it as it reads the JSON
      expect(encode(type, decode(type, back))).toEqual(encode(type, decode(type, json)));
    });
  }
});

describe('protobuf bytes', () => {
  test('field numbers and wire types as Mesos writes them', () => {
    // scheduler.Call{framework_id{value:"f"}, type: ACCEPT(3), accept{offer_ids[{value:"o"}], filters{refuse_seconds: 5}}}
    const hex = '0a030a0166100322100a030a016f1a09090000000000001440';
    expect(fromProtobuf('scheduler.Call', Buffer.from(hex, 'hex'))).toEqual({ framework_id: { value: 'f' }, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: 5 } } });
    expect(Buffer.from(toProtobuf('scheduler.Call', { type: 'ACCEPT', framework_id: { value: 'f' }, accept: { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: 5 } } })).toString('hex')).toBe(hex);
    // repeated scalars unpacked, as proto2 writes them: HealthCheck.HTTPCheckInfo.statuses = 4
    expect(Buffer.from(toProtobuf('HealthCheck.HTTPCheckInfo', { port: 80, statuses: [200, 201] })).toString('hex')).toBe('085020c80120c901');
    expect(protoType('TaskStatus').fields['uuid']!.id).toBe(11);
  });

  test('bad bytes, a missing required field and an unknown enum number are refused, naming why', () => {
    expect(() => fromProtobuf('scheduler.Call', Buffer.from([0x0a, 0x05, 0x0a]))).toThrow(/^not a scheduler\.Call protobuf: /);
    expect(() => fromProtobuf('FrameworkID', Buffer.alloc(0))).toThrow("not a FrameworkID protobuf: missing required 'value'");
    // type = 99: proto2 enums are closed, so an unknown number is an unknown field (as in Mesos's C++), and the call has no type
    const call = fromProtobuf('scheduler.Call', Buffer.from([0x10, 99]));
    expect(call).toEqual({});
    expect(() => decode('scheduler.Call', call)).toThrow('type: missing required field of scheduler.Call');
  });
});

describe('media negotiation', () => {
  test('Accept as libprocess reads it', () => {
    expect(accepts(undefined, 'application/json')).toBe(true);
    expect(accepts('application/x-protobuf', 'application/json')).toBe(false);
    expect(accepts('application/*;q=0.5, application/json;q=0', 'application/json')).toBe(false);
    expect(accepts('application/*;q=0.5, application/json;q=0', 'application/x-protobuf')).toBe(true);
    expect(accepts('*/*', 'application/x-protobuf')).toBe(true);
    expect(accepts('text/html', 'application/x-protobuf')).toBe(false);
  });
  test('request and response media', () => {
    expect(requestEncoding('application/x-protobuf')).toBe('protobuf');
    expect(requestEncoding('application/json; charset=utf-8')).toBe('json');
    expect(requestEncoding(undefined)).toEqual({ status: 400, message: "Expecting 'Content-Type' to be present" });
    expect(requestEncoding('text/plain')).toEqual({ status: 415, message: "Expecting 'Content-Type' of application/json or application/x-protobuf, received 'text/plain'" });
    expect(responseMedia(undefined, undefined, false)).toEqual({ encoding: 'json', contentType: 'application/json' });
    expect(responseMedia('application/x-protobuf', undefined, true)).toEqual({ encoding: 'protobuf', contentType: 'application/x-protobuf' });
    expect(responseMedia('application/recordio', 'application/x-protobuf', true)).toEqual({ encoding: 'protobuf', contentType: 'application/recordio', messageContentType: 'application/x-protobuf' });
    expect(responseMedia('application/recordio', undefined, true)).toEqual({ encoding: 'json', contentType: 'application/recordio', messageContentType: 'application/json' });
    expect(responseMedia('application/recordio', 'text/plain', true)).toEqual({ status: 406, message: "Expecting 'Message-Accept' to allow application/json or application/x-protobuf" });
    expect(responseMedia('application/recordio', undefined, false)).toMatchObject({ status: 406 });
    expect(responseMedia('text/html', undefined, false)).toEqual({ status: 406, message: "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'" });
  });
});
