import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from 'libprocess-ts';
import { Containerizer } from '../containerizer.js';
import { ForkServerLauncher } from '../forkserver.js';
import { findHelper } from '../binaries.js';
import { HelperLauncher } from '../helper.js';
import { isAlive, readStat } from '../proc.js';
import { ContainerizerError, type ContainerConfig } from '../types.js';
import { cid, cleanup, tmp, waitFor, waitForFile } from './helpers.js';

describe.each(['helper', 'spawn', 'forkserver'] as const)('launcher %s', (launcher) => {
let dir: string;
let cz: Containerizer;

beforeAll(async () => {
  dir = tmp();
  cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher });
});
afterAll(async () => {
  await Promise.all(cz.containers().map((id) => cz.destroy(id)));
  cz.close();
  await cleanup(dir);
});

function config(value: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  const id = cid();
  return { containerId: id, command: { shell: true, value }, sandbox: join(dir, 'runs', id), limits: {}, ...extra };
}

const read = (c: ContainerConfig, f: 'stdout' | 'stderr') => readFileSync(join(c.sandbox, f), 'utf8');

describe('launch and exit', () => {
  test('exit codes and Mesos messages', async () => {
    const ok = await (await cz.launch(config('true'))).wait();
    expect(ok.status).toEqual({ code: 0, signal: null, message: 'Command exited with status 0' });
    const three = await (await cz.launch(config('exit 3'))).wait();
    expect(three.status?.code).toBe(3);
    expect(three.message).toBe('Command exited with status 3');
    expect(three.killed).toBe(false);
    const sig = await (await cz.launch(config('kill -KILL $$'))).wait();
    expect(sig.status).toEqual({ code: null, signal: 'SIGKILL', message: 'Command terminated with signal Killed' });
  });

  test('stdout and stderr land in the sandbox files', async () => {
    const c = config('echo to-out; echo to-err >&2');
    await (await cz.launch(c)).wait();
    expect(read(c, 'stdout')).toBe('to-out\n');
    expect(read(c, 'stderr')).toBe('to-err\n');
  });

  test('the Mesos environment and the task own variables, cwd is the sandbox', async () => {
    const c = config('env; echo "cwd=$(pwd)"', {
      agentId: 'A1', frameworkId: 'F1', executorId: 'E1', taskId: 'T1',
      agentEnvironment: { MESOS_AGENT_ENDPOINT: '127.0.0.1:5051' },
    });
    c.command.environment = { MY_VAR: 'hello world', MESOS_TASK_ID: 'T1' };
    await (await cz.launch(c)).wait();
    const out = read(c, 'stdout');
    for (const line of [
      `MESOS_SANDBOX=${c.sandbox}`, `MESOS_DIRECTORY=${c.sandbox}`, 'MESOS_TASK_ID=T1', 'MESOS_FRAMEWORK_ID=F1',
      'MESOS_AGENT_ID=A1', 'MESOS_EXECUTOR_ID=E1', `MESOS_CONTAINER_ID=${c.containerId}`, 'MY_VAR=hello world',
      'MESOS_AGENT_ENDPOINT=127.0.0.1:5051', `cwd=${c.sandbox}`,
    ]) expect(out).toContain(line);
    expect(out).not.toContain('MESOS_TS_CGROUP_PROCS');
  });

  test('argv commands, and a command that does not exist is exit 127', async () => {
    const c = config('', { command: { shell: false, value: 'echo', arguments: ['echo', 'a  b', 'c'] } });
    await (await cz.launch(c)).wait();
    expect(read(c, 'stdout')).toBe('a  b c\n');

    const missing = config('no-such-command-xyz');
    const t = await (await cz.launch(missing)).wait();
    expect(t.message).toBe('Command exited with status 127');
    expect(read(missing, 'stderr')).toMatch(/no-such-command-xyz.*not found/);

    const missingArgv = config('', { command: { shell: false, value: 'no-such-binary-xyz', arguments: ['x'] } });
    expect((await (await cz.launch(missingArgv)).wait()).status?.code).toBe(127);
  });

  test('a user: unknown is a clear error; a known one runs with its uid and owns the sandbox', async () => {
    await expect(cz.launch(config('true', { user: 'no-such-user-xyz' }))).rejects.toThrow(/Failed to get user information for 'no-such-user-xyz'/);
    const c = config('id -u; touch mine', { user: 'nobody' });
    const t = await (await cz.launch(c)).wait();
    expect(t.status?.code).toBe(0);
    expect(read(c, 'stdout').trim()).toBe('65534');
    expect(statSync(join(c.sandbox, 'mine')).uid).toBe(65534);
  });

  test('invalid ids and duplicates are refused', async () => {
    await expect(cz.launch(config('true', { containerId: '../x' }))).rejects.toThrow(ContainerizerError);
    const c = config('sleep 100');
    const running = await cz.launch(c);
    await expect(cz.launch(c)).rejects.toThrow(/already exists/);
    await running.destroy();
  });

  test('destroyed the moment its launch resolves, a container still dies (its process group exists by then)', async () => {
    // The fork server reported the pid before its child had made its own process group; a kill
    // of that group at once found none, and the process ran on (a destroy() that never ended).
    const cs = Array.from({ length: 20 }, () => config('exec sleep 100'));
    const ts = await Promise.all(cs.map(async (c) => (await cz.launch(c)).destroy()));
    expect(ts.every((t) => t.killed && t.status?.signal === 'SIGKILL')).toBe(true);
  });

  test('many concurrent tasks', async () => {
    const cs = Array.from({ length: 40 }, () => config('echo "$MESOS_CONTAINER_ID"'));
    const ts = await Promise.all(cs.map(async (c) => (await cz.launch(c)).wait()));
    expect(ts.every((t) => t.status?.code === 0)).toBe(true);
    for (const c of cs) expect(read(c, 'stdout')).toBe(`${c.containerId}\n`);
  });
});

