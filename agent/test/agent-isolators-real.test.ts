// A real agent with posix/rlimits, network/ports and --container_logger=logrotate: a task's
// rlimit_info is what its shell sees, a bad one is TASK_ERROR naming it; a task listening on
// 127.0.0.1 on a port it was not given is killed (TASK_FAILED, REASON_CONTAINER_LIMITATION); a
// chatty task's stdout is rotated by logrotate into stdout, stdout.1, ... in its sandbox.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PID } from 'libprocess-ts';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import { sandboxPath } from '../containerizer/index.js';
import { DEFAULT_LOGROTATE_OPTIONS, logrotateUnusable } from '../containerizer/logger/logrotate.js';
import type { StartedAgent } from '../main.js';
import { FRAMEWORK, commandTask } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';
import { until } from '../../test/wait.js';
import { describeIf } from '../../test/skip.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: PID<MasterToAgent> };

describeIf(logrotateUnusable(DEFAULT_LOGROTATE_OPTIONS))('an agent with posix/rlimits and the logrotate container logger', () => {
  beforeAll(async () => {
    setup = await realMaster();
    agent = await realAgent(setup, {
      isolation: 'posix/cpu,posix/mem,posix/rlimits,network/ports',
      container_ports_watch_interval: '200ms',
      enforce_container_ports: 'true',
      container_logger: 'logrotate',
      container_logger_logrotate_max_stdout_size: '8KB',
      container_logger_logrotate_stdout_options: 'rotate 5',
    });
    await setup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await agent?.stop();
    await setup?.masterRt.stop();
    if (setup) rmSync(setup.workDir, { recursive: true, force: true });
  });

  const run = (task: ReturnType<typeof commandTask>): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
  const sandbox = (id: string): string => sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId: id, containerId: 'latest' });

  test("the task's shell sees its rlimit_info", async () => {
    run(commandTask('nofile', 'ulimit -n; ulimit -Hn', { container: { type: 'MESOS', rlimit_info: { rlimits: [{ type: 'RLMT_NOFILE', soft: 321, hard: 654 }] } } }));
    await setup.master.update('nofile', 'TASK_FINISHED');
    // The logger writes what it read from the task's pipe; it may finish just after the task.
    await until('the task output', () => (readFileSync(join(sandbox('nofile'), 'stdout'), 'utf8') === '321\n654\n' ? true : undefined));
  });

  test('a bad rlimit_info is TASK_ERROR naming what is wrong', async () => {
    run(commandTask('badlimit', 'true', { container: { type: 'MESOS', rlimit_info: { rlimits: [{ type: 'RLMT_NOFILE', soft: 700, hard: 600 }] } } }));
    const u = await setup.master.update('badlimit', 'TASK_ERROR');
    expect(u.status.message).toContain('container.rlimit_info.rlimits[0] (RLMT_NOFILE): soft limit 700 is above the hard limit 600');
  });

  test('a task listening on a port it was not given: TASK_FAILED, REASON_CONTAINER_LIMITATION, naming the port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    run(commandTask('listener', `exec ${JSON.stringify(process.execPath)} -e 'require("net").createServer().listen(${port}, "127.0.0.1")'`));
    const u = await setup.master.update('listener', 'TASK_FAILED');
    expect(u.status.reason).toBe('REASON_CONTAINER_LIMITATION');
    expect(u.status.message).toMatch(new RegExp(`^Container \\S+ is listening on unallocated port\\(s\\): \\[${port}-${port}\\]$`));
  });

  test('a chatty task: stdout rotated at 8 KB into stdout.1 ... stdout.5, the newest lines in stdout', async () => {
    const lines = 'i=0; while [ $i -lt 1000 ]; do i=$((i+1)); printf "line %04d 0123456789012345678901234567890123456\\n" $i; done';
    run(commandTask('chatty', lines));
    await setup.master.update('chatty', 'TASK_FINISHED');
    const dir = sandbox('chatty');
    await until('the last line in stdout', () => (readFileSync(join(dir, 'stdout'), 'utf8').endsWith('line 1000 0123456789012345678901234567890123456\n') ? true : undefined));
    const rotated = readdirSync(dir).filter((f) => /^stdout\.\d+$/.test(f)).sort();
    // 50,000 bytes through 8 KB files: at least 6 rotations, 5 kept (rotate 5).
    expect(rotated).toEqual(['stdout.1', 'stdout.2', 'stdout.3', 'stdout.4', 'stdout.5']);
    expect(existsSync(join(dir, 'stdout.6'))).toBe(false);
    expect(readFileSync(join(dir, 'stdout.1'), 'utf8').length).toBeLessThanOrEqual(8192);
  });
});
