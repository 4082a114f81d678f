// The driver under faults: the connection to the master broken and healed,
// the master replaced by another (a list of masters), a second scheduler
// instance taking over from the framework id file, stop with and without
// failover, a framework removed by the master.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMasterIn } from '../../master/main.js';
import { readFrameworkId } from '../scheduler/framework-id-file.js';
import { commandTask } from '../scheduler/helpers.js';
import { Recorder, cluster, eventually, startDriver, type Cluster } from './scheduler-support.js';

let c: Cluster | undefined;
let dir: string | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('SchedulerDriver faults', () => {
  test('a broken connection: disconnected, reconnect with backoff, resubscribe with the same id, reregistered, tasks still known', async () => {
    c = await cluster();
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const { driver, scheduler, runtime } = await startDriver(c);
    await c.clock.advance(5);
    const offer = scheduler.lastOffers()[0]!;
    driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 100')]);
    await c.clock.settle();
    expect(scheduler.states('t1')).toEqual(['TASK_RUNNING']);

    c.network.cut(runtime.address, c.masterRuntime.address);
    await c.clock.settle();
    expect(scheduler.types().filter((t) => t === 'disconnected')).toHaveLength(1);
    expect(c.master.state.frameworks.get('m1-0000')!.connected).toBe(false);
    // Still cut: attempts fail, backing off (1-2 s, 2-4 s, ...), no second `disconnected`.
    await c.clock.advance(10_000);
    expect(driver.connected).toBe(false);
    expect(scheduler.types().filter((t) => t === 'disconnected')).toHaveLength(1);

    c.network.heal();
    await c.clock.advance(60_000);
    expect(driver.connected).toBe(true);
    expect(scheduler.of('reregistered')).toHaveLength(1);
    expect(scheduler.of('registered')).toHaveLength(1);
    expect(driver.frameworkId).toBe('m1-0000');
    expect(c.master.state.frameworks.size).toBe(1);
    expect(c.master.state.frameworks.get('m1-0000')!.connected).toBe(true);
    expect(c.master.state.frameworks.get('m1-0000')!.tasks.get('t1')!.state).toBe('TASK_RUNNING');
    // The task is still there and the driver is usable again.
    expect(driver.reconcileTasks([{ task_id: { value: 't1' } }])).toBe(true);
    await c.clock.settle();
    expect(scheduler.of('update').at(-1)!.status.state).toBe('TASK_RUNNING');
    agent.update('t1', 'TASK_FINISHED');
    await c.clock.settle();
    expect(scheduler.states('t1').at(-1)).toBe('TASK_FINISHED');
  });

  test('the master goes away: the driver walks its list of masters and resubscribes with the same id to the new one', async () => {
    c = await cluster();
    const standby = await c.runtime('master2');
    const { master: master2, pid: pid2 } = startMasterIn(standby, { masterId: 'm2' });
    const { driver, scheduler } = await startDriver(c, { master: [c.masterPid.toString(), pid2.toString()] });
    expect(driver.master).toBe(c.masterPid.toString());
    await c.masterRuntime.stop();
    await c.clock.settle();
    expect(scheduler.types()).toContain('disconnected');
    await c.clock.advance(5_000);
    expect(driver.connected).toBe(true);
    expect(driver.master).toBe(pid2.toString());
    expect(scheduler.of('reregistered')).toHaveLength(1);
    expect(scheduler.of('reregistered')[0]!.masterInfo?.id).toBe('m2');
    expect(driver.frameworkId).toBe('m1-0000');
    expect(master2.state.frameworks.get('m1-0000')?.connected).toBe(true);
  });

  test('failover: a second scheduler with the same framework id file takes over; the first is told and aborted', async () => {
    c = await cluster();
    dir = await mkdtemp(join(tmpdir(), 'sdk-'));
    const file = join(dir, 'framework-id');
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const first = await startDriver(c, { frameworkIdFile: file }, 'sched1');
    await c.clock.advance(5);
    const offer = first.scheduler.lastOffers()[0]!;
    first.driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 100')]);
    await c.clock.settle();
    await eventually(async () => (await readFrameworkId(file)) === 'm1-0000');

    const second = await startDriver(c, { frameworkIdFile: file, scheduler: new Recorder() }, 'sched2');
    expect(second.scheduler.of('registered').map((e) => e.frameworkId.value)).toEqual(['m1-0000']);
    expect(first.scheduler.of('error').map((e) => e.message)).toEqual(['Framework failed over']);
    expect(first.driver.status).toBe('DRIVER_ABORTED');
    await expect(first.driver.join()).resolves.toBe('DRIVER_ABORTED');
    expect(c.master.state.frameworks.get('m1-0000')!.tasks.has('t1')).toBe(true);
    // Updates now go to the new instance.
    agent.update('t1', 'TASK_FINISHED');
    await c.clock.settle();
    expect(second.scheduler.states('t1')).toEqual(['TASK_FINISHED']);
    expect(first.scheduler.states('t1')).toEqual(['TASK_RUNNING']);
  });

  test('stop(true) leaves the framework for another instance; stop() tears it down and removes the id file', async () => {
    c = await cluster();
    dir = await mkdtemp(join(tmpdir(), 'sdk-'));
    const file = join(dir, 'fw', 'id');
    const { agent } = await c.agent({ resources: 'cpus:4;mem:1024' });
    const first = await startDriver(c, { frameworkIdFile: file }, 'sched1');
    await c.clock.advance(5);
    const offer = first.scheduler.lastOffers()[0]!;
    first.driver.launchTasks([offer.id], [commandTask('t1', offer, 'cpus:1;mem:128', 'sleep 100')]);
    await c.clock.settle();
    await eventually(async () => (await readFrameworkId(file)) === 'm1-0000');
    await expect(first.driver.stop(true)).resolves.toBe('DRIVER_STOPPED');
    await first.runtime.stop(); // the scheduler's OS process exits
    await c.clock.settle();
    const fw = c.master.state.frameworks.get('m1-0000')!;
    expect(fw.connected).toBe(false);
    expect(fw.tasks.has('t1')).toBe(true);

    const second = await startDriver(c, { frameworkIdFile: file, scheduler: new Recorder() }, 'sched2');
    expect(second.driver.frameworkId).toBe('m1-0000');
    expect(second.scheduler.of('registered')).toHaveLength(1);
    await expect(second.driver.stop()).resolves.toBe('DRIVER_STOPPED');
    await c.clock.settle();
    expect(c.master.state.frameworks.has('m1-0000')).toBe(false);
    expect(agent.named('shutdown_framework').map((b) => b.framework_id.value)).toEqual(['m1-0000']);
    expect(await readFrameworkId(file)).toBeUndefined();
  });

  test('stop right after registering, while the framework id is still being written: nothing left on disk once stop resolves', async () => {
    c = await cluster();
    dir = await mkdtemp(join(tmpdir(), 'sdk-'));
    const file = join(dir, 'fw', 'id');
    const { driver } = await startDriver(c, { frameworkIdFile: file });
    expect(driver.frameworkId).toBe('m1-0000'); // the id file's write has started, not finished
    await expect(driver.stop()).resolves.toBe('DRIVER_STOPPED');
    // The write finished before the removal, not after it: no id file, no temporary file.
    expect(await readdir(join(dir, 'fw'))).toEqual([]);
  });

  test('a framework the master removed (failover timeout passed) gets error() and the driver aborts', async () => {
    c = await cluster();
    const { driver, scheduler, runtime } = await startDriver(c, { framework: { user: 'tester', name: 'short', failover_timeout: 1 } });
    c.network.cut(runtime.address, c.masterRuntime.address);
    await c.clock.advance(2_000);
    expect(c.master.state.frameworks.has('m1-0000')).toBe(false);
    c.network.heal();
    await c.clock.advance(10_000);
    expect(scheduler.of('error')).toHaveLength(1);
    expect(scheduler.of('error')[0]!.message).toMatch(/m1-0000.*removed/);
    await expect(driver.join()).resolves.toBe('DRIVER_ABORTED');
  });
});
