// A scheduler written with protobufjs alone (its own schema below, written
// from Mesos's field names and numbers, and its own RecordIO splitter: none
// of this project's codecs) against a real master on a socket: it subscribes
// in protobuf, launches 5 tasks from its offer, acknowledges every update
// and tears down; meanwhile an operator follows SUBSCRIBE in protobuf and
// sees the tasks come and go. The agent is scripted (master/test/helpers).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import protobuf from 'protobufjs';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { startMasterIn } from '../main.js';
import { TestAgent } from './helpers/peers.js';

const SCHEMA = `
syntax = "proto2";
package mesos.v1;
message FrameworkID { required string value = 1; }
message OfferID { required string value = 1; }
message AgentID { required string value = 1; }
message TaskID { required string value = 1; }
message FrameworkInfo { required string user = 1; required string name = 2; optional FrameworkID id = 3; repeated string roles = 12;
  message Capability { enum Type { UNKNOWN = 0; MULTI_ROLE = 6; } optional Type type = 1; } repeated Capability capabilities = 10; }
message Value { enum Type { SCALAR = 0; RANGES = 1; SET = 2; TEXT = 3; } message Scalar { required double value = 1; } }
message Resource { required string name = 1; required Value.Type type = 2; optional Value.Scalar scalar = 3;
  message AllocationInfo { optional string role = 1; } optional AllocationInfo allocation_info = 11; }
message Offer { required OfferID id = 1; required FrameworkID framework_id = 2; required AgentID agent_id = 3; required string hostname = 4; repeated Resource resources = 5;
  message Operation { enum Type { UNKNOWN = 0; LAUNCH = 1; } optional Type type = 1; message Launch { repeated TaskInfo task_infos = 1; } optional Launch launch = 2; } }
message CommandInfo { optional bool shell = 6; optional string value = 3; }
message TaskInfo { required string name = 1; required TaskID task_id = 2; required AgentID agent_id = 3; repeated Resource resources = 4; optional CommandInfo command = 7; }
enum TaskState { TASK_STAGING = 6; TASK_STARTING = 0; TASK_RUNNING = 1; TASK_FINISHED = 2; TASK_FAILED = 3; TASK_KILLED = 4; TASK_LOST = 5; }
message TaskStatus { required TaskID task_id = 1; required TaskState state = 2; optional AgentID agent_id = 5; optional bytes uuid = 11; }
message Task { required string name = 1; required TaskID task_id = 2; required FrameworkID framework_id = 3; required AgentID agent_id = 5; required TaskState state = 6; }
message Filters { optional double refuse_seconds = 1; }

`;

const SCHEDULER = `
syntax = "proto2";
package mesos.v1.scheduler;
import "mesos.proto";
message Call {
  enum Type { UNKNOWN = 0; SUBSCRIBE = 1; TEARDOWN = 2; ACCEPT = 3; ACKNOWLEDGE = 8; }
  message Subscribe { required FrameworkInfo framework_info = 1; }
  message Accept { repeated OfferID offer_ids = 1; repeated Offer.Operation operations = 2; optional Filters filters = 3; }
  message Acknowledge { required AgentID agent_id = 1; required TaskID task_id = 2; required bytes uuid = 3; }
  optional FrameworkID framework_id = 1; optional Type type = 2; optional Subscribe subscribe = 3; optional Accept accept = 4; optional Acknowledge acknowledge = 8;
}
message Event {
  enum Type { UNKNOWN = 0; SUBSCRIBED = 1; OFFERS = 2; RESCIND = 3; UPDATE = 4; MESSAGE = 5; FAILURE = 6; ERROR = 7; HEARTBEAT = 8; }
  message Subscribed { required FrameworkID framework_id = 1; optional double heartbeat_interval_seconds = 2; }
  message Offers { repeated Offer offers = 1; }
  message Update { required TaskStatus status = 1; }
  optional Type type = 1; optional Subscribed subscribed = 2; optional Offers offers = 3; optional Update update = 5;
}
`;

