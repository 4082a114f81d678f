// Dynamic reservations on an in-process cluster (virtual clock): RESERVE and
// UNRESERVE in an ACCEPT and as operator calls, offered only to the role and
// its subroles, checkpointed on the agent, in /master/state, the allocator's
// books balanced throughout; operations that cannot be carried out answered
// without an ERROR event and their resources recovered.
import { afterEach, describe, expect, test } from '@jest/globals';
import type { HttpRequest, HttpResponse } from 'libprocess-ts';
import { aclsOf } from '../../protocol/auth/acls.js';
import { credentialsMap } from '../../protocol/credentials.js';
import { Resources } from '../../protocol/resources.js';
import type { Offer } from '../../protocol/types.js';
import { masterState } from '../state.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { commandTask, type TestAgent, type TestScheduler } from './helpers/peers.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

const ENG = (text: string): Resources => Resources.parse(text);
const reserved = (text: string) => ENG(text).toJSON();

async function request(path: string, body: string | object, contentType = 'application/json', headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const req: HttpRequest = { method: 'POST', path, query: new URLSearchParams(), headers: { 'content-type': contentType, ...headers }, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) };
  const pending = c!.masterRuntime.http.handle(req) as Promise<HttpResponse> | HttpResponse;
  await c!.clock.settle();
  const res = (await pending) as HttpResponse & { body?: unknown };
  return { status: res.status, text: String(res.body ?? '').trim() };
}

/** A cluster with an agent of `resources` and a scheduler in role eng (principal ops) holding its first offer. */
async function engCluster(resources: string, autoAck = true): Promise<{ cluster: Cluster; agent: TestAgent; scheduler: TestScheduler }> {
  const cl = (c = await cluster());
  const { agent } = await cl.agent({ resources });
  const { scheduler } = await cl.scheduler({ role: 'eng', principal: 'ops' });
  scheduler.autoAck = autoAck;
  await cl.clock.advance(5);
  return { cluster: cl, agent, scheduler };
}

function only(s: TestScheduler): Offer {
  const offers = [...s.offers.values()];
  expect(offers).toHaveLength(1);
  return offers[0]!;
}

function agentState(): Record<string, any> {
  const state = masterState(c!.master) as { slaves: Record<string, any>[] };
  return state.slaves[0]!;
}

