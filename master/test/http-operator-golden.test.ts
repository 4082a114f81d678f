// The master's v1 operator API (POST /api/v1) against the golden files of
// master.proto JSON in protocol/test/golden/ (master.Response@<TYPE>.json,
// master.Event@<TYPE>.json): a real master on a socket, one agent, one
// framework with one running task. Values that change from run to run
// (ports, times, uuids, the metrics' values) become fixed placeholders of the
// same JSON type, so the goldens still decode. Each live answer is then
// decoded and encoded with the schema (which also checks field names, enum
// names and required fields) and compared. `UPDATE_GOLDEN=1` writes the
// goldens instead; read the diff before committing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PID, Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { decode, encode } from '../../protocol/json/index.js';
import { tempDir, type TempDir } from '../../test/temp.js';
import { MASTER_LOG_FILE } from '../log-file.js';
import { startMasterIn } from '../main.js';
import type { MasterProtocol } from '../master.js';
import { TestAgent, TestScheduler, commandTask } from './helpers/peers.js';
import { call, callProtobuf, follow, type Json } from './helpers/operator-client.js';


const GOLDEN = fileURLToPath(new URL('../../protocol/test/golden/', import.meta.url));
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA==';
const TIME_KEYS = new Set(['registered_time', 'reregistered_time', 'unregistered_time', 'estimated_drain_start_time', 'mtime']);
/** What the master's log file (--log_dir) holds in this test. */
const LOG_TEXT = 'I1207 12:00:00.000000 master started\nI1207 12:00:01.000000 agent registered\n';

/** Run-to-run values -> placeholders that keep their JSON type. */
function normalize(v: unknown, key = ''): unknown {
  if (TIME_KEYS.has(key)) return { nanoseconds: 0 };
  if (Array.isArray(v)) {
    if (key === 'metrics') return v.map((m: Json) => ({ ...m, value: 0 }));
    if (key === 'flags') return v.map((f: Json) => (f.name === 'log_dir' ? { ...f, value: '/tmp/golden-log' } : f));
    return v.map((x) => normalize(x, key));
  }
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, k)]));
  if (key === 'uuid') return ZERO_UUID;
  if (key === 'timestamp' || key === 'start_time' || key === 'elected_time' || key === 'port' || key === 'nlink' || key === 'mode') return 0;
  if (key === 'uid' || key === 'gid') return '0';
  if (typeof v === 'string') return v.replace(/@127\.0\.0\.1:\d+/g, '@127.0.0.1:0');
  return v;
}

/** The codec writes repeated fields only when non-empty; the master also writes `[]`. */
function withoutEmptyLists(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmptyLists);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => !(Array.isArray(x) && x.length === 0)).map(([k, x]) => [k, withoutEmptyLists(x)]));
  return v;
}

function expectGolden(type: 'master.Response' | 'master.Event', variant: string, live: Json): void {
  // Normalized first: times, ports and uuids differ run to run.
  const canonical = encode(type, decode(type, normalize(live)));
  // Nothing the master writes is dropped by the schema: no unknown or misspelled field.
  expect(withoutEmptyLists(normalize(live))).toEqual(canonical);
  const file = `${GOLDEN}${type}@${variant}.json`;
  const text = JSON.stringify(canonical, null, 2) + '\n';
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

/** The request body of a call: its master.Call golden. */
const callGolden = (type: string): Json => JSON.parse(readFileSync(`${GOLDEN}master.Call@${type}.json`, 'utf8')) as Json;

const stops: (() => Promise<void>)[] = [];
async function runtime(name: string): Promise<Runtime> {
  const r = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name, logger: createLogger(name, 'silent') }).start();
  stops.push(() => r.stop());
  return r;
}



let base: string;
let logDir: TempDir;
let stream: Awaited<ReturnType<typeof follow>>;
let agent: TestAgent;
let scheduler: TestScheduler;

beforeAll(async () => {
  const mr = await runtime('master');
  logDir = tempDir('golden-log');
  writeFileSync(`${logDir.path}/${MASTER_LOG_FILE}`, LOG_TEXT);
  const { pid } = startMasterIn(mr, { flags: { weights: { gold: 2 }, logDir: logDir.path }, masterId: 'm1', seed: 7 });
  base = `http://${mr.address}`;
  stream = await follow(base, callGolden('SUBSCRIBE'));
  await stream.until(() => stream.events.some((e) => e.type === 'HEARTBEAT'));
  const ar = await runtime('agent');
  agent = new TestAgent(pid, { resources: 'cpus:2;mem:512' });
  ar.spawn(agent, 'slave(1)');
  await agent.until(() => agent.agentId !== undefined);
  const sr = await runtime('scheduler');
  scheduler = new TestScheduler(pid as PID<MasterProtocol>, { user: 'u', name: 'golden', roles: ['gold'], capabilities: [{ type: 'MULTI_ROLE' }] });
  sr.spawn(scheduler, 'scheduler');
  scheduler.subscribe();
  await scheduler.until(() => scheduler.offers.size === 1);
  const [offer] = [...scheduler.offers.values()];
  // A long refusal keeps what is left of the agent out of offers, so offered_resources is empty.
  scheduler.launch(offer!, [commandTask('t1', offer!, 'cpus:1;mem:64')], 3600);
  await scheduler.until(() => scheduler.states('t1').includes('TASK_RUNNING'));
  await stream.until(() => stream.events.some((e) => e.type === 'TASK_UPDATED'));
  expect((await call(base, callGolden('UPDATE_QUOTA'))).status).toBe(200);
  expect((await call(base, callGolden('UPDATE_WEIGHTS'))).status).toBe(200);
}, 30_000);

