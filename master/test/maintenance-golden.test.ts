// Maintenance and draining in Mesos v1 JSON, against golden files in
// protocol/test/golden/ written from the .proto shapes (maintenance.proto,
// master.proto's calls and responses, scheduler.proto's inverse-offer calls
// and events): a real master on a socket, one agent, one framework on the
// v1 scheduler HTTP API with a running task. Each call golden is sent as it
// is (ids substituted with the live ones); each live answer and event is
// normalized (times, ports, offer numbers), decoded and encoded with the
// schema (field and enum names, required fields) and compared with its
// golden. `UPDATE_GOLDEN=1` writes the answers' goldens instead.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { RecordIOReader, decode, encode } from '../../protocol/json/index.js';
import { startMasterIn } from '../main.js';
import { TestAgent } from './helpers/peers.js';
import { call, type Json } from './helpers/operator-client.js';
import { until } from '../../test/wait.js';

const GOLDEN = fileURLToPath(new URL('../../protocol/test/golden/', import.meta.url));
const load = (name: string): Json => JSON.parse(readFileSync(`${GOLDEN}${name}.json`, 'utf8')) as Json;

/** Run-to-run values -> fixed placeholders of the same JSON type. */
function normalize(v: unknown, key = ''): unknown {
  if (key === 'timestamp' || key === 'registered_time') return { nanoseconds: 0 };
  if (key === 'port') return 0;
  if (Array.isArray(v)) return v.map((x) => normalize(x, key));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, k)]));
  if (typeof v === 'string') return v.replace(/@127\.0\.0\.1:\d+/g, '@127.0.0.1:0').replace(/-O\d+$/, '-O0');
  return v;
}

function expectGolden(type: string, variant: string, live: Json): void {
  const n = normalize(live) as Json;
  const canonical = encode(type, decode(type, n));
  const file = `${GOLDEN}${type}@${variant}.json`;
  const text = JSON.stringify(canonical, null, 2) + '\n';
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

/** A golden call as it is on disk, after checking that it decodes as its type. */
function callGolden(type: 'master.Call' | 'scheduler.Call', variant: string): Json {
  const json = load(`${type}@${variant}`);
  expect(encode(type, decode(type, json))).toEqual(json);
  return json;
}

const stops: (() => Promise<void>)[] = [];
async function runtime(name: string): Promise<Runtime> {
  const r = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name, logger: createLogger(name, 'silent') }).start();
  stops.push(() => r.stop());
  return r;
}

interface SchedulerStream {
  readonly events: Json[];
  readonly streamId: string;
  until(check: () => boolean): Promise<void>;
  close(): void;
}

function subscribe(base: string): Promise<SchedulerStream> {
  return new Promise((resolve, reject) => {
    const events: Json[] = [];
    const reader = new RecordIOReader();
    let waiters: { check: () => boolean; resolve: () => void }[] = [];
    const body = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'maintenance-golden', capabilities: [{ type: 'PARTITION_AWARE' }] } } };
    const req = http.request(`${base}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => {
        for (const e of reader.push(chunk)) events.push(e as Json);
        waiters = waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
      });
      resolve({ events, streamId: String(res.headers['mesos-stream-id']), until: (check) => (check() ? Promise.resolve() : new Promise((r) => waiters.push({ check, resolve: r }))), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function schedulerCall(base: string, streamId: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', 'mesos-stream-id': streamId } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let base: string;
let agent: TestAgent;
let s: SchedulerStream;
let frameworkId: string;

beforeAll(async () => {
  const mr = await runtime('master');
  const { pid } = startMasterIn(mr, { flags: { allocationIntervalMs: 100 }, masterId: 'm1', seed: 7 });
  base = `http://${mr.address}`;
  const ar = await runtime('agent');
  agent = new TestAgent(pid, { resources: 'cpus:2;mem:512', hostname: 'host0' });
  ar.spawn(agent, 'slave(1)');
  await agent.until(() => agent.agentId !== undefined);
  s = await subscribe(base);
  await s.until(() => s.events.some((e) => e.type === 'OFFERS'));
  frameworkId = s.events.find((e) => e.type === 'SUBSCRIBED')!.subscribed.framework_id.value;
  const offer = s.events.find((e) => e.type === 'OFFERS')!.offers.offers[0];
  const task = { name: 't1', task_id: { value: 't1' }, agent_id: offer.agent_id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'sleep 1000' }, kill_policy: { grace_period: { nanoseconds: 30e9 } } };
  expect(await schedulerCall(base, s.streamId, { framework_id: { value: frameworkId }, type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 3600 } } })).toBe(202);
  await agent.until(() => agent.running.get('t1')?.state === 'TASK_RUNNING');
}, 30_000);

