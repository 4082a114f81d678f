/**
 * posix/rlimits with real processes: the limits of ContainerInfo.rlimit_info are the ones the
 * task's shell reports (`ulimit`), through each launcher; a container with limits on an agent
 * without the isolator is refused, never run unlimited.
 */
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerSpecOf } from '../../container-info.js';
import { Containerizer } from '../containerizer.js';
import { parseRLimitInfo } from '../rlimits.js';
import type { ContainerConfig } from '../types.js';
import { testIf } from '../../../test/skip.js';
import { cid, cleanup, tmp } from './helpers.js';

const root = process.getuid?.() === 0;
/** CAP_SYS_RESOURCE (bit 24) in this process's effective set: what raising a hard limit takes. */
const sysResource = (BigInt(`0x${readFileSync('/proc/self/status', 'utf8').match(/CapEff:\s+([0-9a-f]+)/)![1]}`) >> 24n) & 1n ? true : false;
const ownHardNofile = () => Number(readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+\d+\s+(\d+)/)![1]);
const NOFILE = { rlimits: [{ type: 'RLMT_NOFILE', soft: 123, hard: 456 }, { type: 'RLMT_CORE' }] };

describe.each(['helper', 'spawn', 'forkserver'] as const)('posix/rlimits, launcher %s', (launcher) => {
  let dir: string;
  let cz: Containerizer;
  beforeAll(async () => {
    dir = tmp('rlimits-');
    cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher, isolation: 'posix/cpu,posix/mem,posix/rlimits' });
  });
  afterAll(async () => {
    cz.close();
    await cleanup(dir);
  });

  function config(value: string, rlimitInfo: unknown, extra: Partial<ContainerConfig> = {}): ContainerConfig {
    const id = cid('rl');
    const spec = containerSpecOf({ type: 'MESOS', rlimit_info: rlimitInfo });
    if (spec.error) throw new Error(spec.error);
    return { containerId: id, command: { shell: true, value }, sandbox: join(dir, 'runs', id), limits: {}, ...(spec.spec ? { container: spec.spec } : {}), ...extra };
  }

  test('the task sees its soft and hard limits, and unlimited for a type given neither', async () => {
    const c = config('ulimit -n; ulimit -Hn; ulimit -c; ulimit -Hc', NOFILE);
    const t = await (await cz.launch(c)).wait();
    expect(readFileSync(join(c.sandbox, 'stderr'), 'utf8')).toBe('');
    expect(t.status?.code).toBe(0);
    expect(readFileSync(join(c.sandbox, 'stdout'), 'utf8')).toBe('123\n456\nunlimited\nunlimited\n');
  });

  test('without limits the task has the agent\'s', async () => {
    const c = config('ulimit -Hn', undefined);
    await (await cz.launch(c)).wait();
    expect(readFileSync(join(c.sandbox, 'stdout'), 'utf8').trim()).toBe(String(ownHardNofile()));
  });

  testIf(root ? null : 'switching to another user needs root')('as another user, the task runs under its limits', async () => {
    const c = config('id -u; ulimit -n; ulimit -Hn', { rlimits: [{ type: 'RLMT_NOFILE', soft: '64', hard: '100' }] }, { user: 'nobody' });
    const t = await (await cz.launch(c)).wait();
    expect(t.status?.code).toBe(0);
    const [uid, soft, hard] = readFileSync(join(c.sandbox, 'stdout'), 'utf8').trim().split('\n');
    expect(uid).not.toBe('0');
    expect([soft, hard]).toEqual(['64', '100']);
  });

  // A hard limit above the agent's own needs CAP_SYS_RESOURCE: set when the agent has it (the
  // helper sets limits before the ids drop), else the task fails at launch naming the limit.
  testIf(launcher === 'helper' ? null : 'this launcher sets limits through prlimit, as the task user')(`a hard limit above the agent's own${sysResource ? '' : ', without CAP_SYS_RESOURCE, fails naming it'}`, async () => {
    const c = config('ulimit -Hn', { rlimits: [{ type: 'RLMT_NOFILE', soft: '64', hard: String(ownHardNofile() + 1000) }] }, root ? { user: 'nobody' } : {});
    const t = await (await cz.launch(c)).wait();
    if (sysResource) {
      expect(t.status?.code).toBe(0);
      expect(readFileSync(join(c.sandbox, 'stdout'), 'utf8').trim()).toBe(String(ownHardNofile() + 1000));
    } else {
      expect(t.status?.code).toBe(126);
      expect(readFileSync(join(c.sandbox, 'stderr'), 'utf8')).toBe('mesos-ts: setrlimit RLIMIT_NOFILE: Operation not permitted\n');
    }
  });
});

describe('posix/rlimits refusals', () => {
  test('rlimit_info is checked as Mesos does, naming what is wrong', () => {
    expect(parseRLimitInfo({ rlimits: [{ type: 'RLMT_NOFILE', soft: 10, hard: 20 }] })).toEqual([{ name: 'NOFILE', soft: '10', hard: '20' }]);
    expect(parseRLimitInfo({ rlimits: [{ type: 10 }] })).toEqual([{ name: 'NOFILE', soft: null, hard: null }]);
    expect(() => parseRLimitInfo({ rlimits: [{ type: 'RLMT_NOFILE', soft: 10 }] })).toThrow('container.rlimit_info.rlimits[0] (RLMT_NOFILE): give both soft and hard, or neither for unlimited');
    expect(() => parseRLimitInfo({ rlimits: [{ type: 'RLMT_NOFILE', soft: 30, hard: 20 }] })).toThrow('soft limit 30 is above the hard limit 20');
    expect(() => parseRLimitInfo({ rlimits: [{ type: 'RLMT_FOO' }] })).toThrow(/rlimits\[0\]\.type must be one of RLMT_AS, .*got "RLMT_FOO"/);
    expect(() => parseRLimitInfo({ rlimits: [{ type: 'RLMT_CPU' }, { type: 'RLMT_CPU' }] })).toThrow('RLMT_CPU is given twice');
    expect(() => parseRLimitInfo({ rlimits: [{ type: 'RLMT_CPU', soft: -1, hard: 2 }] })).toThrow('.soft must be a non-negative integer');
    expect(containerSpecOf({ type: 'MESOS', rlimit_info: { rlimits: [{ type: 'RLMT_NOFILE', soft: 1 }] } }).error).toMatch(/give both soft and hard/);
  });

  test('an agent without posix/rlimits refuses a container with limits', async () => {
    const dir = tmp('rlimits-');
    const cz = await Containerizer.create({ metaDir: join(dir, 'meta'), launcher: 'helper' });
    try {
      const id = cid('rl');
      const spec = containerSpecOf({ type: 'MESOS', rlimit_info: NOFILE }).spec!;
      await expect(cz.launch({ containerId: id, command: { shell: true, value: 'true' }, sandbox: join(dir, id), limits: {}, container: spec }))
        .rejects.toThrow('The container has resource limits (rlimit_info) but this agent runs without the posix/rlimits isolator');
    } finally {
      cz.close();
      await cleanup(dir);
    }
  });
});
