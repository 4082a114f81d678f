// The property DRAIN_AGENT and DEACTIVATE_AGENT are for: whatever the
// operator and the frameworks do, in any order, no offer is ever made of an
// agent that is draining, drained or deactivated (and none such is left
// outstanding), while the books balance. fast-check drives random sequences
// (MAINTENANCE_PROPERTY_RUNS, default 60; MAINTENANCE_PROPERTY_SEED) against
// a real master and allocator on the simulated network and virtual clock.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { HttpResponse } from 'libprocess-ts';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import { commandTask, type TestAgent, type TestScheduler } from './helpers/peers.js';

type Step =
  | { s: 'deactivate' | 'reactivate'; a: number }
  | { s: 'drain'; a: number; graceS: number }
  | { s: 'launch'; f: number }
  | { s: 'decline'; f: number; refuse: number }
  | { s: 'finish'; a: number }
  | { s: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ s: fc.constantFrom('deactivate' as const, 'reactivate' as const), a: fc.nat(2) }),
  fc.record({ s: fc.constant('drain' as const), a: fc.nat(2), graceS: fc.nat(20) }),
  fc.record({ s: fc.constant('launch' as const), f: fc.nat(1) }),
  fc.record({ s: fc.constant('decline' as const), f: fc.nat(1), refuse: fc.constantFrom(0, 1, 5) }),
  fc.record({ s: fc.constant('finish' as const), a: fc.nat(2) }),
  fc.record({ s: fc.constant('advance' as const), ms: fc.constantFrom(100, 1000, 5000) }),
);

async function operator(c: Cluster, body: unknown): Promise<number> {
  const res: HttpResponse = await c.masterRuntime.handleHttp({ method: 'POST', path: '/api/v1', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) } as never);
  return res.status;
}

const RUNS = Number(process.env['MAINTENANCE_PROPERTY_RUNS'] ?? 60);
const SEED = process.env['MAINTENANCE_PROPERTY_SEED'] !== undefined ? Number(process.env['MAINTENANCE_PROPERTY_SEED']) : undefined;

describe('the allocator and draining', () => {
  test('no offer is ever made of a draining, drained or deactivated agent', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const c = await cluster({ allocationIntervalMs: 1000 });
        try {
          const agents: TestAgent[] = [];
          for (let i = 0; i < 3; i++) agents.push((await c.agent({ resources: 'cpus:2;mem:256', hostname: `h${i}` })).agent);
          const schedulers: TestScheduler[] = [];
          const violations: string[] = [];
          for (let i = 0; i < 2; i++) {
            const { scheduler } = await c.scheduler({ name: `f${i}` });
            schedulers.push(scheduler);
            // Checked as each offer arrives: the books cannot change between the master's send and this (no latency, operator calls only between steps).
            scheduler.waiter.poke = ((poke) => () => {
              const last = scheduler.events.at(-1);
              if (last?.name === 'offers') for (const o of last.body.offers) if (c.master.state.maintenance.blocked(o.agent_id.value)) violations.push(`offer ${o.id.value} of blocked agent ${o.agent_id.value}`);
              poke();
            })(scheduler.waiter.poke.bind(scheduler.waiter));
          }
          let tasks = 0;
          for (const st of steps) {
            switch (st.s) {
              case 'deactivate':
              case 'reactivate': {
                const field = st.s === 'deactivate' ? 'deactivate_agent' : 'reactivate_agent';
                await operator(c, { type: st.s.toUpperCase() + '_AGENT', [field]: { agent_id: { value: agents[st.a]!.agentId } } });
                break;
              }
              case 'drain':
                await operator(c, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agents[st.a]!.agentId }, max_grace_period: { seconds: st.graceS } } });
                break;
              case 'launch': {
                const s = schedulers[st.f]!;
                const offer = [...s.offers.values()][0];
                if (offer !== undefined) s.launch(offer, [commandTask(`t${++tasks}`, offer, 'cpus:0.5;mem:32')]);
                break;
              }
              case 'decline': {
                const s = schedulers[st.f]!;
                if (s.offers.size > 0) s.decline([...s.offers.keys()], st.refuse);
                break;
              }
              case 'finish': {
                const a = agents[st.a]!;
                const running = [...a.running].find(([, r]) => r.state === 'TASK_RUNNING');
                if (running !== undefined) a.update(running[0], 'TASK_FINISHED');
                break;
              }
              case 'advance':
                await c.clock.advance(st.ms);
                break;
            }
            await c.clock.settle();
            for (const o of c.master.state.offers.all()) if (c.master.state.maintenance.blocked(o.agentId)) violations.push(`offer ${o.id} of blocked agent ${o.agentId} outstanding after ${st.s}`);
            for (const agent of c.master.state.agents.values()) if (c.master.state.maintenance.blocked(agent.id) && agent.active) violations.push(`agent ${agent.id} blocked but active`);
            expect(violations).toEqual([]);
            expect(ledger(c)).toEqual([]);
          }
          // A drained agent has no task left running.
          for (const [id, d] of c.master.state.maintenance.drains) {
            if (d.state === 'DRAINED') expect([...(c.master.state.agents.get(id)?.tasks.values() ?? [])].flatMap((m) => [...m.values()]).filter((t) => t.state === 'TASK_RUNNING' || t.state === 'TASK_STAGING')).toEqual([]);
          }
          n++;
        } finally {
          await c.stop();
        }
      }),
      { numRuns: RUNS, endOnFailure: true, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    expect(n).toBeGreaterThan(0);
  }, 120_000);
});
