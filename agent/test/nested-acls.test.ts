// The agent's --acls on operators' nested container calls (Mesos's launch_nested_containers_as_user,
// launch_nested_containers_under_parent_with_user, kill/wait/remove_nested_containers), on a real agent
// with the default executor: a denied call answers 403 naming the rule, an allowed one goes through,
// and an executor's own calls (its token) are not subject to them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo, TaskInfo } from '../../protocol/types.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { post } from './http-client.js';
import { realAgent, realMaster, type RealSetup, stopRealAgent } from './real.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };
let base: string;
const EXECUTOR: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'guarded' }, framework_id: FRAMEWORK.id!, resources: commandTask('x', 'true').resources! };
const me = FRAMEWORK.user;

beforeAll(async () => {
  setup = await realMaster();
  // Anyone may launch as the framework's user under its containers, and wait; nobody may kill or remove; nothing else as 'nobody'.
  const acls = {
    permissive: false,
    launch_nested_containers_as_user: [{ principals: { type: 'ANY' }, users: { values: [me] } }],
    launch_nested_containers_under_parent_with_user: [{ principals: { type: 'ANY' }, users: { values: [me] } }],
    wait_nested_containers: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }],
  };
  agent = await realAgent(setup, { acls: JSON.stringify(acls) });
  base = `http://${agent.pid.address}`;
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await stopRealAgent(setup, agent, FRAMEWORK.id!);
});

describe('--acls on nested containers', () => {
  test('operators: launch as the allowed user and wait; launch as another user, kill and remove refused (403); the executor unaffected', async () => {
    const long: TaskInfo = commandTask('guarded-task', 'exec sleep 60');
    setup.master.sendTo(agent.agentPid, 'run_task_group', { framework: FRAMEWORK, executor: EXECUTOR, task_group: { tasks: [long] } });
    const running = await setup.master.update('guarded-task', 'TASK_RUNNING');
    const child = running.status.container_status!.container_id!;
    const parent = child.parent!;

    const launch = (id: string, user?: string) => post(base, '/api/v1', { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: { value: id, parent }, command: { value: 'exit 0', ...(user !== undefined ? { user } : {}) } } });
    const asNobody = await launch('as-nobody', 'nobody');
    expect([asNobody.status, asNobody.text]).toEqual([403, "Unauthorized: an anonymous request is not allowed to launch_nested_containers_as_user on user 'nobody' (denied by acls.permissive=false (no launch_nested_containers_as_user rule matched))\n"]);
    expect((await launch('allowed')).status).toBe(200);
    const waited = await post(base, '/api/v1', { type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { container_id: { value: 'allowed', parent } } });
    expect(waited.status).toBe(200);
    const remove = await post(base, '/api/v1', { type: 'REMOVE_NESTED_CONTAINER', remove_nested_container: { container_id: { value: 'allowed', parent } } });
    expect(remove.status).toBe(403);
    expect(remove.text).toContain('remove_nested_containers');
    const kill = await post(base, '/api/v1', { type: 'KILL_CONTAINER', kill_container: { container_id: child } });
    expect(kill.status).toBe(403);
    expect(kill.text).toContain('kill_nested_containers');
    expect(agent.agent.counters.get('slave/nested_containers_unauthorized')).toBe(3);

    // The executor's own calls (its token) are its own business: it kills its task when the master asks.
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'guarded-task' } });
    await setup.master.update('guarded-task', 'TASK_KILLED');
  }, 60_000);
});
