// Maintenance and draining on an in-process cluster (simulated network,
// virtual clock): DRAIN_AGENT kills with the kill policy cut to the grace
// period and ends DRAINED (or gone); DEACTIVATE/REACTIVATE stop and resume
// offers; a schedule makes inverse offers and tags offers with the
// unavailability; a machine DOWN loses its agent and refuses it until UP;
// the schedule and drains survive a master failover.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { HttpResponse, Runtime } from 'libprocess-ts';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { HaCluster, retarget } from './helpers/ha-cluster.js';
import { commandTask, type TestAgent, type TestScheduler } from './helpers/peers.js';

type Json = Record<string, any>;

/** One operator call through the master's HTTP handler (no socket). */
async function op(runtime: Runtime, body: Json): Promise<{ status: number; json: Json; text: string }> {
  const res = await runtime.handleHttp({ method: 'POST', path: '/api/v1', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) } as never);
  const text = bodyText(res);
  return { status: res.status, text, json: text.startsWith('{') ? (JSON.parse(text) as Json) : {} };
}

async function get(runtime: Runtime, path: string): Promise<Json> {
  const res = await runtime.handleHttp({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) } as never);
  return JSON.parse(bodyText(res)) as Json;
}

function bodyText(res: HttpResponse): string {
  if (!('body' in res) || res.body === undefined) return '';
  return typeof res.body === 'string' ? res.body : Buffer.from(res.body as Uint8Array).toString();
}

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

/** A cluster with agents on hosts `host-a`, `host-b` and a scheduler running task `t` on `host-a`. */
async function withTask(killGraceSeconds?: number): Promise<{ c: Cluster; a: TestAgent; b: TestAgent; s: TestScheduler }> {
  c = await cluster({ allocationIntervalMs: 1000 });
  const { agent: a } = await c.agent({ resources: 'cpus:2;mem:512', hostname: 'host-a' });
  const { agent: b } = await c.agent({ resources: 'cpus:2;mem:512', hostname: 'host-b' });
  const { scheduler: s } = await c.scheduler({ capabilities: [{ type: 'PARTITION_AWARE' }] });
  await c.clock.advance(1000);
  const offer = [...s.offers.values()].find((o) => o.hostname === 'host-a')!;
  const task = commandTask('t', offer, 'cpus:1;mem:64');
  if (killGraceSeconds !== undefined) task.kill_policy = { grace_period: { nanoseconds: killGraceSeconds * 1e9 } };
  s.launch(offer, [task], 0);
  for (const o of [...s.offers.values()]) s.decline([o.id.value], 0);
  await c.clock.settle();
  expect(s.states('t')).toContain('TASK_RUNNING');
  return { c, a, b, s };
}

