// The v1 operator API over a real socket: an operator client follows
// SUBSCRIBE and sees frameworks and tasks come and go; the queries answer in
// Mesos's shapes; updates change weights and quota; bad calls say why.
import { afterEach, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import { PID, Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { startMasterIn } from '../main.js';
import type { MasterProtocol } from '../master.js';
import { TestAgent, TestScheduler, commandTask } from './helpers/peers.js';
import { call, follow, type Json } from './helpers/operator-client.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function runtime(name: string): Promise<Runtime> {
  const r = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn() {} } }), name, logger: createLogger(name, 'silent') }).start();
  stops.push(() => r.stop());
  return r;
}




describe('POST /api/v1 (operator)', () => {
  test('SUBSCRIBE: frameworks and tasks added, updated and removed, as they happen', async () => {
    const mr = await runtime('master');
    const { pid } = startMasterIn(mr, { flags: { weights: { gold: 2 } }, masterId: 'm1' });
    const base = `http://${mr.address}`;
    const ar = await runtime('agent');
    const agent = new TestAgent(pid, { resources: 'cpus:2;mem:512' });
    ar.spawn(agent, 'slave(1)');
    await agent.until(() => agent.agentId !== undefined);

    const stream = await follow(base);
    await stream.until(() => stream.events.length >= 2);
    expect(stream.events[0]!.type).toBe('SUBSCRIBED');
    expect(stream.events[0]!.subscribed.get_state.get_agents.agents.map((a: Json) => a.agent_info.id.value)).toEqual(['m1-S0']);
    expect(stream.events[1]!.type).toBe('HEARTBEAT');

    const sr = await runtime('scheduler');
    const scheduler = new TestScheduler(pid as PID<MasterProtocol>, { user: 'u', name: 'watched' });
    sr.spawn(scheduler, 'scheduler');
    scheduler.subscribe();
    await scheduler.until(() => scheduler.offers.size === 1);
    const [offer] = [...scheduler.offers.values()];
    scheduler.launch(offer!, [commandTask('t1', offer!, 'cpus:1;mem:64')]);
    await scheduler.until(() => scheduler.states('t1').includes('TASK_RUNNING'));
    agent.update('t1', 'TASK_FINISHED');
    await scheduler.until(() => scheduler.states('t1').includes('TASK_FINISHED'));
    scheduler.call('teardown', { framework_id: scheduler.fw });
    await stream.until(() => stream.events.some((e) => e.type === 'FRAMEWORK_REMOVED'));
    const types = stream.events.slice(2).map((e) => e.type).filter((t) => t !== 'HEARTBEAT');
    expect(types).toEqual(['FRAMEWORK_ADDED', 'TASK_ADDED', 'TASK_UPDATED', 'TASK_UPDATED', 'FRAMEWORK_REMOVED']);
    const updates = stream.events.filter((e) => e.type === 'TASK_UPDATED').map((e) => e.task_updated.state);
    expect(updates).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(stream.events.find((e) => e.type === 'TASK_ADDED')!.task_added.task.task_id.value).toBe('t1');
    expect(stream.events.find((e) => e.type === 'FRAMEWORK_REMOVED')!.framework_removed.framework_info.name).toBe('watched');
    stream.close();

    // Queries, after the fact.
    const tasks = (await call(base, { type: 'GET_TASKS' })).json();
    expect(tasks.type).toBe('GET_TASKS');
    expect(tasks.get_tasks.completed_tasks.map((t: Json) => [t.task_id.value, t.state])).toEqual([['t1', 'TASK_FINISHED']]);
    const frameworks = (await call(base, { type: 'GET_FRAMEWORKS' })).json();
    expect(frameworks.get_frameworks.completed_frameworks[0].framework_info.name).toBe('watched');
    expect((await call(base, { type: 'GET_HEALTH' })).json()).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    expect((await call(base, { type: 'GET_VERSION' })).json().get_version.version_info.version).toMatch(/^\d+\.\d+\.\d+$/);
    const metrics = (await call(base, { type: 'GET_METRICS' })).json().get_metrics.metrics as Json[];
    expect(metrics.find((m) => m.name === 'master/tasks_finished')!.value).toBe(1);
    const agents = (await call(base, { type: 'GET_AGENTS' })).json().get_agents.agents as Json[];
    expect(agents[0]!.total_resources.find((r: Json) => r.name === 'cpus').scalar.value).toBe(2);
    expect((await call(base, { type: 'GET_WEIGHTS' })).json().get_weights.weight_infos).toEqual([{ role: 'gold', weight: 2 }]);
  });

  test('updates (weights, quota, teardown, mark agent gone) and bad calls', async () => {
    const mr = await runtime('master');
    const { master, pid } = startMasterIn(mr, { masterId: 'm1' });
    const base = `http://${mr.address}`;
    const ar = await runtime('agent');
    const agent = new TestAgent(pid, { resources: 'cpus:2;mem:512' });
    ar.spawn(agent, 'slave(1)');
    await agent.until(() => agent.agentId !== undefined);

    expect((await call(base, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 3 }] } })).status).toBe(200);
    expect((await call(base, { type: 'GET_WEIGHTS' })).json().get_weights.weight_infos).toEqual([{ role: 'eng', weight: 3 }]);
    expect((await call(base, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }] } })).status).toBe(200);
    expect((await call(base, { type: 'GET_QUOTA' })).json().get_quota.status.configs).toEqual([{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }]);
    const roles = (await call(base, { type: 'GET_ROLES' })).json().get_roles.roles as Json[];
    expect(roles.map((r) => [r.name, r.weight])).toEqual([['eng', 3]]);

    const bad = async (body: unknown, contentType?: string) => {
      const r = await call(base, body, contentType);
      return [r.status, r.text.trim()];
    };
    expect(await bad('{')).toEqual([400, expect.stringMatching(/^Failed to parse body into JSON/)]);
    expect(await bad({ type: 'NOPE' })).toEqual([400, "Unknown or unsupported call type 'NOPE'"]);
    expect(await bad({ type: 'x'.repeat(1000) })).toEqual([400, expect.stringMatching(/^Unknown or unsupported call type/)]);
    // Metric names never come from input: unknown types share one counter.
    expect(master.metrics()['master/api/operator/unknown_type']).toBe(2);
    expect(Object.keys(master.metrics()).filter((k) => k.includes('nope') || k.includes('xxx'))).toEqual([]);
    expect(await bad({ type: 'GET_HEALTH' }, 'text/plain')).toEqual([415, "Expecting 'Content-Type' of application/json, received 'text/plain'"]);
    expect(await bad({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: -1 }] } })).toEqual([400, 'update_weights.weight_infos[0].weight: expected a number > 0']);
    expect(await bad({ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 3 } }, limits: { cpus: { value: 2 } } }] } })).toEqual([400, 'update_quota.quota_configs[0]: the guarantee of cpus (3) is above its limit (2)']);
    expect(await bad({ type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } })).toEqual([400, 'No framework found with specified ID nope']);

    expect((await call(base, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'm1-S0' } } })).status).toBe(200);
    await agent.until(() => agent.named('shutdown').length === 1);
    expect(master.state.agents.size).toBe(0);
    expect(master.state.goneAgents.has('m1-S0')).toBe(true);
  });
});

