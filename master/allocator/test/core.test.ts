import { describe, test, expect } from '@jest/globals';
import { Resources } from '../../../protocol/resources.js';
import { AllocatorCore, type Allocation } from '../core.js';

const R = (s: string) => Resources.parse(s);

function held(core: AllocatorCore, fw: string, role: string, name: string): number {
  return core.frameworkInfo(fw)?.allocated[role]?.[name] ?? 0;
}

/** Frameworks that keep everything they are offered. */
function keepAll(core: AllocatorCore, now = 0): Allocation[] {
  return core.allocate(now);
}

describe('AllocatorCore basics', () => {
  test('one framework gets a whole agent, allocated to its role', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024;ports:[31000-31009]') });
    core.addFramework('f1', { roles: ['web'] });
    const out = core.allocate(0);
    expect(out).toHaveLength(1);
    expect(out[0]!.frameworkId).toBe('f1');
    expect(out[0]!.role).toBe('web');
    expect(out[0]!.resources.equals(R('cpus:4;mem:1024;ports:[31000-31009]').allocate('web'))).toBe(true);
    expect(core.allocate(0)).toEqual([]);
    expect(core.agentInfo('a1')!.available.isEmpty()).toBe(true);
    core.recoverResources('f1', 'a1', out[0]!.resources, undefined, 0);
    expect(core.agentInfo('a1')!.available.equals(R('cpus:4;mem:1024;ports:[31000-31009]'))).toBe(true);
  });

  test('no offer below the minimum (cpus 0.01 or mem 32 MB); ports or disk alone are not offered', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:0.005;mem:31') });
    core.addAgent('a2', { total: R('ports:[1-2];disk:100') });
    core.addAgent('a3', { total: R('cpus:0.01;ports:[1-2]') });
    core.addFramework('f1', { roles: ['r'] });
    expect(core.allocate(0).map((a) => a.agentId)).toEqual(['a3']);
  });

  test('inactive frameworks and agents get and give nothing', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:1;mem:128') });
    core.addFramework('f1', { roles: ['r'], active: false });
    expect(core.allocate(0)).toEqual([]);
    core.activateFramework('f1');
    core.deactivateAgent('a1');
    expect(core.allocate(0)).toEqual([]);
    core.activateAgent('a1');
    expect(core.allocate(0)).toHaveLength(1);
  });

  test('removeFramework and removeAgent free everything', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:2;mem:256') });
    core.addAgent('a2', { total: R('cpus:2;mem:256') });
    core.addFramework('f1', { roles: ['r'] });
    expect(core.allocate(0)).toHaveLength(2);
    core.removeAgent('a2');
    expect(held(core, 'f1', 'r', 'cpus')).toBe(2);
    expect(core.totals()).toEqual({ cpus: 2, mem: 256 });
    core.removeFramework('f1');
    expect(core.agentInfo('a1')!.available.equals(R('cpus:2;mem:256'))).toBe(true);
    expect(core.roleInfo().find((r) => r.role === 'r')?.frameworks ?? []).toEqual([]);
  });

  test('used resources given at addAgent count for DRF', () => {
    const core = new AllocatorCore();
    core.addFramework('f1', { roles: ['r'] });
    core.addFramework('f2', { roles: ['r'] });
    core.addAgent('a1', { total: R('cpus:4;mem:1024') }, [{ frameworkId: 'f1', resources: R('cpus:1;mem:128').allocate('r') }]);
    core.addAgent('a2', { total: R('cpus:4;mem:1024') });
    const out = core.allocate(0);
    // f2 (share 0) first: a1's rest; then f1 (1/8) < f2 (3/8): a2.
    expect(out.map((a) => `${a.agentId}:${a.frameworkId}`)).toEqual(['a1:f2', 'a2:f1']);
    expect(out[0]!.resources.equals(R('cpus:3;mem:896').allocate('r'))).toBe(true);
  });
});

