// The agent with a real Containerizer running real commands under a temp work
// dir, and a custom executor started as a real OS process, against a
// scripted master over WebSockets.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorInfo } from '../../protocol/types.js';
import { sandboxPath } from '../containerizer/index.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';
import { until } from '../../test/wait.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: import('libprocess-ts').PID<import('../../protocol/messages/master-agent.js').MasterToAgent> };

beforeAll(async () => {
  setup = await realMaster();
  agent = await realAgent(setup, { executor_registration_timeout: '20secs' });
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await agent?.stop();
  await setup?.masterRt.stop();
});

const run = (task: ReturnType<typeof commandTask>, fw = FRAMEWORK): void =>
  setup.master.sendTo(agent.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task });

function sandbox(executorId: string, fw = FRAMEWORK.id!.value): string {
  return sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: fw, executorId, containerId: 'latest' });
}

describe('command tasks', () => {
  test('echo: STARTING, RUNNING, FINISHED; stdout in the sandbox; the Mesos environment', async () => {
    run(commandTask('echo', 'echo hello-from-task; echo "$MESOS_TASK_ID $MESOS_AGENT_ENDPOINT $MESOS_FRAMEWORK_ID"; pwd'));
    const done = await setup.master.update('echo', 'TASK_FINISHED');
    expect(setup.master.states('echo')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(done.status.message).toBe('Command exited with status 0');
    const out = readFileSync(join(sandbox('echo'), 'stdout'), 'utf8');
    expect(out).toContain('hello-from-task');
    expect(out).toContain(`echo ${agent.pid.address} F-0000`);
  });

  test("exit 3: TASK_FAILED with 'Command exited with status 3' and the stderr tail", async () => {
    run(commandTask('three', 'echo something went wrong >&2; exit 3'));
    const u = await setup.master.update('three', 'TASK_FAILED');
    expect(u.status.message).toContain('Command exited with status 3');
    expect(u.status.message).toContain('something went wrong');
    expect(u.status.reason).toBe('REASON_COMMAND_EXECUTOR_FAILED');
    expect(u.status.source).toBe('SOURCE_EXECUTOR');
  });

  test('kill within the grace period (SIGTERM handled) and after it (SIGKILL): TASK_KILLED', async () => {
    const grace = { grace_period: { nanoseconds: 5e9 } };
    run(commandTask('polite', "trap 'echo terminating; exit 0' TERM; echo trapped; while true; do sleep 0.05; done", { kill_policy: grace }));
    run(commandTask('stubborn', "trap '' TERM; echo trapped; sleep 30", { kill_policy: { grace_period: { nanoseconds: 0.3e9 } } }));
    await setup.master.update('polite', 'TASK_RUNNING');
    await setup.master.update('stubborn', 'TASK_RUNNING');
    // TASK_RUNNING is sent once the process runs, not once its shell has set the trap: a SIGTERM
    // before that (a busy machine) ends the shell by the signal. So the kill waits for 'trapped'.
    const trapped = (id: string): true | undefined => (existsSync(join(sandbox(id), 'stdout')) && readFileSync(join(sandbox(id), 'stdout'), 'utf8').includes('trapped') ? true : undefined);
    await until('both traps set', () => (trapped('polite') && trapped('stubborn')));
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'polite' } });
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'stubborn' } });
    const polite = await setup.master.update('polite', 'TASK_KILLED');
    const stubborn = await setup.master.update('stubborn', 'TASK_KILLED');
    expect(polite.status.message).toBe('Command exited with status 0');
    expect(stubborn.status.message).toBe('Command terminated with signal Killed');
    expect(readFileSync(join(sandbox('polite'), 'stdout'), 'utf8')).toContain('terminating');
  });

  test('health checks: a passing one reports healthy; a failing one reports unhealthy, then the task is killed', async () => {
    const fast = { delay_seconds: 0, interval_seconds: 0.1, timeout_seconds: 5, grace_period_seconds: 0, consecutive_failures: 2 };
    run(commandTask('healthy', 'sleep 30', { health_check: { type: 'COMMAND', command: { value: 'test -d "$MESOS_SANDBOX"' }, ...fast } }));
    run(commandTask('sick', 'sleep 30', { health_check: { type: 'COMMAND', command: { value: 'exit 1' }, ...fast }, kill_policy: { grace_period: { nanoseconds: 0 } } }));
    const h = await setup.master.waitFor((m) => m.name === 'status_update' && (m.body as { update: { status: { task_id: { value: string }; healthy?: boolean } } }).update.status.task_id.value === 'healthy' && (m.body as { update: { status: { healthy?: boolean } } }).update.status.healthy === true);
    expect(h).toBeDefined();
    const killed = await setup.master.update('sick', 'TASK_KILLED');
    expect(killed.status.healthy).toBe(false);
    expect(setup.master.states('sick')).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING(unhealthy)', 'TASK_RUNNING(unhealthy)', 'TASK_KILLED(unhealthy)']);
    const unhealthy = setup.master.all('status_update').find((m) => m.body.update.status.task_id.value === 'sick' && m.body.update.status.healthy === false)!;
    expect(unhealthy.body.update.status.reason).toBe('REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'healthy' } });
    await setup.master.update('healthy', 'TASK_KILLED');
  });
});

