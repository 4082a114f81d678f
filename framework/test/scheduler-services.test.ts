// examples/services on the in-process cluster: N instances kept running one
// per host, a failed instance replaced, scaling down and up, and a restart of
// the scheduler (same framework id from the id file) that adopts the running
// instances instead of launching duplicates.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceScheduler } from '../../examples/services/service-scheduler.js';
import { readFrameworkId } from '../scheduler/framework-id-file.js';
import { cluster, eventually, type Cluster } from './scheduler-support.js';

let c: Cluster | undefined;
let dir: string | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const APP = { id: 'web', command: 'python3 -m http.server $PORT0', instances: 2, resources: 'cpus:0.5;mem:64', ports: 1, onePerHost: true };

describe('examples/services', () => {
  test('keeps N instances, one per host; replaces a failed one; scales; survives its own restart without duplicates', async () => {
    c = await cluster();
    dir = await mkdtemp(join(tmpdir(), 'services-'));
    const file = join(dir, 'framework-id');
    const agents = await Promise.all(['h1', 'h2', 'h3'].map((h) => c!.agent({ resources: 'cpus:2;mem:1024;ports:[31000-31010]', hostname: h }, `agent-${h}`)));
    const lines: string[] = [];
    const r1 = await c.runtime('services1');
    const s1 = await ServiceScheduler.start({ master: c.masterPid.toString(), app: APP, frameworkIdFile: file, runtime: r1, random: 3, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(5_000);
    expect(s1.reconciling).toBe(false);
    expect(s1.instances().map((i) => i.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
    const hosts = s1.instances().map((i) => i.hostname);
    expect(new Set(hosts).size).toBe(2);
    const firstRun = agents.flatMap((a) => a.agent.named('run_task'));
    expect(firstRun).toHaveLength(2);
    expect(firstRun[0]!.task.command?.environment?.variables).toEqual([{ name: 'PORT0', type: 'VALUE', value: '31000' }]);

    // An instance fails: it is replaced, still one per host.
    const victim = s1.instances()[0]!;
    const victimAgent = agents.find((a) => a.agent.running.has(victim.taskId))!.agent;
    victimAgent.update(victim.taskId, 'TASK_FAILED', 'exit 1');
    await c.clock.advance(2_000);
    expect(s1.replaced).toBe(1);
    expect(s1.instances()).toHaveLength(2);
    expect(s1.instances().every((i) => i.state === 'TASK_RUNNING')).toBe(true);
    expect(new Set(s1.instances().map((i) => i.hostname)).size).toBe(2);
    expect(lines).toContain(`replacing ${victim.taskId}`);

    // Scale to 3 (the third host), then down to 1 (newest killed).
    s1.scale(3);
    await c.clock.advance(2_000);
    expect(s1.instances()).toHaveLength(3);
    expect(new Set(s1.instances().map((i) => i.hostname))).toEqual(new Set(['h1', 'h2', 'h3']));
    s1.scale(1);
    await c.clock.advance(1_000);
    expect(s1.instances()).toHaveLength(1);
    const survivor = s1.instances()[0]!.taskId;

    // The scheduler restarts: the new instance fails over to the same framework and adopts the survivor.
    await eventually(async () => (await readFrameworkId(file)) === 'm1-0000');
    await s1.stop(true);
    await r1.stop();
    await c.clock.settle();
    const launchedBefore = agents.flatMap((a) => a.agent.named('run_task')).length;
    const r2 = await c.runtime('services2');
    const s2 = await ServiceScheduler.start({ master: c.masterPid.toString(), app: { ...APP, instances: 1 }, frameworkIdFile: file, runtime: r2, random: 4, user: 'tester', log: (l) => lines.push(l) });
    await c.clock.advance(10_000);
    expect(s2.driver.frameworkId).toBe('m1-0000');
    expect(s2.instances().map((i) => i.taskId)).toEqual([survivor]);
    expect(agents.flatMap((a) => a.agent.named('run_task')).length).toBe(launchedBefore);
    expect(s2.launched).toBe(0);
    // Scaling up from the new instance launches on a host without one.
    s2.scale(2);
    await c.clock.advance(2_000);
    expect(s2.instances()).toHaveLength(2);
    expect(new Set(s2.instances().map((i) => i.hostname)).size).toBe(2);
    await s2.stop(false);
    await c.clock.settle();
    expect(c.master.state.frameworks.size).toBe(0);
  });

  test('scales asked for back to back are saved in order, and stop() waits for them: the next instance reads the latest', async () => {
    c = await cluster();
    dir = await mkdtemp(join(tmpdir(), 'services-'));
    const file = join(dir, 'framework-id');
    await c.agent({ resources: 'cpus:2;mem:1024;ports:[31000-31010]', hostname: 'h1' }, 'agent-h1');
    const r = await c.runtime('services-save');
    const s = await ServiceScheduler.start({ master: c.masterPid.toString(), app: APP, frameworkIdFile: file, runtime: r, random: 5, user: 'tester', log: () => {} });
    // Without waiting: before the fix, these shared one .tmp file (a rename could fail or put an
    // older spec last) and stop() returned before they were written.
    for (const n of [3, 1, 4, 2]) s.scale(n);
    await s.stop(true);
    await r.stop();
    const saved = JSON.parse(await readFile(`${file}.app.json`, 'utf8')) as { instances: number };
    expect(saved.instances).toBe(2);
  });
});

describe('examples/services and maintenance', () => {
  test('an inverse offer: accepted, the instance on that machine replaced elsewhere first, then killed; no launch on a machine with an unavailability', async () => {
    c = await cluster({ allocationIntervalMs: 1000 });
    const agents = await Promise.all(['h1', 'h2', 'h3'].map((h) => c!.agent({ resources: 'cpus:2;mem:1024;ports:[31000-31010]', hostname: h }, `agent-${h}`)));
    const lines: string[] = [];
    const r = await c.runtime('services');
    const s = await ServiceScheduler.start({ master: c.masterPid.toString(), app: APP, runtime: r, random: 5, user: 'tester', log: (l) => lines.push(l), http: false });
    await c.clock.advance(5_000);
    expect(s.instances().map((i) => i.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
    const [leaving, staying] = s.instances();
    const free = ['h1', 'h2', 'h3'].find((h) => !s.instances().some((i) => i.hostname === h))!;
    // The machine of the first instance is scheduled for maintenance an hour from now.
    const start = (c.clock.now() + 3_600_000) * 1e6;
    expect(c.master.maintenance.updateSchedule([{ machine_ids: [{ hostname: leaving!.hostname! }], unavailability: { start: { nanoseconds: start } } }])).toEqual({ ok: true });
    await c.clock.advance(3_000);
    expect(lines.some((l) => l.includes(`(${leaving!.hostname}) is going into maintenance at ${new Date(start / 1e6).toISOString()}: moving 1 instance(s) off it`))).toBe(true);
    expect(s.moved).toBe(1);
    expect(s.instances().map((i) => i.hostname).sort()).toEqual([staying!.hostname, free].sort());
    // The replacement ran before the old one was killed.
    const launchedAt = lines.findIndex((l) => l.startsWith('launching ') && l.endsWith(` on ${free}`));
    const killedAt = lines.findIndex((l) => l.startsWith(`killing ${leaving!.taskId}`));
    expect(launchedAt).toBeGreaterThan(-1);
    expect(killedAt).toBeGreaterThan(launchedAt);
    // The answer is recorded; nothing more lands on the machine (its offers carry the unavailability).
    const key = leaving!.hostname!;
    expect([...c.master.state.maintenance.statuses.get(`${key}/`)!.values()].map((x) => x.status)).toEqual(['ACCEPT']);
    s.scale(3);
    await c.clock.advance(5_000);
    expect(s.instances().filter((i) => i.hostname === leaving!.hostname)).toEqual([]);
    expect(agents.find((a) => a.agent.options.hostname === leaving!.hostname)!.agent.named('run_task')).toHaveLength(1);
    await s.stop(false);
  });
});
