// The v1 scheduler HTTP API over a real socket, driven by a scheduler written
// with nothing but Node's http module: SUBSCRIBE (a RecordIO stream), ACCEPT
// launching 5 tasks, ACKNOWLEDGE of every update with a uuid, RECONCILE,
// TEARDOWN; and every bad request answered with Mesos's status code and a
// message naming what was wrong.
import { afterEach, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { startMasterIn } from '../main.js';
import { TestAgent } from './helpers/peers.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function runtime(name: string): Promise<Runtime> {
  const r = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name, logger: createLogger(name, 'silent') }).start();
  stops.push(() => r.stop());
  return r;
}

async function clusterOverSockets(agents = 1) {
  const mr = await runtime('master');
  const { master, pid } = startMasterIn(mr, { flags: { heartbeatIntervalSeconds: 1 }, masterId: 'm1' });
  for (let i = 0; i < agents; i++) {
    const ar = await runtime(`agent${i}`);
    ar.spawn(new TestAgent(pid, { resources: 'cpus:4;mem:1024', hostname: `host${i}` }), 'slave(1)');
  }
  return { master, base: `http://${mr.address}` };
}

type Json = Record<string, any>;

/** Reads RecordIO events off a subscription and lets a test wait for them. */
class Stream {
  readonly events: Json[] = [];
  chunks = 0;
  #buffer = '';
  #waiters: { check: () => boolean; resolve: () => void }[] = [];
  constructor(readonly res: http.IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.chunks++;
      this.#buffer += chunk;
      for (;;) {
        const nl = this.#buffer.indexOf('\n');
        if (nl < 0) break;
        const length = Number(this.#buffer.slice(0, nl));
        const rest = Buffer.from(this.#buffer.slice(nl + 1));
        if (rest.length < length) break;
        this.events.push(JSON.parse(rest.subarray(0, length).toString()));
        this.#buffer = rest.subarray(length).toString();
      }
      this.#waiters = this.#waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
    });
    res.on('end', () => this.#waiters.forEach((w) => w.check() && w.resolve()));
  }
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }
  ofType(type: string): Json[] {
    return this.events.filter((e) => e.type === type);
  }
}

