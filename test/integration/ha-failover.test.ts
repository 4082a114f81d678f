// High availability with real OS processes: `mesos-ts local --masters=3`
// (3 masters, 2 agents) and a framework process running two tasks. SIGKILL of
// the leading master: another is elected; agents and the framework come back
// to it by themselves; the tasks keep running (same OS pids); their later
// updates reach the framework exactly once; the new leader's /master/state
// lists them. The killed master, restarted, follows (307). A follower whose
// replicated_log directory is wiped recovers from its peers. Every wait polls
// a condition under a deadline.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leasePorts, type PortLease } from '../ports.js';
import { alive, runBuilt, runTs, stopAll, type Proc } from '../processes.js';
import { tempDir } from '../temp.js';
import { until as waitUntil } from '../wait.js';

// The framework is a test helper (TypeScript only, through the loader); the cluster runs from dist/.
const frameworkMain = fileURLToPath(new URL('./helpers/ha-framework.ts', import.meta.url));
const tmp = tempDir('mesos-ts-ha-test');
const work = tmp.path;
const started: Proc[] = [];
const taskPids: number[] = [];
let lease: PortLease | undefined;

afterAll(async () => {
  writeFileSync(join(work, 'go'), '');
  await stopAll('SIGKILL');
  for (const p of taskPids) if (alive(p)) process.kill(p, 'SIGKILL');
  await waitUntil('the tasks gone', () => (taskPids.every((p) => !alive(p)) ? true : undefined));
  await tmp.remove(started);
  lease?.release();
});

function run(entry: 'cli' | 'framework', args: string[]): Proc {
  const p = entry === 'cli' ? runBuilt('cli/main.ts', args, { logLevel: 'info' }) : runTs(frameworkMain, args, { logLevel: 'info' });
  started.push(p);
  return p;
}

/** Asks again every 100 ms until `check` gives a value, for at most `limitMs`. */
const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 30_000): Promise<T> => waitUntil(what, check, { limitMs });

async function get(url: string): Promise<{ status: number; location: string | null; body: unknown }> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, location: res.headers.get('location'), body };
}

interface State {
  pid: string;
  frameworks: { id: string; active: boolean; tasks: { id: string; state: string }[]; completed_tasks: { id: string; state: string }[] }[];
  slaves: { id: string; active: boolean }[];
}

/** The master at `url` leads: its state, else undefined. */
async function leaderState(url: string): Promise<State | undefined> {
  const r = await get(`${url}/master/state`).catch(() => undefined);
  return r?.status === 200 ? (r.body as State) : undefined;
}

type Event = { event: string; task?: string; state?: string; uuid?: string | null; framework_id?: string; master?: string };
const events = (p: Proc): Event[] =>
  p
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);

