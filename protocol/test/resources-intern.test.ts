import { describe, test, expect } from '@jest/globals';
import { Resources } from '../resources.js';
import { internResources } from '../resources-intern.js';
import { AllocatorCore } from '../../master/allocator/core.js';

const text = 'cpus:2;mem:2048;disk:4096;ports:[31000-32000]';

describe('internResources', () => {
  test('two separately parsed equal values come back as one object', () => {
    const a = internResources(Resources.parse(text));
    const b = Resources.parse(text);
    expect(b).not.toBe(a);
    expect(internResources(b)).toBe(a);
  });

  test('different contents stay apart: amounts, reservations, allocation, order', () => {
    const base = internResources(Resources.parse('cpus:3;mem:100'));
    for (const other of [
      Resources.parse('cpus:3;mem:101'),
      Resources.parse('cpus(web):3;mem:100'),
      Resources.parse('cpus:3;mem:100').allocate('web'),
      Resources.parse('mem:100;cpus:3'),
    ]) {
      const got = internResources(other);
      expect(got).toBe(other);
      expect(got).not.toBe(base);
      expect(got.toJSON()).toEqual(other.toJSON());
    }
  });

  test('the empty value is returned as is', () => {
    expect(internResources(Resources.empty())).toBe(Resources.empty());
  });

  test('the allocator keeps one total for agents alike, and their offers share its allocated form', () => {
    const core = new AllocatorCore();
    core.addAgent('a1', { total: Resources.parse(text) });
    core.addAgent('a2', { total: Resources.parse(text) });
    core.addAgent('a3', { total: Resources.parse('cpus:4;mem:2048') });
    core.addFramework('f1', { roles: ['web'] });
    expect(core.agentInfo('a1')!.total).toBe(core.agentInfo('a2')!.total);
    expect(core.agentInfo('a3')!.total).not.toBe(core.agentInfo('a1')!.total);
    const offers = core.allocate(0);
    const of = (agent: string) => offers.find((o) => o.agentId === agent)!.resources;
    expect(of('a1')).toBe(of('a2'));
    expect(of('a1').toString()).toBe(Resources.parse(text).allocate('web').toString());
    // A new total for one agent leaves the other's alone.
    core.updateAgentTotal('a2', Resources.parse('cpus:1;mem:2048;disk:4096;ports:[31000-32000]'));
    expect(core.agentInfo('a1')!.total.scalar('cpus')).toBe(2);
    expect(core.agentInfo('a2')!.total.scalar('cpus')).toBe(1);
  });

  test('agents of one reserved shape share its split: their offers to a role are one object', () => {
    const reserved = 'cpus:3;mem:1024;cpus(web):1;mem(web):512';
    const core = new AllocatorCore();
    core.addAgent('a1', { total: Resources.parse(reserved) });
    core.addAgent('a2', { total: Resources.parse(reserved) });
    core.addFramework('f1', { roles: ['web'] });
    const offers = core.allocate(0);
    const of = (agent: string) => offers.find((o) => o.agentId === agent)!.resources;
    expect(of('a1')).toBe(of('a2'));
    expect(of('a1').toString()).toBe(Resources.parse(reserved).allocate('web').toString());
  });
});
