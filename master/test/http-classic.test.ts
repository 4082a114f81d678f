// The master's classic endpoints (/master/teardown, /master/quota,
// /master/weights, the .json aliases, /logging/toggle, /master/redirect),
// libprocess's path handling (empty segments ignored), the operator calls it
// knows but does not carry out (501 naming the call), GET_FRAMEWORKS with
// the framework's offers, and the log file of --log_dir served as
// /master/log: a real master on a socket, raw HTTP.
import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { PID, Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { MASTER_CALL_TYPES } from '../../protocol/json/index.js';
import { tempDir } from '../../test/temp.js';
import { until } from '../../test/wait.js';
import { MASTER_LOG_FILE } from '../log-file.js';
import { startMaster, startMasterIn } from '../main.js';
import type { MasterProtocol } from '../master.js';
import { NOT_IMPLEMENTED } from '../operator-unsupported.js';
import { TestAgent, TestScheduler } from './helpers/peers.js';
import { call, type Json } from './helpers/operator-client.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function runtime(name: string): Promise<Runtime> {
  const r = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name, logger: createLogger(name, 'silent') }).start();
  stops.push(() => r.stop());
  return r;
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; text: string };
function request(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function masterWithFramework(): Promise<{ base: string; scheduler: TestScheduler; master: ReturnType<typeof startMasterIn>['master'] }> {
  const mr = await runtime('master');
  const { master, pid } = startMasterIn(mr, { masterId: 'm1' });
  const base = `http://${mr.address}`;
  const ar = await runtime('agent');
  const agent = new TestAgent(pid, { resources: 'cpus:2;mem:512' });
  ar.spawn(agent, 'slave(1)');
  await agent.until(() => agent.agentId !== undefined);
  const sr = await runtime('scheduler');
  const scheduler = new TestScheduler(pid as PID<MasterProtocol>, { user: 'u', name: 'classic', roles: ['eng'], capabilities: [{ type: 'MULTI_ROLE' }] });
  sr.spawn(scheduler, 'scheduler');
  scheduler.subscribe();
  await scheduler.until(() => scheduler.offers.size === 1);
  return { base, scheduler, master };
}

describe('operator API: every call of master.proto known', () => {
  test('calls not carried out answer 501 naming the call; GET_FRAMEWORKS lists the offers of each framework', async () => {
    const { base, scheduler } = await masterWithFramework();
    for (const type of Object.keys(NOT_IMPLEMENTED)) {
      expect(MASTER_CALL_TYPES).toContain(type);
      const r = await call(base, { type });
      expect([type, r.status, r.text]).toEqual([type, 501, `${NOT_IMPLEMENTED[type]}\n`]);
    }
    // Every other type is carried out: none answers 400 "unknown" any more.
    const carried = MASTER_CALL_TYPES.filter((t) => NOT_IMPLEMENTED[t] === undefined && t !== 'SUBSCRIBE');
    for (const type of carried) expect([type, (await call(base, { type })).text]).not.toEqual([type, expect.stringMatching(/Unknown or unsupported/)]);

    const fw = (await call(base, { type: 'GET_FRAMEWORKS' })).json().get_frameworks.frameworks[0] as Json;
    const [offer] = [...scheduler.offers.values()];
    expect(fw.offers.map((o: Json) => o.id.value)).toEqual([offer!.id.value]);
    expect(fw.offers[0]).toMatchObject({ framework_id: { value: scheduler.frameworkId }, agent_id: { value: 'm1-S0' }, allocation_info: { role: 'eng' } });
  });

  test('--log_dir: the log goes to <log_dir>/mesos-master.INFO, served as /master/log; SET_LOGGING_LEVEL adds the debug lines', async () => {
    const dir = tempDir('master-log');
    const m = await startMaster({ ip: '127.0.0.1', port: 0, flags: { logDir: dir.path }, logger: createLogger('master', 'silent') });
    try {
      const log = (): string => readFileSync(`${dir.path}/${MASTER_LOG_FILE}`, 'utf8');
      const list = (await call(m.url, { type: 'LIST_FILES', list_files: { path: '/master/log' } })).json();
      expect(list.list_files.file_infos[0].path).toBe('/master/log');
      // Debug lines only while the verbosity is raised.
      m.runtime.logger.debug('quiet line');
      expect((await call(m.url, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 60e9 } } })).status).toBe(200);
      m.runtime.logger.debug('loud line');
      expect((await call(m.url, { type: 'GET_LOGGING_LEVEL' })).json().get_logging_level.level).toBe(2);
      expect(log()).toContain('logging level set to 2');
      expect(log()).toContain('loud line');
      expect(log()).not.toContain('quiet line');
      const read = (await call(m.url, { type: 'READ_FILE', read_file: { path: '//master//log', offset: 0 } })).json().read_file;
      expect(Buffer.from(read.data, 'base64').toString()).toBe(log().slice(0, read.size));
      expect((await request(m.url, 'GET', '/logging/toggle?level=0&duration=1secs')).status).toBe(200);
      expect((await request(m.url, 'GET', '/logging/toggle')).text).toBe('0\n');
      const missing = await call(m.url, { type: 'READ_FILE', read_file: { path: '/master/nothing', offset: 0 } });
      expect([missing.status, missing.text]).toEqual([404, "No such file or directory '/master/nothing'\n"]);
    } finally {
      await m.stop();
      await dir.remove();
    }
  });

  test('without --log_dir there is no /master/log: 404', async () => {
    const mr = await runtime('master');
    startMasterIn(mr, { masterId: 'm1' });
    const r = await call(`http://${mr.address}`, { type: 'LIST_FILES', list_files: { path: '/master/log' } });
    expect([r.status, r.text]).toEqual([404, "No such file or directory '/master/log'\n"]);
  });
});

