// A v1 HTTP executor that subscribes and then stops reading its event stream
// while its scheduler sends it large messages: once the unsent events pass
// the bound the agent cuts the stream off (counted) instead of holding them
// without limit; the agent keeps serving and the executor can subscribe again.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo, FrameworkInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { commandTask } from './helpers.js';
import { get, openStream, waitUntil } from './http-client.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

const MiB = 1024 * 1024;
let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;
const FW: FrameworkInfo = { user: 'root', name: 'stalled executor', id: { value: 'F-STALL' } };
const PATH = '/api/v1/executor';

beforeAll(async () => {
  setup = await realMaster();
  // This test covers the stream bound; executor tokens are http-executor-auth.test.ts's.
  agent = await realAgent(setup, { executor_registration_timeout: '60secs', authenticate_http_executors: 'false' }, { maxUnsentBytes: MiB });
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await agent?.stop();
  await setup?.masterRt.stop();
});

describe('an HTTP executor that stops reading its events', () => {
  test('is cut off once its unsent events pass the bound; the agent keeps serving', async () => {
    const info: ExecutorInfo = { executor_id: { value: 'stall' }, command: { shell: true, value: 'exec sleep 60' }, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] };
    const task = { ...commandTask('t1', ''), executor: info };
    delete (task as { command?: unknown }).command;
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FW, framework_id: FW.id!, task });
    const executor = () => agent.agent.frameworks.get(FW.id!.value)?.executors.get('stall');
    await waitUntil(() => executor()?.container !== undefined, 'the executor container');
    const ids = { executor_id: { value: 'stall' }, framework_id: FW.id };
    const stream = await openStream(base, PATH, { ...ids, type: 'SUBSCRIBE', subscribe: {} });
    await stream.nth('SUBSCRIBED');
    stream.res.pause(); // from now on the executor reads nothing

    // Messages of 512 KiB (about 700 KB as base64 MESSAGE events), far more than socket buffers and the bound hold.
    const data = new Uint8Array(512 * 1024);
    const metrics = () => agent.runtime.metrics();
    for (let i = 0; i < 40 && metrics()['transport/slow_clients_cut'] === 0; i++) {
      setup.master.sendTo(agent.agentPid, 'framework_to_executor', { agent_id: { value: agent.agent.agentId! }, framework_id: FW.id!, executor_id: { value: 'stall' }, data });
      await waitUntil(() => agent.agent.counters.get('slave/valid_framework_messages') === i + 1, `message ${i + 1} to reach the executor's stream`);
    }
    await waitUntil(() => metrics()['transport/slow_clients_cut'] === 1, 'the stream to be cut off');
    stream.close();

    expect((await get(`${base}/health`)).status).toBe(200);
    const again = await openStream(base, PATH, { ...ids, type: 'SUBSCRIBE', subscribe: {} });
    await again.nth('SUBSCRIBED');
    // The executor's process goes with its framework (nothing left running after the test).
    setup.master.sendTo(agent.agentPid, 'shutdown_framework', { framework_id: FW.id! });
    await waitUntil(() => executor() === undefined || executor()!.state === 'TERMINATED', 'the executor to terminate');
    again.close();
  });
});
