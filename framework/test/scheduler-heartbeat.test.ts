// Against a scripted master: a master that stops sending heartbeats is
// treated as gone after two intervals; an unanswered subscription is retried
// with backoff; messages from a PID other than the current master are ignored.
import { afterEach, describe, expect, test } from '@jest/globals';
import { Process, Runtime, createLogger, type Handlers, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { MasterToScheduler, SchedulerToMaster } from '../../protocol/messages/master-scheduler.js';
import { SchedulerDriver } from '../scheduler/driver.js';
import { Recorder } from './scheduler-support.js';

type Got = { name: string; body: unknown };

/** Answers subscribe/resubscribe (unless `silent`) and records every call. */
class FakeMaster extends Process<SchedulerToMaster> {
  readonly got: Got[] = [];
  silent = false;
  scheduler: PID<MasterToScheduler> | undefined;
  protected handlers(): Handlers<SchedulerToMaster> {
    const record = (name: string) => (body: unknown) => void this.got.push({ name, body });
    const subscribe = (name: string) => (body: unknown, from: PID) => {
      this.got.push({ name, body });
      this.scheduler = from as PID<MasterToScheduler>;
      if (!this.silent) this.send(this.scheduler, 'subscribed', { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 });
    };
    return {
      subscribe: subscribe('subscribe'),
      resubscribe: subscribe('resubscribe'),
      accept: record('accept'),
      decline: record('decline'),
      revive: record('revive'),
      suppress: record('suppress'),
      kill: record('kill'),
      shutdown: record('shutdown'),
      acknowledge: record('acknowledge'),
      reconcile: record('reconcile'),
      message: record('message'),
      teardown: record('teardown'),
      update: record('update'),
      accept_inverse_offers: record('accept_inverse_offers'),
      decline_inverse_offers: record('decline_inverse_offers'),
      acknowledge_operation_status: record('acknowledge_operation_status'),
      reconcile_operations: record('reconcile_operations'),
    };
  }
  heartbeat(): void {
    this.send(this.scheduler!, 'heartbeat', {});
  }
}

let runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.reverse()) await r.stop();
  runtimes = [];
});

async function setup(silent = false) {
  const clock = new VirtualClock();
  const network = new SimulatedNetwork({ clock, seed: 1, latencyMs: 0 });
  const rt = async (name: string) => {
    const r = await new Runtime({ transport: network.transport(name), clock, name, logger: createLogger(name, 'silent') }).start();
    runtimes.push(r);
    return r;
  };
  const masterRuntime = await rt('fake');
  const master = new FakeMaster();
  master.silent = silent;
  const masterPid = masterRuntime.spawn(master, 'master');
  const scheduler = new Recorder();
  const driver = await SchedulerDriver.start({ master: masterPid.toString(), framework: { user: 'u', name: 'n' }, scheduler, runtime: await rt('sched'), random: 5 });
  await clock.settle();
  return { clock, master, driver, scheduler, masterRuntime };
}

describe('SchedulerDriver with a scripted master', () => {
  test('no heartbeat for two intervals: disconnected, then resubscribed with the id', async () => {
    const { clock, master, driver, scheduler } = await setup();
    expect(scheduler.types()).toEqual(['registered']);
    // Heartbeats are expected from the subscription on (the master sends them every 15 s).
    await clock.advance(29_000);
    expect(driver.connected).toBe(true);
    master.heartbeat();
    await clock.advance(29_000);
    master.heartbeat();
    await clock.advance(29_000);
    expect(driver.connected).toBe(true);
    await clock.advance(1_500);
    expect(scheduler.types()).toContain('disconnected');
    await clock.advance(3_000);
    expect(scheduler.types()).toEqual(['registered', 'disconnected', 'reregistered']);
    expect(master.got.map((g) => g.name)).toEqual(['subscribe', 'resubscribe']);
    expect(master.got[1]!.body).toMatchObject({ framework_info: { id: { value: 'fw-1' } }, failover: false });
  });

  test('an unanswered subscription is sent again after a growing backoff', async () => {
    const { clock, master, driver, scheduler } = await setup(true);
    expect(master.got).toHaveLength(1);
    await clock.advance(2_000);
    expect(master.got.length).toBe(2);
    await clock.advance(4_000);
    expect(master.got.length).toBe(3);
    master.silent = false;
    await clock.advance(8_000);
    expect(master.got.length).toBe(4);
    expect(master.got.every((g) => g.name === 'subscribe')).toBe(true);
    expect(scheduler.types()).toEqual(['registered']);
    expect(driver.frameworkId).toBe('fw-1');
    // Calls carry the framework id.
    driver.reviveOffers(['web']);
    await clock.settle();
    expect(master.got.at(-1)).toEqual({ name: 'revive', body: { roles: ['web'], framework_id: { value: 'fw-1' } } });
  });
});
