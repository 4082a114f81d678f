// An executor in "any language": http-executor.mjs, written with nothing but
// Node's http module, is run by a real agent as its executor's command. A
// scheduler written with nothing but Node's http module too, through a real
// master, launches three tasks on it and sees their updates (each with a
// uuid, each acknowledged), KILL and SHUTDOWN, and the executor's messages
// proving it received an ACKNOWLEDGED event for every update it sent.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Runtime, WsTransport, createLogger, realClock, type PID } from 'libprocess-ts';
import { startMasterIn } from '../../master/main.js';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { StartedAgent } from '../main.js';
import { tempDir } from './helpers.js';
import { openStream, post, waitUntil, type EventStream, type Json } from './http-client.js';
import { realAgent, type RealSetup } from './real.js';

const EXECUTOR = fileURLToPath(new URL('./http-executor.mjs', import.meta.url)).replace(/\/dist\/agent\/test\//, '/agent/test/');

let masterRt: Runtime;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let master: string;

beforeAll(async () => {
  masterRt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, name: 'master', logger: createLogger('master', 'silent') }).start();
  const { pid } = startMasterIn(masterRt, { flags: { allocationIntervalMs: 50 }, masterId: 'm-http-exec' });
  master = `http://${masterRt.address}`;
  agent = await realAgent({ masterPid: pid, workDir: tempDir() } as unknown as RealSetup, { executor_registration_timeout: '30secs' });
});

afterAll(async () => {
  await agent?.stop();
  await masterRt?.stop();
});

const scalar = (name: string, value: number): Json => ({ name, type: 'SCALAR', scalar: { value } });