const OPERATOR = `
syntax = "proto2";
package mesos.v1.master;
import "mesos.proto";
message Call { enum Type { UNKNOWN = 0; GET_HEALTH = 1; SUBSCRIBE = 18; } optional Type type = 1; }
message Response { message GetHealth { required bool healthy = 1; } optional GetHealth get_health = 2; }
message GetTasks { repeated Task tasks = 2; repeated Task completed_tasks = 3; }
message GetState { optional GetTasks get_tasks = 1; }
message Event {
  enum Type { UNKNOWN = 0; SUBSCRIBED = 1; TASK_ADDED = 2; TASK_UPDATED = 3; AGENT_ADDED = 4; AGENT_REMOVED = 5; FRAMEWORK_ADDED = 6; FRAMEWORK_UPDATED = 7; FRAMEWORK_REMOVED = 8; HEARTBEAT = 9; }
  message Subscribed { optional GetState get_state = 1; }
  message TaskAdded { required Task task = 1; }
  message TaskUpdated { required FrameworkID framework_id = 1; required TaskStatus status = 2; required TaskState state = 3; }
  optional Type type = 1; optional Subscribed subscribed = 2; optional TaskAdded task_added = 3; optional TaskUpdated task_updated = 4;
}
`;

// The three texts parsed into one root, which resolves their names among themselves.
const root = new protobuf.Root();
for (const text of [SCHEMA, SCHEDULER, OPERATOR]) protobuf.parse(text.replace(/import "mesos.proto";/, ''), root, { keepCase: true });
root.resolveAll();
const Call = root.lookupType('mesos.v1.scheduler.Call');
const Event = root.lookupType('mesos.v1.scheduler.Event');
const OperatorCall = root.lookupType('mesos.v1.master.Call');
const OperatorResponse = root.lookupType('mesos.v1.master.Response');
const OperatorEvent = root.lookupType('mesos.v1.master.Event');
const asObject = (t: protobuf.Type, bytes: Uint8Array): Record<string, any> => t.toObject(t.decode(bytes), { enums: String, longs: Number });

const PROTOBUF = 'application/x-protobuf';

/** POSTs protobuf bytes; a 200 stream's RecordIO records are split and decoded as `eventType`. */
function open(url: string, body: Uint8Array, eventType: protobuf.Type | undefined, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; events: Record<string, any>[]; until(check: () => boolean): Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': PROTOBUF, accept: PROTOBUF, ...headers } }, (res) => {
      const events: Record<string, any>[] = [];
      let waiters: { check: () => boolean; done: () => void }[] = [];
      let pending = Buffer.alloc(0);
      const chunks: Buffer[] = [];
      const answer = { status: res.statusCode!, headers: res.headers, body: Buffer.alloc(0), events, until: (check: () => boolean) => (check() ? Promise.resolve() : new Promise<void>((done) => waiters.push({ check, done }))), close: () => req.destroy() };
      if (eventType === undefined || res.statusCode !== 200) {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ ...answer, body: Buffer.concat(chunks) }));
        return;
      }
      res.on('data', (c: Buffer) => {
        pending = Buffer.concat([pending, c]);
        for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
          const length = Number(pending.subarray(0, nl).toString());
          if (pending.length < nl + 1 + length) break;
          events.push(asObject(eventType, pending.subarray(nl + 1, nl + 1 + length)));
          pending = pending.subarray(nl + 1 + length);
        }
        waiters = waiters.filter((w) => (w.check() ? (w.done(), false) : true));
      });
      resolve(answer);
    });
    req.on('error', (err) => (eventType === undefined ? reject(err) : undefined));
    req.end(Buffer.from(body));
  });
}

const encode = (t: protobuf.Type, value: Record<string, unknown>): Uint8Array => t.encode(t.fromObject(value)).finish();

const stops: (() => Promise<void>)[] = [];
let base: string;
let agent: TestAgent;

