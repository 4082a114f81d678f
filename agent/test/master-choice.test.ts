// The choice of master for a registration and its delays (agent/registration.ts MasterChoice), shared by the real
// agent and the simulated one: the known leader is retried, a probe that names it again keeps the backoff growing.
import { describe, expect, test } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { LEADER_TRIES, MasterChoice, RegistrationBackoff } from '../registration.js';

const MASTERS = ['master@a:1', 'master@b:2', 'master@c:3'];
const FACTOR = 1000;
const choice = (seed: number): MasterChoice => new MasterChoice(MASTERS, new RegistrationBackoff(FACTOR, new Random(seed)));

describe('MasterChoice', () => {
  test('without a known leader an unanswered try goes on to the next master of the list', () => {
    const c = choice(1);
    expect(c.current).toBe(MASTERS[0]);
    expect([c.unanswered(), c.unanswered(), c.unanswered()]).toEqual([MASTERS[1], MASTERS[2], MASTERS[0]]);
  });

  test('a named leader is retried LEADER_TRIES times in all, then the next master; a lost one is not retried', () => {
    const c = choice(2);
    c.follow(MASTERS[2]!);
    const tries = Array.from({ length: LEADER_TRIES }, () => c.unanswered());
    expect(tries).toEqual([...Array<string>(LEADER_TRIES - 1).fill(MASTERS[2]!), MASTERS[0]!]);
    c.follow(MASTERS[1]!);
    c.lost(MASTERS[1]!);
    expect(c.unanswered()).toBe(MASTERS[2]);
  });

  test('a new leader starts the backoff over (first try within the factor); the leader followed already, named again after a probe, does not', () => {
    const again: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const c = choice(seed);
      expect(c.follow(MASTERS[1]!)).toBeLessThanOrEqual(FACTOR);
      for (let i = 0; i < 3; i++) c.retryDelay();
      for (let i = 0; i < LEADER_TRIES; i++) c.unanswered(); // on to the next master: a probe
      expect(c.leader).toBeUndefined();
      again.push(c.follow(MASTERS[1]!));
      expect(c.follow(MASTERS[2]!)).toBeLessThanOrEqual(FACTOR);
    }
    // The growing backoff's bound by then is 2 x 2^3 x the factor: most delays are far above a fresh first's.
    expect(again.filter((d) => d > FACTOR).length).toBeGreaterThan(30);
  });

  test('a leader that says so itself (elected, telling those it refused) is tried within the factor, even when a standby named it a moment before', () => {
    const grown: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const c = choice(seed);
      c.next(); // the leader was lost: the registration goes to MASTERS[1], refused (no leader yet)
      for (let i = 0; i < 3; i++) c.retryDelay();
      c.confirm(MASTERS[1]!); // a standby's push names it
      grown.push(c.follow(MASTERS[1]!));
      c.confirm(MASTERS[1]!);
      expect(c.follow(MASTERS[1]!, true)).toBeLessThanOrEqual(FACTOR);
    }
    // Without `itself` the same naming is "followed already": the grown backoff.
    expect(grown.filter((d) => d > FACTOR).length).toBeGreaterThan(30);
  });

  test('an answer makes its sender the known leader; a master confirmed while tried is retried', () => {
    const c = choice(3);
    c.registered(MASTERS[1]!);
    expect([c.current, c.leader]).toEqual([MASTERS[1], MASTERS[1]]);
    c.next();
    c.confirm(MASTERS[0]!); // not the one tried: nothing
    expect(c.leader).toBeUndefined();
    c.confirm(MASTERS[2]!);
    expect(c.unanswered()).toBe(MASTERS[2]);
    expect(() => new MasterChoice([], new RegistrationBackoff(FACTOR, new Random(1)))).toThrow('no master');
  });
});
