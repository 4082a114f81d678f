// /master/state (classic JSON) and the operator API's GET_STATE and SUBSCRIBE
// snapshot are two spellings of one view over the books (facts.ts): for a
// cluster with every kind of record (agents active, draining, drained,
// deactivated, unreachable; frameworks connected, torn down; tasks running,
// finished, unreachable, orphaned; executors, orphan executors; offers;
// a maintenance schedule), every fact one of them shows, the other shows
// identically. Also after a failover, for the recovered agents and
// frameworks. In process: simulated network, virtual clock, the real routes.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { ChunkWriter, HttpResponse, PID, Runtime } from 'libprocess-ts';
import { Resources } from '../../protocol/resources.js';
import type { TaskInfo } from '../../protocol/types.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { HaCluster } from './helpers/ha-cluster.js';
import { commandTask, type TestAgent, type TestScheduler } from './helpers/peers.js';
import type { MasterProtocol } from '../master.js';

type Json = Record<string, any>;

function bodyText(res: HttpResponse): string {
  if (!('body' in res) || res.body === undefined) return '';
  return typeof res.body === 'string' ? res.body : Buffer.from(res.body as Uint8Array).toString();
}

async function request(runtime: Runtime, method: string, path: string, body?: Json): Promise<HttpResponse> {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  return runtime.handleHttp({ method, path, query: new URLSearchParams(), headers, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) } as never);
}

async function classic(runtime: Runtime): Promise<Json> {
  return JSON.parse(bodyText(await request(runtime, 'GET', '/master/state'))) as Json;
}

async function operator(runtime: Runtime, call: Json): Promise<Json> {
  const res = await request(runtime, 'POST', '/api/v1', call);
  expect(res.status).toBe(200);
  return JSON.parse(bodyText(res)) as Json;
}

/** The SUBSCRIBED event's get_state: the first record of the stream. */
async function subscribedSnapshot(runtime: Runtime): Promise<Json> {
  const res = await request(runtime, 'POST', '/api/v1', { type: 'SUBSCRIBE' });
  const records: string[] = [];
  let closed = false;
  const closers: (() => void)[] = [];
  const writer: ChunkWriter = {
    write: (chunk) => void records.push(chunk.toString()),
    end: () => {
      closed = true;
      for (const c of closers) c();
    },
    get closed() {
      return closed;
    },
    buffered: 0,
    drained: async () => {},
    abort: () => writer.end(),
    onClose: (fn: () => void) => void closers.push(fn),
  } as ChunkWriter;
  (res as { stream: (w: ChunkWriter) => void }).stream(writer);
  writer.end();
  const first = records[0]!;
  const record = JSON.parse(first.slice(first.indexOf('\n') + 1)) as Json;
  expect(record.type).toBe('SUBSCRIBED');
  return record.subscribed.get_state as Json;
}

// ---- Both renderings reduced to the same facts, keyed by what they are about ----

const SCALARS = ['cpus', 'gpus', 'mem', 'disk'] as const;
const ms = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : Math.round(seconds * 1000));
const nsToMs = (t: { nanoseconds: number } | undefined): number | undefined => (t === undefined ? undefined : Math.round(t.nanoseconds / 1e6));

/** v1 Resource[] as the classic summary ({cpus, gpus, mem, disk, ports?}). */
function summary(list: Json[]): Json {
  const out: Json = {};
  for (const name of SCALARS) out[name] = Math.round(list.filter((r) => r.name === name).reduce((s, r) => s + (r.scalar?.value ?? 0), 0) * 1000) / 1000;
  const ports = list.filter((r) => r.name === 'ports').flatMap((r) => r.ranges?.range ?? []) as { begin: number; end: number }[];
  if (ports.length > 0) out['ports'] = Resources.of([{ name: 'ports', type: 'RANGES', ranges: { range: ports } }]).ranges('ports').map((p) => `${p.begin}-${p.end}`).join(', ').replace(/^/, '[').concat(']');
  return out;
}

function put(into: Map<string, unknown>, key: string, value: unknown): void {
  expect(into.has(key)).toBe(false); // one fact, one place
  into.set(key, JSON.parse(JSON.stringify(value)));
}

function classicTask(t: Json): Json {
  return { framework: t.framework_id, agent: t.slave_id, executor: t.executor_id, name: t.name, state: t.state, resources: t.resources, statuses: t.statuses.map((s: Json) => [s.state, s.timestamp]), labels: t.labels };
}

function v1Task(t: Json): Json {
  const r = summary(t.resources ?? []);
  return { framework: t.framework_id.value, agent: t.agent_id.value, executor: t.executor_id?.value ?? '', name: t.name, state: t.state, resources: r, statuses: (t.statuses ?? []).map((s: Json) => [s.state, s.timestamp ?? 0]), labels: t.labels?.labels };
}

