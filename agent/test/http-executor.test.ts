// The v1 executor HTTP API of a real agent (real containerizer, WebSocket
// runtime) against a scripted master: this test plays the executor over
// HTTP for an executor whose process only sleeps, so every event and every
// answer is checked exactly: SUBSCRIBED, LAUNCH, ACKNOWLEDGED, KILL,
// MESSAGE, SHUTDOWN, ERROR on a replaced stream, resubscription with
// unacknowledged tasks and updates, and each bad request's status code.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { PID } from 'libprocess-ts';
import * as http from 'node:http';
import { RecordIOFrames, decode, encode } from '../../protocol/json/index.js';
import { fromProtobuf, toProtobuf } from '../../protocol/proto/index.js';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo, FrameworkInfo, TaskInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { expectGolden } from './golden.js';
import { commandTask, tempDir } from './helpers.js';
import { openStream, post, uuidBase64, waitUntil, type Json } from './http-client.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;

const FW: FrameworkInfo = { user: 'root', name: 'http executors', id: { value: 'F-HTTP' }, checkpoint: true };
const PATH = '/api/v1/executor';

beforeAll(async () => {
  setup = await realMaster();
  // This test covers the API itself; executor tokens are http-executor-auth.test.ts's.
  agent = await realAgent(setup, { executor_registration_timeout: '60secs', authenticate_http_executors: 'false' });
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await agent?.stop();
  await setup?.masterRt.stop();
});

function executorInfo(id: string): ExecutorInfo {
  return {
    executor_id: { value: id },
    name: `${id} executor`,
    command: { shell: true, value: 'exec sleep 60' },
    resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    shutdown_grace_period: { nanoseconds: 300e6 },
  };
}

function taskOn(executor: ExecutorInfo, id: string): TaskInfo {
  const t = { ...commandTask(id, ''), executor, data: new Uint8Array(Buffer.from(`data of ${id}`)) };
  delete (t as { command?: unknown }).command;
  return t;
}

const ids = (executorId: string): Json => ({ executor_id: { value: executorId }, framework_id: FW.id });
const update = (executorId: string, taskId: string, state: string, uuid: string, extra: Json = {}): Json => ({
  ...ids(executorId),
  type: 'UPDATE',
  update: { status: { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid, ...extra } },
});
const executor = (id: string) => agent.agent.frameworks.get(FW.id!.value)?.executors.get(id);

/** Every event must be v1 JSON exactly as the schema writes it (decode then encode gives it back). */
function expectCanonical(e: Json): void {
  expect(encode('executor.Event', decode('executor.Event', e))).toEqual(e);
}