describe('classic endpoints', () => {
  test('state-summary, roles, flags, version, redirect, and Prometheus /metrics', async () => {
    const mr = await runtime('master');
    startMasterIn(mr, { flags: { weights: { gold: 2 } }, masterId: 'm1' });
    const base = `http://${mr.address}`;
    const get = (path: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
        http.get(`${base}${path}`, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        }).on('error', reject);
      });
    expect(JSON.parse((await get('/master/state-summary')).text)).toMatchObject({ frameworks: [], slaves: [] });
    expect(JSON.parse((await get('/master/roles')).text).roles).toEqual([{ name: 'gold', weight: 2, frameworks: [], resources: { cpus: 0, gpus: 0, mem: 0, disk: 0 }, quota: null }]);
    expect((await call(base, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'silver', guarantees: { cpus: { value: 1 } } }] } })).status).toBe(200);
    const withQuota = JSON.parse((await get('/master/roles')).text).roles as Json[];
    expect(withQuota.map((r) => [r.name, r.quota === null])).toEqual([['gold', true], ['silver', false]]);
    expect(JSON.parse((await get('/master/flags')).text).flags.agent_ping_timeout).toBe('15secs');
    // One rendering: GET_FLAGS lists exactly what /master/flags shows, under Mesos's names.
    const classic = JSON.parse((await get('/master/flags')).text).flags as Record<string, string>;
    const listed = (await call(base, { type: 'GET_FLAGS' })).json();
    expect(Object.fromEntries((listed.get_flags.flags as Json[]).map((f) => [f.name, f.value]))).toEqual(classic);
    expect(classic.allocation_interval).toMatch(/^\d+(ms|secs|mins)$/);
    expect(Object.keys(classic).every((k) => /^[a-z_]+$/.test(k))).toBe(true);
    expect(JSON.parse((await get('/version')).text).version).toMatch(/^\d/);
    expect((await get('/master/redirect')).status).toBe(307);
    const metrics = await get('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('mesos_master_elected 1');
    expect(metrics.text).toContain('# TYPE mesos_master_tasks_running gauge');
  });
});