beforeAll(async () => {
  const runtime = async (name: string): Promise<Runtime> => {
    const r = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name, logger: createLogger(name, 'silent') }).start();
    stops.push(() => r.stop());
    return r;
  };
  const mr = await runtime('master');
  const { pid } = startMasterIn(mr, { masterId: 'pb' });
  base = `http://${mr.address}`;
  const ar = await runtime('agent');
  agent = new TestAgent(pid, { resources: 'cpus:2;mem:1024' });
  ar.spawn(agent, 'slave(1)');
  await agent.until(() => agent.agentId !== undefined);
});

afterAll(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('protobuf on the wire', () => {
  test('operator GET_HEALTH in protobuf', async () => {
    const r = await open(`${base}/api/v1`, encode(OperatorCall, { type: 'GET_HEALTH' }), undefined);
    expect([r.status, r.headers['content-type']]).toEqual([200, PROTOBUF]);
    expect(asObject(OperatorResponse, r.body)).toEqual({ get_health: { healthy: true } });
  });

  test('a protobufjs scheduler subscribes, launches 5 tasks, acknowledges every update and tears down; an operator follows in protobuf', async () => {
    const operator = await open(`${base}/api/v1`, encode(OperatorCall, { type: 'SUBSCRIBE' }), OperatorEvent);
    expect([operator.status, operator.headers['content-type']]).toEqual([200, PROTOBUF]);
    await operator.until(() => operator.events.length >= 1);
    expect(operator.events[0]!.type).toBe('SUBSCRIBED');

    const subscribe = encode(Call, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'protobufjs', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] } } });
    const stream = await open(`${base}/api/v1/scheduler`, subscribe, Event);
    expect([stream.status, stream.headers['content-type']]).toEqual([200, PROTOBUF]);
    const streamId = stream.headers['mesos-stream-id'] as string;
    await stream.until(() => stream.events.some((e) => e.type === 'OFFERS'));
    const frameworkId = stream.events.find((e) => e.type === 'SUBSCRIBED')!.subscribed.framework_id;
    const offer = stream.events.find((e) => e.type === 'OFFERS')!.offers.offers[0];
    const call = async (value: Record<string, unknown>): Promise<number> => (await open(`${base}/api/v1/scheduler`, encode(Call, { framework_id: frameworkId, ...value }), undefined, { 'mesos-stream-id': streamId })).status;

    const scalar = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value } });
    const tasks = [1, 2, 3, 4, 5].map((i) => ({ name: `t${i}`, task_id: { value: `t${i}` }, agent_id: offer.agent_id, resources: [scalar('cpus', 0.1), scalar('mem', 32)], command: { shell: true, value: 'true' } }));
    expect(await call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 3600 } } })).toBe(202);

    // Every update is acknowledged with its uuid; the scripted agent runs each task, then finishes it.
    const acked = new Set<string>();
    const updates = (): Record<string, any>[] => stream.events.filter((e) => e.type === 'UPDATE').map((e) => e.update.status);
    const acknowledgeAll = async (): Promise<void> => {
      for (const s of updates()) {
        const key = `${s.task_id.value}:${Buffer.from(s.uuid).toString('hex')}`;
        if (acked.has(key)) continue;
        acked.add(key);
        expect(await call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } })).toBe(202);
      }
    };
    await stream.until(() => updates().filter((s) => s.state === 'TASK_RUNNING').length === 5);
    await acknowledgeAll();
    for (const t of tasks) agent.update(t.task_id.value, 'TASK_FINISHED');
    await stream.until(() => updates().filter((s) => s.state === 'TASK_FINISHED').length === 5);
    await acknowledgeAll();
    await agent.until(() => agent.acks.length === 10);
    expect(new Set(agent.acks)).toEqual(acked);

    expect(await call({ type: 'TEARDOWN' })).toBe(202);
    await operator.until(() => operator.events.filter((e) => e.type === 'TASK_UPDATED' && e.task_updated.state === 'TASK_FINISHED').length === 5);
    expect(operator.events.filter((e) => e.type === 'TASK_ADDED').map((e) => e.task_added.task.task_id.value).sort()).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(operator.events.some((e) => e.type === 'FRAMEWORK_ADDED')).toBe(true);
    await operator.until(() => operator.events.some((e) => e.type === 'FRAMEWORK_REMOVED'));
    stream.close();
    operator.close();
  });
});