describe('DRAIN_AGENT', () => {
  test('kills the tasks with their kill policy cut to max_grace_period, offers nothing of the agent, and ends DRAINED', async () => {
    const { c, a, s } = await withTask(30);
    const running = a.running.get('t')!;
    const killed = a.named('kill_task').length;
    const res = await op(c.masterRuntime, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: a.agentId! }, max_grace_period: { seconds: 2 } } });
    expect(res.status).toBe(200);
    await c.clock.settle();
    const kills = a.named('kill_task').slice(killed);
    expect(kills).toEqual([{ framework_id: { value: s.frameworkId! }, task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 2e9 } } }]);
    expect(running.state).toBe('TASK_KILLED');
    let agents = (await op(c.masterRuntime, { type: 'GET_AGENTS' })).json.get_agents.agents as Json[];
    const info = agents.find((x) => x.agent_info.id.value === a.agentId)!;
    expect(info.deactivated).toBe(true);
    expect(info.drain_info).toEqual({ state: 'DRAINED', config: { max_grace_period: { nanoseconds: 2e9 }, mark_gone: false } });
    const slaves = (await get(c.masterRuntime, '/master/slaves')).slaves as Json[];
    expect(slaves.find((x) => x.id === a.agentId)!.drain_info.state).toBe('DRAINED');
    // Nothing of the drained agent is offered again, whatever time passes.
    const before = s.named('offers').length;
    await c.clock.advance(10_000);
    expect(s.named('offers').slice(before).flatMap((o) => o.offers).filter((o) => o.agent_id.value === a.agentId)).toEqual([]);
    expect(ledger(c)).toEqual([]);
    // REACTIVATE_AGENT: offered again, drain forgotten.
    expect((await op(c.masterRuntime, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: a.agentId! } } })).status).toBe(200);
    await c.clock.advance(6000);
    expect(s.named('offers').slice(before).flatMap((o) => o.offers).some((o) => o.agent_id.value === a.agentId)).toBe(true);
    agents = (await op(c.masterRuntime, { type: 'GET_AGENTS' })).json.get_agents.agents as Json[];
    expect(agents.find((x) => x.agent_info.id.value === a.agentId)!).toMatchObject({ active: true, deactivated: false });
    expect(agents.find((x) => x.agent_info.id.value === a.agentId)!.drain_info).toBeUndefined();
  });

  test('a task without a kill policy gets the grace period; DRAINING until its task ends; mark_gone removes the agent then', async () => {
    const { c, a } = await withTask();
    a.answerKills = false;
    await op(c.masterRuntime, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: a.agentId! }, max_grace_period: { seconds: 5 }, mark_gone: true } });
    await c.clock.settle();
    expect(a.named('kill_task').at(-1)!.kill_policy).toEqual({ grace_period: { nanoseconds: 5e9 } });
    expect(c.master.state.maintenance.drains.get(a.agentId!)?.state).toBe('DRAINING');
    expect(c.master.state.agents.has(a.agentId!)).toBe(true);
    a.update('t', 'TASK_KILLED');
    await c.clock.settle();
    expect(c.master.state.agents.has(a.agentId!)).toBe(false);
    expect(c.master.state.goneAgents.has(a.agentId!)).toBe(true);
    expect(a.named('shutdown').length).toBe(1);
  });

  test('a draining agent that re-registers has its running tasks killed again', async () => {
    const { c, a } = await withTask(1);
    a.answerKills = false;
    await op(c.masterRuntime, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: a.agentId! } } });
    await c.clock.settle();
    expect(a.named('kill_task').length).toBe(1);
    // The connection broke and the kill with it; the agent re-registers still running the task.
    a.register();
    await c.clock.settle();
    expect(a.named('agent_reregistered').length).toBe(1);
    expect(a.named('kill_task')).toEqual([a.named('kill_task')[0], { framework_id: a.named('kill_task')[0]!.framework_id, task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } }]);
    a.update('t', 'TASK_KILLED');
    await c.clock.settle();
    expect(c.master.state.maintenance.drains.get(a.agentId!)?.state).toBe('DRAINED');
  });

  test('bad calls say what was wrong', async () => {
    c = await cluster();
    expect(await op(c.masterRuntime, { type: 'DRAIN_AGENT', drain_agent: {} })).toMatchObject({ status: 400, text: "Expecting 'drain_agent.agent_id' to be present\n" });
    expect(await op(c.masterRuntime, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'nope' } } })).toMatchObject({ status: 400, text: 'Agent nope is not known to this master\n' });
    expect((await op(c.masterRuntime, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'x' }, max_grace_period: { seconds: -1 } } })).text).toContain('max_grace_period');
    expect((await op(c.masterRuntime, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: 'nope' } } })).status).toBe(400);
  });
});

describe('DEACTIVATE_AGENT / REACTIVATE_AGENT', () => {
  test('offers stop (outstanding ones rescinded) and resume; tasks run on', async () => {
    c = await cluster({ allocationIntervalMs: 1000 });
    const { agent: a } = await c.agent({ resources: 'cpus:2;mem:512', hostname: 'host-a' });
    const { scheduler: s } = await c.scheduler();
    await c.clock.advance(1000);
    expect(s.offers.size).toBe(1);
    expect((await op(c.masterRuntime, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: a.agentId! } } })).status).toBe(200);
    await c.clock.settle();
    expect(s.offers.size).toBe(0);
    expect(s.named('rescind').length).toBe(1);
    await c.clock.advance(10_000);
    expect(s.offers.size).toBe(0);
    expect(((await get(c.masterRuntime, '/master/slaves')).slaves as Json[])[0]).toMatchObject({ active: false, deactivated: true });
    expect((await op(c.masterRuntime, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: a.agentId! } } })).status).toBe(200);
    await c.clock.advance(1000);
    expect(s.offers.size).toBe(1);
    expect(ledger(c)).toEqual([]);
  });
});

