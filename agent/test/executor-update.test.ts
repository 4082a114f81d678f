// A custom executor's container follows its tasks (the containerizer's update(), as Mesos's
// Slave calls it): with real cgroups (v1 here, as root), the executor's memory limit and cpu
// shares rise when its second task arrives and, when that task is killed, the cpu shares and
// the memory soft limit come back down while the hard limit stays (Mesos never lowers it under
// a running container). The executor is agent/test/http-executor.mjs over the v1 HTTP API.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import type { ExecutorInfo, Resource } from '../../protocol/types.js';
import { sandboxPath } from '../containerizer/index.js';
import { probeCgroups } from '../containerizer/isolators/cgroups-fs.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';
import { describeIf } from '../../test/skip.js';
import { until } from '../../test/wait.js';

const EXECUTOR = fileURLToPath(new URL('./http-executor.mjs', import.meta.url)).replace(/\/dist\/agent\/test\//, '/agent/test/');
const probe = await probeCgroups('mesos-ts');
const v1 = probe.backend?.version === 1 ? null : `needs cgroups v1 (${probe.backend ? 'this host has v2' : probe.reason})`;
const MB = 1024 * 1024;

describeIf(v1)('a custom executor with cgroups/cpu,cgroups/mem', () => {
  let setup: RealSetup;
  let agent: StartedAgent & { agentPid: PID<MasterToAgent> };

  beforeAll(async () => {
    setup = await realMaster();
    agent = await realAgent(setup, { isolation: 'cgroups/cpu,cgroups/mem', executor_registration_timeout: '30secs' });
    await setup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await agent?.stop();
    await setup?.masterRt.stop();
  });

  const res = (cpus: number, mem: number): Resource[] => [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
  ];
  const executor: ExecutorInfo = { executor_id: { value: 'growing' }, command: { shell: true, value: `exec ${JSON.stringify(process.execPath)} ${EXECUTOR}` }, resources: res(0.1, 32) };
  const task = (id: string, cpus: number, mem: number) => {
    const t = { ...commandTask(id, ''), resources: res(cpus, mem), executor, data: new TextEncoder().encode('wait') };
    delete (t as { command?: unknown }).command;
    return t;
  };

  test('its limits rise with its second task and come down (soft) when that task ends', async () => {
    const run = (t: ReturnType<typeof task>): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: t });
    run(task('first', 0.2, 64));
    await setup.master.update('first', 'TASK_RUNNING');
    const sandbox = sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId: 'growing', containerId: 'latest' });
    const containerId = realpathSync(sandbox).split('/').pop()!;
    const paths = probe.backend!.paths(containerId, ['cpu', 'memory']);
    const read = (dir: string | undefined, file: string): number => Number(readFileSync(join(dir!, file), 'utf8').trim());
    const limits = (): string => `${read(paths.memory, 'memory.limit_in_bytes') / MB}MB soft ${read(paths.memory, 'memory.soft_limit_in_bytes') / MB}MB shares ${read(paths.cpu, 'cpu.shares')}`;

    // The executor (32 MB, 0.1 cpus) and its first task (64 MB, 0.2 cpus).
    await until('the first task in the limits', () => (limits() === '96MB soft 96MB shares 307' ? true : undefined), { limitMs: 10_000 });

    run(task('second', 0.3, 128));
    await setup.master.update('second', 'TASK_RUNNING');
    await until('the second task in the limits', () => (limits() === '224MB soft 224MB shares 614' ? true : undefined), { limitMs: 10_000 });

    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'second' } });
    await setup.master.update('second', 'TASK_KILLED');
    await until('the second task out of the limits', () => (limits() === '224MB soft 96MB shares 307' ? true : undefined), { limitMs: 10_000 });

    // The checkpoint keeps the container's current limits, for a restarted agent.
    const checkpointed = (): { cpus?: number; memMb?: number } => (JSON.parse(readFileSync(join(setup.workDir, 'meta', 'containers', containerId, 'container.json'), 'utf8')) as { config: { limits: { cpus?: number; memMb?: number } } }).config.limits;
    const cp = await until('the checkpoint to hold the limits', () => (checkpointed().memMb === 96 ? checkpointed() : undefined), { limitMs: 10_000 });
    expect(cp.cpus).toBeCloseTo(0.3);

    // The executor's process goes with its framework (nothing left running after the test).
    setup.master.sendTo(agent.agentPid, 'shutdown_framework', { framework_id: FRAMEWORK.id! });
    await setup.master.update('first', 'TASK_KILLED');
    const executorRecord = () => agent.agent.frameworks.get(FRAMEWORK.id!.value)?.executors.get('growing');
    await until('the executor to terminate', () => (executorRecord() === undefined || executorRecord()!.state === 'TERMINATED' ? true : undefined), { limitMs: 20_000 });
  });
});
