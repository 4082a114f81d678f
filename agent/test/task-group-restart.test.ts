// A task group survives an agent restart (real processes): a checkpointing framework's group
// runs under the default executor; the agent's runtime stops while the task keeps running; a new
// agent on the same work dir and port recovers the executor and its nested container, the
// executor subscribes again and waits on its task again, and a KILL from the master then ends the
// task TASK_KILLED and the executor with it.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentToMaster } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo } from '../../protocol/types.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { post, waitUntil, type Json } from './http-client.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

let setup: RealSetup;
beforeAll(async () => {
  setup = await realMaster();
});
afterAll(async () => {
  await setup?.masterRt.stop();
});

const fw = { ...FRAMEWORK, checkpoint: true };
const EXECUTOR: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'pod' }, framework_id: fw.id!, resources: commandTask('x', 'true').resources! };
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the executor and its nested container are recovered; the executor subscribes again; a KILL ends the task', async () => {
  const m = setup.master;
  const a1 = await realAgent(setup);
  await m.waitFor((r) => r.name === 'register_agent' && r.from.equals(a1.pid));
  m.sendTo(a1.agentPid, 'run_task_group', { framework: fw, executor: EXECUTOR, task_group: { tasks: [commandTask('long', 'echo $$ > pid; exec sleep 120')] } });
  const running = await m.update('long', 'TASK_RUNNING');
  const child = running.status.container_status!.container_id!;
  const ex1 = a1.agent.executors().find((e) => e.id === 'pod')!;
  const pidFile = join(ex1.directory, 'tasks', 'long', 'pid');
  await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the task wrote its pid');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await a1.stop();
  expect(alive(pid)).toBe(true);

  const a2 = await realAgent(setup, { port: a1.pid.port });
  try {
    const rereg = await m.waitFor((r) => r.name === 'reregister_agent' && r.from.equals(a2.pid));
    const body = rereg.body as AgentToMaster['reregister_agent'];
    expect(body.tasks.map((t) => [t.task_id.value, t.state])).toEqual([['long', 'TASK_RUNNING']]);
    expect(body.executor_infos.map((e) => [e.executor_id.value, e.type, e.command])).toEqual([['pod', 'DEFAULT', undefined]]);
    // The default executor subscribed again (within the 2 s a recovered executor has).
    await waitUntil(() => a2.agent.executors().some((e) => e.id === 'pod' && e.state === 'RUNNING' && e.http !== undefined), 'the executor subscribed again');
    const listed = JSON.parse((await post(`http://${a2.pid.address}`, '/api/v1', { type: 'GET_CONTAINERS', get_containers: { show_nested: true } })).text) as Json;
    expect(listed.get_containers.containers.map((c: Json) => c.container_id)).toContainEqual(child);
    expect(alive(pid)).toBe(true);

    m.sendTo(a2.agentPid, 'kill_task', { framework_id: fw.id!, task_id: { value: 'long' } });
    const killed = await m.update('long', 'TASK_KILLED');
    expect(killed.status.source).toBe('SOURCE_EXECUTOR');
    await m.waitFor((r) => r.name === 'exited_executor' && r.from.equals(a2.pid));
    await waitUntil(() => !alive(pid), 'the task process is gone');
    expect(a2.agent.nested.list()).toEqual([]);
  } finally {
    m.sendTo(a2.agentPid, 'shutdown_framework', { framework_id: fw.id! });
    await waitUntil(() => a2.agent.executors().every((e) => e.state === 'TERMINATED'), 'every executor ended').catch(() => {});
    await a2.stop();
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}, 60_000);
