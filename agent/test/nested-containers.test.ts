// Nested containers on a real agent: a task group under a DEFAULT executor runs the agent's
// default executor (a real process), which runs its task in a nested container under its own.
// The operator calls: GET_CONTAINERS (show_nested) and /containers?show_nested=true list it with
// its parent; an executor's token may launch, wait, kill and remove containers under its own
// container only (401 for a bad token, 403 for another container or another call); 404 for an
// unknown container, 409 to remove a running one, 400 for a malformed call. A KILL from the master
// ends the task TASK_KILLED, the executor exits, and its containers are gone.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo, TaskInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask, tempDir } from './helpers.js';
import { get, post, waitUntil, type Json } from './http-client.js';
import { realAgent, realMaster, type RealSetup, stopRealAgent } from './real.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;

const EXECUTOR: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'pod' }, framework_id: FRAMEWORK.id!, resources: commandTask('x', 'true').resources! };
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  setup = await realMaster();
  agent = await realAgent(setup);
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await stopRealAgent(setup, agent, FRAMEWORK.id!);
});

describe('a task group on a real agent', () => {
  test('the task runs in a nested container; the nested container calls, with the executor token and without', async () => {
    const long: TaskInfo = commandTask('long', 'echo $$ > pid; exec sleep 60');
    setup.master.sendTo(agent.agentPid, 'run_task_group', { framework: FRAMEWORK, executor: EXECUTOR, task_group: { tasks: [long] } });
    const running = await setup.master.update('long', 'TASK_RUNNING');
    const child = running.status.container_status!.container_id!;
    const ex = agent.agent.executors().find((e) => e.id === 'pod')!;
    expect(child.parent).toEqual({ value: ex.containerId });
    expect(ex.info.command).toBeUndefined(); // the framework's ExecutorInfo, as given

    // Its sandbox: containers/<child> in the executor's, linked as tasks/long.
    expect(readlinkSync(join(ex.directory, 'tasks', 'long'))).toBe(join('..', 'containers', child.value));
    await waitUntil(() => existsSync(join(ex.directory, 'tasks', 'long', 'pid')), 'the task wrote its pid');
    const pid = Number(readFileSync(join(ex.directory, 'tasks', 'long', 'pid'), 'utf8'));
    expect(alive(pid)).toBe(true);

    const listed = JSON.parse((await post(base, '/api/v1', { type: 'GET_CONTAINERS', get_containers: { show_nested: true } })).text) as Json;
    expect(listed.get_containers.containers.map((c: Json) => c.container_id)).toEqual([{ value: ex.containerId }, child]);
    const withoutNested = JSON.parse((await post(base, '/api/v1', { type: 'GET_CONTAINERS' })).text) as Json;
    expect(withoutNested.get_containers.containers).toHaveLength(1);
    const classic = JSON.parse((await get(`${base}/containers?show_nested=true`)).text) as Json[];
    expect(classic.map((c) => c.status.container_id)).toEqual([{ value: ex.containerId }, child]);

    const token = agent.agent.executorTokens.issue({ fid: FRAMEWORK.id!.value, eid: 'pod', cid: ex.containerId });
    const asExecutor = (call: Json, t = token) => post(base, '/api/v1', call, { authorization: `Bearer ${t}` });
    const extra = { value: 'extra', parent: { value: ex.containerId } };
    const launch = { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: extra, command: { value: 'echo from extra > out; exit 7' } } };

    expect((await asExecutor(launch, 'not-a-token')).status).toBe(401);
    const foreign = agent.agent.executorTokens.issue({ fid: FRAMEWORK.id!.value, eid: 'pod', cid: 'another-container' });
    const refused = await asExecutor(launch, foreign);
    expect([refused.status, refused.text]).toEqual([403, `Executor 'pod' of framework 'F-0000' may act only on containers under its own container another-container, not under ${ex.containerId}\n`]);
    expect((await asExecutor({ type: 'GET_STATE' })).status).toBe(403);

    expect((await asExecutor(launch)).status).toBe(200);
    expect((await asExecutor(launch)).status).toBe(202); // exists already
    const waited = await asExecutor({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: extra } });
    expect(waited.status).toBe(200);
    expect(JSON.parse(waited.text)).toEqual({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { exit_status: 7 << 8, message: 'Command exited with status 7' } });
    expect(readFileSync(join(ex.directory, 'containers', 'extra', 'out'), 'utf8')).toBe('from extra\n');
    expect((await asExecutor({ type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: extra } })).status).toBe(200);
    expect((await asExecutor({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: extra } })).status).toBe(404);
    const again = await asExecutor(launch);
    expect([again.status, again.text]).toEqual([409, 'the sandbox \'containers/extra\' exists already: a container id is used once\n']);

    // An executor runs containers as its user or its tasks' only; nothing is made through a link it planted.
    const asNobody = await asExecutor({ type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: 'nobody', parent: extra.parent }, command: { value: 'true', user: 'nobody' } } });
    expect([asNobody.status, asNobody.text]).toEqual([403, "Executor 'pod' may not launch a container as user 'nobody': neither its user nor one of its tasks'\n"]);
    const outside = tempDir('nested-outside-');
    symlinkSync(outside, join(ex.directory, 'planted'));
    const planted = await asExecutor({
      type: 'LAUNCH_NESTED_CONTAINER',
      launch_nested_container: { container_id: { value: 'planted', parent: extra.parent }, command: { value: 'true' }, container: { type: 'MESOS', volumes: [{ container_path: 'p', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path: 'planted/made' } } }] } },
    });
    expect([planted.status, planted.text]).toEqual([403, "'planted/made' goes through a symbolic link in the sandbox; refused\n"]);
    expect(readdirSync(outside)).toEqual([]);

    // The operator (this agent needs no credentials) and malformed calls.
    const removeRunning = await post(base, '/api/v1', { type: 'REMOVE_CONTAINER', remove_container: { container_id: child } });
    expect([removeRunning.status, removeRunning.text]).toEqual([409, `Container ${child.value} is still running: kill it first\n`]);
    expect((await post(base, '/api/v1', { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'x', parent: { value: 'nope' } } } })).status).toBe(404);
    expect((await post(base, '/api/v1', { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: 'x', parent: { value: 'nope' } }, command: { value: 'true' } } })).status).toBe(404);
    const noParent = await post(base, '/api/v1', { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: 'x' }, command: { value: 'true' } } });
    expect([noParent.status, noParent.text]).toEqual([400, "Failed to validate agent::Call: LAUNCH_NESTED_CONTAINER needs a nested container: 'container_id.parent' is missing\n"]);
    const slash = await post(base, '/api/v1', { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: 'a/b', parent: { value: ex.containerId } }, command: { value: 'true' } } });
    expect(slash.status).toBe(400);
    expect(slash.text).toContain("contains '/'");
    const escape = await post(base, '/api/v1', {
      type: 'LAUNCH_NESTED_CONTAINER',
      launch_nested_container: { container_id: { value: 'esc', parent: { value: ex.containerId } }, command: { value: 'true' }, container: { type: 'MESOS', volumes: [{ container_path: 'up', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path: '../../..' } } }] } },
    });
    expect([escape.status, escape.text]).toEqual([400, "container.volumes[0].source.sandbox_path.path '../../..' must be a path inside the sandbox\n"]);
    const noWait = await post(base, '/api/v1', { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: {} });
    expect(noWait.status).toBe(400);
    expect(noWait.text).toContain('wait_nested_container.container_id: missing required field');

    // KILL from the master: the task ends TASK_KILLED, the executor exits, nothing is left running.
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'long' } });
    const killed = await setup.master.update('long', 'TASK_KILLED');
    expect(killed.status.source).toBe('SOURCE_EXECUTOR');
    await setup.master.waitFor((m) => m.name === 'exited_executor');
    await waitUntil(() => !alive(pid), 'the task process is gone');
    expect(agent.agent.nested.list()).toEqual([]);
    expect(readFileSync(join(ex.directory, 'stderr'), 'utf8')).toContain('nothing runs any more; exiting with 0');
  }, 60_000);
});