describe("Mesos's metrics: allocator, event queue, per framework", () => {
  test('in /metrics/snapshot and in Prometheus /metrics', async () => {
    const { base, scheduler, master } = await masterWithFramework();
    const [offer] = [...scheduler.offers.values()];
    scheduler.decline([offer!.id.value], 3600);
    const fw = `master/frameworks/classic/${scheduler.frameworkId}`;
    const snapshot = async (): Promise<Record<string, number>> => JSON.parse((await request(base, 'GET', '/metrics/snapshot')).text) as Record<string, number>;
    await until('the master to handle the decline', () => (master.metrics()[`${fw}/offers/declined`] === 1 ? true : undefined));
    const m = await snapshot();
    expect(m).toMatchObject({
      'allocator/mesos/resources/cpus/total': 2,
      'allocator/mesos/resources/mem/total': 512,
      'allocator/mesos/resources/cpus/offered_or_allocated': 0,
      'allocator/mesos/offer_filters/roles/eng/active': 1,
      'allocator/mesos/roles/eng/shares/dominant': 0,
      'master/event_queue_messages': 0,
      'master/event_queue_dispatches': 0,
      'master/event_queue_http_requests': 0,
      [`${fw}/subscribed`]: 1,
      [`${fw}/offers/sent`]: 1,
      [`${fw}/offers/declined`]: 1,
      [`${fw}/offers/accepted`]: 0,
      [`${fw}/calls/decline`]: 1,
      [`${fw}/events/subscribed`]: 1,
      [`${fw}/events/offers`]: 1,
      [`${fw}/roles/eng/suppressed`]: 0,
    });
    expect(m['allocator/mesos/allocation_runs']).toBeGreaterThanOrEqual(1);
    expect(m['allocator/mesos/allocation_run_ms/count']).toBe(m['allocator/mesos/allocation_runs']);
    expect(m['allocator/mesos/allocation_run_ms/p99']).toBeGreaterThanOrEqual(m['allocator/mesos/allocation_run_ms/p50']!);
    expect(m['allocator/mesos/event_queue_dispatches']).toBe(0);
    expect(Object.keys(master.metrics())).toEqual(expect.arrayContaining(Object.keys(m).filter((k) => !k.startsWith('master/api/'))));
    const text = (await request(base, 'GET', '/metrics')).text;
    expect(text).toContain(`mesos_master_frameworks_offers_sent{framework_name="classic",framework_id="${scheduler.frameworkId}"} 1`);
    expect(text.split('\n').filter((l) => l === '# TYPE mesos_master_frameworks_offers_sent gauge')).toHaveLength(1);
    expect(text).toContain('mesos_allocator_mesos_offer_filters_roles_eng_active 1');
    expect(text).toContain('mesos_master_event_queue_http_requests ');
  });
});

