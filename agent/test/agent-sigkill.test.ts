// SIGKILL of a real agent OS process (`mesos-ts agent`, the compiled CLI in
// dist/: build with `npx tsc -b` first) with a task running: the task keeps
// running; an agent restarted on the same work dir and port recovers it,
// re-registers with the same id reporting it, and the task's later exit is
// delivered to the master. With the spawn launcher (no helper outlives the
// agent), that exit's status is unknown; agent-exit-record.test.ts shows the
// default launcher's real statuses.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentToMaster } from '../../protocol/messages/master-agent.js';
import { sandboxPath } from '../containerizer/index.js';
import { UNOBSERVED_EXIT } from '../command-executor.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { cliAgent, realAgent, realMaster, type RealSetup } from './real.js';
import { leasePorts, type PortLease } from '../../test/ports.js';
import { untilTrue } from '../../test/wait.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const fw = { ...FRAMEWORK, checkpoint: true };

let setup: RealSetup;
let child: ChildProcess | undefined;
let lease: PortLease | undefined;
beforeAll(async () => {
  setup = await realMaster();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await setup?.masterRt.stop();
  lease?.release();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGKILL of the agent process with a task running; restart recovers it and delivers its later update', async () => {
  expect(existsSync(CLI)).toBe(true); // npx tsc -b
  const m = setup.master;
  // The agent comes back on the same port: leased for the test, not picked free and released.
  lease = await leasePorts(1);
  const port = lease.ports[0]!;
  const agentProcess = cliAgent(setup, port, ['--launcher=spawn']);
  child = agentProcess.child;
  const exited = agentProcess.exited;
  const stderr = agentProcess.stderr;
  const agentPid = (await m.waitFor((r) => r.name === 'register_agent' && r.from.port === port)).from;
  m.sendTo(agentPid as never, 'run_task', { framework: fw, framework_id: fw.id!, task: commandTask('long', 'echo $$ > pid; while [ ! -f "$MESOS_SANDBOX/stop" ]; do sleep 0.05; done') });
  await m.update('long', 'TASK_RUNNING');
  const sandbox = sandboxPath(setup.workDir, { agentId: 'M-S0', frameworkId: fw.id!.value, executorId: 'long', containerId: 'latest' });
  await untilTrue('the task to write its pid', () => existsSync(join(sandbox, 'pid')) && readFileSync(join(sandbox, 'pid'), 'utf8').endsWith('\n'));
  const taskPid = Number(readFileSync(join(sandbox, 'pid'), 'utf8'));

  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(alive(taskPid)).toBe(true);

  const a2 = await realAgent(setup, { port });
  try {
    expect(a2.agent.agentId).toBe('M-S0');
    const re = await m.waitFor((r) => r.name === 'reregister_agent' && r.from.equals(a2.pid));
    const body = re.body as AgentToMaster['reregister_agent'];
    expect(body.agent.id).toEqual({ value: 'M-S0' });
    expect(body.tasks.map((t) => [t.task_id.value, t.state])).toEqual([['long', 'TASK_RUNNING']]);
    writeFileSync(join(sandbox, 'stop'), '');
    const u = await m.waitFor(
      (r) => r.name === 'status_update' && r.from.equals(a2.pid) && (r.body as AgentToMaster['status_update']).update.status.task_id.value === 'long' && (r.body as AgentToMaster['status_update']).update.status.state === 'TASK_FAILED',
    );
    expect((u.body as AgentToMaster['status_update']).update.status.message).toContain(UNOBSERVED_EXIT);
    await untilTrue('the task to be gone', () => !alive(taskPid));
  } catch (e) {
    throw new Error(`${(e as Error).message}\nfirst agent's stderr:\n${stderr()}`);
  } finally {
    await a2.stop();
  }
});
