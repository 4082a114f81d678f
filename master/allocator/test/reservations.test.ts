// The allocator with dynamic reservations: what an ACCEPT's RESERVE changes
// (updateAllocation) and an operator's (updateAvailable), reserved resources
// offered only to their role and its subroles (refinements to the subrole
// only), and reservations under quota: unallocated reservations count toward
// a role's guarantee and limit.
import { describe, expect, test } from '@jest/globals';
import { Resources } from '../../../protocol/resources.js';
import { AllocatorCore } from '../core.js';

const R = (s: string) => Resources.parse(s);
const offered = (core: AllocatorCore, now = 0) => core.allocate(now).map((a) => `${a.frameworkId}:${a.resources.unallocate().toString()}`);

describe('dynamic reservations in the allocator', () => {
  test('RESERVE in an ACCEPT: the framework holds the reservation, the agent total has it; recovered, it goes back to the role only', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    core.addFramework('eng1', { roles: ['eng'] });
    const [offer] = core.allocate(0);
    const from = R('cpus:1;mem:256').allocate('eng');
    const to = R('cpus(eng@ops):1;mem(eng@ops):256').allocate('eng');
    core.updateAllocation('eng1', 'a1', from, to);
    expect(core.agentInfo('a1')!.total.equals(R('cpus:3;mem:768;cpus(eng@ops):1;mem(eng@ops):256'))).toBe(true);
    expect(core.agentInfo('a1')!.available.isEmpty()).toBe(true);
    expect(core.frameworkInfo('eng1')!.allocated['eng']).toEqual({ cpus: 4, mem: 1024 });
    // Everything back; another role first: it gets only the unreserved part.
    core.recoverResources('eng1', 'a1', offer!.resources.subtract(from).add(to), 3600, 0);
    core.addFramework('ops1', { roles: ['ops'] });
    expect(offered(core)).toEqual(['ops1:cpus:3;mem:768']);
    core.addFramework('eng2', { roles: ['eng/web'] });
    expect(offered(core)).toEqual(['eng2:cpus(eng@ops):1;mem(eng@ops):256']);
  });

  test('an operator\'s change applies only to unallocated resources', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus:4;mem:1024') });
    expect(core.updateAvailable('a1', R('cpus:2'), R('cpus(eng@ops):2'))).toBe(true);
    expect(core.agentInfo('a1')!.total.equals(R('cpus:2;mem:1024;cpus(eng@ops):2'))).toBe(true);
    core.addFramework('f', { roles: ['ops'] });
    core.allocate(0); // ops holds all that is unreserved now
    expect(core.updateAvailable('a1', R('cpus:1'), R('cpus(eng@ops):1'))).toBe(false);
    expect(core.agentInfo('a1')!.total.equals(R('cpus:2;mem:1024;cpus(eng@ops):2'))).toBe(true);
    expect(core.updateAvailable('a1', R('cpus(eng@ops):2'), R('cpus:2'))).toBe(true);
    expect(core.updateAvailable('nope', R('cpus:1'), R('cpus(eng@ops):1'))).toBe(false);
  });

  test('hierarchical roles: a reservation to eng is offered to eng/a and eng/b/c, not to engineering or ops; one refined to eng/a only to eng/a', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus(eng@ops):2;mem(eng@ops):512') });
    core.addAgent('a2', { total: R('cpus(eng@ops,eng/a@ops):2;mem(eng@ops,eng/a@ops):512') });
    for (const [id, role] of [['f-engineering', 'engineering'], ['f-ops', 'ops']] as const) core.addFramework(id, { roles: [role] });
    expect(offered(core)).toEqual([]);
    core.addFramework('f-eng', { roles: ['eng'] });
    expect(offered(core)).toEqual(['f-eng:cpus(eng@ops):2;mem(eng@ops):512']);
    core.addFramework('f-engbc', { roles: ['eng/b/c'] });
    core.addFramework('f-enga', { roles: ['eng/a'] });
    expect(offered(core)).toEqual(['f-enga:cpus(eng@ops,eng/a@ops):2;mem(eng@ops,eng/a@ops):512']);
    core.recoverResources('f-eng', 'a1', R('cpus(eng@ops):2;mem(eng@ops):512').allocate('eng'), 3600, 0);
    expect(offered(core)).toEqual(['f-engbc:cpus(eng@ops):2;mem(eng@ops):512']);
  });

  test('quota: unallocated reservations count toward the guarantee and the limit', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: R('cpus(q@ops):3;mem(q@ops):300') });
    for (let i = 2; i <= 5; i++) core.addAgent(`a${i}`, { total: R('cpus:2;mem:200') });
    // q's guarantee of 3 cpus is met by its reservation: the unreserved cpus all go to the other role.
    core.setQuota('q', { guarantees: { cpus: 3 } });
    core.addFramework('other', { roles: ['other'] });
    const first = core.allocate(0);
    expect(first.every((a) => a.frameworkId === 'other')).toBe(true);
    expect(first.reduce((n, a) => n + a.resources.scalar('cpus'), 0)).toBe(8);
    // q's limit of 4 cpus: its 3 reserved and at most 1 unreserved.
    for (const a of first) core.recoverResources(a.frameworkId, a.agentId, a.resources, 3600, 0);
    core.setQuota('q', { limits: { cpus: 4 } });
    core.addFramework('qf', { roles: ['q'] });
    const second = core.allocate(1);
    const q = second.filter((a) => a.frameworkId === 'qf');
    expect(q.reduce((n, a) => n + a.resources.reserved('q').scalar('cpus'), 0)).toBe(3);
    expect(q.reduce((n, a) => n + a.resources.unreserved().scalar('cpus'), 0)).toBeLessThanOrEqual(1);
  });
});
