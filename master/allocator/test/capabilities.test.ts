// Framework capabilities the allocator acts on, as Mesos's: shared resources go only to frameworks with
// SHARED_RESOURCES, and stay available while in use; refined reservations only
// to frameworks with RESERVATION_REFINEMENT. The master's side (two tasks on one copy, DESTROY) is in
// master/test/shared-volumes.test.ts.
import { describe, expect, test } from '@jest/globals';
import { Resources, type Resource } from '../../../protocol/resources.js';
import { AllocatorCore } from '../core.js';

const R = (s: string) => Resources.parse(s);
const offered = (core: AllocatorCore, now = 0) => core.allocate(now).map((a) => `${a.frameworkId}:${a.resources.unallocate().toString()}`);
const VOLUME: Resource = {
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 10 },
  reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
  disk: { persistence: { id: 'v', principal: 'ops' }, volume: { container_path: 'v', mode: 'RW' } },
  shared: {},
};
const volumeCopies = (r: Resources) => r.unallocate().count(VOLUME);

describe('capabilities in the allocator', () => {
  test('a shared volume: offered with SHARED_RESOURCES only, and again while in use', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024').add(Resources.of([VOLUME])) });
    core.addFramework('plain', { roles: ['eng'] });
    let out = core.allocate(0);
    expect(out.map((a) => [a.frameworkId, volumeCopies(a.resources)])).toEqual([['plain', 0]]);
    // It stays available, but alone it is no offer (an offer needs cpus or mem).
    core.addFramework('shared', { roles: ['eng'], sharedResources: true });
    expect(core.allocate(0)).toEqual([]);
    core.recoverResources('plain', 'a1', out[0]!.resources, undefined, 0);
    core.removeFramework('plain');
    out = core.allocate(0);
    expect(out.map((a) => [a.frameworkId, volumeCopies(a.resources)])).toEqual([['shared', 1]]);
    // Held in an offer (or used by a task), it is offered again once more room frees up, a second copy.
    const half = R('cpus:2;mem:512').allocate('eng');
    core.recoverResources('shared', 'a1', half, undefined, 0);
    const again = core.allocate(0);
    expect(again.map((a) => [a.frameworkId, volumeCopies(a.resources)])).toEqual([['shared', 1]]);
    expect(core.agentInfo('a1')!.allocated.get('shared')!.count({ ...VOLUME, allocation_info: { role: 'eng' } })).toBe(2);
    expect(core.agentInfo('a1')!.available.unallocate().count(VOLUME)).toBe(1);
  });

  test('a shared volume goes to one framework per agent and cycle, as Mesos (offeredSharedResources)', () => {
    // eng's guarantee of 2 cpus: stage 1 gives `a` 2 cpus, all the mem and the volume; stage 2 then gives the
    // agent's other 2 cpus to `b` (eng's framework with the lower share), the same cycle: without the volume.
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024').add(Resources.of([VOLUME])) });
    core.setQuota('eng', { guarantees: { cpus: 2 } });
    core.addFramework('a', { roles: ['eng'], sharedResources: true });
    core.addFramework('b', { roles: ['eng'], sharedResources: true });
    const first = core.allocate(0);
    expect(first.map((x) => [x.frameworkId, x.resources.unallocate().nonShared().toString(), volumeCopies(x.resources)])).toEqual([
      ['a', 'cpus:2;mem:1024', 1],
      ['b', 'cpus:2', 0],
    ]);
    // Once the cycle is over the copy is offerable again: b declines its 2 cpus (no filter) and the next
    // cycle offers them back to b with the volume.
    expect(core.agentInfo('a1')!.available.unallocate().count(VOLUME)).toBe(1);
    core.recoverResources('b', 'a1', first[1]!.resources, undefined, 1000);
    const next = core.allocate(1000);
    expect(next.map((x) => [x.frameworkId, x.resources.unallocate().nonShared().toString(), volumeCopies(x.resources)])).toEqual([['b', 'cpus:2', 1]]);
  });

  test('refined reservations go only to frameworks with RESERVATION_REFINEMENT', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:1;mem:256;cpus(eng@ops,eng/web@ops):2;mem(eng@ops,eng/web@ops):512') });
    core.addFramework('old', { roles: ['eng/web'], reservationRefinement: false });
    expect(offered(core)).toEqual(['old:cpus:1;mem:256']);
    core.addFramework('new', { roles: ['eng/web'] });
    expect(offered(core)).toEqual(['new:cpus(eng@ops,eng/web@ops):2;mem(eng@ops,eng/web@ops):512']);
  });
});