describe('POST /api/v1/executor', () => {
  test('subscribe, launch, update and acknowledged, kill, messages both ways, resubscribe, shutdown', async () => {
    const info = executorInfo('http-1');
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(info, 't1') });
    await waitUntil(() => executor('http-1')?.container !== undefined, 'the executor container');

    // Not subscribed yet: 403.
    const early = await post(base, PATH, update('http-1', 't1', 'TASK_RUNNING', uuidBase64(1)));
    expect([early.status, early.text]).toEqual([403, 'Executor is not subscribed: call SUBSCRIBE before UPDATE\n']);

    const s1 = await openStream(base, PATH, { ...ids('http-1'), type: 'SUBSCRIBE', subscribe: {} });
    expect(s1.res.headers['content-type']).toBe('application/json');
    const subscribed = await s1.nth('SUBSCRIBED');
    expectCanonical(subscribed);
    const ex = executor('http-1')!;
    expect(subscribed).toEqual({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: encode('ExecutorInfo', { ...info, framework_id: FW.id! }),
        framework_info: encode('FrameworkInfo', FW),
        agent_info: encode('AgentInfo', agent.agent.agentInfo()),
        container_id: { value: ex.containerId },
      },
    });
    expect(ex.state).toBe('RUNNING');
    expectGolden('executor-SUBSCRIBED', subscribed, setup.workDir);

    const launch = await s1.nth('LAUNCH');
    expectCanonical(launch);
    expect(launch.launch.task.task_id).toEqual({ value: 't1' });
    expect(Buffer.from(launch.launch.task.data, 'base64').toString()).toBe('data of t1');
    expectGolden('executor-LAUNCH', launch, setup.workDir);
    expect(s1.events.map((e) => e.type)).toEqual(['SUBSCRIBED', 'LAUNCH']);
    expect(s1.chunks).toBe(2); // one record per chunk

    // UPDATE: 202, ACKNOWLEDGED with the same uuid, and the update reaches the master.
    const u1 = uuidBase64(1);
    const r1 = await post(base, PATH, update('http-1', 't1', 'TASK_RUNNING', u1, { message: 'up' }));
    expect([r1.status, r1.text]).toEqual([202, '']);
    const ack1 = await s1.nth('ACKNOWLEDGED');
    expectCanonical(ack1);
    expect(ack1).toEqual({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't1' }, uuid: u1 } });
    const running = await setup.master.update('t1', 'TASK_RUNNING');
    expect(running.status.source).toBe('SOURCE_EXECUTOR');
    expect(running.status.message).toBe('up');
    expect(Buffer.from(running.uuid!).toString('base64')).toBe(u1);
    expect(running.executor_id).toEqual({ value: 'http-1' });

    // KILL from the scheduler's side.
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FW.id!, task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } });
    const kill = await s1.nth('KILL');
    expectCanonical(kill);
    expect(kill).toEqual({ type: 'KILL', kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } } });
    const u2 = uuidBase64(2);
    expect((await post(base, PATH, update('http-1', 't1', 'TASK_KILLED', u2))).status).toBe(202);
    expect((await s1.nth('ACKNOWLEDGED', 2)).acknowledged.uuid).toBe(u2);
    await setup.master.update('t1', 'TASK_KILLED');

    // MESSAGE both ways.
    setup.master.sendTo(agent.agentPid, 'framework_to_executor', { agent_id: { value: agent.agent.agentId! }, framework_id: FW.id!, executor_id: { value: 'http-1' }, data: new Uint8Array(Buffer.from('to the executor')) });
    const message = await s1.nth('MESSAGE');
    expectCanonical(message);
    expect(message).toEqual({ type: 'MESSAGE', message: { data: Buffer.from('to the executor').toString('base64') } });
    const sent = await post(base, PATH, { ...ids('http-1'), type: 'MESSAGE', message: { data: Buffer.from('to the scheduler').toString('base64') } });
    expect(sent.status).toBe(202);
    const relayed = await setup.master.waitFor((m) => m.name === 'executor_to_framework');
    expect(Buffer.from((relayed.body as { data: Uint8Array }).data).toString()).toBe('to the scheduler');
    expect((await post(base, PATH, { ...ids('http-1'), type: 'HEARTBEAT' })).status).toBe(202);

    // A second task; then the executor resubscribes holding it and an update of it unacknowledged:
    // the old stream gets ERROR and ends; the new one SUBSCRIBED then ACKNOWLEDGED of the replayed update.
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(info, 't2') });
    const launch2 = await s1.nth('LAUNCH', 2);
    const u3 = uuidBase64(3);
    const s2 = await openStream(base, PATH, {
      ...ids('http-1'),
      type: 'SUBSCRIBE',
      subscribe: { unacknowledged_tasks: [launch2.launch.task], unacknowledged_updates: [{ status: { task_id: { value: 't2' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: u3 } }] },
    });
    await s1.until(() => s1.ended, 'the end of the replaced stream');
    const error = s1.ofType('ERROR')[0]!;
    expectCanonical(error);
    expect(error.error.message).toBe('Executor http-1 subscribed again on another connection; this stream ends');
    await s2.nth('ACKNOWLEDGED');
    expect(s2.events.map((e) => e.type)).toEqual(['SUBSCRIBED', 'ACKNOWLEDGED']);
    expect(s2.events[1]!.acknowledged).toEqual({ task_id: { value: 't2' }, uuid: u3 });
    await setup.master.update('t2', 'TASK_RUNNING');

    // SHUTDOWN: the executor may still send its last updates; then its container is destroyed and the stream ends.
    setup.master.sendTo(agent.agentPid, 'shutdown_executor', { framework_id: FW.id!, executor_id: { value: 'http-1' } });
    expect(await s2.nth('SHUTDOWN')).toEqual({ type: 'SHUTDOWN' });
    const u4 = uuidBase64(4);
    expect((await post(base, PATH, update('http-1', 't2', 'TASK_KILLED', u4))).status).toBe(202);
    await s2.until(() => s2.ended, 'the end of the stream after the shutdown grace period');
    expect(s2.ofType('ACKNOWLEDGED').map((e) => e.acknowledged.uuid)).toEqual([u3, u4]);
    await setup.master.update('t2', 'TASK_KILLED');
    const exited = await setup.master.waitFor((m) => m.name === 'exited_executor' && (m.body as { executor_id: { value: string } }).executor_id.value === 'http-1');
    expect(exited).toBeDefined();
    await waitUntil(() => executor('http-1') === undefined, 'the executor to complete');
    const gone = await post(base, PATH, update('http-1', 't2', 'TASK_RUNNING', uuidBase64(5)));
    expect(gone.status).toBe(400);
  });

  test('protobuf: SUBSCRIBE as application/x-protobuf, the stream as application/recordio of protobuf records (Message-Accept), an UPDATE in protobuf', async () => {
    const info = executorInfo('http-pb');
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(info, 'pb1') });
    await waitUntil(() => executor('http-pb')?.container !== undefined, 'the executor container');
    const body = toProtobuf('executor.Call', { ...ids('http-pb'), type: 'SUBSCRIBE', subscribe: {} });
    const headers = { 'content-type': 'application/x-protobuf', accept: 'application/recordio', 'message-accept': 'application/x-protobuf' };
    const records: Json[] = [];
    const frames = new RecordIOFrames();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${base}${PATH}`, { method: 'POST', headers }, resolve);
      req.on('error', reject);
      req.end(Buffer.from(body));
    });
    expect([res.statusCode, res.headers['content-type'], res.headers['message-content-type']]).toEqual([200, 'application/recordio', 'application/x-protobuf']);
    res.on('data', (c: Buffer) => records.push(...frames.push(c).map((r) => fromProtobuf('executor.Event', r))));
    await waitUntil(() => records.some((e) => e.type === 'LAUNCH'), 'SUBSCRIBED and LAUNCH in protobuf');
    expect(records[0]!.type).toBe('SUBSCRIBED');
    expect(records[0]!.subscribed.executor_info.executor_id).toEqual({ value: 'http-pb' });
    expect(records.find((e) => e.type === 'LAUNCH')!.launch.task.task_id).toEqual({ value: 'pb1' });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request(`${base}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode));
      });
      req.on('error', reject);
      req.end(Buffer.from(toProtobuf('executor.Call', update('http-pb', 'pb1', 'TASK_RUNNING', uuidBase64(7)))));
    });
    expect(status).toBe(202);
    await setup.master.waitFor((m) => m.name === 'status_update' && (m.body as { update: { status: { task_id: { value: string } } } }).update.status.task_id.value === 'pb1');
    res.destroy();
  });

  test('bad requests get the status codes Mesos gives, with a message naming what was wrong', async () => {
    const info = executorInfo('http-2');
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(info, 'b1') });
    await waitUntil(() => executor('http-2')?.container !== undefined, 'the executor container');
    const sub = { ...ids('http-2'), type: 'SUBSCRIBE', subscribe: {} };
    const check = async (body: unknown, headers: Record<string, string | null>, status: number, text: string | RegExp): Promise<void> => {
      const r = await post(base, PATH, body, headers);
      expect(r.status).toBe(status);
      if (typeof text === 'string') expect(r.text).toBe(`${text}\n`);
      else expect(r.text).toMatch(text);
    };
    await check(sub, { 'content-type': null }, 400, "Expecting 'Content-Type' to be present");
    await check(sub, { 'content-type': 'text/plain' }, 415, "Expecting 'Content-Type' of application/json, received 'text/plain'");
    await check(sub, { 'content-type': 'application/x-protobuf' }, 400, /^Failed to parse body into Call protobuf: /);
    await check(sub, { accept: 'text/html' }, 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json' or 'application/recordio'");
    await check('{"type": "SUBSCRIBE",', {}, 400, /^Failed to parse body into JSON: /);
    await check({ framework_id: FW.id, type: 'SUBSCRIBE', subscribe: {} }, {}, 400, 'Failed to convert JSON into Call protobuf: executor_id: missing required field of executor.Call');
    await check({ ...ids('http-2'), type: 'SUBSCRIBE', subscribe: { unacknowledged_tasks: [{ name: 'x' }] } }, {}, 400, 'Failed to convert JSON into Call protobuf: subscribe.unacknowledged_tasks[0].task_id: missing required field of TaskInfo');
    await check({ ...ids('http-2'), type: 'RUN' }, {}, 400, /^Failed to convert JSON into Call protobuf: type: unknown executor\.Call\.Type value 'RUN'/);
    await check({ ...ids('http-2') }, {}, 400, "Failed to validate executor::Call: Expecting 'type' to be present");
    await check({ ...ids('http-2'), type: 'SUBSCRIBE' }, {}, 400, "Failed to validate executor::Call: Expecting 'subscribe' to be present");
    await check({ ...ids('http-2'), type: 'UPDATE' }, {}, 400, "Failed to validate executor::Call: Expecting 'update' to be present");
    await check({ ...ids('http-2'), type: 'MESSAGE' }, {}, 400, "Failed to validate executor::Call: Expecting 'message' to be present");
    const noUuid = update('http-2', 'b1', 'TASK_RUNNING', uuidBase64(9));
    delete noUuid.update.status.uuid;
    await check(noUuid, {}, 400, "Failed to validate executor::Call: Expecting 'update.status.uuid' to be present");
    await check(update('http-2', 'b1', 'TASK_RUNNING', 'AAEC'), {}, 400, "Failed to validate executor::Call: 'update.status.uuid' must be 16 bytes (a UUID), got 3");
    await check(update('http-2', 'b1', 'TASK_RUNNING', uuidBase64(9), { source: 'SOURCE_AGENT' }), {}, 400, /with invalid source, expecting 'SOURCE_EXECUTOR' \('update\.status\.source' is SOURCE_AGENT\)$/m);
    await check(update('http-2', 'b1', 'TASK_STAGING', uuidBase64(9)), {}, 400, 'Failed to validate executor::Call: Received TASK_STAGING from executor http-2 of framework F-HTTP which is not allowed');
    await check(update('http-2', 'b1', 'TASK_RUNNING', uuidBase64(9), { executor_id: { value: 'other' } }), {}, 400, 'Failed to validate executor::Call: ExecutorID in Call: http-2 does not match ExecutorID in TaskStatus: other');
    await check({ ...sub, framework_id: { value: 'F-NONE' } }, {}, 400, "Framework cannot be found: no framework 'F-NONE' on this agent");
    await check({ ...sub, executor_id: { value: 'nobody' } }, {}, 400, "Executor cannot be found: no executor 'nobody' of framework 'F-HTTP' on this agent");
    await check({ ...ids('http-2'), type: 'UNKNOWN' }, {}, 501, "Received an 'UNKNOWN' call");
    await check({ ...ids('http-2'), type: 'MESSAGE', message: { data: 'aGk=' } }, {}, 403, 'Executor is not subscribed: call SUBSCRIBE before MESSAGE');
    const viaGet = await new Promise<number>((resolve, reject) => {
      import('node:http').then((http) => http.get(`${base}${PATH}`, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject), reject);
    });
    expect(viaGet).toBe(405);
    // The same API at the agent's own path, with a query string (ignored).
    const s = await openStream(base, `/slave(1)${PATH}?x=1`, sub);
    await s.nth('LAUNCH');
    s.close();
    expect(agent.agent.counters.get('slave/invalid_status_updates')).toBeGreaterThanOrEqual(5);
    // Its stream closed, the executor cannot be told to shut down: its container is destroyed.
    await waitUntil(() => executor('http-2')?.http?.closed === true, 'the agent to see the stream closed');
    setup.master.sendTo(agent.agentPid, 'shutdown_executor', { framework_id: FW.id!, executor_id: { value: 'http-2' } });
    await setup.master.waitFor((m) => m.name === 'exited_executor' && (m.body as { executor_id: { value: string } }).executor_id.value === 'http-2');
    expect((await setup.master.update('b1', 'TASK_FAILED')).status.reason).toBe('REASON_EXECUTOR_TERMINATED');
  });

  test('task groups: queued until the executor subscribes, then one LAUNCH_GROUP; later groups at once; an executor without a command refused', async () => {
    const info = executorInfo('http-g');
    const group = (taskIds: string[]): { tasks: TaskInfo[] } => ({
      tasks: taskIds.map((id) => {
        const t = taskOn(info, id);
        delete (t as { executor?: unknown }).executor;
        return t;
      }),
    });
    setup.master.sendTo(agent.agentPid, 'run_task_group', { framework: FW, executor: info, task_group: group(['g1', 'g2']) });
    await waitUntil(() => executor('http-g')?.container !== undefined, 'the executor container');
    expect([...executor('http-g')!.queued.keys()]).toEqual(['g1', 'g2']);
    // A task of the group killed while it waits leaves the group.
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FW.id!, task_id: { value: 'g2' } });
    expect((await setup.master.update('g2', 'TASK_KILLED')).status.reason).toBe('REASON_TASK_KILLED_DURING_LAUNCH');

    const s = await openStream(base, PATH, { ...ids('http-g'), type: 'SUBSCRIBE', subscribe: {} });
    const first = await s.nth('LAUNCH_GROUP');
    expectCanonical(first);
    expect(first.launch_group.task_group.tasks.map((t: Json) => t.task_id.value)).toEqual(['g1']);
    expect(s.events.map((e) => e.type)).toEqual(['SUBSCRIBED', 'LAUNCH_GROUP']);

    setup.master.sendTo(agent.agentPid, 'run_task_group', { framework: FW, executor: info, task_group: group(['g3', 'g4']) });
    const second = await s.nth('LAUNCH_GROUP', 2);
    expectCanonical(second);
    expect(second).toEqual({ type: 'LAUNCH_GROUP', launch_group: { task_group: encode('TaskGroupInfo', group(['g3', 'g4'])) } });
    for (const [n, id] of ['g1', 'g3', 'g4'].entries()) expect((await post(base, PATH, update('http-g', id, 'TASK_RUNNING', uuidBase64(100 + n)))).status).toBe(202);
    for (const id of ['g1', 'g3', 'g4']) await setup.master.update(id, 'TASK_RUNNING');

    const noCommand: ExecutorInfo = { executor_id: { value: 'no-command' } };
    setup.master.sendTo(agent.agentPid, 'run_task_group', { framework: FW, executor: noCommand, task_group: group(['n1', 'n2']) });
    for (const id of ['n1', 'n2']) {
      const e = await setup.master.update(id, 'TASK_ERROR');
      expect([e.status.reason, e.status.message]).toEqual(['REASON_TASK_GROUP_INVALID', 'Invalid task group: its executor has no command and is not of type DEFAULT']);
    }

    setup.master.sendTo(agent.agentPid, 'shutdown_executor', { framework_id: FW.id!, executor_id: { value: 'http-g' } });
    await s.nth('SHUTDOWN');
    await s.until(() => s.ended, 'the end of the stream');
    for (const id of ['g1', 'g3', 'g4']) expect((await setup.master.update(id, 'TASK_FAILED')).status.reason).toBe('REASON_EXECUTOR_TERMINATED');
  });

  test('after an agent restart the executor resubscribes: its unacknowledged update is replayed, a task it never got is lost', async () => {
    const m = setup.master;
    const workSetup = { ...setup, workDir: tempDir() };
    const a1 = await realAgent(workSetup, { executor_registration_timeout: '60secs', hostname: 'restarting' });
    await m.waitFor((r) => r.name === 'register_agent' && r.from.equals(a1.pid));
    const url = `http://${a1.pid.address}`;
    const info = executorInfo('http-r');
    const on = (a: typeof a1) => a.agent.frameworks.get(FW.id!.value)?.executors.get('http-r');
    m.sendTo(a1.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(info, 'r1') });
    await waitUntil(() => on(a1)?.container !== undefined, 'the executor container');
    // This agent checks executor tokens: the executor's token (as its environment has it) must still hold after the restart.
    const auth = { authorization: `Bearer ${a1.agent.executorTokens.issue({ fid: FW.id!.value, eid: 'http-r', cid: on(a1)!.containerId })}` };
    const s1 = await openStream(url, PATH, { ...ids('http-r'), type: 'SUBSCRIBE', subscribe: {} }, auth);
    const r1 = (await s1.nth('LAUNCH')).launch.task;
    expect((await post(url, PATH, update('http-r', 'r1', 'TASK_RUNNING', uuidBase64(11)), auth)).status).toBe(202);
    await s1.nth('ACKNOWLEDGED');
    // The executor's connection breaks; a task sent meanwhile waits in the agent's queue (checkpointed).
    s1.close();
    await waitUntil(() => on(a1)?.http?.closed === true, 'the agent to see the stream closed');
    m.sendTo(a1.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task: taskOn(info, 'r2') });
    await waitUntil(() => on(a1)?.queued.has('r2') === true, "'r2' queued");
    await a1.stop();

    const a2 = await realAgent(workSetup, { port: a1.pid.port, executor_registration_timeout: '60secs', hostname: 'restarting' });
    try {
      await m.waitFor((r) => r.name === 'reregister_agent' && r.from.equals(a2.pid));
      expect(on(a2)?.state).toBe('REGISTERING');
      const u12 = uuidBase64(12);
      const s2 = await openStream(url, PATH, {
        ...ids('http-r'),
        type: 'SUBSCRIBE',
        subscribe: { unacknowledged_tasks: [r1], unacknowledged_updates: [{ status: { task_id: { value: 'r1' }, state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', uuid: u12 } }] },
      }, auth);
      await s2.nth('ACKNOWLEDGED');
      expect(s2.events.map((e) => e.type)).toEqual(['SUBSCRIBED', 'ACKNOWLEDGED']);
      expect(s2.events[0]!.subscribed.container_id).toEqual({ value: on(a2)!.containerId });
      expect(s2.events[1]!.acknowledged).toEqual({ task_id: { value: 'r1' }, uuid: u12 });
      expect(Buffer.from((await m.update('r1', 'TASK_FINISHED')).uuid!).toString('base64')).toBe(u12);
      const lost = await m.update('r2', 'TASK_LOST');
      expect([lost.status.reason, lost.status.source]).toEqual(['REASON_AGENT_RESTARTED', 'SOURCE_AGENT']);
      expect(on(a2)?.state).toBe('RUNNING');

      m.sendTo(a2.agentPid, 'shutdown_executor', { framework_id: FW.id!, executor_id: { value: 'http-r' } });
      await s2.nth('SHUTDOWN');
      await s2.until(() => s2.ended, 'the end of the stream');
      await m.waitFor((r) => r.name === 'exited_executor' && r.from.equals(a2.pid));
    } finally {
      await a2.stop();
    }
  });
});