describe('classic endpoints', () => {
  test('/master/quota: GET, POST a QuotaRequest, DELETE /master/quota/<role>', async () => {
    const mr = await runtime('master');
    startMasterIn(mr, { masterId: 'm1' });
    const base = `http://${mr.address}`;
    const request1 = JSON.stringify({ role: 'eng', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }] });
    expect((await request(base, 'POST', '/master/quota', request1)).status).toBe(200);
    expect(JSON.parse((await request(base, 'GET', '/master/quota')).text)).toEqual({ configs: [{ role: 'eng', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 2 } } }] });
    expect((await request(base, 'POST', '/master/quota', request1)).text).toBe("Failed to validate set quota request: Cannot set quota for role 'eng' which already has quota\n");
    expect((await request(base, 'POST', '/master/quota', '{"role":"eng","guarantee":[{"name":"cpus","type":"RANGES"}]}')).status).toBe(400);
    expect((await request(base, 'DELETE', '/master/quota/eng')).status).toBe(200);
    expect(JSON.parse((await request(base, 'GET', '/master/quota')).text)).toEqual({ configs: [] });
    expect((await request(base, 'DELETE', '/master/quota/eng')).text).toBe("Failed to remove quota: Role 'eng' has no quota set\n");
    expect((await request(base, 'PATCH', '/master/quota')).status).toBe(405);
  });

  test('/master/weights: GET and PUT', async () => {
    const mr = await runtime('master');
    startMasterIn(mr, { flags: { weights: { gold: 2 } }, masterId: 'm1' });
    const base = `http://${mr.address}`;
    expect(JSON.parse((await request(base, 'GET', '/master/weights')).text)).toEqual([{ role: 'gold', weight: 2 }]);
    expect((await request(base, 'PUT', '/master/weights', '[{"role":"eng","weight":3}]')).status).toBe(200);
    expect(JSON.parse((await request(base, 'GET', '/master/weights')).text)).toEqual([{ role: 'gold', weight: 2 }, { role: 'eng', weight: 3 }]);
    expect(await request(base, 'PUT', '/master/weights', '[{"role":"eng","weight":0}]')).toMatchObject({ status: 400, text: '[0].weight: expected a number > 0\n' });
  });

  test('/master/teardown (form frameworkId=), .json aliases, empty path segments, /master/redirect', async () => {
    const { base, scheduler, master } = await masterWithFramework();
    const state = JSON.parse((await request(base, 'GET', '/master/state.json')).text) as Json;
    expect(state.frameworks.map((f: Json) => f.id)).toEqual([scheduler.frameworkId]);
    for (const path of ['/master/tasks.json', '/master/frameworks.json', '/master/slaves.json', '/master/roles.json', '/master/state-summary.json', '/master/flags.json']) expect([path, (await request(base, 'GET', path)).status]).toEqual([path, 200]);
    // libprocess ignores empty segments.
    expect((await request(base, 'POST', '//api/v1', '{"type":"GET_HEALTH"}', { 'content-type': 'application/json' })).text).toBe('{"type":"GET_HEALTH","get_health":{"healthy":true}}');
    expect((await request(base, 'GET', '/master//state')).status).toBe(200);
    expect((await request(base, 'GET', '/master/state/nothing')).status).toBe(404);
    const r = await request(base, 'GET', '/master/redirect');
    expect([r.status, r.headers.location]).toEqual([307, `//127.0.0.1:${base.split(':').pop()}`]);

    expect((await request(base, 'POST', '/master/teardown', 'frameworkId=nope', { 'content-type': 'application/x-www-form-urlencoded' })).text).toBe('No framework found with specified ID nope\n');
    expect((await request(base, 'GET', '/master/teardown')).status).toBe(405);
    expect((await request(base, 'POST', '/master/teardown', `frameworkId=${scheduler.frameworkId}`, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
    expect(master.state.frameworks.size).toBe(0);
  });
});
