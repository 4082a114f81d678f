// Offers in the resource format a framework understands, as Mesos's master sends them: without
// RESERVATION_REFINEMENT the old `role` + `reservation` form, with it the `reservations` stack; an ACCEPT
// in the old form is understood.
import { afterEach, describe, expect, test } from '@jest/globals';
import { preRefinement } from '../../protocol/reservations.js';
import { Resources } from '../../protocol/resources.js';
import type { Offer } from '../../protocol/types.js';
import { cluster, ledger, type Cluster } from './helpers/cluster.js';
import type { TestScheduler } from './helpers/peers.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

function only(s: TestScheduler): Offer {
  const offers = [...s.offers.values()];
  expect(offers).toHaveLength(1);
  return offers[0]!;
}

describe('the pre-refinement resource format', () => {
  test('preRefinement: role and reservation instead of the stack; unreserved is role *; a refined stack has no such form', () => {
    const [cpus, reserved, staticMem] = Resources.parse('cpus:1;cpus(eng@ops):2;mem(eng):64').toJSON();
    expect(preRefinement(cpus!)).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' });
    expect(preRefinement(reserved!)).toEqual({ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng', reservation: { principal: 'ops' } });
    expect(preRefinement(staticMem!)).toEqual({ name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: 'eng' });
    const refined = Resources.parse('cpus(eng@ops,eng/web@ops):1').toJSON()[0]!;
    expect(preRefinement(refined)).toBe(refined);
    // Read back, each is the same resource.
    for (const r of [cpus!, reserved!, staticMem!]) expect(Resources.of([preRefinement(r)]).equals(Resources.of([r]))).toBe(true);
  });

  test('a framework without RESERVATION_REFINEMENT is offered the old form and may answer in it; one with it, the stack', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { scheduler: old } = await c.scheduler({ role: 'eng', principal: 'ops' }, 'old');
    await c.clock.advance(5);
    let offer = only(old);
    expect(offer.resources.every((r) => r.role === '*' && r.reservations === undefined)).toBe(true);
    old.accept([offer.id.value], [{ type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops' }, allocation_info: { role: 'eng' } }] } }], 0);
    await c.clock.settle();
    expect(c.master.metrics()['master/invalid_operations'] ?? 0).toBe(0);
    await c.clock.advance(5);
    offer = only(old);
    const reserved = offer.resources.find((r) => r.name === 'cpus' && r.role === 'eng')!;
    expect(reserved).toMatchObject({ role: 'eng', reservation: { principal: 'ops' }, scalar: { value: 1 } });
    expect(reserved.reservations).toBeUndefined();
    old.decline([offer.id.value], 3600);
    await c.clock.settle();

    const { scheduler: fresh } = await c.scheduler({ role: 'eng', principal: 'ops', capabilities: [{ type: 'RESERVATION_REFINEMENT' }] }, 'fresh');
    await c.clock.advance(5);
    offer = only(fresh);
    const stacked = offer.resources.find((r) => r.name === 'cpus' && r.reservations !== undefined)!;
    expect(stacked.reservations).toEqual([{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }]);
    expect(stacked.role).toBeUndefined();
    expect(ledger(c)).toEqual([]);
  });
});
