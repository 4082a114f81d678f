// Maintenance and draining on a real local cluster of OS processes (one
// master, four agents, each a machine of its own: 127.0.0.N, agentN.local):
// the services example runs 3 instances, one per host; a maintenance window
// for the machine of one of them (mesos-ts maintenance schedule) sends its
// scheduler an inverse offer, and it moves that instance off the machine;
// the machine goes DOWN (its agent removed and shut down, refused when it
// comes back early), then UP, and its agent rejoins; DRAIN_AGENT on another
// instance's agent (mesos-ts agents drain --grace) kills its task (which
// ignores SIGTERM: the kill ends it at the grace period) and nothing new
// lands there; the replacement goes to the machine that came back.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentMachine, agentResources } from '../../cli/commands/local.js';
import { endTasks } from '../../cli/end-tasks.js';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { alive, runBuilt, stopAll, waitForOutput, type Proc } from '../../test/processes.js';
import { until as waitUntil } from '../../test/wait.js';

type Json = Record<string, any>;
const AGENTS = 4;
const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> => waitUntil(what, check, { everyMs: 200, limitMs: 60_000 });

let cluster: LocalCluster;
let credential: { principal: string; secret: string };
const children: Proc[] = [];

function start(entry: string, args: string[]): Proc {
  const p = runBuilt(entry, args);
  children.push(p);
  return p;
}

/** `mesos-ts <args>` against the cluster, as the operator; resolves with its output once it has exited 0. */
async function cli(args: string[]): Promise<string> {
  const p = start('cli/main.ts', [...args, `--master=${cluster.masterList}`, `--principal=${credential.principal}`, `--secret=${credential.secret}`]);
  const code = await p.done;
  if (code !== 0) throw new Error(`mesos-ts ${args.join(' ')} exited ${code}:\n${p.out()}`);
  return p.stdout();
}

async function get(url: string): Promise<Json> {
  const res = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`).toString('base64')}` } });
  return (await res.json()) as Json;
}

const slaves = async (): Promise<Json[]> => (await get(`${cluster.leader}/master/slaves`)).slaves as Json[];

/** `mesos-ts agent` as `local` starts agent i (0-based): its own address, hostname and work dir. */
function startAgent(i: number): Proc {
  const m = agentMachine(i, true);
  const w = cluster.workDir;
  return start('cli/main.ts', [
    'agent', `--master=${cluster.masterList}`, `--ip=${m.ip}`, `--hostname=${m.hostname}`, '--port=0', `--work_dir=${join(w, `agent${i + 1}`)}`, '--isolation=posix/cpu,posix/mem', `--resources=${agentResources('cpus:1;mem:256', i, AGENTS)}`,
    `--http_credentials=${join(w, 'credentials.json')}`, '--authenticate_http_readwrite=true', '--authenticate_http_readonly=false', `--credential=${join(w, 'cluster-credential.json')}`,
  ]);
}

beforeAll(async () => {
  cluster = await startLocal({ masters: 1, agents: AGENTS, args: ['--resources=cpus:1;mem:256'] });
  credential = JSON.parse(readFileSync(join(cluster.workDir, 'operator-credential.json'), 'utf8')) as { principal: string; secret: string };
}, 60_000);

afterAll(async () => {
  // The tasks end first, while every agent still runs: an agent stopped by a signal leaves its
  // tasks running (for its recovery), and these ignore SIGTERM, so the agents this test started
  // itself, stopped first, left them behind after every run.
  if (cluster !== undefined) {
    const agentUrls = (await slaves()).map((a) => `http://${String(a.pid).split('@')[1]}`);
    await endTasks(cluster.masterList, agentUrls, credential);
  }
  await Promise.all(children.filter((c) => c.child.exitCode === null).map((c) => c.stop('SIGTERM')));
  await cluster?.stop();
  await stopAll('SIGKILL');
}, 60_000);

