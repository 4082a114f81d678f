import { describe, test, expect } from '@jest/globals';
import fc from 'fast-check';
import { Resources } from '../../../protocol/resources.js';
import { AllocatorCore, type Allocation } from '../core.js';
import { ReferenceAllocator } from '../reference.js';

const ROLES = ['a', 'b', 'a/x', 'a/y', 'c'];
// Reservations to several roles on one agent (a, its subrole a/x, and b): once the unreserved part is given,
// only the roles under those reservations are visited, in the agent's role order.
const AGENT_SHAPES = ['cpus:4;mem:1024', 'cpus:2;mem:4096;ports:[1-4]', 'cpus(a):2;mem(a):512;cpus:2;mem:512', 'cpus(a/x):1;mem:256', 'cpus:0.5;mem:64', 'cpus:1;mem:128;cpus(b):1;mem(b):64;cpus(a/x):0.5;cpus(a):1'];

type Op =
  | { k: 'agent'; shape: number }
  | { k: 'framework'; roles: number[] }
  | { k: 'cycle'; agents: number[] | null; replies: { keep: number; refuse: number }[] }
  | { k: 'time'; ms: number }
  | { k: 'suppress'; f: number; role: number | null }
  | { k: 'revive'; f: number; role: number | null }
  | { k: 'weight'; role: number; w: number }
  | { k: 'release'; f: number }
  | { k: 'deactivate'; f: number }
  | { k: 'activate'; f: number }
  | { k: 'removeAgent'; a: number }
  | { k: 'removeFramework'; f: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('agent' as const), shape: fc.nat(AGENT_SHAPES.length - 1) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('framework' as const), roles: fc.uniqueArray(fc.nat(ROLES.length - 1), { minLength: 1, maxLength: 2 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      k: fc.constant('cycle' as const),
      agents: fc.option(fc.array(fc.nat(7), { maxLength: 3 }), { nil: null }),
      replies: fc.array(fc.record({ keep: fc.constantFrom(0, 0, 0, 1), refuse: fc.constantFrom(0, 0, 1, 5, 60) }), { minLength: 8, maxLength: 8 }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ k: fc.constant('time' as const), ms: fc.constantFrom(500, 1000, 5000, 60_000) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('suppress' as const), f: fc.nat(5), role: fc.option(fc.nat(ROLES.length - 1), { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('revive' as const), f: fc.nat(5), role: fc.option(fc.nat(ROLES.length - 1), { nil: null }) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('weight' as const), role: fc.nat(ROLES.length - 1), w: fc.constantFrom(0.5, 1, 2, 3) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('release' as const), f: fc.nat(5) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('deactivate' as const), f: fc.nat(5) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('activate' as const), f: fc.nat(5) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('removeAgent' as const), a: fc.nat(7) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('removeFramework' as const), f: fc.nat(5) }), weight: 1 },
);

// Resources in a canonical order: the same set may list its reserved and unreserved parts either way round.
const canonical = (r: Resources) => r.toString().split(';').sort().join(';');
const show = (xs: Allocation[]) => xs.map((a) => `${a.agentId} ${a.frameworkId} ${a.role} ${canonical(a.resources)}`);

describe('AllocatorCore against the naive reference', () => {
  test('same inputs, same allocations (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 45 }), (ops) => {
        const core = new AllocatorCore();
        const ref = new ReferenceAllocator();
        let now = 0;
        let agents = 0;
        let frameworks = 0;
        const live = { agents: new Set<string>(), frameworks: new Set<string>() };
        // What each framework holds: frameworkId -> list of allocations it kept.
        const kept = new Map<string, Allocation[]>();
        const fid = (i: number) => `f${i % Math.max(1, frameworks)}`;
        for (const o of ops) {
          switch (o.k) {
            case 'agent': {
              const id = `ag${agents++}`;
              live.agents.add(id);
              core.addAgent(id, { total: Resources.parse(AGENT_SHAPES[o.shape]!) });
              ref.addAgent(id, Resources.parse(AGENT_SHAPES[o.shape]!));
              break;
            }
            case 'framework': {
              const id = `f${frameworks++}`;
              live.frameworks.add(id);
              const roles = o.roles.map((r) => ROLES[r]!);
              core.addFramework(id, { roles });
              ref.addFramework(id, roles);
              break;
            }
            case 'cycle': {
              const ids = o.agents === null ? undefined : o.agents.map((a) => `ag${a}`);
              const got = core.allocate(now, ids);
              const want = ref.allocate(now, ids);
              expect(show(got)).toEqual(show(want));
              got.forEach((a, i) => {
                const reply = o.replies[i % o.replies.length]!;
                if (reply.keep === 0) {
                  core.recoverResources(a.frameworkId, a.agentId, a.resources, reply.refuse, now);
                  ref.recoverResources(a.frameworkId, a.agentId, a.resources, reply.refuse, now);
                } else {
                  const list = kept.get(a.frameworkId) ?? [];
                  list.push(a);
                  kept.set(a.frameworkId, list);
                }
              });
              break;
            }
            case 'time':
              now += o.ms;
              break;
            case 'suppress': {
              const roles = o.role === null ? undefined : [ROLES[o.role]!];
              core.suppress(fid(o.f), roles);
              ref.suppress(fid(o.f), roles);
              break;
            }
            case 'revive': {
              const roles = o.role === null ? undefined : [ROLES[o.role]!];
              core.revive(fid(o.f), roles);
              ref.revive(fid(o.f), roles);
              break;
            }
            case 'weight':
              core.setWeight(ROLES[o.role]!, o.w);
              ref.setWeight(ROLES[o.role]!, o.w);
              break;
            case 'release': {
              const list = kept.get(fid(o.f)) ?? [];
              const a = list.shift();
              if (a && live.agents.has(a.agentId)) {
                core.recoverResources(a.frameworkId, a.agentId, a.resources, undefined, now);
                ref.recoverResources(a.frameworkId, a.agentId, a.resources, undefined, now);
              }
              break;
            }
            case 'deactivate':
              core.deactivateFramework(fid(o.f));
              ref.deactivateFramework(fid(o.f));
              break;
            case 'activate':
              core.activateFramework(fid(o.f));
              ref.activateFramework(fid(o.f));
              break;
            case 'removeAgent': {
              const id = `ag${o.a}`;
              live.agents.delete(id);
              core.removeAgent(id);
              ref.removeAgent(id);
              for (const [f, list] of kept) kept.set(f, list.filter((a) => a.agentId !== id));
              break;
            }
            case 'removeFramework': {
              const id = fid(o.f);
              live.frameworks.delete(id);
              core.removeFramework(id);
              ref.removeFramework(id);
              kept.delete(id);
              break;
            }
          }
        }
        // A final full cycle well after every filter.
        expect(show(core.allocate(now + 3_600_000))).toEqual(show(ref.allocate(now + 3_600_000)));
      }),
      { numRuns: Number(process.env['ALLOC_EQ_RUNS'] ?? 300), seed: Number(process.env['ALLOC_EQ_SEED'] ?? 7) },
    );
  });
});