describe('a custom executor over the v1 HTTP API', () => {
  test('runs tasks for a framework through a real master: updates with uuids, ACKNOWLEDGED for each, KILL, MESSAGE, SHUTDOWN', async () => {
    const sched: EventStream = await openStream(master, '/api/v1/scheduler', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'any-language', checkpoint: true } } });
    const streamId = String(sched.res.headers['mesos-stream-id']);
    const frameworkId = (await sched.nth('SUBSCRIBED')).subscribed.framework_id;
    const call = (body: Json) => post(master, '/api/v1/scheduler', { framework_id: frameworkId, ...body }, { 'mesos-stream-id': streamId });
    const offer = (await sched.nth('OFFERS')).offers.offers[0];

    const executor = {
      executor_id: { value: 'node-http' },
      name: 'node http executor',
      command: { shell: true, value: `exec node ${EXECUTOR}` },
      resources: [scalar('cpus', 0.1), scalar('mem', 32)],
      shutdown_grace_period: { nanoseconds: 5e9 },
    };
    const task = (id: string, data: string): Json => ({ name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: [scalar('cpus', 0.1), scalar('mem', 32)], executor, data: Buffer.from(data).toString('base64') });
    const accepted = await call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('a', 'finish'), task('b', 'wait'), task('c', 'wait')] } }] } });
    expect(accepted.status).toBe(202);

    // Acknowledge every update that carries a uuid, as a scheduler must.
    const acked = new Set<string>();
    const states = (): string[] => sched.ofType('UPDATE').map((u) => `${u.update.status.task_id.value} ${u.update.status.state}`);
    const ackStatuses: number[] = [];
    const ackAll = async (): Promise<void> => {
      for (const u of sched.ofType('UPDATE')) {
        const s = u.update.status;
        if (s.uuid === undefined || acked.has(s.uuid)) continue;
        acked.add(s.uuid);
        ackStatuses.push((await call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } })).status);
      }
    };
    // The agent forwards a task's next update once the previous one is acknowledged: acknowledge as they come.
    sched.res.on('data', () => void ackAll());
    await sched.until(() => ['a TASK_RUNNING', 'a TASK_FINISHED', 'b TASK_RUNNING', 'c TASK_RUNNING'].every((x) => states().includes(x)), 'the first updates');
    expect(states().filter((s) => s.startsWith('a '))).toEqual(['a TASK_RUNNING', 'a TASK_FINISHED']);
    for (const u of sched.ofType('UPDATE')) {
      expect(u.update.status.source).toBe('SOURCE_EXECUTOR');
      expect(u.update.status.executor_id).toEqual({ value: 'node-http' });
      expect(Buffer.from(u.update.status.uuid, 'base64')).toHaveLength(16);
    }
    expect(sched.ofType('UPDATE').find((u) => u.update.status.state === 'TASK_FINISHED')!.update.status.message).toBe('done');

    // The executor tells us (MESSAGE) of each ACKNOWLEDGED event it got.
    const messages = (): string[] => sched.ofType('MESSAGE').map((m) => Buffer.from(m.message.data, 'base64').toString());
    await sched.until(() => ['ack a TASK_RUNNING', 'ack a TASK_FINISHED', 'ack b TASK_RUNNING', 'ack c TASK_RUNNING'].every((x) => messages().includes(x)), 'acknowledgement reports');
    expect(sched.ofType('MESSAGE')[0]!.message.executor_id).toEqual({ value: 'node-http' });

    // Scheduler -> executor MESSAGE, echoed back.
    expect((await call({ type: 'MESSAGE', message: { agent_id: offer.agent_id, executor_id: { value: 'node-http' }, data: Buffer.from('hello').toString('base64') } })).status).toBe(202);
    await sched.until(() => messages().includes('echo:hello'), 'the echo');

    // KILL b.
    expect((await call({ type: 'KILL', kill: { task_id: { value: 'b' }, agent_id: offer.agent_id } })).status).toBe(202);
    await sched.until(() => states().includes('b TASK_KILLED'), 'b killed');
    await sched.until(() => messages().includes('ack b TASK_KILLED'), 'the report of b killed');

    // The environment Mesos gives an HTTP executor, as the executor saw it.
    const ex = agent.agent.frameworks.get(frameworkId.value)!.executors.get('node-http')!;
    const stdout = readFileSync(`${ex.directory}/stdout`, 'utf8');
    expect(stdout).toContain(`env MESOS_HTTP_COMMAND_EXECUTOR=0 MESOS_CHECKPOINT=1 MESOS_DIRECTORY=${ex.directory} MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs`);
    expect(stdout).toContain(`subscribed to agent ${agent.agent.agentId} in container ${ex.containerId}`);

    // SHUTDOWN: the executor kills c and exits 0; the framework sees TASK_KILLED and a FAILURE naming the executor.
    expect((await call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'node-http' }, agent_id: offer.agent_id } })).status).toBe(202);
    await sched.until(() => states().includes('c TASK_KILLED') && sched.ofType('FAILURE').length > 0, 'c killed and the executor gone');
    expect(sched.ofType('FAILURE')[0]!.failure).toEqual({ agent_id: offer.agent_id, executor_id: { value: 'node-http' }, status: 0 });
    expect(sched.ofType('UPDATE').find((u) => u.update.status.task_id.value === 'c' && u.update.status.state === 'TASK_KILLED')!.update.status.message).toBe('executor shut down');
    expect(states().filter((s) => s.endsWith('TASK_FAILED') || s.endsWith('TASK_LOST'))).toEqual([]);
    await waitUntil(() => agent.agent.frameworks.get(frameworkId.value)?.executors.get('node-http') === undefined, 'the executor to complete on the agent');
    await waitUntil(() => ackStatuses.length === sched.ofType('UPDATE').length, 'the answers to every ACKNOWLEDGE');
    expect(new Set(ackStatuses)).toEqual(new Set([202]));
    expect(readFileSync(`${ex.directory}/stdout`, 'utf8')).toContain('event SHUTDOWN');

    expect((await call({ type: 'TEARDOWN' })).status).toBe(202);
    await sched.until(() => sched.ended, 'the end of the scheduler stream');
  });
});
