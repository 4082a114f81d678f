import { describe, expect, test } from '@jest/globals';
import { Resources } from '../../../protocol/resources.js';
import type { OutstandingOffer } from '../../offers.js';
import { declined, made, recalled, rescinded, used } from '../offers.js';
import { agent, books, framework, kinds } from './fixtures.js';

const offer = (id: string, frameworkId: string, agentId: string): OutstandingOffer => ({ id, frameworkId, agentId, role: '*', resources: Resources.parse('cpus:1;mem:512'), timer: undefined });

describe('offer transitions', () => {
  test('made, used by an ACCEPT: out of the books, nothing recovered here', () => {
    const b = books();
    made(b, offer('o1', 'f1', 'a1'));
    expect(b.offers.size).toBe(1);
    expect(used(b, [b.offers.get('o1')!])).toEqual([]);
    expect(b.offers.size).toBe(0);
  });

  test("declined: recovered with the filter; another framework's or a gone offer is ignored", () => {
    const b = books();
    const f1 = framework('f1');
    made(b, offer('o1', 'f1', 'a1'));
    expect(declined(b, framework('f2'), 'o1', 5)).toEqual([]);
    const effects = declined(b, f1, 'o1', 5);
    expect(kinds(effects)).toEqual(['count:master/offers_declined', 'recover']);
    expect(effects[1]).toMatchObject({ frameworkId: 'f1', agentId: 'a1', refuseSeconds: 5 });
    expect(declined(b, f1, 'o1', 5)).toEqual([]);
  });

  test('recalled: every offer of the framework back while its agent is registered, the scheduler not told', () => {
    const b = books();
    b.agents.set('a1', agent('a1'));
    made(b, offer('o1', 'f1', 'a1'));
    made(b, offer('o2', 'f1', 'a2'));
    made(b, offer('o3', 'f2', 'a1'));
    expect(kinds(recalled(b, 'f1'))).toEqual(['recover']);
    expect([...b.offers.all()].map((o) => o.id)).toEqual(['o3']);
  });

  test('rescinded: the connected scheduler is told, counted, recovered while the agent is registered', () => {
    const b = books();
    const f = framework('f1');
    b.frameworks.set('f1', f);
    b.agents.set('a1', agent('a1'));
    made(b, offer('o1', 'f1', 'a1'));
    made(b, offer('o2', 'f1', 'a2'));
    expect(kinds(rescinded(b, 'o1'))).toEqual(['rescind', 'count:master/offers_rescinded', 'recover']);
    f.connected = false;
    expect(kinds(rescinded(b, 'o2'))).toEqual(['count:master/offers_rescinded']);
    expect(rescinded(b, 'o2')).toEqual([]);
  });
});
