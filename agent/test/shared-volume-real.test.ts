// A shared persistent volume used by two tasks at once, with the real master,
// the real agent and the SDK's scheduler driver (each in its own WebSocket
// runtime on 127.0.0.1) and the tasks as real OS processes. A framework with
// SHARED_RESOURCES reserves disk, creates a shared volume and launches two
// tasks on it in one ACCEPT: each writes its own file into the volume and
// finishes only once it sees the other's, so both finishing shows they used it
// at the same time. A third task launched from a later offer (the volume is
// offered again while in use) reads both files, and so does a task of a group under the default
// executor, in its own nested container; the files outlive the tasks.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { SchedulerDriver, type Scheduler } from '../../framework/index.js';
import { startMaster } from '../../master/main.js';
import { Resources, type Resource } from '../../protocol/resources.js';
import { volumeInfo } from '../../protocol/volumes.js';
import type { Offer, TaskInfo, TaskStatus } from '../../protocol/types.js';
import { silentLogger } from '../containerizer/index.js';
import { startAgent, type StartedAgent } from '../main.js';
import { volumePath } from '../volumes.js';
import { tempDir } from './helpers.js';
import { untilTrue } from '../../test/wait.js';

const quiet = createLogger('test', 'silent');

const VOLUME: Resource = {
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 64 },
  reservations: [{ type: 'DYNAMIC', role: 'db', principal: 'ops' }],
  disk: { persistence: { id: 'shared1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
  shared: {},
};

/** Writes its name into the volume, then waits (bounded) for `other`'s file: exit 0 only when both were there. */
const meetScript = (me: string, other: string): string =>
  `echo ${me} > data/${me}; i=0; while [ ! -f data/${other} ]; do i=$((i+1)); [ $i -gt 600 ] && exit 7; sleep 0.05; done; cat data/${other}`;

function task(id: string, offer: Offer, command: string, resources = 'cpus(db@ops):0.1;mem(db@ops):32'): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [...Resources.parse(resources).allocate('db').toJSON(), { ...VOLUME, allocation_info: { role: 'db' } }],
    command: { value: command },
  };
}

const until = (what: string, check: () => boolean, ms = 30_000): Promise<void> => untilTrue(what, check, ms);

describe('a shared persistent volume, two tasks at once (real processes)', () => {
  let master: Awaited<ReturnType<typeof startMaster>>;
  let agent: StartedAgent;
  let schedRt: Runtime;
  let driver: SchedulerDriver;
  const workDir = tempDir('shared-volume-');
  const updates: TaskStatus[] = [];
  const offers: Offer[] = [];
  const stateOf = (id: string): string | undefined => updates.filter((u) => u.task_id.value === id).at(-1)?.state;

  beforeAll(async () => {
    master = await startMaster({ ip: '127.0.0.1', port: 0, logger: quiet });
    agent = await startAgent(
      { master: master.pid.toString(), port: 0, work_dir: workDir, resources: 'cpus:2;mem:512;disk:512', registration_backoff_factor: 0, fsync: false, seed: 7, launcher: 'spawn' },
      { logger: silentLogger },
    );
    schedRt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, name: 'scheduler', logger: quiet }).start();
    const scheduler: Scheduler = {
      resourceOffers: (_d, list) => void offers.push(...list),
      statusUpdate: (_d, status) => void updates.push(status),
    };
    driver = await SchedulerDriver.start({
      master: master.pid.toString(),
      framework: { name: 'shared', roles: ['db'], principal: 'ops', capabilities: [{ type: 'MULTI_ROLE' }, { type: 'SHARED_RESOURCES' }] },
      scheduler,
      runtime: schedRt,
      random: 1,
      logger: quiet,
    });
    await until('an offer', () => offers.length > 0);
  }, 60_000);

  afterAll(async () => {
    await driver?.stop().catch(() => undefined);
    await schedRt?.stop();
    await agent?.stop();
    await master?.stop();
  });

  test('both tasks see each other\'s file; a later task on the re-offered volume sees both; the data stays', async () => {
    const offer = offers.shift()!;
    driver.acceptOffers(offer.id, [
      { type: 'RESERVE', reserve: { resources: Resources.parse('cpus(db@ops):0.2;mem(db@ops):64;disk(db@ops):64').allocate('db').toJSON() } },
      { type: 'CREATE', create: { volumes: [{ ...VOLUME, allocation_info: { role: 'db' } }] } },
      { type: 'LAUNCH', launch: { task_infos: [task('a', offer, meetScript('a', 'b')), task('b', offer, meetScript('b', 'a'))] } },
    ]);
    await until('both tasks finished', () => stateOf('a') === 'TASK_FINISHED' && stateOf('b') === 'TASK_FINISHED');
    const running = updates.find((u) => u.task_id.value === 'a' && u.state === 'TASK_RUNNING');
    expect(running?.message).toMatch(/persistent volume shared1 at data \((bind mount|symlink)\)/);

    // The volume is offered again; a third task on it reads what both wrote.
    await until('the volume offered again', () => offers.some((o) => o.resources.some((r) => r.shared !== undefined)));
    const again = offers.find((o) => o.resources.some((r) => r.shared !== undefined))!;
    driver.acceptOffers(again.id, [{ type: 'LAUNCH', launch: { task_infos: [task('c', again, 'test "$(cat data/a data/b)" = "$(printf "a\\nb")"', 'cpus:0.1;mem:32')] } }]);
    await until('the reader finished', () => stateOf('c') !== undefined && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR'].includes(stateOf('c')!));
    expect(updates.filter((u) => u.task_id.value === 'c').map((u) => `${u.state} ${u.message ?? ''}`).at(-1)).toMatch(/^TASK_FINISHED/);
    // A task group under the default executor: its task's nested container gets the volume at its container_path too.
    const roomy = (o: Offer): boolean => o !== again && o.resources.some((r) => r.shared !== undefined) && Resources.of(o.resources).unreserved().scalar('cpus') >= 0.2;
    await until('the volume offered with room for a group', () => offers.some(roomy));
    const third = offers.find(roomy)!;
    driver.acceptOffers(third.id, [
      {
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: { type: 'DEFAULT', executor_id: { value: 'pod' }, framework_id: { value: driver.frameworkId! }, resources: Resources.parse('cpus:0.1;mem:32').allocate('db').toJSON() },
          task_group: { tasks: [task('g', third, 'test "$(cat data/a data/b)" = "$(printf "a\\nb")" && echo g > data/g', 'cpus:0.1;mem:32')] },
        },
      },
    ]);
    await until('the group task finished', () => stateOf('g') !== undefined && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR', 'TASK_LOST'].includes(stateOf('g')!));
    expect(updates.filter((u) => u.task_id.value === 'g').map((u) => `${u.state} ${u.message ?? ''}`).at(-1)).toMatch(/^TASK_FINISHED/);
    const dir = volumePath(workDir, volumeInfo(VOLUME));
    expect(readFileSync(join(dir, 'g'), 'utf8')).toBe('g\n');
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('a\n');
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('b\n');
  }, 90_000);
});