function classicFacts(s: Json): Map<string, unknown> {
  const f = new Map<string, unknown>();
  for (const a of s.slaves) {
    put(f, `agent/${a.id}`, { pid: a.pid, hostname: a.hostname, version: a.version, active: a.active, deactivated: a.deactivated, drain: a.drain_info, registered: ms(a.registered_time), reregistered: ms(a.reregistered_time), total: a.resources, used: a.used_resources, offered: a.offered_resources });
  }
  for (const a of s.recovered_slaves) put(f, `recovered_agent/${a.id}`, { hostname: a.hostname });
  const framework = (kind: string, fw: Json): void => {
    put(f, `${kind}/${fw.id}`, {
      name: fw.name, user: fw.user, principal: fw.principal, hostname: fw.hostname, webui_url: fw.webui_url, roles: fw.roles, capabilities: fw.capabilities, failover_timeout: fw.failover_timeout, checkpoint: fw.checkpoint,
      active: fw.active, connected: fw.connected, recovered: fw.recovered, registered: ms(fw.registered_time), reregistered: ms(fw.reregistered_time), unregistered: ms(fw.unregistered_time), used: fw.used_resources, offered: fw.offered_resources,
    });
    for (const o of fw.offers) put(f, `offer/${o.id}`, { framework: o.framework_id, agent: o.slave_id, resources: o.resources, role: o.allocation_info.role });
    for (const t of fw.tasks) put(f, `task/${t.id}`, classicTask(t));
    for (const t of fw.unreachable_tasks) put(f, `unreachable_task/${t.id}`, classicTask(t));
    for (const t of fw.completed_tasks) put(f, `completed_task/${t.id}`, classicTask(t));
    for (const e of fw.executors) put(f, `executor/${e.framework_id}/${e.slave_id}/${e.executor_id}`, { name: e.name, resources: e.resources });
  };
  for (const fw of s.frameworks) framework('framework', fw);
  for (const fw of s.completed_frameworks) framework('completed_framework', fw);
  for (const t of s.orphan_tasks) put(f, `orphan_task/${t.id}`, classicTask(t));
  for (const e of s.orphan_executors) put(f, `orphan_executor/${e.framework_id}/${e.slave_id}/${e.executor_id}`, { name: e.name, resources: e.resources });
  return f;
}

function v1Facts(s: Json): Map<string, unknown> {
  const f = new Map<string, unknown>();
  for (const a of s.get_agents.agents) {
    put(f, `agent/${a.agent_info.id.value}`, { pid: a.pid, hostname: a.agent_info.hostname, version: a.version, active: a.active, deactivated: a.deactivated, drain: a.drain_info, registered: nsToMs(a.registered_time), reregistered: nsToMs(a.reregistered_time), total: summary(a.total_resources), used: summary(a.allocated_resources), offered: summary(a.offered_resources) });
  }
  for (const a of s.get_agents.recovered_agents) put(f, `recovered_agent/${a.id.value}`, { hostname: a.hostname });
  const framework = (kind: string, fw: Json): void => {
    const i = fw.framework_info;
    const capabilities = (i.capabilities ?? []).map((c: Json) => c.type);
    put(f, `${kind}/${i.id.value}`, {
      name: i.name, user: i.user, principal: i.principal, hostname: i.hostname ?? '', webui_url: i.webui_url ?? '', roles: capabilities.includes('MULTI_ROLE') ? i.roles ?? [] : [i.role ?? '*'], capabilities, failover_timeout: i.failover_timeout ?? 0, checkpoint: i.checkpoint ?? false,
      active: fw.active, connected: fw.connected, recovered: fw.recovered, registered: nsToMs(fw.registered_time), reregistered: nsToMs(fw.reregistered_time), unregistered: nsToMs(fw.unregistered_time), used: summary(fw.allocated_resources), offered: summary(fw.offered_resources),
    });
    for (const o of fw.offers) put(f, `offer/${o.id.value}`, { framework: o.framework_id.value, agent: o.agent_id.value, resources: summary(o.resources), role: o.resources[0]?.allocation_info?.role });
  };
  for (const fw of s.get_frameworks.frameworks) framework('framework', fw);
  for (const fw of s.get_frameworks.completed_frameworks) framework('completed_framework', fw);
  for (const t of s.get_tasks.tasks) put(f, `task/${t.task_id.value}`, v1Task(t));
  for (const t of s.get_tasks.unreachable_tasks) put(f, `unreachable_task/${t.task_id.value}`, v1Task(t));
  for (const t of s.get_tasks.completed_tasks) put(f, `completed_task/${t.task_id.value}`, v1Task(t));
  for (const t of s.get_tasks.orphan_tasks) put(f, `orphan_task/${t.task_id.value}`, v1Task(t));
  const executor = (kind: string, e: Json): void => put(f, `${kind}/${e.executor_info.framework_id.value}/${e.agent_id.value}/${e.executor_info.executor_id.value}`, { name: e.executor_info.name ?? '', resources: summary(e.executor_info.resources ?? []) });
  for (const e of s.get_executors.executors) executor('executor', e);
  for (const e of s.get_executors.orphan_executors) executor('orphan_executor', e);
  return f;
}

