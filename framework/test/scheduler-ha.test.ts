// The driver against masters with high availability (3 in-process HA masters
// on the simulated network, virtual time): it finds the leader from any
// master (not_leader names it), and after the leader is killed it finds the
// new one and resubscribes with the same framework id by itself.
import { describe, expect, test } from '@jest/globals';
import { createLogger } from 'libprocess-ts';
import { HaCluster } from '../../master/test/helpers/ha-cluster.js';
import type { MasterDetector } from '../scheduler/detector.js';
import { SchedulerDriver } from '../scheduler/driver.js';
import { Recorder } from './scheduler-support.js';

async function driverOn(c: HaCluster, masters: string[] | MasterDetector, seed: number, backoff?: { minMs: number; maxMs: number }): Promise<{ driver: SchedulerDriver; scheduler: Recorder }> {
  const runtime = await c.runtime(`framework${seed}`);
  const scheduler = new Recorder();
  const driver = await SchedulerDriver.start({ master: masters, framework: { name: 'ha', user: 'tester' }, scheduler, runtime, random: seed, logger: process.env['DEBUG_HA'] ? createLogger('driver', 'debug') : runtime.logger, ...(backoff ? { backoff } : {}) });
  return { driver, scheduler };
}

describe('SchedulerDriver with high availability', () => {
  test('given a follower first, it follows not_leader to the leader; the HTTP scheduler API of a follower answers 307', async () => {
    const c = new HaCluster(3, 21);
    await c.startAll();
    const leader = await c.awaitLeader();
    const follower = (leader + 1) % 3;
    const { driver, scheduler } = await driverOn(c, [c.masterPid(follower).toString(), c.masterPid((leader + 2) % 3).toString(), c.masterPid(leader).toString()], 1);
    await c.until(() => driver.connected, 5_000);
    expect(driver.master).toBe(c.masterPid(leader).toString());
    expect(scheduler.events.filter((e) => e.type === 'registered')).toHaveLength(1);
    expect(c.nodes[leader]!.ha!.master!.state.frameworks.get(driver.frameworkId!)?.connected).toBe(true);

    const res = await c.nodes[follower]!.runtime!.handleHttp({ method: 'POST', path: '/api/v1/scheduler', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, body: Buffer.from('{"type":"SUBSCRIBE"}') } as never);
    expect(res.status).toBe(307);
    expect(res.headers?.['location']).toBe(`http://${c.nodes[leader]!.address}/api/v1/scheduler`);
    await driver.stop();
    await c.stop();
  });

  test('the leader is killed: the driver finds the new leader and resubscribes with the same id (reregistered), by itself', async () => {
    const c = new HaCluster(3, 22, { reregisterTimeoutMs: 60_000 });
    await c.startAll();
    const leader = await c.awaitLeader();
    const masters = [0, 1, 2].map((i) => c.masterPid(i).toString());
    const { driver, scheduler } = await driverOn(c, masters, 2);
    await c.until(() => driver.connected, 5_000);
    const id = driver.frameworkId!;
    // The framework is in every replica's registry before the leader dies.
    await c.until(() => c.nodes.every((n) => n.ha!.registrar.registry.frameworks.has(id)));

    await c.kill(leader);
    const next = await c.awaitLeader(5_000, leader);
    await c.until(() => driver.connected, 10_000);
    expect(driver.master).toBe(c.masterPid(next).toString());
    expect(driver.frameworkId).toBe(id);
    expect(scheduler.events.filter((e) => e.type === 'disconnected')).toHaveLength(1);
    expect(scheduler.events.filter((e) => e.type === 'reregistered')).toHaveLength(1);
    expect(scheduler.events.filter((e) => e.type === 'registered')).toHaveLength(1);
    const f = c.nodes[next]!.ha!.master!.state.frameworks.get(id);
    expect(f?.connected).toBe(true);
    expect(c.nodes[next]!.ha!.master!.state.frameworks.size).toBe(1);
    await driver.stop();
    await c.stop();
  });

  test('an answer slower than the retry: the subscription it brings stands, and the retry still under way does not undo it', async () => {
    // With a 1 ms backoff every subscription is retried before its answer can arrive (the network takes 1-3 ms each way,
    // the registry write more). The retry asks the detector again, which takes a while (the replica-set detector asks a
    // master over HTTP) and starts from a follower. Once the slow answer has subscribed the driver, the retry must not go
    // on to subscribe to that follower, whose not_leader would disconnect it: at 50 frameworks under load that loop
    // never ended.
    const c = new HaCluster(3, 23);
    await c.startAll();
    const leader = await c.awaitLeader();
    const masters = [(leader + 1) % 3, (leader + 2) % 3, leader].map((i) => c.masterPid(i).toString());
    const detector: MasterDetector = {
      detect: (previous) => new Promise((resolve) => c.clock.timer(5, () => resolve(masters[(masters.indexOf(previous ?? '') + 1) % masters.length]!))),
    };
    const { driver, scheduler } = await driverOn(c, detector, 3, { minMs: 1, maxMs: 1 });
    await c.until(() => driver.connected, 5_000);
    await c.clock.advance(5_000);
    expect(driver.connected).toBe(true);
    expect(driver.master).toBe(c.masterPid(leader).toString());
    expect(scheduler.events.filter((e) => e.type === 'registered')).toHaveLength(1);
    expect(scheduler.events.filter((e) => e.type === 'disconnected')).toEqual([]);
    expect(c.nodes[leader]!.ha!.master!.state.frameworks.size).toBe(1);
    await driver.stop();
    await c.stop();
  });
});
