// Shared persistent volumes on an in-process cluster (virtual clock), as Mesos
// treats them: two tasks of one ACCEPT on one offered copy; the volume offered
// again to the framework with SHARED_RESOURCES while in use (and to no framework
// without it); DESTROY refused while any task holds it; the allocator's books
// balanced throughout (every user's copy counted).
import { afterEach, describe, expect, test } from '@jest/globals';
import { Resources, type Resource } from '../../protocol/resources.js';
import type { Offer } from '../../protocol/types.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { commandTask, type TestScheduler } from './helpers/peers.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

const SHARED = { capabilities: [{ type: 'SHARED_RESOURCES' as const }] };

const volume = (id: string): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 100 },
  reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
  disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
  shared: {},
});

function only(s: TestScheduler): Offer {
  const offers = [...s.offers.values()];
  expect(offers).toHaveLength(1);
  return offers[0]!;
}

const volumeIds = (o: Offer): string[] => Resources.of(o.resources).toJSON().filter((r) => r.shared !== undefined).map((r) => (r.disk as { persistence: { id: string } }).persistence.id);

function taskOn(id: string, offer: Offer, resources: string): ReturnType<typeof commandTask> {
  const t = commandTask(id, offer, resources);
  t.resources = [...(t.resources ?? []), volume('v1')];
  return t;
}

describe('shared persistent volumes', () => {
  test('two tasks of one ACCEPT use one offered copy; offered again while in use; DESTROY waits for the last user', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024;disk:1000' });
    const { scheduler } = await c.scheduler({ role: 'eng', principal: 'ops', ...SHARED });
    await c.clock.advance(5);
    let offer = only(scheduler);
    scheduler.accept([offer.id.value], [
      { type: 'RESERVE', reserve: { resources: Resources.parse('disk(eng@ops):100').toJSON() } },
      { type: 'CREATE', create: { volumes: [volume('v1')] } },
      { type: 'LAUNCH', launch: { task_infos: [taskOn('a', offer, 'cpus:0.5;mem:64'), taskOn('b', offer, 'cpus:0.5;mem:64')] } },
    ], 0);
    await c.clock.settle();
    expect(scheduler.named('error')).toEqual([]);
    expect(scheduler.states('a')).toEqual(['TASK_RUNNING']);
    expect(scheduler.states('b')).toEqual(['TASK_RUNNING']);
    const a = c.master.state.agents.get(agent.agentId!)!;
    expect(a.totalUsed().count({ ...volume('v1'), allocation_info: { role: 'eng' } })).toBe(2);
    expect(ledger(c)).toEqual([]);

    // In use by two tasks, the volume is offered again to its framework, with what is left.
    await c.clock.advance(5);
    offer = only(scheduler);
    expect(volumeIds(offer)).toEqual(['v1']);
    scheduler.accept([offer.id.value], [{ type: 'LAUNCH', launch: { task_infos: [taskOn('c', offer, 'cpus:0.5;mem:64')] } }], 0);
    await c.clock.settle();
    expect(scheduler.states('c')).toEqual(['TASK_RUNNING']);
    expect(a.totalUsed().count({ ...volume('v1'), allocation_info: { role: 'eng' } })).toBe(3);
    expect(ledger(c)).toEqual([]);

    // A framework without SHARED_RESOURCES in the same role is never offered it.
    scheduler.call('suppress', { framework_id: scheduler.fw });
    await c.clock.settle();
    for (const o of [...scheduler.offers.values()]) scheduler.decline([o.id.value], 0);
    const { scheduler: plain } = await c.scheduler({ role: 'eng', principal: 'ops' }, 'plain');
    await c.clock.advance(5);
    const p = only(plain);
    expect(volumeIds(p)).toEqual([]);
    expect(Resources.of(p.resources).scalar('cpus')).toBe(2.5);
    plain.decline([p.id.value], 3600);
    await c.clock.settle();
    expect(ledger(c)).toEqual([]);
    plain.call('teardown', { framework_id: plain.fw });
    await c.clock.settle();

    // DESTROY is refused while any task holds the volume, and done once the last one ended.
    const destroy = async (): Promise<void> => {
      scheduler.call('revive', { framework_id: scheduler.fw });
      await c!.clock.advance(5);
      // Each allocation cycle offers the shared volume again (as Mesos): accept every offer held, holding a copy each.
      const held = [...scheduler.offers.values()];
      expect(held.length).toBeGreaterThan(0);
      for (const o of held) expect(volumeIds(o)).toEqual(['v1']);
      scheduler.accept(held.map((o) => o.id.value), [{ type: 'DESTROY', destroy: { volumes: [volume('v1')] } }], 0);
      await c!.clock.settle();
    };
    agent.update('a', 'TASK_FINISHED');
    agent.update('b', 'TASK_FINISHED');
    await c.clock.settle();
    expect(ledger(c)).toEqual([]);
    await destroy();
    expect(c.master.metrics()['master/invalid_operations']).toBe(1);
    expect(a.total.count(volume('v1'))).toBe(1);
    agent.update('c', 'TASK_FINISHED');
    await c.clock.settle();
    await destroy();
    expect(c.master.metrics()['master/invalid_operations']).toBe(1);
    expect(a.total.count(volume('v1'))).toBe(0);
    expect(Resources.of(agent.named('checkpoint_resources').at(-1)!.resources).toJSON().some((x) => x.shared !== undefined)).toBe(false);
    expect(ledger(c)).toEqual([]);
  });
});