describe('kill', () => {
  test('a cooperative process ends on SIGTERM, well within the grace', async () => {
    const c = config('echo ready > ready; exec sleep 100');
    const k = await cz.launch(c);
    await waitForFile(join(c.sandbox, 'ready'));
    const t = await k.kill({ gracePeriodMs: 10_000 });
    // Ended by the SIGTERM, so before the grace ran out (then it would be SIGKILL): no wall-clock assert needed.
    expect(t.status?.signal).toBe('SIGTERM');
    expect(t.message).toBe('Command terminated with signal Terminated');
    expect(t.killed).toBe(true);
  });

  test('a process ignoring SIGTERM gets SIGKILL after the grace period', async () => {
    const c = config("trap '' TERM; echo ready > ready; while :; do sleep 1; done");
    const k = await cz.launch(c);
    await waitForFile(join(c.sandbox, 'ready'));
    const t0 = realClock.now();
    const t = await k.kill({ gracePeriodMs: 400 });
    expect(realClock.now() - t0).toBeGreaterThanOrEqual(390);
    expect(t.status?.signal).toBe('SIGKILL');
  });

  test('grandchildren are killed too, also when the leader exits by itself', async () => {
    const c = config('sleep 100 & echo $! > bg1; (sleep 100 & echo $! > bg2; wait) & echo ready > ready; sleep 100');
    const k = await cz.launch(c);
    await waitForFile(join(c.sandbox, 'ready'));
    // The file exists from the moment the shell opens it, before echo has written the pid into it.
    const written = (f: string): boolean => existsSync(join(c.sandbox, f)) && readFileSync(join(c.sandbox, f), 'utf8').endsWith('\n');
    await waitFor(() => written('bg1') && written('bg2'), 5000, 'bg1 and bg2 written');
    const pids = ['bg1', 'bg2'].map((f) => Number(readFileSync(join(c.sandbox, f), 'utf8')));
    const starts = await Promise.all(pids.map(async (p) => (await readStat(p))!.startTime));
    await k.kill({ gracePeriodMs: 2000 });
    await waitFor(async () => !(await isAlive(pids[0]!, starts[0]!)) && !(await isAlive(pids[1]!, starts[1]!)), 3000, 'grandchildren to die');

    const d = config('sleep 100 & echo $! > bg; exit 0');
    const k2 = await cz.launch(d);
    const t = await k2.wait();
    expect(t.status?.code).toBe(0);
    const bg = Number(readFileSync(join(d.sandbox, 'bg'), 'utf8'));
    await waitFor(async () => { const s = await readStat(bg); return s === null || s.state === 'Z' || s.pgrp !== k2.pid; }, 3000, 'background child to die');
  });

  test('posix usage numbers are plausible', async () => {
    const c = config('i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; echo ready > ready; exec sleep 100', { limits: { cpus: 1, memMb: 64 } });
    const k = await cz.launch(c);
    await waitForFile(join(c.sandbox, 'ready'));
    const u = await k.usage();
    expect(u.processes).toBeGreaterThanOrEqual(1);
    expect(u.mem_rss_bytes).toBeGreaterThan(100 * 1024);
    expect(u.mem_rss_bytes).toBeLessThan(64 * 1024 * 1024);
    expect(u.mem_limit_bytes).toBe(64 * 1024 * 1024);
    expect(u.cpus_limit).toBe(1);
    expect(u.timestamp).toBeGreaterThan(1.6e9);
    await k.destroy();
  });
});
});