describe('RESERVE and UNRESERVE in an ACCEPT', () => {
  test('a framework reserves part of an offer and launches on it; only its role and subroles are offered the reservation; UNRESERVE frees it', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { scheduler: eng } = await c.scheduler({ role: 'eng', principal: 'ops' });
    await c.clock.advance(5);
    const offer = only(eng);
    eng.accept([offer.id.value], [
      { type: 'RESERVE', reserve: { resources: reserved('cpus(eng@ops):1;mem(eng@ops):256') } },
      { type: 'LAUNCH', launch: { task_infos: [commandTask('t1', offer, 'cpus(eng@ops):0.5;mem(eng@ops):128')] } },
    ], 3600);
    await c.clock.settle();
    expect(eng.named('error')).toEqual([]);
    expect(eng.states('t1')).toEqual(['TASK_RUNNING']);
    // The agent is told its new checkpointed set; the master's total holds the reservation.
    const checkpoints = agent.named('checkpoint_resources');
    expect(checkpoints).toHaveLength(1);
    expect(Resources.of(checkpoints[0]!.resources).equals(ENG('cpus(eng@ops):1;mem(eng@ops):256'))).toBe(true);
    const total = c.master.state.agents.get(agent.agentId!)!.total;
    expect(total.equals(ENG('cpus:3;mem:768;cpus(eng@ops):1;mem(eng@ops):256'))).toBe(true);
    expect(ledger(c)).toEqual([]);
    expect(agentState()['reserved_resources']).toEqual({ eng: { cpus: 1, mem: 256, disk: 0, gpus: 0 } });
    expect(agentState()['unreserved_resources']).toEqual({ cpus: 3, mem: 768, disk: 0, gpus: 0 });
    expect(agentState()['reserved_resources_full']['eng'][0].reservations).toEqual([{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }]);

    // Another role is offered only the unreserved part; a subrole of eng gets the reservation too.
    const { scheduler: other } = await c.scheduler({ role: 'other' });
    await c.clock.advance(5);
    expect(Resources.of(only(other).resources).unallocate().equals(ENG('cpus:3;mem:768'))).toBe(true);
    other.decline([only(other).id.value], 3600);
    const { scheduler: sub } = await c.scheduler({ role: 'eng/sub' });
    await c.clock.advance(5);
    expect(Resources.of(only(sub).resources).unallocate().equals(ENG('cpus:3;mem:768;cpus(eng@ops):0.5;mem(eng@ops):128'))).toBe(true);
    sub.decline([only(sub).id.value], 3600);
    expect(ledger(c)).toEqual([]);

    // The task ends; eng unreserves all of it once offered back.
    agent.update('t1', 'TASK_FINISHED');
    await c.clock.settle();
    eng.call('revive', { framework_id: eng.fw });
    await c.clock.advance(5);
    const back = only(eng);
    expect(Resources.of(back.resources).unallocate().reserved('eng').equals(ENG('cpus(eng@ops):1;mem(eng@ops):256'))).toBe(true);
    eng.accept([back.id.value], [{ type: 'UNRESERVE', unreserve: { resources: reserved('cpus(eng@ops):1;mem(eng@ops):256') } }], 3600);
    await c.clock.settle();
    expect(c.master.state.agents.get(agent.agentId!)!.total.equals(ENG('cpus:4;mem:1024'))).toBe(true);
    expect(agent.named('checkpoint_resources').at(-1)!.resources).toEqual([]);
    expect(agentState()['reserved_resources']).toEqual({});
    expect(ledger(c)).toEqual([]);
  });

  test('an operation that cannot be carried out is dropped without an ERROR event; its resources come back', async () => {
    const started = await engCluster('cpus:2;mem:512');
    c = started.cluster;
    const { agent, scheduler } = started;
    const offer = only(scheduler);
    scheduler.accept([offer.id.value], [
      // Wrong principal, another role, more than offered, not dynamic, refinement without the capability.
      { type: 'RESERVE', reserve: { resources: reserved('cpus(eng@mallory):1') } },
      { type: 'RESERVE', reserve: { resources: reserved('cpus(dev@ops):1') } },
      { type: 'RESERVE', reserve: { resources: reserved('cpus(eng@ops):3') } },
      { type: 'RESERVE', reserve: { resources: reserved('cpus(eng):1') } },
      { type: 'RESERVE', reserve: { resources: reserved('cpus(eng@ops,eng/a@ops):1') } },
      { type: 'UNRESERVE', unreserve: { resources: reserved('cpus(eng@ops):1') } },
    ], 0);
    await c.clock.settle();
    expect(scheduler.named('error')).toEqual([]);
    expect(c.master.metrics()['master/invalid_operations']).toBe(6);
    expect(agent.named('checkpoint_resources')).toEqual([]);
    await c.clock.advance(1000); // what was offered comes back at the next batch (as in Mesos, a recovery does not allocate at once)
    expect(Resources.of(only(scheduler).resources).unallocate().equals(ENG('cpus:2;mem:512'))).toBe(true);
    expect(ledger(c)).toEqual([]);
  });

  test('an agent that re-registers with other checkpointed resources is sent the master\'s', async () => {
    const started = await engCluster('cpus:2;mem:512');
    c = started.cluster;
    const { agent, scheduler } = started;
    scheduler.accept([only(scheduler).id.value], [{ type: 'RESERVE', reserve: { resources: reserved('cpus(eng@ops):1') } }], 3600);
    await c.clock.settle();
    expect(agent.named('checkpoint_resources')).toHaveLength(1);
    agent.register(); // re-registers reporting no checkpointed resources
    await c.clock.settle();
    expect(agent.named('checkpoint_resources')).toHaveLength(2);
    expect(Resources.of(agent.named('checkpoint_resources')[1]!.resources).equals(ENG('cpus(eng@ops):1'))).toBe(true);
    expect(c.master.state.agents.get(agent.agentId!)!.total.reserved('eng').equals(ENG('cpus(eng@ops):1'))).toBe(true);
  });
});