describe('maintenance schedules', () => {
  const window = (hostname: string, startNs = 1e18): Json => ({ machine_ids: [{ hostname }], unavailability: { start: { nanoseconds: startNs }, duration: { nanoseconds: 3600e9 } } });

  test('inverse offers to the frameworks on a draining machine, their answers in the status, offers tagged; DOWN removes and refuses the agent until UP', async () => {
    const { c, a, b, s } = await withTask();
    expect((await op(c.masterRuntime, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window('HOST-A')] } } })).status).toBe(200);
    await c.clock.settle();
    const inverse = s.named('inverse_offers').flatMap((e) => e.inverse_offers);
    expect(inverse).toEqual([{ id: inverse[0]!.id, framework_id: { value: s.frameworkId! }, agent_id: { value: a.agentId! }, unavailability: { start: { nanoseconds: 1e18 }, duration: { nanoseconds: 3600e9 } }, resources: [] }]);
    expect((await op(c.masterRuntime, { type: 'GET_MAINTENANCE_SCHEDULE' })).json).toEqual({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: { windows: [window('host-a')] } } });
    let status = (await op(c.masterRuntime, { type: 'GET_MAINTENANCE_STATUS' })).json.get_maintenance_status.status;
    expect(status.draining_machines).toEqual([{ id: { hostname: 'host-a' }, statuses: [{ status: 'UNKNOWN', framework_id: { value: s.frameworkId! }, timestamp: expect.anything() }] }]);
    // Offers of the draining machine carry its unavailability, others none.
    await c.clock.advance(6000);
    const offered = s.named('offers').flatMap((o) => o.offers);
    expect(offered.filter((o) => o.agent_id.value === a.agentId).at(-1)!.unavailability).toEqual({ start: { nanoseconds: 1e18 }, duration: { nanoseconds: 3600e9 } });
    expect(offered.filter((o) => o.agent_id.value === b.agentId).at(-1)!.unavailability).toBeUndefined();
    // The framework accepts: recorded.
    s.call('accept_inverse_offers', { framework_id: s.fw, inverse_offer_ids: [inverse[0]!.id], filters: { refuse_seconds: 3600 } });
    await c.clock.settle();
    status = (await op(c.masterRuntime, { type: 'GET_MAINTENANCE_STATUS' })).json.get_maintenance_status.status;
    expect(status.draining_machines[0].statuses[0].status).toBe('ACCEPT');
    expect(await get(c.masterRuntime, '/master/maintenance/status')).toEqual(status);

    // A machine not scheduled cannot go down; the scheduled one can.
    expect((await op(c.masterRuntime, { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'host-b' }] } })).text).toBe('machine host-b is not in the maintenance schedule\n');
    expect((await op(c.masterRuntime, { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'host-a' }] } })).status).toBe(200);
    await c.clock.settle();
    expect(c.master.state.agents.has(a.agentId!)).toBe(false);
    expect(a.named('shutdown').length).toBe(1);
    expect(s.states('t').at(-1)).toBe('TASK_GONE');
    status = (await op(c.masterRuntime, { type: 'GET_MAINTENANCE_STATUS' })).json.get_maintenance_status.status;
    expect(status).toEqual({ down_machines: [{ hostname: 'host-a' }] });
    // A schedule that drops a machine that is down is refused.
    expect((await op(c.masterRuntime, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [] } } })).text).toContain('machine host-a is down');
    // The machine's agent, started afresh, is refused while it is down...
    const { agent: again } = await c.agent({ resources: 'cpus:2;mem:512', hostname: 'host-a' });
    expect(again.agentId).toBeUndefined();
    expect(again.named('shutdown')[0]!.message).toBe('Agent refused: machine host-a is down for maintenance');
    // ...and registers once it is up; the machine is out of the schedule.
    expect((await op(c.masterRuntime, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ hostname: 'host-a' }] } })).status).toBe(200);
    again.register();
    await c.clock.settle();
    expect(again.agentId).toBeDefined();
    expect((await op(c.masterRuntime, { type: 'GET_MAINTENANCE_SCHEDULE' })).json.get_maintenance_schedule.schedule).toEqual({});
    expect(ledger(c)).toEqual([]);
  });

  test('a schedule change withdraws the inverse offers; removing the machine ends its draining', async () => {
    const { c, s } = await withTask();
    await op(c.masterRuntime, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window('host-a')] } } });
    await c.clock.settle();
    const first = s.named('inverse_offers')[0]!.inverse_offers[0]!;
    await op(c.masterRuntime, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [] } } });
    await c.clock.advance(3000);
    expect(s.named('rescind_inverse_offer')).toEqual([{ inverse_offer_id: first.id }]);
    expect(s.named('inverse_offers').length).toBe(1);
    expect((await op(c.masterRuntime, { type: 'GET_MAINTENANCE_STATUS' })).json.get_maintenance_status.status).toEqual({});
  });

  test('bad schedules and machine lists are refused naming the field', async () => {
    c = await cluster();
    const bad = async (body: Json): Promise<string> => (await op(c!.masterRuntime, body)).text.trim();
    expect(await bad({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [], unavailability: { start: { nanoseconds: 0 } } }] } } })).toBe('update_maintenance_schedule.schedule.windows[0].machine_ids: a window needs at least one machine');
    expect(await bad({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window('a'), window('A')] } } })).toBe('update_maintenance_schedule.schedule.windows[1].machine_ids[0]: machine a appears in the schedule more than once');
    expect(await bad({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ ip: '300.1.1.1' }], unavailability: { start: { nanoseconds: 0 } } }] } } })).toBe("update_maintenance_schedule.schedule.windows[0].machine_ids[0].ip: '300.1.1.1' is not an IPv4 address");
    expect(await bad({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{}], unavailability: { start: { nanoseconds: 0 } } }] } } })).toBe('update_maintenance_schedule.schedule.windows[0].machine_ids[0]: a machine needs a hostname or an ip');
    expect(await bad({ type: 'START_MAINTENANCE', start_maintenance: { machines: [] } })).toBe('start_maintenance.machines: the list of machines is empty');
    expect(await bad({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ hostname: 'x' }] } })).toBe('machine x is not down');
  });
});

