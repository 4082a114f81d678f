// The fetcher in a real agent: artifacts served by an HTTP server on
// 127.0.0.1 in this test (and local files) fetched into sandboxes, extracted
// by the system's tar / unzip / gzip, and run by real command tasks; the
// cache's hits and single flight seen in the fetcher's log and metrics; bad
// URIs fail the task with REASON_CONTAINER_LAUNCH_FAILED naming the URI.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ExecutorInfo } from '../../../protocol/types.js';
import { sandboxPath } from '../../containerizer/index.js';
import type { StartedAgent } from '../../main.js';
import { FRAMEWORK, commandTask, tempDir } from '../../test/helpers.js';
import { realAgent, realMaster, type RealSetup } from '../../test/real.js';
import { until } from '../../../test/wait.js';
import { testIf } from '../../../test/skip.js';
import { FETCHER_LOG } from '../fetcher.js';

let setup: RealSetup;
let agent: StartedAgent & { agentPid: import('libprocess-ts').PID<import('../../../protocol/messages/master-agent.js').MasterToAgent> };
let server: Server;
let base: string;
let files: string;
const requests = new Map<string, number>();
/** Paths whose answer waits until the test lets it go. */
const held = new Set<string>();
const heldResponses = new Map<string, ServerResponse>();

beforeAll(async () => {
  files = tempDir('fetcher-files-');
  // app.tar.gz: bin/hello.sh; also as .tar.bz2, .tar.xz, .zip; a .gz of a text file; a plain script.
  const src = join(files, 'src');
  mkdirSync(join(src, 'bin'), { recursive: true });
  writeFileSync(join(src, 'bin', 'hello.sh'), '#!/bin/sh\necho "hello from the artifact $1"\n');
  chmodSync(join(src, 'bin', 'hello.sh'), 0o755);
  execFileSync('tar', ['-C', src, '-czf', join(files, 'app.tar.gz'), 'bin']);
  execFileSync('tar', ['-C', src, '-cjf', join(files, 'app.tar.bz2'), 'bin']);
  execFileSync('tar', ['-C', src, '-cJf', join(files, 'app.tar.xz'), 'bin']);
  execFileSync('zip', ['-q', '-r', join(files, 'app.zip'), 'bin'], { cwd: src });
  writeFileSync(join(files, 'notes.txt'), 'compressed notes\n');
  execFileSync('gzip', ['-k', join(files, 'notes.txt')]);
  writeFileSync(join(files, 'tool'), '#!/bin/sh\necho tool-ran\n', { mode: 0o644 });
  // 3 MB of zeros in a few KB: past the agent's --fetcher_max_extracted_size=1MB.
  mkdirSync(join(files, 'bomb'));
  writeFileSync(join(files, 'bomb', 'zeros'), Buffer.alloc(3 * 1024 * 1024));
  execFileSync('tar', ['-C', join(files, 'bomb'), '-czf', join(files, 'bomb.tar.gz'), 'zeros']);

  server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const serve = (r: ServerResponse): void => {
      try {
        r.end(readFileSync(join(files, path.slice(1))));
      } catch {
        r.statusCode = 404;
        r.end('no such file');
      }
    };
    if (held.has(path.replace(/\?.*$/, ''))) heldResponses.set(path, res);
    else serve(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  setup = await realMaster();
  agent = await realAgent(setup, { executor_registration_timeout: '20secs', fetcher_cache_dir: join(setup.workDir, 'fetch-cache'), fetcher_cache_size: '10MB', fetcher_max_extracted_size: '1MB' });
  await setup.master.waitFor((m) => m.name === 'register_agent');
});

afterAll(async () => {
  await agent?.stop();
  await setup?.masterRt.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  // Every task has ended and both agents are stopped: nothing writes here any more.
  for (const dir of [files, setup?.workDir, setup && `${setup.workDir}-2`]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (task: ReturnType<typeof commandTask>): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });

function sandbox(executorId: string): string {
  return sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId, containerId: 'latest' });
}
const read = (id: string, file: string): string => readFileSync(join(sandbox(id), file), 'utf8');
const metric = (name: string): number => agent.agent.fetcher.metrics()[`containerizer/fetcher/${name}`]!;

