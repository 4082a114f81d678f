import { describe, test, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JSON_TYPE_NAMES, decode, encode, mesosSchema, parse, stringify } from '../json/index.js';
import { Resources } from '../resources.js';
import { CALL_TYPES, EVENT_TYPES } from '../scheduler.js';
import { protocolError } from './helpers.js';

const dir = fileURLToPath(new URL('./golden/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const typeOf = (file: string): string => file.replace(/\.json$/, '').split('@')[0]!;
const load = (file: string): unknown => JSON.parse(readFileSync(dir + file, 'utf8'));

const errorOf = protocolError;

/** Every Resource array anywhere in a JSON value, by key name. */
function resourceArrays(v: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(v)) v.forEach((x) => resourceArrays(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'resources' || k === 'volumes') && Array.isArray(x) && x.every((r) => r && typeof r === 'object' && 'type' in r && 'name' in r)) out.push(x);
      resourceArrays(x, out);
    }
  }
  return out;
}

describe('golden v1 JSON', () => {
  test('there is a golden file for every JSON type, call and event', () => {
    const types = new Set(files.map(typeOf));
    for (const t of JSON_TYPE_NAMES) expect([t, types.has(t)]).toEqual([t, true]);
    const variants = new Set(files.map((f) => f.replace(/\.json$/, '')));
    for (const c of ['SUBSCRIBE', 'ACCEPT', 'DECLINE', 'REVIVE', 'SUPPRESS', 'KILL', 'SHUTDOWN', 'ACKNOWLEDGE', 'RECONCILE', 'MESSAGE', 'TEARDOWN', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE_OPERATIONS']) {
      expect(CALL_TYPES).toContain(c);
      expect(variants.has(`scheduler.Call@${c}`)).toBe(true);
    }
    for (const e of ['SUBSCRIBED', 'OFFERS', 'RESCIND', 'UPDATE', 'MESSAGE', 'FAILURE', 'ERROR', 'HEARTBEAT', 'UPDATE_OPERATION_STATUS']) {
      expect(EVENT_TYPES).toContain(e);
      expect(variants.has(`scheduler.Event@${e}`)).toBe(true);
    }
  });

  for (const file of files) {
    test(`${file} round-trips`, () => {
      const json = load(file);
      const type = typeOf(file);
      const value = decode(type, json);
      expect(encode(type, value)).toEqual(json);
      // Decoding is stable: decode(encode(decode(x))) == decode(x), also through JSON text.
      expect(decode(type, JSON.parse(JSON.stringify(encode(type, value))))).toEqual(value);
      // Every resource list in the fixtures is valid to Resources too.
      for (const list of resourceArrays(json)) Resources.fromJSON(list);
    });
  }

  test('the Offer.Operation types of the ACCEPT golden', () => {
    const call = decode('scheduler.Call', load('scheduler.Call@ACCEPT.json'));
    expect(call.accept!.operations!.map((o) => o.type)).toEqual(['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY']);
  });
});

describe('v1 JSON rules', () => {
  test('ids are {"value": ...}', () => {
    expect(decode('TaskID', { value: 't' })).toEqual({ value: 't' });
    expect(errorOf(() => decode('TaskID', 't')).message).toBe('<root>: expected a TaskID object, got the string "t"');
  });

  test('enums are name strings; numbers and unknown names are rejected', () => {
    expect(errorOf(() => decode('TaskStatus', { task_id: { value: 'a' }, state: 1 })).message).toBe(
      'state: expected a TaskState name string (numbers are not accepted), got 1',
    );
    const e = errorOf(() => decode('TaskStatus', { task_id: { value: 'a' }, state: 'TASK_RUNNING', reason: 'REASON_NOPE' }));
    expect(e.code).toBe('E_BAD_JSON');
    expect(e.message).toMatch(/^reason: unknown TaskStatus.Reason value 'REASON_NOPE' \(expected one of REASON_COMMAND_EXECUTOR_FAILED, /);
  });

  test('bytes are base64 in JSON and Uint8Array in memory', () => {
    const s = decode('TaskStatus', { task_id: { value: 'a' }, state: 'TASK_RUNNING', uuid: 'ASNFZ4mrze8BI0VniavN7w==', data: '' });
    expect(s.uuid).toBeInstanceOf(Uint8Array);
    expect(Array.from(s.uuid!)).toEqual([1, 35, 69, 103, 137, 171, 205, 239, 1, 35, 69, 103, 137, 171, 205, 239]);
    expect(s.data!.length).toBe(0);
    expect(encode('TaskStatus', { task_id: { value: 'a' }, state: 'TASK_RUNNING', data: new Uint8Array([104, 105]) })['data']).toBe('aGk=');
    expect(errorOf(() => decode('TaskStatus', { task_id: { value: 'a' }, state: 'TASK_RUNNING', uuid: '***' })).message).toBe(
      'uuid: expected base64 bytes, got invalid base64',
    );
    expect(errorOf(() => decode('TaskStatus', { task_id: { value: 'a' }, state: 'TASK_RUNNING', uuid: [1, 2] })).message).toBe(
      'uuid: expected base64 bytes (a string), got an array',
    );
  });

  test('null and a missing key both mean unset; unknown keys are ignored', () => {
    const a = decode('CommandInfo', { value: 'ls', shell: null, user: null, uris: null, what_is_this: 42 });
    expect(a).toEqual({ value: 'ls' });
    expect(decode('TaskID', { value: 'x', extra: { deep: [1] } })).toEqual({ value: 'x' });
  });

  test('fields with a default are present on output', () => {
    expect(encode('CommandInfo', {})).toEqual({ shell: true });
    expect(encode('Filters', {})).toEqual({ refuse_seconds: 5 });
    expect(encode('FrameworkInfo', { user: 'u', name: 'n' })).toEqual({ user: 'u', name: 'n', failover_timeout: 0, checkpoint: false });
    expect(encode('AgentInfo', { hostname: 'h' })).toEqual({ hostname: 'h', port: 5051 });
    expect(encode('HealthCheck', {})).toEqual({
      delay_seconds: 15,
      interval_seconds: 10,
      timeout_seconds: 20,
      consecutive_failures: 3,
      grace_period_seconds: 10,
    });
    // Deprecated fields are not written from their default (FrameworkInfo.role = "*").
    expect(encode('FrameworkInfo', { user: 'u', name: 'n' })).not.toHaveProperty('role');
  });

  test('decode can fill defaults on request', () => {
    expect(decode('CommandInfo', { value: 'ls' }, { defaults: true })).toEqual({ value: 'ls', shell: true });
    expect(decode('Filters', {}, { defaults: true })).toEqual({ refuse_seconds: 5 });
  });

  test('doubles accept "Infinity" and numeric strings, and are written back as such', () => {
    expect(decode('Filters', { refuse_seconds: 'Infinity' }).refuse_seconds).toBe(Infinity);
    expect(decode('Filters', { refuse_seconds: '2.5' }).refuse_seconds).toBe(2.5);
    expect(encode('Filters', { refuse_seconds: Infinity })).toEqual({ refuse_seconds: 'Infinity' });
    expect(errorOf(() => decode('Filters', { refuse_seconds: true })).message).toBe('refuse_seconds: expected a number, got boolean true');
  });

  test('integers accept decimal strings and are range-checked', () => {
    expect(decode('DurationInfo', { nanoseconds: '5000' })).toEqual({ nanoseconds: 5000 });
    // A wall-clock TimeInfo as Mesos writes it (nanoseconds since the epoch, above 2^53).
    expect(decode('TimeInfo', { nanoseconds: 1_764_600_000_000_000_000 }).nanoseconds).toBe(1_764_600_000_000_000_000);
    expect(errorOf(() => decode('DurationInfo', { nanoseconds: 2 ** 64 })).message).toBe('nanoseconds: 18446744073709552000 is out of range for int64');
    expect(errorOf(() => decode('DurationInfo', { nanoseconds: 1.5 })).message).toBe('nanoseconds: expected an integer (int64), got 1.5');
    expect(errorOf(() => decode('AgentInfo', { hostname: 'h', port: 2 ** 40 })).message).toBe('port: 1099511627776 is out of range for int32');
    expect(errorOf(() => decode('Resource', { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: -1, end: 2 }] } })).message).toBe(
      'ranges.range[0].begin: -1 is out of range for uint64',
    );
  });

  test('required fields', () => {
    expect(errorOf(() => decode('TaskInfo', { name: 'x', task_id: { value: 'y' } })).message).toBe('agent_id: missing required field of TaskInfo');
    expect(errorOf(() => decode('scheduler.Call', {})).message).toBe('type: missing required field of scheduler.Call');
  });

  test('errors name the field path', () => {
    const call = load('scheduler.Call@ACCEPT.json') as { accept: { operations: { launch?: { task_infos: { resources: { scalar?: { value: unknown } }[] }[] } }[] } };
    call.accept.operations[0]!.launch!.task_infos[0]!.resources[1]!.scalar!.value = 'lots';
    const e = errorOf(() => decode('scheduler.Call', call));
    expect(e.code).toBe('E_BAD_JSON');
    expect(e.message).toBe('accept.operations[0].launch.task_infos[0].resources[1].scalar.value: expected a number, got the string "lots"');
    expect(errorOf(() => decode('AgentInfo', { hostname: 'h', attributes: {} })).message).toBe('attributes: expected an array, got an object');
  });

  test('parse / stringify wrap JSON text', () => {
    expect(parse('TaskID', '{"value":"a"}')).toEqual({ value: 'a' });
    expect(errorOf(() => parse('TaskID', '{')).message).toMatch(/^not valid JSON: /);
    expect(stringify('CommandInfo', { value: 'ls' })).toBe('{"shell":true,"value":"ls"}');
  });

  test('unknown type names are an error', () => {
    expect(errorOf(() => decode('Nope', {})).message).toBe("no JSON schema for type 'Nope'");
    expect(mesosSchema.messages.size).toBeGreaterThan(60);
  });

  test('legacy Resource.role is read and written when set, never from its default', () => {
    const r = decode('Resource', { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng' });
    expect(encode('Resource', r)).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng' });
    expect(encode('Resource', { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } })).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } });
  });
});
