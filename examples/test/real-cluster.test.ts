// The services and cron examples against a real local cluster of OS
// processes (`mesos-ts local`: one master, one agent that runs tasks as real
// processes): a real web server per instance on its assigned port, the agent's
// HTTP health check passing, an instance killed with SIGKILL and replaced, a
// rolling update through the scheduler's endpoint; a
// cron job every 3 s that runs for real, its dependent job after it, and the
// runs in the history file and over HTTP.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, existsSync } from 'node:fs';
import { get, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { leasePorts, type PortLease } from '../../test/ports.js';
import { alive, runBuilt, stopAll, waitForOutput, type Proc } from '../../test/processes.js';
import { tempDir } from '../../test/temp.js';
import { until as waitUntil } from '../../test/wait.js';

const work = tempDir('mesos-ts-examples-real');
const children: Proc[] = [];

/** An entry of the repository (built, under dist/) as a child process, stopped at the end of the suite. */
function start(entry: string, args: string[]): Proc {
  const p = runBuilt(entry, args);
  children.push(p);
  return p;
}
const waitFor = waitForOutput;
const instancePids = new Set<number>();

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function httpPut(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Asks again every 200 ms, for at most a minute, until `check` gives a value. */
const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> => waitUntil(what, check, { everyMs: 200, limitMs: 60_000 });

let local: Proc;
let master: string;
// Ports for the instances: leased (no other test process has them), below the ephemeral range.
let lease: PortLease;
let portBase: number;

beforeAll(async () => {
  lease = await leasePorts(20);
  portBase = lease.ports[0]!;
  local = start('cli/main.ts', ['local', '--masters=1', '--agents=1', '--port=0', `--work_dir=${join(work.path, 'cluster')}`, `--resources=cpus:2;mem:1024;disk:1024;ports:[${portBase}-${portBase + 19}]`]);
  await waitFor(local, (o) => o.includes('cluster up'), 'the cluster is up');
  const cluster = JSON.parse(readFileSync(join(work.path, 'cluster', 'cluster.json'), 'utf8')) as { masters: { url: string }[] };
  master = cluster.masters[0]!.url.replace('http://', '').replace(/\/.*$/, '');
}, 60_000);

afterAll(async () => {
  // The frameworks first (SIGTERM: they tear down), then the cluster, then whatever task is left;
  // the work dir goes once every one of them has exited.
  await Promise.all(children.slice(1).map((c) => c.stop('SIGTERM')));
  await local?.stop('SIGTERM');
  await stopAll('SIGKILL');
  for (const pid of instancePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitUntil('the instances gone', () => ([...instancePids].every((pid) => !alive(pid)) ? true : undefined));
  await work.remove(children);
  lease?.release();
}, 60_000);

describe('examples against real OS processes', () => {
  test('services: real web servers pass their HTTP health check; one killed with SIGKILL is replaced; a rolling update', async () => {
    // Each instance: a node web server on $PORT0 that answers with its OS pid.
    const server = `exec '${process.execPath}' -e "require('http').createServer((q, s) => s.end(String(process.pid))).listen(Number(process.env.PORT0), '127.0.0.1')"`;
    const services = start('examples/services/main.ts', [`--master=${master}`, `--credential=${join(work.path, 'cluster', 'operator-credential.json')}`, '--app=web', '--instances=2', `--command=${server}`, '--resources=cpus:0.2;mem:64', '--ports=1', '--health=http:/', '--http-port=0', `--framework-id-file=${join(work.path, 'services.id')}`, '--teardown']);
    await waitFor(services, (o) => /HTTP on http:\/\/\S+\/apps/.test(o), 'its HTTP address');
    const api = /HTTP on (http:\/\/\S+)\/apps/.exec(services.out())![1]!;
    type App = { instances: { taskId: string; ports: number[]; state: string; healthy: boolean | null }[]; replaced: number };
    const app = async (): Promise<App> => JSON.parse((await httpGet(`${api}/apps/web`)).body) as App;

    // Both instances running and reported healthy by the agent's HTTP check.
    const first = await until('two healthy instances', async () => {
      const a = await app();
      return a.instances.length === 2 && a.instances.every((i) => i.state === 'TASK_RUNNING' && i.healthy === true) ? a : undefined;
    });
    expect(services.out()).toMatch(/web-\S+ is healthy \(HTTP health check returned 200\)/);
    const ports = first.instances.map((i) => i.ports[0]!);
    expect(new Set(ports).size).toBe(2);
    for (const p of ports) expect(p >= portBase && p < portBase + 20).toBe(true);
    const pids = await Promise.all(ports.map(async (p) => Number((await httpGet(`http://127.0.0.1:${p}/`)).body)));
    for (const pid of pids) instancePids.add(pid);
    expect(pids.every((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid)).toBe(true);

    // SIGKILL one server: the agent reports it failed, the scheduler replaces it, the new one is healthy.
    const victim = first.instances[0]!;
    process.kill(pids[0]!, 'SIGKILL');
    const after = await until('a healthy replacement', async () => {
      const a = await app();
      return a.replaced === 1 && a.instances.length === 2 && !a.instances.some((i) => i.taskId === victim.taskId) && a.instances.every((i) => i.healthy === true) ? a : undefined;
    });
    expect(services.out()).toContain(`replacing ${victim.taskId}`);
    expect(services.out()).toMatch(new RegExp(`${victim.taskId} is TASK_(FAILED|KILLED)`));
    const fresh = after.instances.find((i) => !first.instances.some((f) => f.taskId === i.taskId))!;
    const freshPid = Number((await httpGet(`http://127.0.0.1:${fresh.ports[0]}/`)).body);
    instancePids.add(freshPid);
    expect(freshPid).not.toBe(pids[0]);

    // A rolling update through the endpoint: servers that answer "v2 <pid>".
    const v2 = server.replace('s.end(String(process.pid))', "s.end('v2 ' + process.pid)");
    const put = await httpPut(`${api}/apps/web`, JSON.stringify({ command: v2 }));
    expect(put.status).toBe(200);
    const rolled = await until('the rollout done', async () => {
      const a = (await app()) as App & { deploying: boolean };
      return !a.deploying && a.instances.length === 2 && a.instances.every((i) => i.healthy === true && i.state === 'TASK_RUNNING') ? a : undefined;
    });
    const answers = await Promise.all(rolled.instances.map(async (i) => (await httpGet(`http://127.0.0.1:${i.ports[0]}/`)).body));
    for (const a of answers) {
      expect(a).toMatch(/^v2 \d+$/);
      instancePids.add(Number(a.slice(3)));
    }
    // In order: each old instance killed only after a new one was healthy.
    const log = services.out().split('\n');
    const firstKill = log.findIndex((l) => l.startsWith('killing ') && l.includes('(replaced by version'));
    const firstNewHealthy = log.findIndex((l) => /^web-\S+ is healthy/.test(l) && rolled.instances.some((i) => l.startsWith(`${i.taskId} is healthy`)));
    expect(firstNewHealthy).toBeGreaterThan(-1);
    expect(firstKill).toBeGreaterThan(firstNewHealthy);
    await until('the old servers gone', () => ([pids[1]!, freshPid].every((pid) => !alive(pid)) ? true : undefined));

    expect(await services.stop('SIGTERM')).toBe(0); // --teardown: the instances are killed
    await until('the instances gone', () => (answers.every((a) => !alive(Number(a.slice(3)))) ? true : undefined));
  }, 120_000);

  test('cron: a job every 3 s runs for real, its dependent after it; runs recorded', async () => {
    const ticks = join(work.path, 'ticks.txt');
    const history = join(work.path, 'cron-history.json');
    const jobs = [
      { name: 'tick', command: `echo "tick $CRON_RUN" >> '${ticks}'`, schedule: 'R//PT3S', resources: 'cpus:0.1;mem:32' },
      { name: 'tock', command: `echo "tock $CRON_RUN" >> '${ticks}'`, parents: ['tick'], resources: 'cpus:0.1;mem:32' },
    ];
    const cron = start('examples/cron/main.ts', [`--master=${master}`, `--credential=${join(work.path, 'cluster', 'operator-credential.json')}`, ...jobs.map((j) => `--job=${JSON.stringify(j)}`), `--history-file=${history}`, '--http-port=0']);
    type Run = { job: string; run: number; state: string; dueAt: string; finishedAt?: string };
    const runs = await until('three ticks and their tocks', () => {
      if (!existsSync(history)) return undefined;
      let all: Run[];
      try {
        all = JSON.parse(readFileSync(history, 'utf8')) as Run[];
      } catch {
        return undefined; // not there yet
      }
      const ok = (job: string): Run[] => all.filter((r) => r.job === job && r.state === 'SUCCEEDED');
      return ok('tick').length >= 3 && ok('tock').length >= 3 ? all : undefined;
    });
    const tick = runs.filter((r) => r.job === 'tick');
    // Due every 3 s exactly (the schedule), each succeeded.
    expect(Date.parse(tick[1]!.dueAt) - Date.parse(tick[0]!.dueAt)).toBe(3_000);
    expect(Date.parse(tick[2]!.dueAt) - Date.parse(tick[1]!.dueAt)).toBe(3_000);
    // Each tock after the tick it follows finished.
    const tock = runs.filter((r) => r.job === 'tock' && r.state === 'SUCCEEDED');
    for (const t of tock.slice(0, 3)) expect(Date.parse(t.dueAt)).toBeGreaterThanOrEqual(Date.parse(tick.find((k) => k.run === t.run)!.finishedAt!));
    // The tasks really ran: their output is in the file.
    const lines = readFileSync(ticks, 'utf8').split('\n');
    for (const n of [1, 2, 3]) {
      expect(lines).toContain(`tick ${n}`);
      expect(lines).toContain(`tock ${n}`);
      expect(lines.indexOf(`tock ${n}`)).toBeGreaterThan(lines.indexOf(`tick ${n}`));
    }
    expect(cron.out()).toMatch(/tick run 1 succeeded/);
    const api = /HTTP on (http:\/\/\S+)\/jobs/.exec(cron.out())![1]!;
    const viaHttp = JSON.parse((await httpGet(`${api}/jobs/history?job=tock`)).body) as { runs: Run[] };
    expect(viaHttp.runs.filter((r) => r.state === 'SUCCEEDED').length).toBeGreaterThanOrEqual(3);
    expect(await cron.stop('SIGTERM')).toBe(0);
  }, 120_000);
});