describe('high availability', () => {
  test('the schedule, machines down and drained agents survive a failover', async () => {
    const h = new HaCluster(3, 17, { reregisterTimeoutMs: 60_000 });
    try {
      await h.startAll();
      const leader = await h.awaitLeader();
      const agent = await h.agent(leader, { resources: 'cpus:1;mem:128', hostname: 'host-z' });
      await h.until(() => agent.agentId !== undefined);
      const rt = h.nodes[leader]!.runtime!;
      const windows = [{ machine_ids: [{ hostname: 'host-y' }, { hostname: 'host-x' }], unavailability: { start: { nanoseconds: 5e18 } } }];
      expect((await op(rt, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows } } })).status).toBe(200);
      expect((await op(rt, { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'host-x' }] } })).status).toBe(200);
      expect((await op(rt, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agent.agentId! } } })).status).toBe(200);
      await h.clock.advance(500);
      await h.kill(leader);
      const next = await h.awaitLeader(5000, leader);
      const nrt = h.nodes[next]!.runtime!;
      await h.until(() => h.nodes[next]!.ha?.leading === true);
      expect((await op(nrt, { type: 'GET_MAINTENANCE_SCHEDULE' })).json.get_maintenance_schedule.schedule).toEqual({ windows });
      expect((await op(nrt, { type: 'GET_MAINTENANCE_STATUS' })).json.get_maintenance_status.status).toEqual({ draining_machines: [{ id: { hostname: 'host-y' } }], down_machines: [{ hostname: 'host-x' }] });
      // The drained agent comes back drained: still not offered.
      retarget(agent, h.masterPid(next));
      agent.register();
      await h.until(() => agent.named('agent_reregistered').length > 0);
      const agents = (await op(nrt, { type: 'GET_AGENTS' })).json.get_agents.agents as Json[];
      expect(agents[0]).toMatchObject({ active: false, deactivated: true, drain_info: { state: 'DRAINED', config: { mark_gone: false } } });
    } finally {
      await h.stop();
    }
  });
});