afterAll(async () => {
  stream?.close();
  for (const s of stops.splice(0).reverse()) await s();
  await logDir?.remove();
});

describe('master operator API against the master.proto goldens', () => {
  for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_TASKS', 'GET_ROLES', 'GET_MASTER', 'GET_QUOTA', 'GET_WEIGHTS']) {
    test(type, async () => {
      // The request is the master.Call golden of the same type.
      const r = await call(base, callGolden(type));
      expect(r.status).toBe(200);
      const body = r.json();
      expect(body.type).toBe(type);
      expectGolden('master.Response', type, body);
      // The same call in protobuf both ways gives the same answer (the metrics' values and the uptime move between the two).
      const pb = await callProtobuf(base, callGolden(type));
      expect([pb.status, pb.contentType]).toEqual([200, 'application/x-protobuf']);
      expectGolden('master.Response', type, pb.json());
    });
  }

  test('GET_LOGGING_LEVEL, SET_LOGGING_LEVEL: 0, then what was set', async () => {
    expectGolden('master.Response', 'GET_LOGGING_LEVEL', (await call(base, callGolden('GET_LOGGING_LEVEL'))).json());
    const set = await call(base, callGolden('SET_LOGGING_LEVEL'));
    expect([set.status, set.text]).toEqual([200, '']);
    expect((await call(base, callGolden('GET_LOGGING_LEVEL'))).json()).toEqual({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 1 } });
    // Back to 0 at once (its revert timer cancelled).
    expect((await call(base, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 0, duration: { nanoseconds: 0 } } })).status).toBe(200);
    expect((await call(base, callGolden('GET_LOGGING_LEVEL'))).json().get_logging_level.level).toBe(0);
  });

  test('LIST_FILES and READ_FILE: the log file as /master/log', async () => {
    const list = (await call(base, callGolden('LIST_FILES'))).json();
    expect(list.list_files.file_infos[0].size).toBe(LOG_TEXT.length);
    expectGolden('master.Response', 'LIST_FILES', list);
    const read = (await call(base, callGolden('READ_FILE'))).json();
    expect(Buffer.from(read.read_file.data, 'base64').toString()).toBe(LOG_TEXT.slice(0, 64));
    expectGolden('master.Response', 'READ_FILE', read);
  });

  test('GET_OPERATIONS: none tracked yet', async () => {
    expectGolden('master.Response', 'GET_OPERATIONS', (await call(base, callGolden('GET_OPERATIONS'))).json());
  });

  test('SET_QUOTA then REMOVE_QUOTA: the deprecated forms, seen through GET_QUOTA', async () => {
    expect((await call(base, callGolden('SET_QUOTA'))).status).toBe(200);
    const configs = (): Promise<Json[]> => call(base, { type: 'GET_QUOTA' }).then((r) => r.json().get_quota.status.configs as Json[]);
    expect((await configs()).find((c) => c.role === 'silver')).toEqual({ role: 'silver', guarantees: { cpus: { value: 1 }, mem: { value: 128 } }, limits: { cpus: { value: 1 }, mem: { value: 128 } } });
    const again = await call(base, callGolden('SET_QUOTA'));
    expect([again.status, again.text]).toEqual([400, "Failed to validate set quota request: Cannot set quota for role 'silver' which already has quota\n"]);
    expect((await call(base, callGolden('REMOVE_QUOTA'))).status).toBe(200);
    expect((await configs()).map((c) => c.role)).toEqual(['gold']);
    const gone = await call(base, callGolden('REMOVE_QUOTA'));
    expect([gone.status, gone.text]).toEqual([400, "Failed to remove quota: Role 'silver' has no quota set\n"]);
  });

  test('SUBSCRIBE: SUBSCRIBED with the whole state, then events as they happen', async () => {
    const late = await follow(base, callGolden('SUBSCRIBE'));
    await late.until(() => late.events.length >= 1);
    late.close();
    expect(late.events[0]!.type).toBe('SUBSCRIBED');
    expectGolden('master.Event', 'SUBSCRIBED', late.events[0]!);

    scheduler.subscribe(); // resubscribe: FRAMEWORK_UPDATED
    await stream.until(() => stream.events.some((e) => e.type === 'FRAMEWORK_UPDATED'));
    expect(callGolden('TEARDOWN').teardown.framework_id.value).toBe(scheduler.frameworkId);
    expect((await call(base, callGolden('TEARDOWN'))).status).toBe(200);
    await stream.until(() => stream.events.some((e) => e.type === 'FRAMEWORK_REMOVED'));
    expect(callGolden('MARK_AGENT_GONE').mark_agent_gone.agent_id.value).toBe(agent.agentId);
    expect((await call(base, callGolden('MARK_AGENT_GONE'))).status).toBe(200);
    await stream.until(() => stream.events.some((e) => e.type === 'AGENT_REMOVED'));

    const first = (t: string): Json => stream.events.find((e) => e.type === t)!;
    for (const t of ['HEARTBEAT', 'AGENT_ADDED', 'FRAMEWORK_ADDED', 'TASK_ADDED', 'TASK_UPDATED', 'FRAMEWORK_UPDATED', 'FRAMEWORK_REMOVED', 'AGENT_REMOVED']) {
      expect([t, first(t) !== undefined]).toEqual([t, true]);
      expectGolden('master.Event', t, first(t));
    }
  });
});
