// examples/services on the in-process cluster (real master, scripted agents
// that report health like the real agent, virtual clock): the HTTP endpoint
// (GET, PUT to scale, PUT to roll out a new version, bad input), a rolling
// update that starts one new instance, waits for its health, kills one old
// instance, and so on in that order; an instance killed for failing its
// health checks is replaced; constraints on attributes.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceScheduler } from '../services/service-scheduler.js';
import { cluster, type Cluster } from '../../master/test/helpers/cluster.js';
import { healthAgent, type HealthAgent } from './support/health-agent.js';
import { call } from './support/http.js';

let c: Cluster | undefined;
let dir: string | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const APP = { id: 'web', command: './serve --version 1 --port $PORT0', instances: 2, resources: 'cpus:0.5;mem:64', ports: 1, onePerHost: true, healthCheck: { type: 'HTTP' as const, path: '/health' } };
const AGENT = { resources: 'cpus:2;mem:1024;ports:[31000-31010]' };

async function setup(app: object = APP): Promise<{ s: ServiceScheduler; agents: HealthAgent[]; lines: string[]; runtime: Awaited<ReturnType<Cluster['runtime']>>; file: string }> {
  c = await cluster();
  dir = await mkdtemp(join(tmpdir(), 'services-rolling-'));
  const file = join(dir, 'framework-id');
  const agents = [await healthAgent(c, { ...AGENT, hostname: 'h1' }, 'agent-h1', 'rack:r1'), await healthAgent(c, { ...AGENT, hostname: 'h2' }, 'agent-h2', 'rack:r1'), await healthAgent(c, { ...AGENT, hostname: 'h3' }, 'agent-h3', 'rack:r2')];
  const lines: string[] = [];
  const runtime = await c.runtime('services');
  const s = await ServiceScheduler.start({ master: c.masterPid.toString(), app: app as typeof APP, frameworkIdFile: file, runtime, random: 5, user: 'tester', log: (l) => lines.push(l) });
  await c.clock.advance(5_000);
  return { s, agents, lines, runtime, file };
}

const agentOf = (agents: HealthAgent[], taskId: string): HealthAgent => agents.find((a) => a.running.has(taskId))!;