describe('custom executor', () => {
  test('a real executor process registers, runs a task, relays framework messages both ways, is shut down', async () => {
    const root = process.cwd();
    const executor: ExecutorInfo = {
      executor_id: { value: 'example' },
      name: 'example executor',
      command: { shell: true, value: `exec node ${root}/dist/framework/executor/example-executor.js` },
      resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
    };
    const fw = { ...FRAMEWORK, id: { value: 'F-0009' } };
    const task = { ...commandTask('ex1', ''), executor, data: new Uint8Array(Buffer.from('sleep')) };
    delete (task as { command?: unknown }).command;
    const task2 = { ...commandTask('ex2', ''), executor, data: new Uint8Array(Buffer.from('finish')) };
    delete (task2 as { command?: unknown }).command;
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: fw, framework_id: fw.id, task });
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: fw, framework_id: fw.id, task: task2 });
    const running = await setup.master.update('ex1', 'TASK_RUNNING');
    expect(running.status.source).toBe('SOURCE_EXECUTOR');
    expect(running.executor_id).toEqual({ value: 'example' });
    await setup.master.update('ex2', 'TASK_FINISHED');
    // Framework message: master → agent → executor → (echo) → agent → master.
    setup.master.sendTo(agent.agentPid, 'framework_to_executor', { agent_id: { value: agent.agent.agentId! }, framework_id: fw.id, executor_id: { value: 'example' }, data: new Uint8Array(Buffer.from('hi')) });
    const echo = await setup.master.waitFor((m) => m.name === 'executor_to_framework');
    expect(Buffer.from((echo.body as { data: Uint8Array }).data).toString()).toBe('echo:hi');
    setup.master.sendTo(agent.agentPid, 'kill_task', { framework_id: fw.id, task_id: { value: 'ex1' } });
    await setup.master.update('ex1', 'TASK_KILLED');
    setup.master.sendTo(agent.agentPid, 'shutdown_executor', { framework_id: fw.id, executor_id: { value: 'example' } });
    const exited = await setup.master.waitFor((m) => m.name === 'exited_executor');
    expect((exited.body as { executor_id: { value: string } }).executor_id.value).toBe('example');
    expect((exited.body as { status?: number }).status).toBe(0);
    const env = readFileSync(join(sandbox('example', 'F-0009'), 'stdout'), 'utf8');
    expect(env).toContain('example executor registered');
  });

  test('an executor that never registers is destroyed; its task fails with REASON_EXECUTOR_REGISTRATION_TIMEOUT', async () => {
    const a2 = await realAgent({ ...setup, workDir: setup.workDir + '-2' }, { executor_registration_timeout: '300ms', hostname: 'a2' });
    try {
      await setup.master.waitFor((m) => m.name === 'register_agent' && (m.body as { agent: { hostname: string } }).agent.hostname === 'a2');
      const executor: ExecutorInfo = { executor_id: { value: 'mute' }, command: { shell: true, value: 'sleep 30' } };
      const task = { ...commandTask('mute1', ''), executor };
      delete (task as { command?: unknown }).command;
      setup.master.sendTo(a2.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
      const failed = await setup.master.update('mute1', 'TASK_FAILED');
      expect(failed.status.reason).toBe('REASON_EXECUTOR_REGISTRATION_TIMEOUT');
    } finally {
      await a2.stop();
    }
  });

  test('an executor that dies turns its tasks TASK_FAILED (REASON_EXECUTOR_TERMINATED)', async () => {
    const root = process.cwd();
    // Registers through the real driver and runs the task; then its process is killed from outside.
    const executor: ExecutorInfo = {
      executor_id: { value: 'doomed' },
      command: { shell: true, value: `exec node ${root}/dist/framework/executor/example-executor.js` },
    };
    const task = { ...commandTask('doomed1', ''), executor, data: new Uint8Array(Buffer.from('sleep')) };
    delete (task as { command?: unknown }).command;
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
    await setup.master.update('doomed1', 'TASK_RUNNING');
    const ex = agent.agent.executors().find((e) => e.id === 'doomed')!;
    process.kill((ex.container as unknown as { pid: number }).pid, 'SIGKILL');
    const failed = await setup.master.update('doomed1', 'TASK_FAILED');
    expect(failed.status.reason).toBe('REASON_EXECUTOR_TERMINATED');
    expect(failed.status.source).toBe('SOURCE_AGENT');
    const exited = await setup.master.waitFor((m) => m.name === 'exited_executor' && (m.body as { executor_id: { value: string } }).executor_id.value === 'doomed');
    expect((exited.body as { status?: number }).status).toBeUndefined(); // killed by a signal: no exit code
  });
});
