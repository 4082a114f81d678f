// The mesos-ts command against a real local cluster of OS processes: start
// it, execute a command (its exit status propagated), list tasks, cat a
// sandbox file, stop it with nothing left running; bad flags explained; a
// master found over mDNS.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { uniqueMdnsName } from '../../test/cluster.js';
import { leasePorts } from '../../test/ports.js';
import { alive, runBuilt, stopAll, waitForOutput, type Proc } from '../../test/processes.js';
import { tempDir } from '../../test/temp.js';
import { until } from '../../test/wait.js';

const work = tempDir('mesos-ts-cli-test');
const started: Proc[] = [];

afterAll(async () => {
  await stopAll('SIGKILL');
  await work.remove(started);
});

/** `mesos-ts <args>` from the build; `done` gives its exit code and output once it has exited. */
function cli(args: string[], env: Record<string, string> = {}): Proc & { result: Promise<{ code: number | null; out: string; err: string }> } {
  const p = runBuilt('cli/main.ts', args, { env });
  started.push(p);
  return { ...p, result: p.done.then((code) => ({ code, out: p.stdout(), err: p.stderr() })) };
}

const waitFor = (c: Proc, check: (out: string) => boolean): Promise<void> => waitForOutput(c, check);

describe('mesos-ts against a local cluster', () => {
  test('local, execute (exit status), tasks, cat, and a clean stop', async () => {
    const dir = join(work.path, 'cluster');
    // 3 masters must know each other's ports before they start: leased, not picked and released.
    const lease = await leasePorts(3);
    const local = cli(['local', `--port=${lease.ports[0]}`, '--agents=2', `--work_dir=${dir}`, '--resources=cpus:1;mem:256']);
    await waitFor(local, (o) => o.includes('cluster up'));
    const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { masters: { url: string; pid: number }[]; agents: { url: string; pid: number }[] };
    expect(cluster.masters).toHaveLength(3); // high availability by default
    expect(cluster.agents).toHaveLength(2);
    const master = cluster.masters.map((m) => m.url.replace('http://', '')).join(',');
    expect(local.out()).toMatch(/\[agent1\] /);

    const failing = await cli(['execute', `--master=${master}`, '--name=boom', '--command=echo from the task; exit 3']).result;
    expect(failing.code).toBe(3);
    expect(failing.out).toContain("Received status update TASK_FAILED for task 'boom'\n  message: 'Command exited with status 3'");
    const ok = await cli(['execute', `--master=${master}`, '--name=fine', '--command=echo all good']).result;
    expect(ok.code).toBe(0);


    const tasks = await cli(['tasks', `--master=${master}`, '--all']).result;
    expect(tasks.code).toBe(0);
    expect(tasks.out).toMatch(/boom\s+boom\s+TASK_FAILED/);
    expect(tasks.out).toMatch(/fine\s+fine\s+TASK_FINISHED/);
    const json = JSON.parse((await cli(['tasks', `--master=${master}`, '--all', '--json']).result).out) as { id: string }[];
    expect(json.map((t) => t.id).sort()).toEqual(['boom', 'fine']);

    const cat = await cli(['cat', 'boom', `--master=${master}`]).result;
    expect(cat.out).toBe('from the task\n');
    const missing = await cli(['cat', 'nope', `--master=${master}`]).result;
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no task nope is known to the master');

    expect(await local.stop('SIGTERM')).toBe(0);
    lease.release();
    for (const p of [...cluster.masters, ...cluster.agents]) expect(alive(p.pid)).toBe(false);
  }, 90_000); // 3 masters and 2 agents, on a shared 2-core machine

  test('local --simulated-agents: many agents in one more process', async () => {
    const dir = join(work.path, 'simulated');
    const local = cli(['local', '--masters=1', '--port=0', '--agents=1', '--simulated-agents=50', `--work_dir=${dir}`, '--resources=cpus:1;mem:256']);
    await waitFor(local, (o) => o.includes('cluster up'));
    const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { masters: { url: string; pid: number }[]; simulated_agents: { pid: number; count: number } };
    expect(cluster.simulated_agents.count).toBe(50);
    const master = cluster.masters[0]!.url.replace('http://', '');
    // The 50 simulated agents register over a few seconds: asked of the master's HTTP API (not by a new CLI process each time).
    await until('51 agents registered', async () => {
      const res = await fetch(`http://${master}/master/slaves`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json()) as { slaves: unknown[] };
      return body.slaves.length === 51 ? true : undefined;
    });
    const agents = JSON.parse((await cli(['agents', `--master=${master}`, '--json']).result).out) as unknown[];
    expect(agents).toHaveLength(51);
    await local.stop('SIGTERM');
    expect(alive(cluster.simulated_agents.pid)).toBe(false);
  }, 90_000);
});

describe('bad flags say what to fix', () => {
  test('a malformed --resources, an unknown isolator, a port in use', async () => {
    const badResources = await cli(['agent', '--master=127.0.0.1:1', '--port=0', `--work_dir=${join(work.path, 'a1')}`, '--resources=cpus:-1']).result;
    expect(badResources.code).not.toBe(0);
    expect(badResources.err).toMatch(/resources.*cpus.*-1|negative/i);

    const badIsolator = await cli(['agent', '--master=127.0.0.1:1', '--port=0', `--work_dir=${join(work.path, 'a2')}`, '--isolation=posix/cpu,foo/bar']).result;
    expect(badIsolator.code).not.toBe(0);
    expect(badIsolator.err).toContain('foo/bar');

    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const inUse = await cli(['master', `--port=${port}`, '--mdns=false']).result;
    server.close();
    expect(inUse.code).toBe(1);
    expect(inUse.err).toContain(`port ${port} on 127.0.0.1 is in use (another master?); pick another with --port`);

    const badDuration = await cli(['master', '--port=0', '--allocation_interval=soon', '--mdns=false']).result;
    expect(badDuration.err).toContain('--allocation_interval=soon: expected a duration such as 500ms, 15secs');
  });
});

describe('mDNS', () => {
  test('a master announced over mDNS is found without --master, by its cluster name alone', async () => {
    // A name of its own: a `make local` or another test run on this machine announces others.
    const name = uniqueMdnsName('cli-mdns');
    const master = cli(['master', '--port=0', '--mdns=true', `--mdns_name=${name}`]);
    await waitFor(master, (o) => o.includes('listening'));
    const address = /at http:\/\/([^/\s]+)/.exec(master.out())![1]!;
    const state = await cli(['state'], { MESOS_MDNS_NAME: name }).result;
    expect(state.code).toBe(0);
    expect(JSON.parse(state.out).pid).toBe(`master@${address}`);
    await master.stop('SIGTERM');
    expect(existsSync(work.path)).toBe(true);
  });
});