describe('examples/services: rolling updates, health, HTTP', () => {
  test('a rolling update starts one new instance, waits for it to be healthy, kills one old one, and so on', async () => {
    const { s, agents, lines, runtime, file } = await setup();
    const v1 = s.version;
    const first = s.instances().map((i) => i.taskId);
    expect(first).toHaveLength(2);
    // The health check is in the TaskInfo, on the instance's own port.
    const info = agents.flatMap((a) => a.named('run_task')).map((b) => b.task)[0]!;
    const port = Number(info.command!.environment!.variables!.find((v) => v.name === 'PORT0')!.value);
    expect(info.health_check).toEqual({ type: 'HTTP', http: { port, path: '/health' }, consecutive_failures: 3 });
    for (const id of first) agentOf(agents, id).health(id, true);
    await c!.clock.advance(1_000);
    expect(s.instances().every((i) => i.healthy === true && i.version === v1)).toBe(true);

    const put = await call(runtime, 'PUT', '/apps/web', { command: './serve --version 2 --port $PORT0' });
    expect(put.status).toBe(200);
    const v2 = s.version;
    expect(v2).not.toBe(v1);
    expect((put.json as { deploying: boolean }).deploying).toBe(true);
    // The new spec is saved beside the framework id, for the next scheduler instance.
    expect(JSON.parse(await readFile(`${file}.app.json`, 'utf8')).command).toBe('./serve --version 2 --port $PORT0');

    const launchedNew = (): string[] => agents.flatMap((a) => a.launched()).filter((id) => id.startsWith(`web-${v2}-`));
    const killed = (): string[] => agents.flatMap((a) => a.killed());
    await c!.clock.advance(2_000);
    expect(launchedNew()).toHaveLength(1);
    const [n1] = launchedNew();
    expect(agentOf(agents, n1!).options.hostname).toBe('h3'); // the only host without an instance
    // Running is not enough: nothing is killed and nothing more launched until it is healthy.
    await c!.clock.advance(60_000);
    expect(killed()).toEqual([]);
    expect(launchedNew()).toHaveLength(1);
    agentOf(agents, n1!).health(n1!, false);
    await c!.clock.advance(5_000);
    expect(killed()).toEqual([]);

    agentOf(agents, n1!).health(n1!, true);
    await c!.clock.advance(2_000);
    expect(killed()).toEqual([first[0]]);
    expect(launchedNew()).toHaveLength(2);
    const n2 = launchedNew().find((id) => id !== n1)!;
    await c!.clock.advance(60_000);
    expect(killed()).toEqual([first[0]]);
    expect(s.deploying).toBe(true);

    agentOf(agents, n2).health(n2, true);
    await c!.clock.advance(2_000);
    expect(killed()).toEqual([first[0], first[1]]);
    expect(s.deploying).toBe(false);
    expect(s.instances().map((i) => i.taskId).sort()).toEqual([n1, n2].sort());
    expect(new Set(s.instances().map((i) => i.hostname)).size).toBe(2);

    // The order, as the scheduler logged it.
    const steps = lines.filter((l) => /^(launching web-|killing |web-\S+ is healthy)/.test(l) && !first.some((id) => l === `${id} is healthy`)).map((l) => l.replace(/ on h\d| \(.*\)$/g, ''));
    expect(steps.slice(-6)).toEqual([`launching ${n1}`, `${n1} is healthy`, `killing ${first[0]}`, `launching ${n2}`, `${n2} is healthy`, `killing ${first[1]}`]);
    expect(lines).toContain(`deployment of web version ${v2} complete`);

    const get = await call(runtime, 'GET', '/apps');
    const apps = (get.json as { apps: { version: string; instances: { version: string; healthy: boolean }[] }[] }).apps;
    expect(apps[0]!.version).toBe(v2);
    expect(apps[0]!.instances.map((i) => [i.version, i.healthy])).toEqual([[v2, true], [v2, true]]);
    await s.stop(false);
  });

  test('a scheduler restarted mid-rollout loads the saved spec, adopts old and new instances (health from reconciliation), and carries on', async () => {
    const { s, agents, lines, runtime, file } = await setup();
    const first = s.instances().map((i) => i.taskId);
    for (const id of first) agentOf(agents, id).health(id, true);
    await c!.clock.advance(1_000);
    await call(runtime, 'PUT', '/apps/web', { command: './serve --version 2 --port $PORT0' });
    const v2 = s.version;
    await c!.clock.advance(2_000);
    const launchedNew = (): string[] => agents.flatMap((a) => a.launched()).filter((id) => id.startsWith(`web-${v2}-`));
    const killed = (): string[] => agents.flatMap((a) => a.killed());
    const n1 = launchedNew()[0]!;
    agentOf(agents, n1).health(n1, true);
    await c!.clock.advance(2_000);
    expect(killed()).toEqual([first[0]]);
    const n2 = launchedNew().find((id) => id !== n1)!;
    expect(n2).toBeDefined();

    // Restart: n1 (new, healthy), n2 (new, not healthy yet) and first[1] (old) are up.
    await s.stop(true);
    await runtime.stop();
    await c!.clock.settle();
    const r2 = await c!.runtime('services-2');
    // Started with the old spec on its command line: the saved one (version 2) wins.
    const s2 = await ServiceScheduler.start({ master: c!.masterPid.toString(), app: APP, frameworkIdFile: file, runtime: r2, random: 6, user: 'tester', log: (l) => lines.push(l) });
    await c!.clock.advance(10_000);
    expect(s2.version).toBe(v2);
    expect(lines).toContain(`using the app spec saved in ${file}.app.json (version ${v2})`);
    expect(s2.instances().map((i) => i.taskId).sort()).toEqual([first[1], n1, n2].sort());
    // The master's reconciliation answer carries n1's last health check result.
    expect(s2.instances().find((i) => i.taskId === n1)?.healthy).toBe(true);
    expect(s2.launched).toBe(0);
    expect(s2.deploying).toBe(true);
    expect(killed()).toEqual([first[0]]);

    agentOf(agents, n2).health(n2, true);
    await c!.clock.advance(2_000);
    expect(killed()).toEqual([first[0], first[1]]);
    expect(s2.deploying).toBe(false);
    expect(s2.instances().map((i) => i.version)).toEqual([v2, v2]);
    expect(launchedNew()).toHaveLength(2);
    await s2.stop(false);
  });

  test('PUT scales without a new version; bad input gets a 400 naming the field; other methods 405', async () => {
    const { s, agents, runtime } = await setup();
    const v1 = s.version;
    const up = await call(runtime, 'PUT', '/apps/web', { instances: 3 });
    expect(up.status).toBe(200);
    await c!.clock.advance(2_000);
    expect(s.version).toBe(v1);
    expect(s.instances()).toHaveLength(3);
    expect(agents.flatMap((a) => a.killed())).toEqual([]);

    const bad = async (body: unknown, needle: string): Promise<void> => {
      const r = await call(runtime, 'PUT', '/apps/web', body);
      expect(r.status).toBe(400);
      expect((r.json as { error: string }).error).toContain(needle);
    };
    await bad('{"instances":', 'body is not JSON');
    await bad({ instances: -1 }, 'instances must be an integer');
    await bad({ instances: 2.5 }, 'instances must be an integer');
    await bad({ resources: 'cpus:lots' }, 'resources:');
    await bad({ healthCheck: { type: 'UDP' } }, 'healthCheck.type must be HTTP, TCP or COMMAND');
    await bad({ ports: 0 }, 'healthCheck.portIndex 0 needs at least 1 port(s)');
    await bad({ colour: 'red' }, "unknown field 'colour'");
    await bad({ id: 'other' }, 'id cannot change');
    await bad({ constraints: [{ name: 'rack', op: 'NEAR' }] }, 'constraints[0].op must be one of');
    expect(s.instances()).toHaveLength(3);
    expect((await call(runtime, 'DELETE', '/apps/web')).status).toBe(405);
    expect((await call(runtime, 'POST', '/apps')).status).toBe(405);
    expect((await call(runtime, 'GET', '/apps/nope')).status).toBe(404);
    await s.stop(false);
  });

  test('an instance the agent kills for failing its health checks is replaced', async () => {
    const { s, agents, lines } = await setup();
    const [a, b] = s.instances().map((i) => i.taskId);
    for (const id of [a!, b!]) agentOf(agents, id).health(id, true);
    await c!.clock.advance(1_000);
    const agent = agentOf(agents, a!);
    agent.health(a!, false);
    agent.update(a!, 'TASK_KILLED', 'health checks failed 3 times');
    await c!.clock.advance(2_000);
    expect(lines).toContain(`replacing ${a}`);
    expect(s.replaced).toBe(1);
    const now = s.instances().map((i) => i.taskId);
    expect(now).toHaveLength(2);
    expect(now).toContain(b);
    expect(now).not.toContain(a);
    await s.stop(false);
  });

  test('an attribute constraint (rack EQUALS r1) keeps instances off other racks', async () => {
    const { s, agents } = await setup({ ...APP, instances: 3, onePerHost: false, constraints: [{ name: 'rack', op: 'EQUALS', value: 'r1' }] });
    expect(s.instances()).toHaveLength(3);
    expect(agents[2]!.launched()).toEqual([]);
    expect(s.instances().every((i) => i.hostname === "h1" || i.hostname === "h2")).toBe(true);
    await s.stop(false);
  });
});
