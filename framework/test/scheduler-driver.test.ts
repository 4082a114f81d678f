// The SchedulerDriver against the real master on a simulated network, with
// scripted agents: subscription, offers, launches, acknowledgements (implicit
// and explicit), declines with filters, kills, reconciliation, framework
// messages, calls while disconnected, the event iterator.
import { afterEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { MASTER_TO_SCHEDULER } from '../../protocol/messages/schemas.js';
import { SchedulerDriverError } from '../scheduler/driver.js';
import { commandTask, reconcileTasks } from '../scheduler/helpers.js';
import type { DriverEvent } from '../scheduler/scheduler.js';
import { cluster, startDriver, type Cluster } from './scheduler-support.js';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

describe('SchedulerDriver', () => {
  test('subscribes, gets registered with the framework id and master info, then offers', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c);
    expect(driver.status).toBe('DRIVER_RUNNING');
    expect(scheduler.types()[0]).toBe('registered');
    const reg = scheduler.of('registered')[0]!;
    expect(reg.frameworkId.value).toBe('m1-0000');
    expect(reg.masterInfo?.id).toBe('m1');
    expect(driver.frameworkId).toBe('m1-0000');
    expect(driver.connected).toBe(true);
    await expect(driver.registeredPromise()).resolves.toBe('m1-0000');
    await c.clock.advance(5);
    expect(scheduler.lastOffers()).toHaveLength(1);
    expect(driver.offers().size).toBe(1);
    expect(c.master.state.frameworks.get('m1-0000')!.info.name).toBe('sdk-test');
  });

  test('launchTasks -> TASK_RUNNING -> TASK_FINISHED, each acknowledged after the callback returns', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    let acksSeenInCallback = -1;
    scheduler.onStatus = () => {
      acksSeenInCallback = agent.acks.length;
    };
    expect(driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 1')])).toBe(true);
    expect(driver.offers().size).toBe(0);
    expect(driver.tasks().get('t1')?.state).toBe('TASK_STAGING');
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    expect(acksSeenInCallback).toBe(0);
    expect(agent.acks).toHaveLength(1);
    expect(driver.tasks().get('t1')?.state).toBe('TASK_RUNNING');
    agent.update('t1', 'TASK_FINISHED');
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(agent.acks).toHaveLength(2);
    expect(driver.tasks().has('t1')).toBe(false);
  });

  test('an async statusUpdate is acknowledged when its promise resolves, never when it rejects', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    let release!: () => void;
    scheduler.onStatus = (_d, s) => (s.state === 'TASK_RUNNING' ? new Promise<void>((r) => (release = r)) : Promise.reject(new Error('db down')));
    driver.launchTasks(offer.id.value, [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 1')]);
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    expect(agent.acks).toHaveLength(0);
    release();
    await c.clock.settle();
    expect(agent.acks).toHaveLength(1);
    agent.update('t1', 'TASK_FAILED');
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    expect(agent.acks).toHaveLength(1);
  });

  test('explicit acknowledgements: nothing until acknowledgeStatusUpdate', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c, { implicitAcknowledgements: false });
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128')]);
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);
    expect(agent.acks).toHaveLength(0);
    const status = scheduler.of('update')[0]!.status;
    expect(driver.acknowledgeStatusUpdate(status)).toBe(true);
    await c.clock.settle();
    expect(agent.acks).toHaveLength(1);
    expect(agent.acks[0]).toBe(`t1:${Buffer.from(status.uuid!).toString('hex')}`);
  });

  test('declineOffer with refuse_seconds holds the agent back that long', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { driver, scheduler } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    expect(driver.declineOffer(offer.id, { refuse_seconds: 30 })).toBe(true);
    await c.clock.advance(29_000);
    expect(scheduler.of('offers')).toHaveLength(1);
    await c.clock.advance(2_000);
    expect(scheduler.of('offers')).toHaveLength(2);
    expect(c.master.metrics()['master/offers_declined']).toBe(1);
  });

  test('suppressOffers stops offers and reviveOffers brings them back at once', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:2;mem:512' });
    const { driver, scheduler } = await startDriver(c);
    await c.clock.advance(5);
    driver.suppressOffers();
    driver.declineOffer(scheduler.lastOffers()[0]!.id, { refuse_seconds: 1 });
    await c.clock.advance(10_000);
    expect(scheduler.of('offers')).toHaveLength(1);
    driver.reviveOffers();
    await c.clock.advance(1_100);
    expect(scheduler.of('offers')).toHaveLength(2);
  });

  test('killTask finds the agent from its books; the update is TASK_KILLED', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128')]);
    await c.clock.settle();
    expect(driver.killTask('t1')).toBe(true);
    await c.clock.settle();
    expect(agent.named('kill_task').map((k) => k.task_id.value)).toEqual(['t1']);
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING', 'TASK_KILLED']);
  });

  test('reconciliation: the helper asks until every task is known, then once implicitly', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128')]);
    await c.clock.settle();
    const before = c.master.metrics()['master/reconciliations'] ?? 0;
    const done = reconcileTasks(driver, [{ task_id: { value: 't1' }, agent_id: offer.agent_id }, { task_id: { value: 'ghost' } }]);
    await c.clock.settle();
    const known = await done;
    expect(known.get('t1')?.state).toBe('TASK_RUNNING');
    expect(known.get('t1')?.reason).toBe('REASON_RECONCILIATION');
    // Not PARTITION_AWARE: the master says TASK_LOST where it would say TASK_UNKNOWN.
    expect(known.get('ghost')?.state).toBe('TASK_LOST');
    await c.clock.settle();
    // One explicit round, one implicit.
    expect((c.master.metrics()['master/reconciliations'] ?? 0) - before).toBe(2);
    expect(scheduler.states('t1').filter((s) => s === 'TASK_RUNNING').length).toBe(3);
  });

  test('framework messages both ways', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler } = await startDriver(c);
    expect(driver.sendFrameworkMessage('exec1', agent.agentId!, 'hello')).toBe(true);
    await c.clock.settle();
    const got = agent.named('framework_to_executor');
    expect(got).toHaveLength(1);
    expect(Buffer.from(got[0]!.data).toString()).toBe('hello');
    agent.send(c.masterPid, 'executor_to_framework', { agent_id: { value: agent.agentId! }, framework_id: { value: driver.frameworkId! }, executor_id: { value: 'exec1' }, data: new TextEncoder().encode('back') });
    await c.clock.settle();
    const msg = scheduler.of('message')[0]!;
    expect(msg.executorId.value).toBe('exec1');
    expect(new TextDecoder().decode(msg.data)).toBe('back');
  });

  test('events() gives the same events as an async iterator and ends when the driver stops', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver } = await startDriver(c);
    const seen: DriverEvent['type'][] = [];
    const consumed = (async () => {
      for await (const e of driver.events()) {
        seen.push(e.type);
        if (e.type === 'offers') driver.declineOffer(e.offers[0]!.id, { refuse_seconds: 1 });
      }
    })();
    driver.declineOffer([...driver.offers().keys()][0]!, { refuse_seconds: 1 });
    await c.clock.advance(1_100);
    await c.clock.advance(1_100);
    await driver.stop();
    await consumed;
    expect(seen).toEqual(['offers', 'offers']);
  });

  test('calls while disconnected are refused: false, and a launch comes back as TASK_DROPPED', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler, runtime } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    c.network.cut(runtime.address, c.masterRuntime.address);
    await c.clock.settle();
    expect(scheduler.types()).toContain('disconnected');
    expect(driver.connected).toBe(false);
    expect(driver.offers().size).toBe(0);
    expect(driver.reviveOffers()).toBe(false);
    expect(driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128')])).toBe(false);
    await c.clock.settle();
    const dropped = scheduler.of('update').map((e) => e.status);
    expect(dropped.map((s) => [s.task_id.value, s.state, s.reason])).toEqual([['t1', 'TASK_DROPPED', 'REASON_MASTER_DISCONNECTED']]);
    await driver.stop();
    expect(() => driver.reviveOffers()).toThrow(SchedulerDriverError);
    expect(() => driver.reviveOffers()).toThrow('reviveOffers: the scheduler driver is stopped');
  });

  test('fuzzed bodies from its master: refused or handled, no handler throws, the driver goes on', async () => {
    c = await cluster();
    await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, runtime } = await startDriver(c);
    await c.clock.advance(5);
    const any = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 4 });
    const shaped = (fields: readonly string[]) => fc.dictionary(fc.constantFrom(...fields), any, { maxKeys: fields.length });
    const wire = new Packr({ useRecords: false, variableMapSize: true }); // the codec's settings
    let sent = 0;
    for (const [name, schema] of Object.entries(MASTER_TO_SCHEDULER)) {
      if (name === 'framework_error') continue; // well-formed, it ends the framework
      const fields = Object.keys(schema);
      for (const body of fc.sample(fields.length > 0 ? fc.oneof(shaped(fields), any) : any, { numRuns: 60, seed: name.length })) {
        try {
          wire.pack(body);
        } catch {
          continue; // nothing a peer could send
        }
        c.masterRuntime.post(c.masterPid.toString(), driver.pid.toString(), name, body);
        sent++;
      }
    }
    await c.clock.settle();
    expect(sent).toBeGreaterThan(300);
    expect(runtime.metrics().handler_errors).toBe(0);
    expect(driver.invalidMessages).toBeGreaterThan(sent / 2);
    expect(driver.status).toBe('DRIVER_RUNNING');
    expect(driver.connected).toBe(true);
    // Still served by its master: a real offer, declined, comes back.
    const real = [...driver.offers().keys()].filter((k) => k.startsWith('m1-O'));
    expect(real).toHaveLength(1);
    driver.declineOffer(real[0]!, { refuse_seconds: 1 });
    await c.clock.advance(2_100); // the filter (1 s) lapses, then the next allocation batch offers it again
    expect([...driver.offers().keys()].filter((k) => k.startsWith('m1-O') && k !== real[0])).toHaveLength(1);
  });
});
