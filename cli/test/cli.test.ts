// The mesos-ts command against a real local cluster of OS processes: start
// it, execute a command (its exit status propagated), list tasks, cat a
// sandbox file, stop it with nothing left running; bad flags explained; a
// master found over mDNS.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, waitForOutput } from '../../test/processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const loader = fileURLToPath(new URL('../../test/ts-loader.mjs', import.meta.url));
const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mesos-ts-cli-test-'));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }>; out: () => string } {
  const child = spawn(process.execPath, ['--import', loader, '--no-warnings', main, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'warn', ...env } });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.once('close', (code) => resolve({ code, out, err })));
  return { child, done, out: () => out };
}

const waitFor = (c: { child: ChildProcess; out: () => string }, check: (out: string) => boolean): Promise<void> => waitForOutput(c, check);


describe('mesos-ts against a local cluster', () => {
  test('local, execute (exit status), tasks, cat, and a clean stop', async () => {
    const dir = join(work, 'cluster');
    const local = cli(['local', '--port=0', '--agents=2', `--work_dir=${dir}`, '--resources=cpus:1;mem:256']);
    await waitFor(local, (o) => o.includes('cluster up'));
    const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { masters: { url: string; pid: number }[]; agents: { url: string; pid: number }[] };
    expect(cluster.masters).toHaveLength(3); // high availability by default
    expect(cluster.agents).toHaveLength(2);
    const master = cluster.masters.map((m) => m.url.replace('http://', '')).join(',');
    expect(local.out()).toMatch(/\[agent1\] /);

    const failing = await cli(['execute', `--master=${master}`, '--name=boom', '--command=echo from the task; exit 3']).done;
    expect(failing.code).toBe(3);
    expect(failing.out).toContain('task boom is in state TASK_FAILED: Command exited with status 3');
    const ok = await cli(['execute', `--master=${master}`, '--name=fine', '--command=echo all good']).done;
    expect(ok.code).toBe(0);


    const tasks = await cli(['tasks', `--master=${master}`, '--all']).done;
    expect(tasks.code).toBe(0);
    expect(tasks.out).toMatch(/boom\s+boom\s+TASK_FAILED/);
    expect(tasks.out).toMatch(/fine\s+fine\s+TASK_FINISHED/);
    const json = JSON.parse((await cli(['tasks', `--master=${master}`, '--all', '--json']).done).out) as { id: string }[];
    expect(json.map((t) => t.id).sort()).toEqual(['boom', 'fine']);

    const cat = await cli(['cat', 'boom', `--master=${master}`]).done;
    expect(cat.out).toBe('from the task\n');
    const missing = await cli(['cat', 'nope', `--master=${master}`]).done;
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no task nope is known to the master');

    local.child.kill('SIGTERM');
    const stopped = await local.done;
    expect(stopped.code).toBe(0);
    for (const p of [...cluster.masters, ...cluster.agents]) expect(alive(p.pid)).toBe(false);
  }, 90_000); // 3 masters and 2 agents from the TypeScript sources, on a shared 2-core machine

  test('local --simulated-agents: many agents in one more process', async () => {
    const dir = join(work, 'simulated');
    const local = cli(['local', '--port=0', '--agents=1', '--simulated-agents=50', `--work_dir=${dir}`, '--resources=cpus:1;mem:256']);
    await waitFor(local, (o) => o.includes('cluster up'));
    const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { masters: { url: string; pid: number }[]; simulated_agents: { pid: number; count: number } };
    expect(cluster.simulated_agents.count).toBe(50);
    const master = cluster.masters[0]!.url.replace('http://', '');
    for (;;) {
      const agents = JSON.parse((await cli(['agents', `--master=${master}`, '--json']).done).out) as unknown[];
      if (agents.length === 51) break;
    }
    local.child.kill('SIGTERM');
    await local.done;
    expect(alive(cluster.simulated_agents.pid)).toBe(false);
  }, 90_000);
});

describe('bad flags say what to fix', () => {
  test('a malformed --resources, an unknown isolator, a port in use', async () => {
    const badResources = await cli(['agent', '--master=127.0.0.1:1', '--port=0', `--work_dir=${join(work, 'a1')}`, '--resources=cpus:-1']).done;
    expect(badResources.code).not.toBe(0);
    expect(badResources.err).toMatch(/resources.*cpus.*-1|negative/i);

    const badIsolator = await cli(['agent', '--master=127.0.0.1:1', '--port=0', `--work_dir=${join(work, 'a2')}`, '--isolation=posix/cpu,foo/bar']).done;
    expect(badIsolator.code).not.toBe(0);
    expect(badIsolator.err).toContain('foo/bar');

    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const inUse = await cli(['master', `--port=${port}`, '--mdns=false']).done;
    server.close();
    expect(inUse.code).toBe(1);
    expect(inUse.err).toContain(`port ${port} on 127.0.0.1 is in use (another master?); pick another with --port`);

    const badDuration = await cli(['master', '--port=0', '--allocation_interval=soon', '--mdns=false']).done;
    expect(badDuration.err).toContain('--allocation_interval=soon: expected a duration such as 15secs');
  });
});

describe('mDNS', () => {
  test('a master announced over mDNS is found without --master', async () => {
    const master = cli(['master', '--port=0', '--mdns=true', `--cluster=mdns-test-${process.pid}`]);
    await waitFor(master, (o) => o.includes('listening'));
    const address = /at http:\/\/([^/\s]+)/.exec(master.out())![1]!;
    const state = await cli(['state']).done;
    expect(state.code).toBe(0);
    expect(JSON.parse(state.out).pid).toBe(`master@${address}`);
    master.child.kill('SIGTERM');
    await master.done;
    expect(existsSync(work)).toBe(true);
  });
});