describe('operator reservations', () => {
  test('RESERVE_RESOURCES and UNRESERVE_RESOURCES: 202, offers rescinded to make room, 409 when in use, 400 naming what is wrong', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { scheduler } = await c.scheduler({ role: 'eng' });
    await c.clock.advance(5);
    const offer = only(scheduler);
    const agentId = { value: agent.agentId! };

    // The whole agent is offered: the offer is rescinded so the reservation can be made.
    let r = await request('/api/v1', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: reserved('cpus(eng@):2;mem(eng@):512') } });
    expect(r).toEqual({ status: 202, text: '' });
    expect(scheduler.named('rescind').map((b) => b.offer_id.value)).toEqual([offer.id.value]);
    expect(c.master.state.agents.get(agent.agentId!)!.total.reserved('eng').equals(ENG('cpus(eng@):2;mem(eng@):512'))).toBe(true);
    expect(agent.named('checkpoint_resources')).toHaveLength(1);
    await c.clock.advance(5);
    expect(ledger(c)).toEqual([]);

    // A task uses most of the rest: reserving more than is free is a conflict.
    const next = only(scheduler);
    scheduler.launch(next, [commandTask('t1', next, 'cpus:2;mem:512')], 3600);
    await c.clock.settle();
    r = await request('/api/v1', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: reserved('cpus(eng@):1') } });
    expect(r.status).toBe(409);
    expect(r.text).toContain('Insufficient resources');

    // Bad requests say what is wrong.
    r = await request('/api/v1', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: reserved('cpus(eng):1') } });
    expect(r).toEqual({ status: 400, text: "Invalid RESERVE operation: resource 'cpus(eng):1' must be dynamically reserved (its innermost reservation must be DYNAMIC)" });
    r = await request('/api/v1', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: 'nope' }, resources: reserved('cpus(eng@):1') } });
    expect(r).toEqual({ status: 400, text: 'No agent found with specified ID nope' });
    r = await request('/api/v1', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentId, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] } });
    expect(r.status).toBe(400);
    expect(r.text).toContain('reserve_resources.resources[0].scalar.value');

    // UNRESERVE through the classic endpoint, with Mesos's form.
    const form = new URLSearchParams({ slaveId: agent.agentId!, resources: JSON.stringify(reserved('cpus(eng@):2;mem(eng@):512')) }).toString();
    r = await request('/master/unreserve', form, 'application/x-www-form-urlencoded');
    expect(r).toEqual({ status: 202, text: '' });
    expect(c.master.state.agents.get(agent.agentId!)!.total.equals(ENG('cpus:4;mem:1024'))).toBe(true);
    expect(agent.named('checkpoint_resources').at(-1)!.resources).toEqual([]);
    await c.clock.advance(5);
    expect(ledger(c)).toEqual([]);
  });

  test('the reservation principal must be the authenticated one, and --acls reserve_resources decides', async () => {
    const credentials = credentialsMap([{ principal: 'ops', secret: 's1' }, { principal: 'dev', secret: 's2' }]);
    const acls = aclsOf({ permissive: false, reserve_resources: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }] });
    c = await cluster({ credentials, authenticateHttpReadwrite: true, acls });
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const call = (principal: string, secret: string, resources: object[]): Promise<{ status: number; text: string }> =>
      request('/api/v1', { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId! }, resources } }, 'application/json', { authorization: `Basic ${Buffer.from(`${principal}:${secret}`).toString('base64')}` });
    let r = await call('ops', 's1', reserved('cpus(eng@dev):1'));
    expect(r).toEqual({ status: 400, text: "Invalid RESERVE operation: resource 'cpus(eng@dev):1' is reserved with principal 'dev', but the reservation is made by principal 'ops'" });
    r = await call('dev', 's2', reserved('cpus(eng@dev):1'));
    expect(r.status).toBe(403);
    r = await call('ops', 's1', reserved('cpus(eng@ops):1'));
    expect(r.status).toBe(202);
  });
});