afterAll(async () => {
  s?.close();
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('maintenance and draining against the .proto goldens', () => {
  test('a schedule: inverse offers over the scheduler API, answers in GET_MAINTENANCE_STATUS, rescinded when the schedule goes', async () => {
    expect((await call(base, callGolden('master.Call', 'UPDATE_MAINTENANCE_SCHEDULE'))).status).toBe(200);
    await s.until(() => s.events.some((e) => e.type === 'INVERSE_OFFERS'));
    const inverse = s.events.find((e) => e.type === 'INVERSE_OFFERS')!;
    expectGolden('scheduler.Event', 'INVERSE_OFFERS', inverse);
    const id = inverse.inverse_offers.inverse_offers[0].id.value as string;
    const schedule = await call(base, callGolden('master.Call', 'GET_MAINTENANCE_SCHEDULE'));
    expectGolden('master.Response', 'GET_MAINTENANCE_SCHEDULE', schedule.json());
    expect(schedule.json().get_maintenance_schedule.schedule).toEqual(callGolden('master.Call', 'UPDATE_MAINTENANCE_SCHEDULE').update_maintenance_schedule.schedule);

    const inverseOffers = (): Json[] => s.events.filter((e) => e.type === 'INVERSE_OFFERS');
    const answer = (variant: 'DECLINE_INVERSE_OFFERS' | 'ACCEPT_INVERSE_OFFERS', offerId: string): Promise<number> => {
      const golden = callGolden('scheduler.Call', variant);
      const field = variant.toLowerCase();
      return schedulerCall(base, s.streamId, { ...golden, framework_id: { value: frameworkId }, [field]: { ...golden[field], inverse_offer_ids: [{ value: offerId }] } });
    };
    const statusOf = async (): Promise<string | undefined> => (await call(base, { type: 'GET_MAINTENANCE_STATUS' })).json().get_maintenance_status.status.draining_machines?.[0]?.statuses?.[0]?.status;
    expect(await answer('DECLINE_INVERSE_OFFERS', id)).toBe(202);
    await until('the decline recorded', async () => ((await statusOf()) === 'DECLINE' ? true : undefined));
    // Its filter (refuse_seconds 0) lets the next inverse offer come at the next allocation interval.
    await s.until(() => inverseOffers().length >= 2);
    expect(await answer('ACCEPT_INVERSE_OFFERS', inverseOffers()[1]!.inverse_offers.inverse_offers[0].id.value)).toBe(202);
    await until('the accept recorded', async () => ((await statusOf()) === 'ACCEPT' ? true : undefined));
    expectGolden('master.Response', 'GET_MAINTENANCE_STATUS', (await call(base, callGolden('master.Call', 'GET_MAINTENANCE_STATUS'))).json());

    // An inverse offer outstanding is rescinded when the schedule no longer has its machine.
    await s.until(() => s.events.filter((e) => e.type === 'INVERSE_OFFERS').length >= 3);
    expect((await call(base, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: {} } })).status).toBe(200);
    await s.until(() => s.events.some((e) => e.type === 'RESCIND_INVERSE_OFFER'));
    expectGolden('scheduler.Event', 'RESCIND_INVERSE_OFFER', s.events.find((e) => e.type === 'RESCIND_INVERSE_OFFER')!);
  });

  test('DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT; GET_AGENTS shows the drain', async () => {
    for (const type of ['DEACTIVATE_AGENT', 'REACTIVATE_AGENT']) {
      const golden = callGolden('master.Call', type);
      const field = type.toLowerCase();
      expect((await call(base, { ...golden, [field]: { agent_id: { value: agent.agentId } } })).status).toBe(200);
    }
    const drain = callGolden('master.Call', 'DRAIN_AGENT');
    expect((await call(base, { ...drain, drain_agent: { ...drain['drain_agent'], agent_id: { value: agent.agentId } } })).status).toBe(200);
    await s.until(() => s.events.some((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_KILLED'));
    expect(agent.named('kill_task').at(-1)!.kill_policy).toEqual({ grace_period: { nanoseconds: 2e9 } }); // the call's Duration {seconds: 2} as the DurationInfo of a KillPolicy
    const agents = (await call(base, { type: 'GET_AGENTS' })).json();
    expect(agents.get_agents.agents[0].drain_info.state).toBe('DRAINED');
    expectGolden('master.Response', 'GET_AGENTS-drained', agents);
  });

  test('START_MAINTENANCE and STOP_MAINTENANCE', async () => {
    expect((await call(base, callGolden('master.Call', 'UPDATE_MAINTENANCE_SCHEDULE'))).status).toBe(200);
    expect((await call(base, callGolden('master.Call', 'START_MAINTENANCE'))).status).toBe(200);
    await agent.until(() => agent.named('shutdown').length > 0);
    expect((await call(base, { type: 'GET_MAINTENANCE_STATUS' })).json().get_maintenance_status.status.down_machines).toEqual(callGolden('master.Call', 'START_MAINTENANCE').start_maintenance.machines);
    expect((await call(base, callGolden('master.Call', 'STOP_MAINTENANCE'))).status).toBe(200);
    // host0 is up and out of the schedule; the rest of its window stays.
    expect((await call(base, { type: 'GET_MAINTENANCE_SCHEDULE' })).json().get_maintenance_schedule.schedule.windows.map((w: Json) => w.machine_ids)).toEqual([[{ hostname: 'host1', ip: '10.0.0.2' }]]);
  });
});
