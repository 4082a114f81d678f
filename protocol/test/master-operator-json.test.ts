// The master's v1 operator API in JSON (master.proto): a golden file for each
// call the master carries out, each query's response and each event of the
// SUBSCRIBE stream, and each of them round-trips through decode/encode. (The
// goldens of responses and events are what a live master answers:
// master/test/http-operator-golden.test.ts compares them.)
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MASTER_CALL_TYPES, MASTER_EVENT_TYPES, MASTER_RESPONSE_TYPES, decode, encode } from '../json/index.js';
import { protocolError } from './helpers.js';

const dir = fileURLToPath(new URL('./golden/', import.meta.url));
const variants = new Set(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')));
const load = (name: string): unknown => JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8'));

const QUERIES = ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_ROLES', 'GET_MASTER', 'GET_QUOTA', 'GET_WEIGHTS'] as const;
const CALLS = [...QUERIES, 'SET_LOGGING_LEVEL', 'UPDATE_QUOTA', 'SET_QUOTA', 'REMOVE_QUOTA', 'UPDATE_WEIGHTS', 'TEARDOWN', 'MARK_AGENT_GONE', 'SUBSCRIBE', 'RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME'] as const;
const EVENTS = ['SUBSCRIBED', 'TASK_ADDED', 'TASK_UPDATED', 'AGENT_ADDED', 'AGENT_REMOVED', 'FRAMEWORK_ADDED', 'FRAMEWORK_UPDATED', 'FRAMEWORK_REMOVED', 'HEARTBEAT'] as const;

const goldens: [type: 'master.Call' | 'master.Response' | 'master.Event', variant: string][] = [
  ...CALLS.map((t) => ['master.Call', t] as ['master.Call', string]),
  ...QUERIES.map((t) => ['master.Response', t] as ['master.Response', string]),
  ...EVENTS.map((t) => ['master.Event', t] as ['master.Event', string]),
];

const errorOf = (f: () => unknown): string => protocolError(f).message;

describe('master operator API JSON', () => {
  test('a golden for each call, each query response and each event, all of them types of master.proto', () => {
    for (const [type, variant] of goldens) {
      const names: readonly string[] = type === 'master.Call' ? MASTER_CALL_TYPES : type === 'master.Response' ? MASTER_RESPONSE_TYPES : MASTER_EVENT_TYPES;
      expect([type, variant, names.includes(variant), variants.has(`${type}@${variant}`)]).toEqual([type, variant, true, true]);
    }
  });

  for (const [type, variant] of goldens) {
    test(`${type}@${variant} round-trips and names its type`, () => {
      const json = load(`${type}@${variant}`) as { type: string };
      expect(json.type).toBe(variant);
      const value = decode(type, json);
      expect(encode(type, value)).toEqual(json);
      expect(decode(type, JSON.parse(JSON.stringify(encode(type, value))))).toEqual(value);
    });
  }

  test('each response carries the field of its type, and the SUBSCRIBED event a whole state', () => {
    for (const t of QUERIES) expect(Object.keys(load(`master.Response@${t}`) as object).sort()).toEqual([t.toLowerCase(), 'type'].sort());
    const subscribed = decode('master.Event', load('master.Event@SUBSCRIBED'));
    expect(Object.keys(subscribed.subscribed!.get_state!).sort()).toEqual(['get_agents', 'get_executors', 'get_frameworks', 'get_tasks']);
    expect(subscribed.subscribed!.get_state!.get_tasks!.tasks!.map((t) => t.task_id.value)).toEqual(['t1']);
  });

  test('required fields, enum names and unknown call types are errors naming the field', () => {
    expect(errorOf(() => decode('master.Call', { type: 'TEARDOWN', teardown: {} }))).toBe('teardown.framework_id: missing required field of master.Call.Teardown');
    expect(errorOf(() => decode('master.Call', { type: 'MARK_AGENT_GONE', mark_agent_gone: {} }))).toBe('mark_agent_gone.agent_id: missing required field of master.Call.MarkAgentGone');
    expect(errorOf(() => decode('master.Call', { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'gold' }] } }))).toBe(
      'update_weights.weight_infos[0].weight: missing required field of WeightInfo',
    );
    expect(errorOf(() => decode('master.Call', { type: 'GET_CONTAINERS' }))).toMatch(/^type: unknown master\.Call\.Type value 'GET_CONTAINERS'/);
    expect(errorOf(() => decode('master.Event', { type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'f' }, status: { task_id: { value: 't' }, state: 'TASK_RUNNING' }, state: 1 } }))).toBe(
      'task_updated.state: expected a TaskState name string (numbers are not accepted), got 1',
    );
    expect(errorOf(() => decode('master.Response', { type: 'GET_QUOTA', get_quota: {} }))).toBe('get_quota.status: missing required field of master.Response.GetQuota');
  });
});