const sorted = (m: Map<string, unknown>): Record<string, unknown> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
const kinds = (m: Map<string, unknown>): string[] => [...new Set([...m.keys()].map((k) => k.slice(0, k.indexOf('/'))))].sort();

/** Both renderings, reduced to facts, must be equal; returns them for further checks. */
async function sameFacts(runtime: Runtime): Promise<{ facts: Record<string, unknown>; state: Json; getState: Json }> {
  const state = await classic(runtime);
  const getState = (await operator(runtime, { type: 'GET_STATE' })).get_state as Json;
  expect(await subscribedSnapshot(runtime)).toEqual(getState);
  const a = sorted(classicFacts(state));
  const b = sorted(v1Facts(getState));
  expect(b).toEqual(a);
  return { facts: a, state, getState };
}

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

function withExecutor(id: string, offer: { agent_id: { value: string } }, resources: string, executorId: string, frameworkId: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: Resources.parse(resources).toJSON(),
    executor: { executor_id: { value: executorId }, framework_id: { value: frameworkId }, name: `exec ${executorId}`, command: { value: 'run-executor' }, resources: Resources.parse('cpus:0.1;mem:32').toJSON() },
    labels: { labels: [{ key: 'tier', value: 'web' }] },
  };
}

const offerOn = (s: TestScheduler, hostname: string): NonNullable<ReturnType<TestScheduler['offers']['get']>> => [...s.offers.values()].find((o) => o.hostname === hostname)!;