const volume = (id: string, size: number, path = 'data', extra: Record<string, unknown> = {}) => ({
  name: 'disk',
  type: 'SCALAR' as const,
  scalar: { value: size },
  reservations: [{ type: 'DYNAMIC' as const, role: 'eng', principal: 'ops' }],
  disk: { persistence: { id, principal: 'ops' }, volume: { container_path: path, mode: 'RW' } },
  ...extra,
});

describe('persistent volumes', () => {
  test('RESERVE then CREATE in one ACCEPT, a task on the volume, DESTROY refused while in use, then done', async () => {
    const started = await engCluster('cpus:2;mem:512;disk:1000');
    c = started.cluster;
    const { agent, scheduler } = started;
    const offer = only(scheduler);
    const task = commandTask('db', offer, 'cpus(eng@ops):0.5;mem(eng@ops):64');
    task.resources = [...(task.resources ?? []), volume('v1', 100)];
    scheduler.accept([offer.id.value], [
      { type: 'RESERVE', reserve: { resources: reserved('cpus(eng@ops):1;mem(eng@ops):128;disk(eng@ops):100') } },
      { type: 'CREATE', create: { volumes: [volume('v1', 100)] } },
      { type: 'LAUNCH', launch: { task_infos: [task] } },
    ], 3600);
    await c.clock.settle();
    expect(scheduler.named('error')).toEqual([]);
    expect(scheduler.states('db')).toEqual(['TASK_RUNNING']);
    const checkpoint = Resources.of(agent.named('checkpoint_resources').at(-1)!.resources);
    expect(checkpoint.toJSON().filter((r) => r.disk !== undefined)).toEqual([{ ...volume('v1', 100) }]);
    expect(ledger(c)).toEqual([]);

    // The same id again is refused; so is DESTROY while the task holds it, as an operator call too.
    scheduler.call('revive', { framework_id: scheduler.fw });
    await c.clock.advance(5);
    let next = only(scheduler);
    scheduler.accept([next.id.value], [
      { type: 'RESERVE', reserve: { resources: reserved('disk(eng@ops):50') } },
      { type: 'CREATE', create: { volumes: [volume('v1', 50)] } },
      { type: 'DESTROY', destroy: { volumes: [volume('v1', 100)] } },
    ], 0);
    await c.clock.settle();
    expect(c.master.metrics()['master/invalid_operations']).toBe(2);
    let r = await request('/api/v1', { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.agentId! }, volumes: [volume('v1', 100)] } });
    expect(r).toEqual({ status: 400, text: 'Invalid DESTROY operation: persistent volume v1 (role eng) is in use by a task or executor' });

    // Once the task ended the operator destroys it and unreserves its disk.
    agent.update('db', 'TASK_FINISHED');
    await c.clock.settle();
    await c.clock.advance(1000); // the freed resources are offered at the next batch
    r = await request('/api/v1', { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.agentId! }, volumes: [volume('v1', 100)] } });
    expect(r).toEqual({ status: 202, text: '' });
    expect(Resources.of(agent.named('checkpoint_resources').at(-1)!.resources).toJSON().some((x) => x.disk !== undefined)).toBe(false);
    r = await request('/api/v1', { type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agent.agentId! }, volumes: [volume('v2', 40, '/abs')] } });
    expect(r).toEqual({ status: 400, text: "Invalid CREATE operation: persistent volume 'disk(eng@ops):40' (volume v2): container_path '/abs' must be relative to the sandbox, without '..'" });
    r = await request('/api/v1', { type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agent.agentId! }, volumes: [volume('v2', 40)] } });
    expect(r).toEqual({ status: 202, text: '' });
    await c.clock.advance(5);
    expect(ledger(c)).toEqual([]);
    next = only(scheduler);
    expect(Resources.of(next.resources).toJSON().filter((x) => x.disk !== undefined).map((x) => (x.disk as { persistence: { id: string } }).persistence.id)).toEqual(['v2']);
  });

  test('shared volumes need SHARED_RESOURCES; volumes need reserved disk', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512;disk:1000' });
    const { scheduler } = await c.scheduler({ role: 'eng', principal: 'ops' });
    await c.clock.advance(5);
    const unreservedVolume = { ...volume('u', 10), reservations: undefined };
    scheduler.accept([only(scheduler).id.value], [
      { type: 'RESERVE', reserve: { resources: reserved('disk(eng@ops):100') } },
      { type: 'CREATE', create: { volumes: [volume('s', 10, 'data', { shared: {} })] } },
      { type: 'CREATE', create: { volumes: [unreservedVolume] } },
    ], 0);
    await c.clock.settle();
    expect(c.master.metrics()['master/invalid_operations']).toBe(2);
    expect(scheduler.named('error')).toEqual([]);
  });
});

