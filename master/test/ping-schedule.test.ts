import { describe, test, expect } from '@jest/globals';
import { VirtualClock } from 'libprocess-ts';
import { Agent } from '../agent.js';
import { PingSchedule } from '../ping-schedule.js';
import { Resources } from '../../protocol/resources.js';

const PERIOD = 15_000;

function setup() {
  const clock = new VirtualClock();
  const pinged: [string, number][] = [];
  const agents = ['a', 'b', 'c'].map((id) => new Agent(id, { hostname: id }, `slave(1)@127.0.0.1:${id.charCodeAt(0)}`, Resources.empty(), '', clock.now()));
  const start = clock.now();
  const schedule: PingSchedule = new PingSchedule((ms, fn) => clock.timer(ms, fn), () => clock.now(), PERIOD, (agent) => {
    pinged.push([agent.id, clock.now() - start]);
    schedule.next(agent);
  });
  return { clock, pinged, agents, schedule };
}

describe('PingSchedule', () => {
  test('each agent is pinged once per period from when it was scheduled, on one timer', async () => {
    const { clock, pinged, agents: [a, b, c], schedule } = setup();
    schedule.next(a!);
    await clock.advance(5_000);
    schedule.next(b!);
    schedule.next(c!);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(40_000);
    expect(pinged).toEqual([
      ['a', 15_000], ['b', 20_000], ['c', 20_000],
      ['a', 30_000], ['b', 35_000], ['c', 35_000],
      ['a', 45_000],
    ]);
    expect(clock.pendingTimers).toBe(1);
  });

  test('a stopped agent is not pinged; scheduled again, it is pinged from then on, once', async () => {
    const { clock, pinged, agents: [a, b], schedule } = setup();
    schedule.next(a!);
    schedule.next(b!);
    await clock.advance(1_000);
    schedule.stop(a!);
    expect(a!.pingDue).toBeUndefined();
    await clock.advance(14_000);
    expect(pinged).toEqual([['b', 15_000]]);
    schedule.next(a!);
    schedule.next(a!); // restarted twice: the later time counts
    await clock.advance(15_000);
    // b was due again at 30 s before a was scheduled (at 15 s, after b's ping): b first.
    expect(pinged).toEqual([['b', 15_000], ['b', 30_000], ['a', 30_000]]);
  });

  test('close stops every ping and the timer', async () => {
    const { clock, pinged, agents, schedule } = setup();
    for (const a of agents) schedule.next(a);
    schedule.close();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(pinged).toEqual([]);
    expect(agents.every((a) => a.pingDue === undefined)).toBe(true);
  });
});