describe('/master/state and GET_STATE: one view over the books', () => {
  test('every fact of one appears identically in the other (and in the SUBSCRIBE snapshot)', async () => {
    c = await cluster({ allocationIntervalMs: 1000, weights: { gold: 2 } });
    const agents: Record<string, TestAgent> = {};
    for (const host of ['host-a', 'host-b', 'host-c', 'host-d', 'host-e']) agents[host] = (await c.agent({ resources: 'cpus:4;mem:1024;ports:[31000-31010]', hostname: host })).agent;
    const { scheduler: s1 } = await c.scheduler({ name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }], hostname: 'sched-host', webui_url: 'http://ui', failover_timeout: 60, checkpoint: true, principal: 'p1' });
    await c.clock.advance(1000);
    // s1: running tasks, one with an executor, one to finish, one on an agent that will be lost.
    const a = offerOn(s1, 'host-a');
    s1.launch(a, [commandTask('run', a, 'cpus:1;mem:64'), withExecutor('with-exec', a, 'cpus:0.5;mem:64', 'e1', s1.frameworkId!), commandTask('fin', a, 'cpus:0.5;mem:32')], 10);
    const d = offerOn(s1, 'host-d');
    s1.launch(d, [commandTask('away', d, 'cpus:1;mem:64')], 10);
    // Offers held back from s1 for a while (10 s), so the next framework is offered every agent.
    s1.decline([...s1.offers.keys()], 10);
    // s2 on host-b (to be drained); s3 on host-c (to be torn down).
    const { scheduler: s2 } = await c.scheduler({ name: 'gold', role: 'gold' });
    await c.clock.advance(1000);
    const b = offerOn(s2, 'host-b');
    s2.launch(b, [commandTask('gold-task', b, 'cpus:1;mem:64')], 10);
    for (const s of [s1, s2]) s.decline([...s.offers.keys()], 10);
    const { scheduler: s3 } = await c.scheduler({ name: 'leaving', capabilities: [{ type: 'MULTI_ROLE' }], roles: ['x', 'y'] });
    await c.clock.advance(1000);
    const cc = offerOn(s3, 'host-c');
    s3.launch(cc, [commandTask('gone-task', cc, 'cpus:1;mem:64')], 0);
    await c.clock.settle();
    agents['host-a']!.update('fin', 'TASK_FINISHED');
    await c.clock.settle();
    s3.call('teardown', { framework_id: s3.fw });
    await c.clock.settle();

    // Maintenance: host-a scheduled (DRAINING), host-b drained, host-c deactivated.
    const window = { machine_ids: [{ hostname: 'host-a' }], unavailability: { start: { nanoseconds: 1e18 }, duration: { nanoseconds: 3600e9 } } };
    expect((await request(c.masterRuntime, 'POST', '/api/v1', { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window] } } })).status).toBe(200);
    expect((await request(c.masterRuntime, 'POST', '/api/v1', { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agents['host-b']!.agentId! } } })).status).toBe(200);
    expect((await request(c.masterRuntime, 'POST', '/api/v1', { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: agents['host-c']!.agentId! } } })).status).toBe(200);
    await c.clock.settle();

    // host-d and host-e stop answering pings: unreachable, host-d's task with it.
    agents['host-d']!.mute = true;
    const e = agents['host-e']!;
    e.mute = true;
    await c.clock.advance(6 * 15_000);
    await c.clock.settle();
    expect(c.master.state.unreachableAgents.size).toBe(2);
    // host-e comes back reporting a task of a framework this master never heard of (taken back, as Mesos does: a
    // framework without a scheduler) and an executor, with no task, of another (an orphan executor).
    e.mute = false;
    const ghost = { value: 'ghost-framework' };
    const orphan = { value: 'orphan-framework' };
    const reported = { name: 'reported', task_id: { value: 'reported' }, framework_id: ghost, agent_id: { value: e.agentId! }, state: 'TASK_RUNNING' as const, resources: Resources.parse('cpus:1;mem:16').toJSON(), statuses: [] };
    const send = (e as unknown as { send(to: PID<MasterProtocol>, name: 'reregister_agent', body: MasterProtocol['reregister_agent']): void }).send.bind(e);
    send(c.masterPid, 'reregister_agent', {
      agent: { hostname: 'host-e', port: e.pid.port, id: { value: e.agentId! }, resources: Resources.parse('cpus:4;mem:1024;ports:[31000-31010]').toJSON() },
      version: 'test',
      checkpointed_resources: [],
      executor_infos: [{ executor_id: { value: 'lonely-exec' }, framework_id: orphan, command: { value: 'x' }, resources: Resources.parse('cpus:0.1;mem:8').toJSON() }],
      tasks: [reported],
      frameworks: [{ id: ghost, user: 'someone', name: 'ghost' }],
    });
    await c.clock.settle();
    expect(c.master.state.agents.has(e.agentId!)).toBe(true);

    const { facts, state } = await sameFacts(c.masterRuntime);
    // The scenario has every kind of fact (else the comparison would prove little).
    // (Orphan tasks cannot arise in a live master: a reported task's framework is taken back; facts.ts still renders them.)
    expect(kinds(new Map(Object.entries(facts)))).toEqual(['agent', 'completed_framework', 'completed_task', 'executor', 'framework', 'offer', 'orphan_executor', 'task', 'unreachable_task']);
    expect(Object.keys(facts)).toEqual(expect.arrayContaining(['task/run', 'task/with-exec', 'task/reported', 'completed_task/fin', 'completed_task/gone-task', 'completed_task/gold-task', 'unreachable_task/away', 'framework/ghost-framework', `executor/${s1.frameworkId}/${agents['host-a']!.agentId}/e1`, `orphan_executor/orphan-framework/${e.agentId}/lonely-exec`]));
    expect(facts['framework/ghost-framework']).toMatchObject({ name: 'ghost', connected: false, active: false });
    const byHost = (h: string): Json => state.slaves.find((x: Json) => x.hostname === h);
    expect(byHost('host-a').maintenance.mode).toBe('DRAINING');
    expect(byHost('host-b').drain_info.state).toBe('DRAINED');
    expect(byHost('host-c').deactivated).toBe(true);
    expect(state.unregistered_frameworks).toEqual(['orphan-framework']);
    expect(state.unreachable_slaves_list.map((u: Json) => u.hostname)).toEqual(['host-d']);
    expect(ledger(c)).toEqual([]);
  });

  test('after a failover: the recovered agents and frameworks, the same in both', async () => {
    const h = new HaCluster(3, 23, { reregisterTimeoutMs: 60_000 });
    try {
      await h.startAll();
      const leader = await h.awaitLeader();
      const agent = await h.agent(leader, { resources: 'cpus:2;mem:256', hostname: 'host-r' });
      const scheduler = await h.scheduler(leader, { name: 'comes-back', failover_timeout: 600 });
      await h.until(() => agent.agentId !== undefined && scheduler.frameworkId !== undefined);
      await h.clock.advance(500);
      await h.kill(leader);
      const next = await h.awaitLeader(5000, leader);
      await h.until(() => h.nodes[next]!.ha?.leading === true);
      const { facts } = await sameFacts(h.nodes[next]!.runtime!);
      expect(facts[`recovered_agent/${agent.agentId}`]).toEqual({ hostname: 'host-r' });
      expect(facts[`framework/${scheduler.frameworkId}`]).toMatchObject({ name: 'comes-back', recovered: true, connected: false });
    } finally {
      await h.stop();
    }
  });
});
