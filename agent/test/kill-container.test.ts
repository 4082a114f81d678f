// KILL_CONTAINER of the agent's v1 operator API (what `mesos-ts task kill` sends): a real agent
// and a scripted master; a command task running `sleep` ends TASK_KILLED once its executor's
// container is killed; a call without a container id is 400, an unknown container 404.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { post, waitUntil } from './http-client.js';
import { realAgent, realMaster, type RealSetup, stopRealAgent } from './real.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;

beforeAll(async () => {
  setup = await realMaster();
  agent = await realAgent(setup);
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
  setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('long', 'exec sleep 60') });
  await setup.master.update('long', 'TASK_RUNNING');
});

afterAll(async () => {
  await stopRealAgent(setup, agent, FRAMEWORK.id!);
});

test('KILL_CONTAINER: the task of the container ends TASK_KILLED; 400 without an id, 404 for an unknown container', async () => {
  const noId = await post(base, '/api/v1', { type: 'KILL_CONTAINER', kill_container: {} }); // refused by the agent.Call schema
  expect([noId.status, noId.text]).toEqual([400, 'Failed to convert JSON into Call protobuf: kill_container.container_id: missing required field of agent.Call.KillContainer\n']);
  const missing = await post(base, '/api/v1', { type: 'KILL_CONTAINER' });
  expect([missing.status, missing.text]).toEqual([400, "Failed to validate agent::Call: Expecting 'kill_container.container_id.value' to be a non-empty string\n"]);
  const unknown = await post(base, '/api/v1', { type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'no-such-container' } } });
  expect([unknown.status, unknown.text]).toEqual([404, 'Container no-such-container cannot be found\n']);

  const container = agent.agent.executors().find((e) => e.id === 'long')!.containerId;
  const ok = await post(base, '/api/v1', { type: 'KILL_CONTAINER', kill_container: { container_id: { value: container } } });
  expect(ok.status).toBe(200);
  const update = await setup.master.update('long', 'TASK_KILLED');
  expect(update.status.source).toBe('SOURCE_EXECUTOR');
  await waitUntil(() => agent.agent.executors().every((e) => e.state === 'TERMINATED' || e.id !== 'long'), 'the executor ended');
}, 30_000);
