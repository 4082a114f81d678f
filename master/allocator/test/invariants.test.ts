import { describe, test, expect } from '@jest/globals';
import fc from 'fast-check';
import { Resources } from '../../../protocol/resources.js';
import { AllocatorCore, type Allocation } from '../core.js';

const ROLES = ['q', 'q/sub', 'other', 'r'];
const SHAPES = ['cpus:2;mem:2048', 'cpus:4;mem:1024;ports:[1-10]', 'cpus(q):2;mem(q):512;cpus:1;mem:256', 'cpus:0.5;mem:512'];

describe('AllocatorCore invariants with quota (property)', () => {
  test('nothing leaks and quota limits hold (role and subrole)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(SHAPES.length - 1), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(ROLES.length - 1), { minLength: 1, maxLength: 5 }),
        fc.record({ g: fc.integer({ min: 0, max: 6 }), l: fc.integer({ min: 0, max: 8 }), sub: fc.integer({ min: 0, max: 3 }) }),
        fc.array(fc.record({ keep: fc.boolean(), refuse: fc.constantFrom(0, 1, 30) }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (shapes, fwRoles, quota, replies, cycles) => {
          const core = new AllocatorCore();
          const limit = Math.max(quota.g, quota.l);
          core.setQuota('q', { guarantees: { cpus: quota.g }, limits: { cpus: limit } });
          if (quota.sub > 0) core.setQuota('q/sub', { limits: { cpus: quota.sub } });
          shapes.forEach((s, i) => core.addAgent(`a${i}`, { total: Resources.parse(SHAPES[s]!) }));
          fwRoles.forEach((r, i) => core.addFramework(`f${i}`, { roles: [ROLES[r]!] }));
          let now = 0;
          let n = 0;
          for (let c = 0; c < cycles; c++) {
            const out: Allocation[] = core.allocate(now);
            for (const a of out) {
              const reply = replies[n++ % replies.length]!;
              if (!reply.keep) core.recoverResources(a.frameworkId, a.agentId, a.resources, reply.refuse, now);
            }
            now += 1000;
          }
          // Conservation: available + allocated = total on every agent.
          for (const id of core.agentIds()) {
            const info = core.agentInfo(id)!;
            let sum = info.available;
            for (const r of info.allocated.values()) sum = sum.add(r.unallocate());
            expect(sum.equals(info.total)).toBe(true);
          }
          // Limits: unreserved cpus allocated to q's subtree never pass the limit.
          const unreservedCpus = (pred: (role: string) => boolean) => {
            let milli = 0;
            for (const id of core.agentIds()) {
              for (const r of core.agentInfo(id)!.allocated.values()) {
                for (const x of r.unreserved().toJSON()) if (x.name === 'cpus' && pred(x.allocation_info!.role)) milli += Math.round(x.scalar!.value * 1000);
              }
            }
            return milli;
          };
          const reservedQ = shapes.filter((s) => SHAPES[s]!.includes('cpus(q)')).length * 2000;
          expect(unreservedCpus((r) => r === 'q' || r.startsWith('q/')) + reservedQ).toBeLessThanOrEqual(Math.max(limit * 1000, reservedQ));
          if (quota.sub > 0) expect(unreservedCpus((r) => r === 'q/sub')).toBeLessThanOrEqual(quota.sub * 1000);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  test('a guarantee is met on a cluster that can meet it, whatever the other roles want', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), (g, others, weight) => {
        const core = new AllocatorCore();
        for (let i = 0; i < 12; i++) core.addAgent(`a${String(i).padStart(2, '0')}`, { total: Resources.parse('cpus:1;mem:1024') });
        core.setWeight('big', weight * 10);
        for (let i = 0; i < others; i++) core.addFramework(`big${i}`, { roles: ['big'] });
        core.addFramework('zq', { roles: ['q'] });
        core.setQuota('q', { guarantees: { cpus: g, mem: g * 1024 } });
        core.allocate(0);
        expect(core.frameworkInfo('zq')!.allocated['q']?.['cpus'] ?? 0).toBeGreaterThanOrEqual(g);
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
