// `mesos-ts execute` and `mesos-ts local` against real local clusters: each status printed as
// mesos-execute prints it (state, message, source, reason); --env from a file, --checkpoint,
// --kill_after; --uri; given only the leading master of 3, it learns the others, survives that master's
// SIGKILL and exits 0 once its task finishes; `local` stopped by SIGTERM ends the tasks its agents
// run, or leaves them with --keep_tasks.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { alive, runBuilt, stopAll, waitForOutput, runCli } from '../../test/processes.js';
import { tempDir } from '../../test/temp.js';
import { until } from '../../test/wait.js';

const work = tempDir('mesos-ts-execute-test');

afterAll(async () => {
  await stopAll('SIGKILL');
  await work.remove();
});

const cli = runCli;

describe('execute on 3 masters', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startLocal({ masters: 3, agents: 1 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('statuses as mesos-execute prints them; --env from a file, --checkpoint, --kill_after; a bad --env', async () => {
    const m = `--master=${cluster.masterList}`;
    const failed = await cli(['execute', m, '--name=three', '--command=exit 3']);
    expect(failed.code).toBe(3);
    expect(failed.out).toContain("Received status update TASK_RUNNING for task 'three'\n  source: SOURCE_EXECUTOR\n");
    expect(failed.out).toMatch(/Received status update TASK_FAILED for task 'three'\n {2}message: 'Command exited with status 3'\n {2}source: SOURCE_EXECUTOR\n {2}reason: REASON_\w+\n/);

    const envFile = join(work.path, 'env.json');
    writeFileSync(envFile, JSON.stringify({ GREETING: 'hello from a file', N: 3 }));
    const killed = await cli(['execute', m, '--name=killed', `--env=${envFile}`, '--checkpoint', '--kill_after=1secs', '--command=echo "$GREETING $N"; exec sleep 60']);
    expect(killed.out).toContain('killing task killed after 1secs');
    expect(killed.out).toMatch(/Received status update TASK_KILLED for task 'killed'\n(?: {2}message: '.*'\n)? {2}source: SOURCE_EXECUTOR\n/);
    expect(killed.code).toBe(137);
    expect((await cli(['cat', 'killed', m])).out).toBe('hello from a file 3\n');
    const state = (await (await fetch(`${cluster.leader}/master/state`)).json()) as { completed_frameworks: { name: string; checkpoint?: boolean }[] };
    expect(state.completed_frameworks.find((f) => f.name === 'killed')?.checkpoint).toBe(true);

    const badEnv = await cli(['execute', m, '--env={"A": {"nested": 1}}', '--command=true']);
    expect(badEnv.code).toBe(1);
    expect(badEnv.err).toContain("the value of 'A' is not a string, number or boolean");
    const noFile = await cli(['execute', m, `--env=${join(work.path, 'missing.json')}`, '--command=true']);
    expect(noFile.err).toMatch(/--env=.*missing\.json: neither a JSON object nor a readable file/);
    const badKill = await cli(['execute', m, '--kill_after=soon', '--command=true']);
    expect(badKill.err).toContain('--kill_after=soon: expected a duration');
  }, 60_000);

  test('--uri (repeatable): an archive and an executable fetched into the sandbox before the command runs; a bad one refused naming it', async () => {
    const m = `--master=${cluster.masterList}`;
    const src = join(work.path, 'uri-src');
    mkdirSync(join(src, 'app'), { recursive: true });
    writeFileSync(join(src, 'app', 'hello.txt'), 'hello from the archive\n');
    execFileSync('tar', ['-C', src, '-czf', join(work.path, 'app.tar.gz'), 'app']);
    writeFileSync(join(work.path, 'tool'), '#!/bin/sh\necho "tool says $1"\n', { mode: 0o644 });
    chmodSync(work.path, 0o755);
    const fetched = await cli(['execute', m, '--name=fetched', `--uri=file://${join(work.path, 'app.tar.gz')}`, `--uri={"value":"${join(work.path, 'tool')}","executable":true,"output_file":"bin/tool"}`, '--command=cat app/hello.txt && ./bin/tool hi']);
    expect(fetched.err).toBe('');
    expect(fetched.code).toBe(0);
    expect((await cli(['cat', 'fetched', m])).out).toBe('hello from the archive\ntool says hi\n');

    const relative = await cli(['execute', m, '--uri=app.tar.gz', '--command=true']);
    expect(relative.code).toBe(1);
    expect(relative.err).toContain('--uri=app.tar.gz: a relative path cannot be fetched');
    const badField = await cli(['execute', m, '--uri={"value":"/x","exec":true}', '--command=true']);
    expect(badField.err).toContain("unknown field 'exec'");
  }, 60_000);

  test('given only the leading master, it learns the others and survives its SIGKILL', async () => {
    const leader = cluster.masters.find((x) => x.url === cluster.leader)!;
    const execute = runBuilt('cli/main.ts', ['execute', `--master=${leader.url.replace('http://', '')}`, '--name=survivor', '--command=sleep 3; echo done'], { logLevel: 'info' });
    await waitForOutput(execute, (o) => o.includes("TASK_RUNNING for task 'survivor'"), 'TASK_RUNNING');
    process.kill(leader.pid, 'SIGKILL');
    expect(await execute.done).toBe(0);
    expect(execute.stdout()).toMatch(/subscribed again, to master@127\.0\.0\.1:\d+/);
    expect(execute.stdout()).not.toContain(`subscribed again, to master@${leader.url.replace('http://', '')}`);
    expect(execute.stdout()).toContain("Received status update TASK_FINISHED for task 'survivor'");
  }, 60_000);
});

describe('local stopped by SIGTERM', () => {
  /** A long task whose OS pid it writes to `pidFile` (the shell execs sleep: same pid); resolves once it runs. */
  async function longTask(cluster: LocalCluster, pidFile: string): Promise<{ pid: number; execute: ReturnType<typeof runBuilt> }> {
    const execute = runBuilt('cli/main.ts', ['execute', `--master=${cluster.masterList}`, '--name=long', `--command=echo $$ > ${pidFile}; exec sleep 300`]);
    await waitForOutput(execute, (o) => o.includes("TASK_RUNNING for task 'long'"), 'TASK_RUNNING');
    const pid = await until('the task wrote its pid', () => (existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
    expect(alive(pid)).toBe(true);
    return { pid, execute };
  }

  test('ends the tasks its agents run', async () => {
    const cluster = await startLocal({ masters: 1, agents: 1 });
    const { pid, execute } = await longTask(cluster, join(work.path, 'ended.pid'));
    const out = cluster.proc;
    await cluster.stop();
    expect(out.stdout()).toContain('tasks: 1 framework(s) torn down; no task left running');
    expect(alive(pid)).toBe(false);
    expect(await execute.done).not.toBe(0); // its framework was torn down
  }, 60_000);

  test('--keep_tasks leaves them running', async () => {
    const cluster = await startLocal({ masters: 1, agents: 1, args: ['--keep_tasks'] });
    const { pid, execute } = await longTask(cluster, join(work.path, 'kept.pid'));
    await cluster.stop();
    try {
      expect(alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
      await execute.stop('SIGKILL');
    }
  }, 60_000);
});
