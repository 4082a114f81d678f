// A command task that allocates beyond its mem, through the whole agent
// (startAgent with --isolation=cgroups/cpu,cgroups/mem, real cgroups, a
// scripted master over WebSockets): TASK_FAILED with reason
// REASON_CONTAINER_LIMITATION_MEMORY; its neighbour within its limit is not
// touched. Skipped, saying why, only where cgroups cannot be used (not root,
// no writable hierarchy): the probe is the containerizer's own.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxPath } from '../containerizer/index.js';
import { probeCgroups } from '../containerizer/isolators/cgroups-fs.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';
import { describeIf } from '../../test/skip.js';

const probe = await probeCgroups('mesos-ts');
const describeCgroups = describeIf(probe.backend ? null : `cgroups are not usable here: ${probe.reason}`);

describeCgroups(`agent with --isolation=cgroups/cpu,cgroups/mem (${probe.backend?.describe() ?? 'unusable'})`, () => {
  let setup: RealSetup;
  let agent: StartedAgent & { agentPid: import('libprocess-ts').PID<import('../../protocol/messages/master-agent.js').MasterToAgent> };

  beforeAll(async () => {
    setup = await realMaster();
    agent = await realAgent(setup, { isolation: 'cgroups/cpu,cgroups/mem' });
    await setup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await agent?.stop();
    await setup?.masterRt.stop();
  });

  test('a task allocating beyond its mem ends TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY; one within its mem finishes', async () => {
    const run = (task: ReturnType<typeof commandTask>): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
    // 32 MB of mem; dd holds one 200 MB block in memory. The kernel's OOM killer kills dd alone
    // (not the group: see containerizer/README.md), so the shell may print dd's status before the
    // agent destroys the container; what must never show is a dd that got its 200 MB (status 0).
    run(commandTask('hog', 'echo started; dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd exited with $?'));
    run(commandTask('small', 'dd if=/dev/zero of=/dev/null bs=4M count=1'));
    const hog = await setup.master.update('hog', 'TASK_FAILED');
    const small = await setup.master.update('small', 'TASK_FINISHED');

    expect(setup.master.states('hog')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    expect(hog.status.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(hog.status.message).toMatch(/^Memory limit exceeded: Requested: 32MB Maximum Used: \d+MB/);
    expect(hog.status.message).toContain('MEMORY STATISTICS');
    expect(small.status.message).toBe('Command exited with status 0');

    // The OOM kill stopped the allocation (dd was killed: 137, or the container destroyed first), and its groups are gone.
    const sandbox = sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId: 'hog', containerId: 'latest' });
    const out = readFileSync(join(sandbox, 'stdout'), 'utf8');
    expect(out).toContain('started');
    expect(out).toMatch(/^started\n(dd exited with 137\n)?$/);
    const containerId = realpathSync(sandbox).split('/').pop()!;
    const memDir = probe.backend!.paths(containerId, ['memory']).memory!;
    expect(memDir).toContain(containerId);
    expect(existsSync(memDir)).toBe(false);
  });
});