describe('Mesos scenarios', () => {
  test('DRF paper: 9 CPUs / 18 GB, <1 CPU, 4 GB> vs <3 CPUs, 1 GB>: 3 and 2 tasks', () => {
    const core = new AllocatorCore();
    core.addAgent('agent', { total: R('cpus:9;mem:18432') });
    core.addFramework('A', { roles: ['a'] });
    core.addFramework('B', { roles: ['b'] });
    const need: Record<string, Resources> = { A: R('cpus:1;mem:4096'), B: R('cpus:3;mem:1024') };
    const tasks: Record<string, number> = { A: 0, B: 0 };
    for (let round = 0; round < 50; round++) {
      const offers = core.allocate(round);
      let launched = 0;
      for (const o of offers) {
        const task = need[o.frameworkId]!.allocate(o.role);
        // Launch one task if it fits, decline the rest with refuse_seconds 0.
        if (o.resources.contains(task)) {
          tasks[o.frameworkId]!++;
          launched++;
          core.recoverResources(o.frameworkId, o.agentId, o.resources.subtract(task), 0, round);
        } else core.recoverResources(o.frameworkId, o.agentId, o.resources, 0, round);
      }
      if (launched === 0) break;
    }
    expect(tasks).toEqual({ A: 3, B: 2 });
    const roles = core.roleInfo();
    expect(roles.find((r) => r.role === 'a')!.share).toBeCloseTo(2 / 3);
    expect(roles.find((r) => r.role === 'b')!.share).toBeCloseTo(2 / 3);
  });

  test('weights 2:1 give shares 2:1 over many small agents', () => {
    const core = new AllocatorCore();
    for (let i = 0; i < 90; i++) core.addAgent(`a${String(i).padStart(3, '0')}`, { total: R('cpus:1;mem:1024') });
    core.setWeight('heavy', 2);
    core.addFramework('f-heavy', { roles: ['heavy'] });
    core.addFramework('f-light', { roles: ['light'] });
    keepAll(core);
    const heavy = held(core, 'f-heavy', 'heavy', 'cpus');
    const light = held(core, 'f-light', 'light', 'cpus');
    expect(heavy + light).toBe(90);
    expect(heavy).toBe(60);
    expect(light).toBe(30);
  });

  test('quota guarantee is honoured under contention', () => {
    const core = new AllocatorCore();
    for (let i = 0; i < 20; i++) core.addAgent(`a${String(i).padStart(2, '0')}`, { total: R('cpus:2;mem:2048') });
    core.setWeight('big', 10);
    core.addFramework('fb', { roles: ['big'] });
    core.addFramework('fq', { roles: ['q'] });
    // Without quota, DRF with weight 10:1 gives q about 1/11 of 40 cpus.
    core.setQuota('q', { guarantees: { cpus: 10 } });
    keepAll(core);
    expect(held(core, 'fq', 'q', 'cpus')).toBeGreaterThanOrEqual(10);
    expect(held(core, 'fb', 'big', 'cpus') + held(core, 'fq', 'q', 'cpus')).toBe(40);
  });

  test('quota limit is never exceeded', () => {
    const core = new AllocatorCore();
    for (let i = 0; i < 20; i++) core.addAgent(`a${String(i).padStart(2, '0')}`, { total: R('cpus:2;mem:2048') });
    core.setQuota('q', { guarantees: { cpus: 2 }, limits: { cpus: 5 } });
    core.addFramework('fq', { roles: ['q'] });
    core.addFramework('fo', { roles: ['other'] });
    for (let t = 0; t < 5; t++) keepAll(core, t);
    expect(held(core, 'fq', 'q', 'cpus')).toBe(5);
    expect(held(core, 'fo', 'other', 'cpus')).toBe(35);
  });

  test('unsatisfied guarantees of others are held back from stage 2', () => {
    const core = new AllocatorCore();
    for (let i = 0; i < 10; i++) core.addAgent(`a${i}`, { total: R('cpus:2;mem:2048') });
    core.setQuota('q', { guarantees: { cpus: 6 } });
    core.addFramework('fq', { roles: ['q'], suppressedRoles: ['q'] });
    core.addFramework('fo', { roles: ['other'] });
    keepAll(core);
    expect(held(core, 'fo', 'other', 'cpus')).toBe(14);
    // Q revives: it gets its guarantee at once.
    core.revive('fq');
    keepAll(core, 1);
    expect(held(core, 'fq', 'q', 'cpus')).toBe(6);
  });

  test('a filter holds until it expires, then the resources are offered again', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.addFramework('f1', { roles: ['r'] });
    const [o] = core.allocate(0);
    core.recoverResources('f1', 'a1', o!.resources, 10, 0);
    expect(core.nextFilterExpiry()).toBe(10_000);
    expect(core.allocate(1000)).toEqual([]);
    expect(core.allocate(9999)).toEqual([]);
    const again = core.allocate(10_000);
    expect(again).toHaveLength(1);
    expect(core.nextFilterExpiry()).toBeUndefined();
  });

  test('a filter refuses only what it contains; other frameworks still get the agent', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.addFramework('f1', { roles: ['r'] });
    core.addFramework('f2', { roles: ['r'] });
    const [o] = core.allocate(0);
    expect(o!.frameworkId).toBe('f1');
    // f1 keeps 1 cpu and declines the rest for an hour.
    core.recoverResources('f1', 'a1', o!.resources.subtract(R('cpus:1').allocate('r')), 3600, 0);
    const [o2] = core.allocate(1);
    expect(o2!.frameworkId).toBe('f2');
    core.recoverResources('f2', 'a1', o2!.resources, 3600, 1);
    expect(core.allocate(2)).toEqual([]);
    // f1 frees its cpu: more is available than f1 refused, so it is offered again.
    core.recoverResources('f1', 'a1', R('cpus:1').allocate('r'), undefined, 3);
    const [o3] = core.allocate(3);
    expect(o3!.frameworkId).toBe('f1');
    expect(o3!.resources.equals(R('cpus:4;mem:1024').allocate('r'))).toBe(true);
  });

  test('SUPPRESS stops offers; REVIVE resumes them at once and clears filters', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.addFramework('f1', { roles: ['r'] });
    const [o] = core.allocate(0);
    core.recoverResources('f1', 'a1', o!.resources, 3600, 0);
    core.suppress('f1');
    expect(core.allocate(1)).toEqual([]);
    core.revive('f1');
    expect(core.allocate(2)).toHaveLength(1);
  });

  test('suppress per role', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.addFramework('f1', { roles: ['x', 'y'] });
    core.suppress('f1', ['x']);
    const out = core.allocate(0);
    expect(out.map((a) => a.role)).toEqual(['y']);
  });

  test('reserved resources go only to their role (and its subroles)', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus(eng):4;mem(eng):1024;cpus:1;mem:128') });
    core.addFramework('fo', { roles: ['ops'] });
    let out = core.allocate(0);
    expect(out).toHaveLength(1);
    expect(out[0]!.resources.equals(R('cpus:1;mem:128').allocate('ops'))).toBe(true);
    core.addFramework('fb', { roles: ['eng/backend'] });
    out = core.allocate(1);
    expect(out).toHaveLength(1);
    expect(out[0]!.frameworkId).toBe('fb');
    expect(out[0]!.resources.equals(R('cpus(eng):4;mem(eng):1024').allocate('eng/backend'))).toBe(true);
  });

  test('nested roles: subtrees share fairly, then their children', () => {
    const core = new AllocatorCore();
    for (let i = 0; i < 40; i++) core.addAgent(`a${String(i).padStart(2, '0')}`, { total: R('cpus:1;mem:256') });
    core.addFramework('fb', { roles: ['eng/backend'] });
    core.addFramework('ff', { roles: ['eng/frontend'] });
    core.addFramework('fo', { roles: ['ops'] });
    keepAll(core);
    expect(held(core, 'fo', 'ops', 'cpus')).toBe(20);
    expect(held(core, 'fb', 'eng/backend', 'cpus')).toBe(10);
    expect(held(core, 'ff', 'eng/frontend', 'cpus')).toBe(10);
  });

  test('several frameworks in a role share by DRF within it', () => {
    const core = new AllocatorCore();
    for (let i = 0; i < 30; i++) core.addAgent(`a${String(i).padStart(2, '0')}`, { total: R('cpus:1;mem:256') });
    for (const f of ['f1', 'f2', 'f3']) core.addFramework(f, { roles: ['r'] });
    keepAll(core);
    expect(['f1', 'f2', 'f3'].map((f) => held(core, f, 'r', 'cpus'))).toEqual([10, 10, 10]);
  });

  test('event-triggered allocation restricted to some agents', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:1;mem:256') });
    core.addAgent('a2', { total: R('cpus:1;mem:256') });
    core.addFramework('f1', { roles: ['r'] });
    expect(core.allocate(0, ['a2']).map((a) => a.agentId)).toEqual(['a2']);
    expect(core.allocate(0).map((a) => a.agentId)).toEqual(['a1']);
  });

  test('an agent filtered for every framework is skipped until something changes', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.addFramework('f1', { roles: ['r'] });
    core.addFramework('f2', { roles: ['r'] });
    for (let t = 0; t < 2; t++) for (const o of core.allocate(t)) core.recoverResources(o.frameworkId, o.agentId, o.resources, 100, t);
    expect(core.filterCount).toBe(2);
    expect(core.allocate(10)).toEqual([]);
    expect(core.allocate(11)).toEqual([]);
    core.addFramework('f3', { roles: ['r'] });
    expect(core.allocate(12).map((o) => o.frameworkId)).toEqual(['f3']);
  });

  test('introspection', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.setWeight('r', 3);
    core.setQuota('r', { guarantees: { cpus: 1 }, limits: new Map([['cpus', 8]]) });
    core.addFramework('f1', { roles: ['r'] });
    core.allocate(0);
    const r = core.roleInfo().find((x) => x.role === 'r')!;
    expect(r).toMatchObject({ weight: 3, quota: { guarantees: { cpus: 1 }, limits: { cpus: 8 } }, allocated: { cpus: 4, mem: 1024 }, frameworks: ['f1'] });
    expect(r.share).toBeCloseTo(1 / 3);
    expect(core.frameworkInfo('f1')).toMatchObject({ active: true, roles: ['r'], allocated: { r: { cpus: 4, mem: 1024 } }, shares: { r: 1 } });
    expect(core.totals()).toEqual({ cpus: 4, mem: 1024 });
  });
});
