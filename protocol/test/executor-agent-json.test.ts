// The v1 executor API and agent operator API in JSON: a golden file for each
// call, event and response (json.test.ts checks each round-trips), the errors
// naming the field, and the RecordIO framing shared by every stream.
import { describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AGENT_CALL_TYPES, EXECUTOR_CALL_TYPES, EXECUTOR_EVENT_TYPES, RecordIOReader, decode, encode, recordio } from '../json/index.js';
import { protocolError } from './helpers.js';

const dir = fileURLToPath(new URL('./golden/', import.meta.url));
const variants = new Set(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')));

const errorOf = (f: () => unknown): string => protocolError(f).message;

describe('executor API JSON', () => {
  test('a golden for every call and event type but UNKNOWN', () => {
    for (const t of EXECUTOR_CALL_TYPES.filter((t) => t !== 'UNKNOWN')) expect([t, variants.has(`executor.Call@${t}`)]).toEqual([t, true]);
    for (const t of EXECUTOR_EVENT_TYPES.filter((t) => t !== 'UNKNOWN')) expect([t, variants.has(`executor.Event@${t}`)]).toEqual([t, true]);
  });

  test('executor_id and framework_id are required; errors name the field', () => {
    expect(errorOf(() => decode('executor.Call', { framework_id: { value: 'f' }, type: 'SUBSCRIBE' }))).toBe('executor_id: missing required field of executor.Call');
    expect(errorOf(() => decode('executor.Call', { executor_id: { value: 'e' }, type: 'SUBSCRIBE' }))).toBe('framework_id: missing required field of executor.Call');
    expect(errorOf(() => decode('executor.Call', { executor_id: { value: 'e' }, framework_id: { value: 'f' }, type: 'LAUNCH' }))).toBe(
      "type: unknown executor.Call.Type value 'LAUNCH' (expected one of UNKNOWN, SUBSCRIBE, UPDATE, MESSAGE, HEARTBEAT)",
    );
    expect(errorOf(() => decode('executor.Call', { executor_id: { value: 'e' }, framework_id: { value: 'f' }, type: 'UPDATE', update: { status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: 'not base64!' } } }))).toBe(
      'update.status.uuid: expected base64 bytes, got invalid base64',
    );
  });

  test('bytes are base64 both ways; unknown keys are ignored', () => {
    const call = decode('executor.Call', { executor_id: { value: 'e' }, framework_id: { value: 'f' }, type: 'MESSAGE', message: { data: 'aGk=' }, extra: 1 });
    expect(Buffer.from(call.message!.data).toString()).toBe('hi');
    expect(encode('executor.Event', { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't' }, uuid: new Uint8Array([1, 2, 3]) } })).toEqual({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't' }, uuid: 'AQID' } });
  });
});

describe('agent operator API JSON', () => {
  test('a call and a response golden for each call the agent answers', () => {
    for (const t of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_AGENT', 'GET_RESOURCE_PROVIDERS']) {
      expect(AGENT_CALL_TYPES).toContain(t);
      expect([t, variants.has(`agent.Call@${t}`), variants.has(`agent.Response@${t}`)]).toEqual([t, true, true]);
    }
    // Answered 200 without a body.
    expect(variants.has('agent.Call@SET_LOGGING_LEVEL')).toBe(true);
    // The nested container calls (200/202 without a body, but WAIT).
    for (const t of ['LAUNCH_NESTED_CONTAINER', 'WAIT_NESTED_CONTAINER', 'KILL_NESTED_CONTAINER', 'REMOVE_NESTED_CONTAINER', 'LAUNCH_CONTAINER', 'WAIT_CONTAINER', 'KILL_CONTAINER', 'REMOVE_CONTAINER']) {
      expect([t, variants.has(`agent.Call@${t}`), !t.startsWith('WAIT') || variants.has(`agent.Response@${t}`)]).toEqual([t, true, true]);
    }
  });

  test('an unknown call type is rejected naming the field', () => {
    expect(errorOf(() => decode('agent.Call', { type: 'GET_AGENTS' }))).toMatch(/^type: unknown agent\.Call\.Type value 'GET_AGENTS'/);
    expect(errorOf(() => decode('agent.Call', { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 'soon' } } }))).toBe('get_metrics.timeout.nanoseconds: expected an integer (int64), got the string "soon"');
  });
});

describe('RecordIO', () => {
  test('length in bytes (not characters), then compact JSON', () => {
    expect(recordio({ type: 'HEARTBEAT' })).toBe('20\n{"type":"HEARTBEAT"}');
    expect(recordio({ m: 'é' })).toBe('10\n{"m":"é"}');
  });

  test('the reader reassembles records split anywhere, and across multibyte characters', () => {
    const text = recordio({ a: 1 }) + recordio({ m: 'héllo' }) + recordio({ type: 'HEARTBEAT' });
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new RecordIOReader();
      const got = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))];
      expect(got).toEqual([{ a: 1 }, { m: 'héllo' }, { type: 'HEARTBEAT' }]);
    }
  });

  test('a bad length is an error naming it', () => {
    expect(() => new RecordIOReader().push('x1\n{}')).toThrow("RecordIO: the record length 'x1' is not a decimal number");
    expect(() => new RecordIOReader(10).push('11\n')).toThrow('RecordIO: a record of 11 bytes is above the limit of 10');
  });
});
