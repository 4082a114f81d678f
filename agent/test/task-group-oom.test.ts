// Each task of a group has its own limits: with --isolation=cgroups/cpu,cgroups/mem, a task of a
// group that allocates beyond its own mem ends TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY
// (its nested container's cgroup, not the executor's, hit the limit), and the group's kill policy
// kills its neighbour. Skipped, saying why, only where cgroups cannot be used (the containerizer's
// own probe).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo } from '../../protocol/types.js';
import { probeCgroups } from '../containerizer/isolators/cgroups-fs.js';
import type { StartedAgent } from '../main.js';
import { describeIf } from '../../test/skip.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup, stopRealAgent } from './real.js';

const probe = await probeCgroups('mesos-ts');
const describeCgroups = describeIf(probe.backend ? null : `cgroups are not usable here: ${probe.reason}`);

describeCgroups(`a task group with --isolation=cgroups/cpu,cgroups/mem (${probe.backend?.describe() ?? 'unusable'})`, () => {
  let setup: RealSetup;
  let agent: StartedAgent & { agentPid: PID<MasterToAgent> };

  beforeAll(async () => {
    setup = await realMaster();
    agent = await realAgent(setup, { isolation: 'cgroups/cpu,cgroups/mem' });
    await setup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await stopRealAgent(setup, agent, FRAMEWORK.id!);
  });

  test('the task beyond its own mem fails with the memory limitation; its neighbour is killed', async () => {
    const executor: ExecutorInfo = { type: 'DEFAULT', executor_id: { value: 'pod' }, framework_id: FRAMEWORK.id!, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }] };
    // 32 MB each; dd holds one 200 MB block in memory.
    const tasks = [commandTask('hog', 'sleep 0.5; dd if=/dev/zero of=/dev/null bs=200M count=1'), commandTask('idle', 'exec sleep 60')];
    setup.master.sendTo(agent.agentPid, 'run_task_group', { framework: FRAMEWORK, executor, task_group: { tasks } });
    const hog = await setup.master.update('hog', 'TASK_FAILED');
    expect(hog.status.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(hog.status.message).toMatch(/^Memory limit exceeded: Requested: 32MB Maximum Used: \d+MB/);
    const idle = await setup.master.update('idle', 'TASK_KILLED');
    expect(idle.status.source).toBe('SOURCE_EXECUTOR');
    await setup.master.waitFor((m) => m.name === 'exited_executor');
  }, 60_000);
});