test.each(['helper', 'forkserver'] as const)('%s: argv[0] is kept, a missing binary says so, the exit status is exact', async (launcher) => {
  const dir = tmp();
  const cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher });
  try {
    const id = cid();
    const t = await (await cz.launch({ containerId: id, sandbox: join(dir, id), limits: {}, command: { shell: false, value: 'sh', arguments: ['custom-argv0', '-c', 'echo "$0"; exit 137'] } })).wait();
    expect(t.status).toEqual({ code: 137, signal: null, message: 'Command exited with status 137' });
    expect(readFileSync(join(dir, id, 'stdout'), 'utf8')).toBe('custom-argv0\n');
    const id2 = cid();
    const t2 = await (await cz.launch({ containerId: id2, sandbox: join(dir, id2), limits: {}, command: { shell: false, value: 'no-such-binary-xyz', arguments: ['x'] } })).wait();
    expect(t2.status?.code).toBe(127);
    expect(readFileSync(join(dir, id2, 'stderr'), 'utf8')).toBe("Failed to execute 'no-such-binary-xyz': No such file or directory\n");
  } finally {
    cz.close();
    await cleanup(dir);
  }
});

const servers = {
  forkserver: () => new ForkServerLauncher(realClock, 'perl', 20),
  helper: () => new HelperLauncher(findHelper()!, realClock, 20),
};

test.each(['forkserver', 'helper'] as const)('%s: when the server dies the containers keep running, are watched through /proc, and the next launch restarts it', async (kind) => {
  const dir = tmp();
  const launcher = servers[kind]();
  const cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher });
  try {
    const id = cid();
    const c = await cz.launch({ containerId: id, sandbox: join(dir, id), limits: {}, command: { shell: true, value: 'echo ready > ready; exec sleep 100' } });
    await waitForFile(join(dir, id, 'ready'));
    const server = launcher.serverPid!;
    process.kill(server, 'SIGKILL');
    await waitFor(() => launcher.serverPid === undefined, 3000, 'the fork server to exit');
    expect(await isAlive(c.pid, c.startTime)).toBe(true);
    const t = await c.kill({ gracePeriodMs: 1000 });
    expect(t.status).toEqual({ code: null, signal: null, message: expect.stringMatching(/^Command exit status unknown: the launcher process exited \(SIGKILL\)$/) });
    const id2 = cid();
    expect((await (await cz.launch({ containerId: id2, sandbox: join(dir, id2), limits: {}, command: { shell: true, value: 'exit 5' } })).wait()).status?.code).toBe(5);
    expect(launcher.serverPid).not.toBe(server);
  } finally {
    cz.close();
    await cleanup(dir);
  }
});
