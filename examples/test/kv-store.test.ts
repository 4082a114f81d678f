// The kv-store example against real OS processes: a `mesos-ts local` master and an agent this
// test starts itself (so that it can kill and restart it). The framework reserves a share of
// the agent, creates a persistent volume and runs its server there; the server is killed
// (SIGKILL) and comes back on the same volume with its data; the agent is killed and
// restarted, the server keeps serving, then is killed again and comes back, data intact.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { leasePorts, type PortLease } from '../../test/ports.js';
import { runBuilt, stopAll, waitForOutput, type Proc } from '../../test/processes.js';
import { tempDir } from '../../test/temp.js';
import { until as waitUntil } from '../../test/wait.js';

type Json = Record<string, any>;
const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> => waitUntil(what, check, { everyMs: 200, limitMs: 60_000 });

let cluster: LocalCluster;
let lease: PortLease;
let credential: { principal: string; secret: string };
const work = tempDir('mesos-ts-kv-store');
const agentDir = join(work.path, 'agent');
const children: Proc[] = [];
let kv: Proc | undefined;

function start(entry: string, args: string[]): Proc {
  const p = runBuilt(entry, args);
  children.push(p);
  return p;
}

function startAgent(): Proc {
  const w = cluster.workDir;
  const [a, b] = [lease.ports[0]!, lease.ports[3]!];
  return start('cli/main.ts', [
    'agent', `--master=${cluster.masterList}`, '--ip=127.0.0.1', '--hostname=kv-agent', '--port=0', `--work_dir=${agentDir}`, `--resources=cpus:1;mem:512;disk:512;ports:[${a}-${b}]`,
    '--registration_backoff_factor=0secs',
    `--credential=${join(w, 'cluster-credential.json')}`, `--http_credentials=${join(w, 'credentials.json')}`, '--authenticate_http_readwrite=true',
  ]);
}

const auth = (): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`).toString('base64')}` });
const slaves = async (): Promise<Json[]> => ((await (await fetch(`${cluster.leader}/master/slaves`, { headers: auth() })).json()) as Json).slaves as Json[];
const health = async (base: string): Promise<Json | undefined> => {
  try {
    const r = await fetch(`${base}/health`);
    return r.status === 200 ? ((await r.json()) as Json) : undefined;
  } catch {
    return undefined;
  }
};
const put = async (base: string, k: string, v: string): Promise<number> => (await fetch(`${base}/kv/${k}`, { method: 'PUT', body: v })).status;
const get = async (base: string, k: string): Promise<string> => (await fetch(`${base}/kv/${k}`)).text();

beforeAll(async () => {
  lease = await leasePorts(4);
  // The cluster's own agent has no ports: the store never fits there.
  cluster = await startLocal({ masters: 1, agents: 1, args: ['--resources=cpus:0.1;mem:32;disk:16;ports:[]'] });
  credential = JSON.parse(readFileSync(join(cluster.workDir, 'operator-credential.json'), 'utf8')) as { principal: string; secret: string };
}, 60_000);

afterAll(async () => {
  // The framework first: SIGTERM tears it down and the agent kills its server; the agents only once
  // they run nothing (an agent stopped by a signal leaves its tasks running, for its recovery).
  if (kv !== undefined && kv.child.exitCode === null) await kv.stop('SIGTERM');
  if (cluster !== undefined) await until('the agents run no task', async () => ((await slaves()).every((s) => s.task_count === 0) ? true : undefined)).catch(() => undefined);
  for (const c of children) if (c.child.exitCode === null) await c.stop('SIGTERM');
  await cluster?.stop();
  await stopAll('SIGKILL');
  await work.remove(children);
  lease?.release();
}, 90_000);

describe('kv-store: a stateful service on a reserved share and a persistent volume', () => {
  test('reserves, creates its volume, serves; killed, it comes back with its data; it survives an agent restart', async () => {
    let agent = startAgent();
    await until('the agent registered', async () => ((await slaves()).some((s) => s.hostname === 'kv-agent') ? true : undefined));
    const fw = (kv = start('examples/kv-store/main.ts', [`--master=${cluster.masterList}`, `--credential=${join(cluster.workDir, 'operator-credential.json')}`, '--name=t', '--role=kv']));
    await waitForOutput(fw, (o) => /kv server running at http:\/\/\S+/.test(o), 'the kv server running');
    const base = /kv server running at (http:\/\/\S+)/.exec(fw.out())![1]!;
    const first = await until('the server answers', () => health(base));
    expect(fw.out()).toContain('reserving ');
    expect(fw.out()).toMatch(/kv-t-1: TASK_RUNNING \(persistent volume kv-t at data \((bind mount|symlink)\)\)/);

    // The reservation and the volume, as the master shows them; the volume's data is under the agent's work dir.
    const agentState = (await slaves()).find((s) => s.hostname === 'kv-agent')!;
    expect(agentState.reserved_resources.kv).toMatchObject({ cpus: 0.1, mem: 64, disk: 64 });
    const volume = join(agentDir, 'volumes', 'roles', 'kv', 'kv-t');
    expect(await put(base, 'a', 'one')).toBe(204);
    expect(await put(base, 'b', 'two')).toBe(204);
    expect(readFileSync(join(volume, 'kv.log'), 'utf8').split('\n').filter((l) => l !== '')).toHaveLength(2);

    // Killed: relaunched on the same reservation and volume, with its data.
    process.kill(first.pid as number, 'SIGKILL');
    await waitForOutput(fw, (o) => /launching kv-t-2/.test(o) && (o.match(/kv server running at/g) ?? []).length >= 2, 'the second launch running');
    const second = await until('the new server answers', async () => {
      const h = await health(base);
      return h !== undefined && h.pid !== first.pid ? h : undefined;
    });
    expect(second.keys).toBe(2);
    expect(await get(base, 'a')).toBe('one');
    expect(await get(base, 'b')).toBe('two');

    // The agent is killed and restarted: the server keeps running and serving, the reservation stays.
    await agent.stop('SIGKILL');
    agent = startAgent();
    await until('the agent re-registered', async () => ((await slaves()).some((s) => s.hostname === 'kv-agent' && s.active === true && s.task_count === 1) ? true : undefined));
    expect((await health(base))?.pid).toBe(second.pid);
    expect(await put(base, 'c', 'three')).toBe(204);
    expect(existsSync(join(agentDir, 'meta', 'resources', 'resources.info'))).toBe(true);
    expect((await slaves()).find((s) => s.hostname === 'kv-agent')!.reserved_resources.kv).toMatchObject({ cpus: 0.1, mem: 64, disk: 64 });

    // Killed once more, under the restarted agent: back again with everything.
    process.kill(second.pid as number, 'SIGKILL');
    const third = await until('the third server answers', async () => {
      const h = await health(base);
      return h !== undefined && h.pid !== second.pid ? h : undefined;
    });
    expect(third.keys).toBe(3);
    expect([await get(base, 'a'), await get(base, 'b'), await get(base, 'c')]).toEqual(['one', 'two', 'three']);
    expect(fw.out()).toContain('launching kv-t-3');
  }, 180_000);
});
