// The agent with the real master and the SDK's scheduler driver, each in its
// own WebSocket runtime on 127.0.0.1, running real processes with fsync'ed
// checkpoints: status updates are retried until acknowledged while a
// libprocess-ts filter drops the acknowledgements on their way to the agent,
// and delivered in order once they pass. Also: an agent whose isolator cannot
// work on the host refuses to start, saying what is missing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { dropMessages } from 'libprocess-ts/testing';
import { SchedulerDriver, commandTask, offerResources, take, type Scheduler } from '../../framework/index.js';
import { startMaster } from '../../master/main.js';
import type { Offer, TaskStatus } from '../../protocol/types.js';
import { silentLogger } from '../containerizer/index.js';
import { startAgent, type StartedAgent } from '../main.js';
import { tempDir } from './helpers.js';
import { untilTrue } from '../../test/wait.js';

const quiet = createLogger('test', 'silent');

describe('agent + master + scheduler over WebSockets', () => {
  let master: Awaited<ReturnType<typeof startMaster>>;
  let agent: StartedAgent;
  let schedRt: Runtime;
  let driver: SchedulerDriver;
  const updates: TaskStatus[] = [];
  const offers: Offer[] = [];

  beforeAll(async () => {
    master = await startMaster({ ip: '127.0.0.1', port: 0, logger: quiet });
    agent = await startAgent(
      {
        master: master.pid.toString(),
        port: 0,
        work_dir: tempDir('agent-cluster-'),
        resources: 'cpus:2;mem:512;disk:512;ports:[31000-31010]',
        registration_backoff_factor: 0,
        status_update_retry_interval_min: '100ms',
        status_update_retry_interval_max: '400ms',
        fsync: true,
        seed: 7,
      },
      { logger: silentLogger },
    );
    schedRt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, name: 'scheduler', logger: quiet }).start();
    const scheduler: Scheduler = {
      resourceOffers: (_d, list) => void offers.push(...list),
      statusUpdate: (_d, status) => void updates.push(status),
    };
    driver = await SchedulerDriver.start({ master: master.pid.toString(), framework: { name: 'acks', checkpoint: true }, scheduler, runtime: schedRt, random: 1, logger: quiet });
    await untilTrue('an offer', () => offers.length > 0);
  });

  afterAll(async () => {
    await driver?.stop().catch(() => undefined);
    await schedRt?.stop();
    await agent?.stop();
    await master?.stop();
  });

  test('updates are resent until acknowledged (acks dropped by a filter), the scheduler sees each once, then the rest in order', async () => {
    const drop = dropMessages('status_update_acknowledgement', undefined, (pid) => pid.startsWith('slave(1)@'));
    try {
      const offer = offers.shift()!;
      driver.launchTasks(offer.id, [commandTask('acked', offer, take(offerResources(offer), 'cpus:0.1;mem:32')!, 'echo done')]);
      // The agent waits for the ack of TASK_STARTING before it sends anything else, so it resends it.
      await untilTrue('three dropped acknowledgements', () => drop.dropped.length >= 3);
      const seen = updates.filter((u) => u.task_id.value === 'acked').map((u) => u.state);
      expect(new Set(seen)).toEqual(new Set(['TASK_STARTING']));
      // The scheduler acknowledged it the first time: the driver acknowledges each resend again, not delivering it anew.
      expect(seen.length).toBe(1);
      const stream = agent.agent.sum.stream(driver.frameworkId!, 'acked');
      expect(stream?.head?.status.state).toBe('TASK_STARTING');
      expect(stream!.sends).toBeGreaterThanOrEqual(3);
    } finally {
      drop.remove();
    }
    await untilTrue('TASK_FINISHED', () => updates.some((u) => u.task_id.value === 'acked' && u.state === 'TASK_FINISHED'));
    // Once the acks pass, the rest follow in order; the finished stream is forgotten.
    const states = updates.filter((u) => u.task_id.value === 'acked').map((u) => u.state);
    const firstOf = (s: string): number => states.indexOf(s as TaskStatus['state']);
    expect(firstOf('TASK_STARTING')).toBeLessThan(firstOf('TASK_RUNNING'));
    expect(firstOf('TASK_RUNNING')).toBeLessThan(firstOf('TASK_FINISHED'));
    await untilTrue('the stream to end', () => agent.agent.sum.stream(driver.frameworkId!, 'acked') === undefined);
  });
});

describe('an isolator the host cannot serve', () => {
  const noCgroups = '22 1 0:21 / /proc rw - proc proc rw\n';

  test('stops the start with what is missing; with --strict=false the agent starts with posix and a warning', async () => {
    const flags = { master: '127.0.0.1:1', port: 0, resources: 'cpus:1;mem:64;disk:64;ports:[1-2]', isolation: 'cgroups/cpu,cgroups/mem', fsync: false };
    await expect(startAgent({ ...flags, work_dir: tempDir('agent-iso-') }, { logger: silentLogger, containerizer: { mountinfo: noCgroups } })).rejects.toThrow(
      /cgroups isolation is not usable on this host: .*no hierarchy mounted for cpu, cpuacct, memory/,
    );
    const warnings: string[] = [];
    const a = await startAgent({ ...flags, work_dir: tempDir('agent-iso-'), strict: 'false' }, { logger: { info: () => {}, warn: (m) => warnings.push(m) }, containerizer: { mountinfo: noCgroups } });
    try {
      expect(warnings.join('\n')).toMatch(/cgroups isolation is not usable on this host: .*falling back to posix\/cpu,posix\/mem/);
    } finally {
      await a.stop();
    }
  });
});