describe('operation feedback', () => {
  test('operations with ids: OPERATION_FINISHED to acknowledge, OPERATION_ERROR for what cannot be done, reconciliation, GET_OPERATIONS', async () => {
    const started = await engCluster('cpus:2;mem:512;disk:1000', false);
    c = started.cluster;
    const { agent, scheduler } = started;
    const offer = only(scheduler);
    scheduler.accept([offer.id.value], [
      { type: 'RESERVE', id: { value: 'r1' }, reserve: { resources: reserved('cpus(eng@ops):1;disk(eng@ops):100') } },
      { type: 'CREATE', id: { value: 'c1' }, create: { volumes: [volume('v1', 100)] } },
      { type: 'RESERVE', id: { value: 'bad' }, reserve: { resources: reserved('cpus(eng@ops):5') } },
      { type: 'GROW_VOLUME', id: { value: 'grow' } },
      { type: 'LAUNCH', id: { value: 'l1' }, launch: { task_infos: [commandTask('t1', offer, 'cpus:0.1;mem:32')] } },
    ], 3600);
    await c.clock.settle();
    expect(scheduler.named('error')).toEqual([]);
    const updates = scheduler.named('update_operation_status').map((b) => b.status);
    expect(updates.map((s) => [s.operation_id?.value, s.state])).toEqual([
      ['r1', 'OPERATION_FINISHED'],
      ['c1', 'OPERATION_FINISHED'],
      ['bad', 'OPERATION_ERROR'],
      ['grow', 'OPERATION_ERROR'],
    ]);
    expect(updates[0]!.uuid?.value).toHaveLength(16);
    expect(updates[2]!.uuid).toBeUndefined();
    expect(updates[2]!.message).toMatch(/^the offers do not hold 'cpus<eng>:5'/);
    expect(Resources.of(updates[0]!.converted_resources!).unallocate().equals(ENG('cpus(eng@ops):1;disk(eng@ops):100'))).toBe(true);
    expect(scheduler.states('t1')).toEqual(['TASK_ERROR']);
    expect(agent.named('run_task')).toEqual([]);

    // GET_OPERATIONS shows the two tracked ones, in the v1 Operation shape.
    let r = await request('/api/v1', { type: 'GET_OPERATIONS' });
    const ops = JSON.parse(r.text).get_operations.operations as { info: { id: { value: string } }; latest_status: { state: string }; agent_id: { value: string } }[];
    expect(ops.map((o) => [o.info.id.value, o.latest_status.state, o.agent_id.value])).toEqual([['r1', 'OPERATION_FINISHED', agent.agentId], ['c1', 'OPERATION_FINISHED', agent.agentId]]);

    // Reconciliation: the tracked ones, and an unknown one; no uuid on the answers.
    scheduler.call('reconcile_operations', { framework_id: scheduler.fw, operations: [{ operation_id: { value: 'r1' } }, { operation_id: { value: 'nope' } }] });
    await c.clock.settle();
    const answers = scheduler.named('update_operation_status').slice(4).map((b) => b.status);
    expect(answers.map((s) => [s.operation_id?.value, s.state, s.uuid])).toEqual([['r1', 'OPERATION_FINISHED', undefined], ['nope', 'OPERATION_UNKNOWN', undefined]]);

    // Acknowledged, an operation is forgotten; a wrong uuid is an error.
    scheduler.call('acknowledge_operation_status', { framework_id: scheduler.fw, operation_id: { value: 'r1' }, uuid: new Uint8Array(16), agent_id: { value: agent.agentId! } });
    await c.clock.settle();
    expect(scheduler.named('error').map((b) => b.message)).toEqual(["ACKNOWLEDGE_OPERATION_STATUS: the uuid is not the one of the latest status of operation 'r1'"]);
    for (const s of updates.slice(0, 2)) scheduler.call('acknowledge_operation_status', { framework_id: scheduler.fw, operation_id: s.operation_id!, uuid: s.uuid!.value, agent_id: s.agent_id! });
    await c.clock.settle();
    expect(c.master.state.operations.size).toBe(0);
    r = await request('/api/v1', { type: 'GET_OPERATIONS' });
    expect(JSON.parse(r.text)).toEqual({ type: 'GET_OPERATIONS', get_operations: {} });
    expect(ledger(c)).toEqual([]);
  });
});