describe('high availability with real OS processes', () => {
  test('SIGKILL of the leading master: a new leader, everyone back, tasks keep running, updates once; the old master rejoins; a wiped replica recovers', async () => {
    const dir = join(work, 'cluster');
    // 3 masters must know each other's ports before they start: leased, not picked and released.
    lease = await leasePorts(3);
    const local = run('cli', ['local', '--masters=3', `--port=${lease.ports[0]}`, '--agents=2', `--work_dir=${dir}`, '--resources=cpus:1;mem:256;disk:1024;ports:[32000-32100]']);
    await until('the cluster is up', () => (local.out().includes('cluster up') ? true : undefined), 60_000);
    const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { masters: { url: string; pid: number }[]; agents: { url: string; pid: number }[] };
    expect(cluster.masters).toHaveLength(3);
    const urls = cluster.masters.map((m) => m.url);
    const list = urls.map((u) => u.replace('http://', '')).join(',');
    // A restarted master takes the cluster's credentials as `local` gave them (its replica must authenticate to the others).
    const security = [`--credentials=${join(dir, 'credentials.json')}`, '--authenticate_frameworks=true', '--authenticate_agents=true', '--authenticate_http_readwrite=true'];
    const masterArgs = (i: number): string[] => ['master', '--ip=127.0.0.1', `--port=${new URL(urls[i]!).port}`, `--work_dir=${join(dir, `master${i + 1}`)}`, '--mdns=false', `--masters=${list}`, ...security];

    // Two tasks that record their shell's pid and run until the test says go.
    const go = join(work, 'go');
    const command = `echo $$ > ${work}/pid-{id}; while [ ! -f ${go} ]; do sleep 0.1; done`;
    const framework = run('framework', ['--master', list, '--tasks', '2', '--command', command, '--credential', join(dir, 'operator-credential.json')]);
    await until('both tasks run', () => (events(framework).filter((e) => e.event === 'update' && e.state === 'TASK_RUNNING').length === 2 ? true : undefined));
    const pids = await until('the tasks wrote their pids', () => {
      const files = ['task-1', 'task-2'].map((t) => join(work, `pid-${t}`));
      return files.every((f) => existsSync(f) && readFileSync(f, 'utf8').trim() !== '') ? files.map((f) => Number(readFileSync(f, 'utf8'))) : undefined;
    });
    taskPids.push(...pids);
    const frameworkId = events(framework).find((e) => e.event === 'registered')!.framework_id!;

    // The leader, and what the others answer.
    const leader = await until('one master leads', async () => {
      const leading = [];
      for (let i = 0; i < 3; i++) if ((await leaderState(urls[i]!)) !== undefined) leading.push(i);
      return leading.length === 1 ? leading[0]! : undefined;
    });
    for (let i = 0; i < 3; i++) {
      if (i === leader) continue;
      const r = await get(`${urls[i]}/master/state`);
      expect(r.status).toBe(307);
      expect(r.location).toBe(`${urls[leader]}/master/state`);
    }

    // SIGKILL the leader.
    process.kill(cluster.masters[leader]!.pid, 'SIGKILL');
    const others = [0, 1, 2].filter((i) => i !== leader);
    const next = await until('a new leader with the framework, both agents and both tasks', async () => {
      for (const i of others) {
        const s = await leaderState(urls[i]!);
        if (s === undefined) continue;
        const f = s.frameworks.find((x) => x.id === frameworkId);
        const running = f?.tasks.filter((t) => t.state === 'TASK_RUNNING').length ?? 0;
        if (f?.active === true && s.slaves.length === 2 && s.slaves.every((a) => a.active) && running === 2) return i;
      }
      return undefined;
    });
    // Once, unless the machine was so loaded that the leadership moved again meanwhile: then to the leader of now.
    const reregistered = events(framework).filter((e) => e.event === 'reregistered');
    expect(reregistered.length).toBeGreaterThanOrEqual(1);
    expect(reregistered.at(-1)!.master).toBe(`master@${urls[next]!.replace('http://', '')}`);
    expect(events(framework).filter((e) => e.event === 'registered')).toHaveLength(1);
    // The tasks kept running: the same processes, not relaunched.
    for (const p of pids) expect(alive(p)).toBe(true);
    expect(['task-1', 'task-2'].map((t) => Number(readFileSync(join(work, `pid-${t}`), 'utf8')))).toEqual(pids);

    // The tasks end now: each update reaches the framework once, through the new leader.
    writeFileSync(go, '');
    await until('the new leader has both tasks finished and acknowledged', async () => {
      const s = await leaderState(urls[next]!);
      const done = s?.frameworks.find((x) => x.id === frameworkId)?.completed_tasks.filter((t) => t.state === 'TASK_FINISHED').length ?? 0;
      return done === 2 ? true : undefined;
    });
    const updates = events(framework).filter((e) => e.event === 'update');
    expect(updates.filter((e) => e.state === 'TASK_FINISHED').map((e) => e.task).sort()).toEqual(['task-1', 'task-2']);
    expect(updates.filter((e) => e.state === 'TASK_RUNNING').map((e) => e.task).sort()).toEqual(['task-1', 'task-2']);
    expect(new Set(updates.map((e) => e.uuid)).size).toBe(updates.length);
    for (const p of pids) await until(`task process ${p} exits`, () => (alive(p) ? undefined : true));

    // The killed master comes back as a follower: 307 to the leader.
    const restarted = run('cli', masterArgs(leader));
    await until('the restarted master redirects to the leader', async () => {
      const r = await get(`${urls[leader]}/master/state`).catch(() => undefined);
      return r?.status === 307 && r.location === `${urls[next]}/master/state` ? true : undefined;
    });
    const target = (await get(`${urls[next]}/log/status`)).body as { commitIndex: number };
    await until('the restarted replica caught up', async () => {
      const s = (await get(`${urls[leader]}/log/status`)).body as { role: string; commitIndex: number };
      return s.role === 'follower' && s.commitIndex >= target.commitIndex ? true : undefined;
    });

    // A follower's replicated_log wiped: it recovers from its peers, then votes and follows.
    const wiped = others.find((i) => i !== next)!;
    process.kill(cluster.masters[wiped]!.pid, 'SIGKILL');
    await until('the follower is down', async () => ((await get(`${urls[wiped]}/master/state`).catch(() => undefined)) === undefined ? true : undefined));
    rmSync(join(dir, `master${wiped + 1}`, 'replicated_log'), { recursive: true, force: true });
    const leaderLog = (await get(`${urls[next]}/log/status`)).body as { commitIndex: number; term: number };
    const reborn = run('cli', masterArgs(wiped));
    const recovered = await until('the wiped replica recovered', async () => {
      const s = (await get(`${urls[wiped]}/log/status`)).body as { role: string; voter: boolean; commitIndex: number; term: number };
      return s.role === 'follower' && s.voter && s.commitIndex >= leaderLog.commitIndex ? s : undefined;
    });
    expect(recovered.term).toBeGreaterThanOrEqual(leaderLog.term);
    expect(reborn.out()).toMatch(/empty store: asking peers/);
    const r = await get(`${urls[wiped]}/master/state`);
    expect(r.status).toBe(307);
    // The leader kept leading throughout, and still knows the framework.
    const s = await leaderState(urls[next]!);
    expect(s?.frameworks.find((x) => x.id === frameworkId)).toBeDefined();

    await Promise.all([framework, restarted, reborn, local].map((p) => p.stop('SIGTERM')));
  }, 240_000);
});