function post(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

function subscribe(base: string, frameworkInfo: Json, frameworkId?: string): Promise<{ stream: Stream; streamId: string; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SUBSCRIBE answered ${res.statusCode}`));
      resolve({ stream: new Stream(res), streamId: String(res.headers['mesos-stream-id']), req });
    });
    req.on('error', () => {});
    req.end(JSON.stringify({ type: 'SUBSCRIBE', ...(frameworkId ? { framework_id: { value: frameworkId } } : {}), subscribe: { framework_info: frameworkInfo } }));
  });
}

describe('POST /api/v1/scheduler', () => {
  test('a plain-http scheduler subscribes, launches 5 tasks, acknowledges, reconciles, tears down', async () => {
    const { master, base } = await clusterOverSockets();
    const { stream, streamId } = await subscribe(base, { user: 'u', name: 'plain-http', capabilities: [{ type: 'PARTITION_AWARE' }] });
    await stream.until(() => stream.ofType('HEARTBEAT').length >= 1 && stream.ofType('OFFERS').length >= 1);
    expect(stream.events[0]!.type).toBe('SUBSCRIBED');
    expect(stream.events[1]!.type).toBe('HEARTBEAT');
    const frameworkId = stream.events[0]!.subscribed.framework_id.value as string;
    expect(stream.events[0]!.subscribed.heartbeat_interval_seconds).toBe(1);
    expect(stream.chunks).toBe(stream.events.length); // one record per chunk

    const offer = stream.ofType('OFFERS')[0]!.offers.offers[0]!;
    // (attributes, like every empty repeated field, are left out when the agent has none, as Mesos does)
    expect(Object.keys(offer).sort()).toEqual(expect.arrayContaining(['id', 'framework_id', 'agent_id', 'hostname', 'url', 'resources']));
    expect(offer.url).toMatchObject({ scheme: 'http', address: { hostname: 'host0', ip: '127.0.0.1' }, path: '/slave(1)' });
    const tasks = [1, 2, 3, 4, 5].map((n) => ({
      name: `t${n}`,
      task_id: { value: `t${n}` },
      agent_id: offer.agent_id,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
      command: { value: 'true' },
    }));
    const accepted = await post(base, { type: 'ACCEPT', framework_id: { value: frameworkId }, accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 60 } } }, { 'mesos-stream-id': streamId });
    expect(accepted.status).toBe(202);
    expect(accepted.text).toBe('');

    await stream.until(() => stream.ofType('UPDATE').length >= 5);
    for (const u of stream.ofType('UPDATE')) {
      const status = u.update.status;
      expect(status.state).toBe('TASK_RUNNING');
      expect(typeof status.uuid).toBe('string'); // base64
      const ack = await post(base, { type: 'ACKNOWLEDGE', framework_id: { value: frameworkId }, acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }, { 'mesos-stream-id': streamId });
      expect(ack.status).toBe(202);
    }
    const before = stream.ofType('UPDATE').length;
    expect((await post(base, { type: 'RECONCILE', framework_id: { value: frameworkId }, reconcile: { tasks: [] } }, { 'mesos-stream-id': streamId })).status).toBe(202);
    await stream.until(() => stream.ofType('UPDATE').length === before + 5);
    expect(stream.ofType('UPDATE').slice(before).map((u) => [u.update.status.task_id.value, u.update.status.reason]).sort()).toEqual([1, 2, 3, 4, 5].map((n) => [`t${n}`, 'REASON_RECONCILIATION']));

    const down = await post(base, { type: 'TEARDOWN', framework_id: { value: frameworkId } }, { 'mesos-stream-id': streamId });
    expect([down.status, down.text]).toEqual([202, '']);
    await new Promise<void>((resolve) => (stream.res.complete ? resolve() : stream.res.once('end', resolve)));
    expect(master.state.frameworks.size).toBe(0);
    expect(master.state.completedFrameworks.items()[0]!.id).toBe(frameworkId);
  });

  test('bad requests get the status Mesos gives and say what was wrong', async () => {
    const { base } = await clusterOverSockets(0);
    const bad = async (body: unknown, headers: Record<string, string> = {}) => {
      const r = await post(base, body, headers);
      return [r.status, r.text.trim()];
    };
    expect(await bad('{not json')).toEqual([400, expect.stringMatching(/^Failed to parse body into JSON: /)]);
    expect(await bad({ type: 'ACCEPT', framework_id: { value: 'x' }, accept: { offer_ids: 'nope' } })).toEqual([400, expect.stringMatching(/^Failed to convert JSON into Call: .*accept\.offer_ids/)]);
    expect(await bad({ type: 'DECLINE', framework_id: { value: 'nobody' }, decline: { offer_ids: [] } }, { 'mesos-stream-id': 'x' })).toEqual([403, 'Framework nobody is not subscribed (over HTTP)']);
    expect(await bad({ type: 'DECLINE', decline: { offer_ids: [] } })).toEqual([400, "Expecting 'framework_id' to be present for a DECLINE call"]);
    expect(await bad({ type: 'SUBSCRIBE' })).toEqual([400, "Expecting 'subscribe' to be present"]);
    expect(await bad({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', role: 'a b' } } })).toEqual([400, "Framework is invalid: framework_info role: role 'a b' contains the invalid character \" \""]);
    expect(await bad({ type: 'SUBSCRIBE', framework_id: { value: '../x' }, subscribe: { framework_info: { user: 'u', name: 'n', id: { value: '../x' } } } })).toEqual([400, "Framework is invalid: framework_info.id '../x' must not contain '/'"]);
    // A JSON text sent as protobuf does not parse as a Call.
    expect(await bad({}, { 'content-type': 'application/x-protobuf' })).toEqual([400, expect.stringMatching(/^Failed to parse body into Call protobuf: /)]);
    expect((await post(base, {}, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(base, { type: 'SUBSCRIBE' }, { accept: 'text/html' })).status).toBe(406);

    const { streamId, stream } = await subscribe(base, { user: 'u', name: 'n' });
    await stream.until(() => stream.events.length >= 1);
    const id = stream.events[0]!.subscribed.framework_id.value;
    expect(await bad({ type: 'REVIVE', framework_id: { value: id } })).toEqual([400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"]);
    expect(await bad({ type: 'REVIVE', framework_id: { value: id } }, { 'mesos-stream-id': 'wrong' })).toEqual([400, `The stream ID 'wrong' included in this request didn't match the stream ID currently associated with framework ID ${id}`]);
    expect(await bad({ type: 'ACCEPT', framework_id: { value: id } }, { 'mesos-stream-id': streamId })).toEqual([400, "Expecting 'accept' to be present"]);
    expect(await bad({ type: 'RECONCILE_OPERATIONS', framework_id: { value: id } }, { 'mesos-stream-id': streamId })).toEqual([400, "Expecting 'reconcile_operations' to be present"]);
    expect((await post(base, { type: 'RECONCILE_OPERATIONS', framework_id: { value: id }, reconcile_operations: {} }, { 'mesos-stream-id': streamId })).status).toBe(202);
    expect((await post(base, { type: 'REVIVE', framework_id: { value: id } }, { 'mesos-stream-id': streamId })).status).toBe(202);
    const update = await post(base, { type: 'UPDATE_FRAMEWORK', framework_id: { value: id }, update_framework: { framework_info: { user: 'u', name: 'renamed', id: { value: id } } } }, { 'mesos-stream-id': streamId });
    expect(update.status).toBe(200);
    stream.res.destroy();
  });

  test('a closed stream disconnects the framework; it resubscribes with its id on a new stream', async () => {
    const { master, base } = await clusterOverSockets(1);
    const first = await subscribe(base, { user: 'u', name: 'n', failover_timeout: 60 });
    await first.stream.until(() => first.stream.events.length >= 1);
    const id = first.stream.events[0]!.subscribed.framework_id.value as string;
    const closed = new Promise<void>((resolve) => first.req.socket?.once('close', () => resolve()));
    first.req.destroy();
    await closed;
    const fw = master.state.frameworks.get(id)!;
    await new Promise<void>((resolve) => {
      const check = (): void => (fw.connected ? void setImmediate(check) : resolve());
      check();
    });
    const second = await subscribe(base, { user: 'u', name: 'n', failover_timeout: 60, id: { value: id } }, id);
    await second.stream.until(() => second.stream.ofType('SUBSCRIBED').length === 1 && second.stream.ofType('OFFERS').length === 1);
    expect(second.stream.events[0]!.subscribed.framework_id.value).toBe(id);
    expect(fw.connected).toBe(true);
    second.req.destroy();
  });
});