describe('disk sources', () => {
  test('a MOUNT disk is used whole: a task or a reservation of part of it is refused, all of it is fine', async () => {
    c = await cluster();
    const mount = { name: 'disk', type: 'SCALAR' as const, scalar: { value: 200 }, disk: { source: { type: 'MOUNT', mount: { root: '/mnt/ssd' } } } };
    await c.agent({ resources: JSON.stringify([...Resources.parse('cpus:2;mem:512').toJSON(), mount]) });
    const { scheduler } = await c.scheduler({ role: 'eng', principal: 'ops' });
    await c.clock.advance(5);
    const offer = only(scheduler);
    const part = commandTask('part', offer, 'cpus:0.1;mem:32');
    part.resources = [...(part.resources ?? []), { ...mount, scalar: { value: 50 } }];
    const reservePart = { ...mount, scalar: { value: 50 }, reservations: [{ type: 'DYNAMIC' as const, role: 'eng', principal: 'ops' }] };
    scheduler.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: [part] } }, { type: 'RESERVE', id: { value: 'half' }, reserve: { resources: [reservePart] } }], 0);
    await c.clock.settle();
    expect(scheduler.states('part')).toEqual(['TASK_ERROR']);
    expect(scheduler.statuses('part')[0]!.message).toBe("the MOUNT disk at /mnt/ssd must be used whole, not in part ('disk<eng>:50' of it)");
    expect(scheduler.named('update_operation_status').map((b) => b.status.state)).toEqual(['OPERATION_ERROR']);
    await c.clock.advance(1000); // back at the next batch
    const again = only(scheduler);
    const whole = commandTask('whole', again, 'cpus:0.1;mem:32');
    whole.resources = [...(whole.resources ?? []), mount];
    scheduler.accept([again.id.value], [{ type: 'LAUNCH', launch: { task_infos: [whole] } }], 3600);
    await c.clock.settle();
    expect(scheduler.states('whole')).toEqual(['TASK_RUNNING']);
    expect(ledger(c)).toEqual([]);
  });
});