describe('the fetcher in a real agent', () => {
  test('a tar.gz over HTTP is extracted and run; the second fetch is a cache hit (log and metrics), the server asked once', async () => {
    const uris = [{ value: `${base}/app.tar.gz`, cache: true }];
    run(commandTask('first', './bin/hello.sh one', { command: { shell: true, value: './bin/hello.sh one', uris } }));
    await setup.master.update('first', 'TASK_FINISHED');
    expect(read('first', 'stdout')).toContain('hello from the artifact one');
    expect(read('first', FETCHER_LOG)).toContain(`Cache miss for '${base}/app.tar.gz'`);

    run(commandTask('second', '', { command: { shell: true, value: './bin/hello.sh two', uris } }));
    await setup.master.update('second', 'TASK_FINISHED');
    expect(read('second', 'stdout')).toContain('hello from the artifact two');
    expect(read('second', FETCHER_LOG)).toContain(`Cache hit for '${base}/app.tar.gz'`);
    expect(requests.get('/app.tar.gz')).toBe(1);
    expect(metric('cache_hits')).toBeGreaterThanOrEqual(1);
    expect(metric('cache_size_used_bytes')).toBe(readFileSync(join(files, 'app.tar.gz')).length);
    expect(metric('cache_size_total_bytes')).toBe(10 * 1024 * 1024);

    // The agent's /metrics/snapshot has them too.
    const snap = (await (await fetch(`http://${agent.pid.address}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(snap['containerizer/fetcher/task_fetches_succeeded']).toBeGreaterThanOrEqual(2);
  });

  test('two tasks fetching one URI at once: one download (single flight)', async () => {
    held.add('/app.tar.bz2');
    const uris = [{ value: `${base}/app.tar.bz2`, cache: true }];
    const hitsBefore = metric('cache_hits');
    run(commandTask('sf1', '', { command: { shell: true, value: './bin/hello.sh sf1', uris } }));
    run(commandTask('sf2', '', { command: { shell: true, value: './bin/hello.sh sf2', uris } }));
    // The first request reaches the server and is held; the second task joins it in the cache.
    await until('the held download and the second request joining it', () => (heldResponses.has('/app.tar.bz2') && metric('cache_hits') === hitsBefore + 1 ? true : undefined));
    held.delete('/app.tar.bz2');
    heldResponses.get('/app.tar.bz2')!.end(readFileSync(join(files, 'app.tar.bz2')));
    await setup.master.update('sf1', 'TASK_FINISHED');
    await setup.master.update('sf2', 'TASK_FINISHED');
    expect(requests.get('/app.tar.bz2')).toBe(1);
    expect(read('sf1', 'stdout')).toContain('hello from the artifact sf1');
    expect(read('sf2', 'stdout')).toContain('hello from the artifact sf2');
  });

  test('uncached URIs, file:// and plain paths; tar.xz, zip and gz; executable with output_file', async () => {
    const uris = [
      { value: `${base}/app.zip` },
      { value: `file://${join(files, 'app.tar.xz')}`, output_file: 'xz/app.tar.xz' },
      { value: join(files, 'notes.txt.gz') },
      { value: `${base}/tool`, executable: true, output_file: 'tools/run-me' },
    ];
    run(commandTask('many', '', { command: { shell: true, value: './bin/hello.sh zip && ./xz/bin/hello.sh xz && cat notes.txt && ./tools/run-me', uris } }));
    run(commandTask('many2', '', { command: { shell: true, value: './bin/hello.sh again', uris: [{ value: `${base}/app.zip` }] } }));
    const done = await setup.master.update('many', 'TASK_FINISHED');
    expect(done.status.message).toBe('Command exited with status 0');
    const out = read('many', 'stdout');
    expect(out).toContain('hello from the artifact zip');
    expect(out).toContain('hello from the artifact xz');
    expect(out).toContain('compressed notes');
    expect(out).toContain('tool-ran');
    await setup.master.update('many2', 'TASK_FINISHED');
    expect(requests.get('/app.zip')).toBe(2); // not cached: fetched for each task
    expect(read('many', FETCHER_LOG)).toContain("Made '");
  });

  test('a URI that answers 404 fails the task: TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, naming the URI and the error', async () => {
    const uri = `${base}/missing.tar.gz`;
    run(commandTask('missing', '', { command: { shell: true, value: 'echo should-not-run', uris: [{ value: uri, cache: true }] } }));
    const u = await setup.master.update('missing', 'TASK_FAILED');
    expect(u.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(u.status.message).toContain(`Failed to fetch '${uri}': HTTP 404 Not Found`);
    expect(setup.master.states('missing')).toEqual(['TASK_FAILED']);
    expect(read('missing', FETCHER_LOG)).toContain('HTTP 404');
    expect(metric('task_fetches_failed')).toBeGreaterThanOrEqual(1);

    run(commandTask('relative', '', { command: { shell: true, value: 'true', uris: [{ value: 'app.tar.gz' }] } }));
    const r = await setup.master.update('relative', 'TASK_FAILED');
    expect(r.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(r.status.message).toContain("Failed to fetch 'app.tar.gz': a relative path cannot be fetched");

    run(commandTask('nofile', '', { command: { shell: true, value: 'true', uris: [{ value: join(files, 'nope.tar') }] } }));
    const n = await setup.master.update('nofile', 'TASK_FAILED');
    expect(n.status.message).toContain(`Failed to fetch '${join(files, 'nope.tar')}': cannot read`);
  });

  test('a fetch that outlasts --executor_registration_timeout fails the task saying so; a kill while fetching ends it TASK_KILLED', async () => {
    const a2 = await realAgent({ ...setup, workDir: setup.workDir + '-2' }, { executor_registration_timeout: '1secs', hostname: 'a2' });
    try {
      await setup.master.waitFor((m) => m.name === 'register_agent' && (m.body as { agent: { hostname: string } }).agent.hostname === 'a2');
      held.add('/slow.tar.gz');
      const send = (task: ReturnType<typeof commandTask>): void => setup.master.sendTo(a2.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });
      send(commandTask('slow', '', { command: { shell: true, value: 'echo should-not-run', uris: [{ value: `${base}/slow.tar.gz` }] } }));
      const u = await setup.master.update('slow', 'TASK_FAILED');
      expect(u.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
      expect(u.status.message).toContain(`Failed to fetch '${base}/slow.tar.gz': the fetch did not finish within --executor_registration_timeout=1secs`);

      send(commandTask('killed-while-fetching', '', { command: { shell: true, value: 'echo should-not-run', uris: [{ value: `${base}/slow.tar.gz?2` }] } }));
      await until('the second slow request held', () => (heldResponses.has('/slow.tar.gz?2') ? true : undefined));
      setup.master.sendTo(a2.agentPid, 'kill_task', { framework_id: FRAMEWORK.id!, task_id: { value: 'killed-while-fetching' } });
      const k = await setup.master.update('killed-while-fetching', 'TASK_KILLED');
      expect(k.status.reason).toBe('REASON_TASK_KILLED_DURING_LAUNCH');
      expect(setup.master.states('killed-while-fetching')).toEqual(['TASK_KILLED']);
    } finally {
      await a2.stop();
    }
  });

  testIf(process.getuid?.() === 0 ? null : 'running a task as another user needs root')("the cache is keyed by user and URI: a root-only file cached for root is not served to nobody", async () => {
    chmodSync(setup.workDir, 0o755); // a task running as nobody must reach its sandbox
    const secret = join(files, 'root-only.txt');
    writeFileSync(secret, 'for root only\n', { mode: 0o600 });
    const shared = join(files, 'shared.txt');
    writeFileSync(shared, 'for everyone\n', { mode: 0o644 });
    chmodSync(files, 0o755);
    const missesBefore = metric('cache_misses');
    run(commandTask('root-reads', '', { command: { shell: true, value: 'cat root-only.txt', uris: [{ value: `file://${secret}`, cache: true }, { value: shared, cache: true }] } }));
    await setup.master.update('root-reads', 'TASK_FINISHED');
    expect(read('root-reads', 'stdout')).toBe('for root only\n');

    run(commandTask('nobody-reads', '', { command: { shell: true, user: 'nobody', value: 'cat root-only.txt', uris: [{ value: `file://${secret}`, cache: true }] } }));
    const u = await setup.master.update('nobody-reads', 'TASK_FAILED');
    expect(u.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(u.status.message).toContain(`Failed to fetch 'file://${secret}': cannot read ${secret} as user 'nobody': Permission denied`);

    // A file nobody may read is fetched for nobody on its own (a miss), not taken from root's entry.
    run(commandTask('nobody-shared', '', { command: { shell: true, user: 'nobody', value: 'cat shared.txt', uris: [{ value: shared, cache: true }] } }));
    await setup.master.update('nobody-shared', 'TASK_FINISHED');
    expect(read('nobody-shared', 'stdout')).toBe('for everyone\n');
    expect(read('nobody-shared', FETCHER_LOG)).toContain(`Cache miss for '${shared}'`);
    expect(metric('cache_misses')).toBe(missesBefore + 4);
  });

  test('an archive that would expand past --fetcher_max_extracted_size fails the task naming the limit, before it is written', async () => {
    const uri = `${base}/bomb.tar.gz`;
    run(commandTask('bomb', '', { command: { shell: true, value: 'echo should-not-run', uris: [{ value: uri }] } }));
    const u = await setup.master.update('bomb', 'TASK_FAILED');
    expect(u.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(u.status.message).toContain(`Failed to fetch '${uri}': the archive expands to 3MB, more than the agent's --fetcher_max_extracted_size=1MB`);
    expect(existsSync(join(sandbox('bomb'), 'zeros'))).toBe(false);
  });

  test("a custom executor's URIs are fetched too: a bad one fails its task before the executor starts", async () => {
    const uri = `${base}/no-executor.tar.gz`;
    const executor: ExecutorInfo = { executor_id: { value: 'fetching-executor' }, command: { shell: true, value: 'sleep 30', uris: [{ value: uri }] } };
    const task = { ...commandTask('on-executor', ''), executor };
    delete (task as { command?: unknown }).command;
    run(task);
    const u = await setup.master.update('on-executor', 'TASK_FAILED');
    expect(u.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(u.status.message).toContain(`Failed to fetch '${uri}': HTTP 404`);
  });
});