describe('maintenance and draining with real processes', () => {
  test('an instance moved off a machine scheduled for maintenance; the machine down, up, back; a drained agent empty and offered nothing', async () => {
    const agents = await until('the 4 agents registered', async () => ((await slaves()).length === AGENTS ? slaves() : undefined));
    expect(agents.map((a) => a.hostname).sort()).toEqual(['agent1.local', 'agent2.local', 'agent3.local', 'agent4.local']);
    expect(agents.map((a) => a.pid.replace(/^slave\(1\)@/, '').replace(/:\d+$/, '')).sort()).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);

    // An instance ignores SIGTERM: only the kill's escalation at the end of its grace period ends it.
    const command = `trap '' TERM; while true; do sleep 1; done`;
    const services = start('examples/services/main.ts', [`--master=${cluster.masterList}`, `--credential=${join(cluster.workDir, 'operator-credential.json')}`, '--app=svc', '--instances=3', `--command=${command}`, '--resources=cpus:0.1;mem:32', '--one-per-host', '--http-port=0', `--framework-id-file=${join(cluster.workDir, 'svc.id')}`, '--teardown']);
    await waitForOutput(services, (o) => /HTTP on http:\/\/\S+\/apps/.test(o), 'its HTTP address');
    const api = /HTTP on (http:\/\/\S+)\/apps/.exec(services.out())![1]!;
    type App = { instances: { taskId: string; host: string; agentId: string; state: string; killing: boolean }[]; moved: number; replaced: number; leaving: string[] };
    const app = async (): Promise<App> => (await (await fetch(`${api}/apps/svc`)).json()) as App;
    const running = (a: App): App['instances'] => a.instances.filter((i) => i.state === 'TASK_RUNNING' && !i.killing);
    const first = await until('3 instances running on 3 hosts', async () => {
      const a = await app();
      return running(a).length === 3 && new Set(running(a).map((i) => i.host)).size === 3 ? a : undefined;
    });
    const hosts = first.instances.map((i) => i.host);
    const free = ['agent1.local', 'agent2.local', 'agent3.local', 'agent4.local'].find((h) => !hosts.includes(h))!;
    const [x, y] = hosts as [string, string];
    const xIndex = Number(/^agent(\d+)\./.exec(x)![1]) - 1;

    // A maintenance window for x, an hour from now: the scheduler gets the inverse offer and moves its instance.
    await cli(['maintenance', 'schedule', `--machines=${x}`, '--start=+1hrs', '--duration=1hrs']);
    const moved = await until('the instance moved off the machine', async () => {
      const a = await app();
      return a.moved === 1 && running(a).length === 3 && !a.instances.some((i) => i.host === x) ? a : undefined;
    });
    expect(services.out()).toMatch(new RegExp(`agent \\S+ \\(${x.replace('.', '\\.')}\\) is going into maintenance at \\S+: moving 1 instance\\(s\\) off it`));
    expect(running(moved).map((i) => i.host).sort()).toEqual([...hosts.slice(1), free].sort());
    const status = JSON.parse(await cli(['maintenance', 'status', '--json'])) as Json;
    expect(status.draining_machines).toEqual([{ id: { hostname: x }, statuses: [expect.objectContaining({ status: 'ACCEPT' })] }]);
    expect((await slaves()).find((a) => a.hostname === x)!.maintenance.mode).toBe('DRAINING');

    // DOWN: x's agent is removed and shut down (its process ends); started again now, it is refused.
    const xAgent = cluster.agents.find((a) => a.url.includes(`//${agentMachine(xIndex, true).ip}:`))!;
    await cli(['maintenance', 'down', x]);
    await until('the agent of the machine gone', async () => (!alive(xAgent.pid) && !(await slaves()).some((a) => a.hostname === x) ? true : undefined));
    const early = startAgent(xIndex);
    expect(await early.done).toBe(0); // it stops as told
    expect(early.out()).toContain(`machine ${x} is down for maintenance`);
    expect(JSON.parse(await cli(['maintenance', 'status', '--json']))).toEqual({ down_machines: [{ hostname: x }] });

    // UP: out of the schedule; the machine's agent starts again and rejoins.
    await cli(['maintenance', 'up', x]);
    startAgent(xIndex);
    const back = await until('the machine back', async () => (await slaves()).find((a) => a.hostname === x && a.active === true));
    expect(await cli(['maintenance', 'schedule'])).toContain('no maintenance scheduled');

    // DRAIN_AGENT on y with a 2 s grace: its instance (deaf to SIGTERM) killed, y DRAINED and empty.
    const yId = (await slaves()).find((a) => a.hostname === y)!.id as string;
    const yTask = moved.instances.find((i) => i.host === y)!.taskId;
    await cli(['agents', 'drain', y, '--grace=2secs']);
    await until("y's instance killed", () => (services.out().includes(`${yTask} is TASK_KILLED`) ? true : undefined));
    await until('y drained', async () => ((await slaves()).find((a) => a.id === yId)?.drain_info?.state === 'DRAINED' ? true : undefined));
    const listed = JSON.parse(await cli(['agents', '--json'])) as Json[];
    expect(listed.find((a) => a.id === yId)).toMatchObject({ deactivated: true, task_count: 0, drain_info: { state: 'DRAINED', config: { max_grace_period: { nanoseconds: 2e9 }, mark_gone: false } } });
    expect(await cli(['agents'])).toMatch(new RegExp(`${yId}\\s+${y.replace('.', '\\.')}\\s+\\S+\\s+DRAINED`));
    // The replacement lands on the machine that came back, never on y.
    const final = await until('3 instances again', async () => {
      const a = await app();
      return running(a).length === 3 ? a : undefined;
    });
    expect(final.instances.some((i) => i.agentId === yId)).toBe(false);
    expect(running(final).map((i) => i.agentId)).toContain(back.id);
    const state = await get(`${cluster.leader}/master/state`);
    const onY = (state.frameworks as Json[]).flatMap((f) => f.tasks as Json[]).filter((t) => t.slave_id === yId);
    expect(onY).toEqual([]);

    expect(await services.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