describe('growing and shrinking a volume', () => {
  test('GROW_VOLUME in an ACCEPT takes reserved disk into the volume; SHRINK_VOLUME as an operator call gives it back; a MOUNT or shared volume cannot', async () => {
    const started = await engCluster('cpus:2;mem:512;disk:1000');
    c = started.cluster;
    const { agent, scheduler } = started;
    const offer = only(scheduler);
    scheduler.accept([offer.id.value], [
      { type: 'RESERVE', reserve: { resources: reserved('disk(eng@ops):300') } },
      { type: 'CREATE', create: { volumes: [volume('v1', 100)] } },
      { type: 'GROW_VOLUME', id: { value: 'g' }, grow_volume: { volume: volume('v1', 100), addition: reserved('disk(eng@ops):150')[0]! } },
      { type: 'GROW_VOLUME', id: { value: 'too-much' }, grow_volume: { volume: volume('v1', 250), addition: reserved('disk(eng@ops):100')[0]! } },
    ], 3600);
    await c.clock.settle();
    expect(scheduler.named('update_operation_status').map((b) => [b.status.operation_id?.value, b.status.state])).toEqual([['g', 'OPERATION_FINISHED'], ['too-much', 'OPERATION_ERROR']]);
    const volumes = () => c!.master.state.agents.get(agent.agentId!)!.total.toJSON().filter((r) => r.disk !== undefined).map((r) => r.scalar!.value);
    expect(volumes()).toEqual([250]);
    expect(c.master.state.agents.get(agent.agentId!)!.total.reserved('eng').scalar('disk')).toBe(300);
    await c.clock.advance(5);
    let r = await request('/api/v1', { type: 'SHRINK_VOLUME', shrink_volume: { agent_id: { value: agent.agentId! }, volume: volume('v1', 250), subtract: { value: 200 } } });
    expect(r).toEqual({ status: 202, text: '' });
    expect(volumes()).toEqual([50]);
    r = await request('/api/v1', { type: 'SHRINK_VOLUME', shrink_volume: { agent_id: { value: agent.agentId! }, volume: volume('v1', 50), subtract: { value: 50 } } });
    expect(r).toEqual({ status: 400, text: 'Invalid SHRINK_VOLUME operation: persistent volume v1 has 50 MB: it cannot shrink by 50' });
    r = await request('/api/v1', { type: 'GROW_VOLUME', grow_volume: { agent_id: { value: agent.agentId! }, volume: volume('v1', 50, 'data', { shared: {} }), addition: reserved('disk(eng@ops):10')[0]! } });
    expect(r).toEqual({ status: 400, text: 'Invalid GROW_VOLUME operation: persistent volume v1 is shared: shared volumes cannot grow' });
    expect(Resources.of(agent.named('checkpoint_resources').at(-1)!.resources).toJSON().find((x) => x.disk !== undefined)!.scalar!.value).toBe(50);
    await c.clock.advance(5);
    expect(ledger(c)).toEqual([]);
  });
});

describe('reservations across a master restart', () => {
  test('a master that does not know the agent (a failover) takes its checkpointed reservations and volumes; ones that do not fit its resources are refused with the reason', async () => {
    c = await cluster();
    const r = await c.runtime('agent-after-failover');
    const checkpointed = [...reserved('cpus(eng@ops):1;disk(eng@ops):100'), volume('v1', 50)];
    const agent = { id: { value: 'old-S3' }, hostname: 'h1', port: 5051, resources: Resources.parse('cpus:4;mem:1024;disk:1000').toJSON() };
    r.post(`slave(1)@${r.address}`, c.masterPid, 'reregister_agent', { agent, version: 'x', checkpointed_resources: checkpointed, executor_infos: [], tasks: [], frameworks: [] });
    await c.clock.settle();
    const total = c.master.state.agents.get('old-S3')!.total;
    expect(total.equals(Resources.parse('cpus:3;mem:1024;disk:850;cpus(eng@ops):1;disk(eng@ops):100').add(Resources.of([volume('v1', 50)])))).toBe(true);
    const { scheduler } = await c.scheduler({ role: 'eng', principal: 'ops' });
    await c.clock.advance(5);
    expect(Resources.of(only(scheduler).resources).toJSON().filter((x) => x.disk !== undefined)).toHaveLength(1);

    const bad = await c.runtime('agent-shrunk');
    bad.post(`slave(1)@${bad.address}`, c.masterPid, 'reregister_agent', { agent: { ...agent, id: { value: 'old-S4' }, resources: Resources.parse('cpus:4;mem:1024;disk:10').toJSON() }, version: 'x', checkpointed_resources: checkpointed, executor_infos: [], tasks: [], frameworks: [] });
    await c.clock.settle();
    expect(c.master.state.agents.has('old-S4')).toBe(false);
    expect(c.master.metrics()['master/invalid_agent_registrations']).toBe(1);
  });
});
