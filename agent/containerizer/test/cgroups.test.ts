import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Containerizer } from '../containerizer.js';
import { probeCgroups, CgroupsV1 } from '../isolators/cgroups-fs.js';
import { isAlive, readStat } from '../proc.js';
import type { ContainerConfig } from '../types.js';
import { cid, cleanup, tmp, waitFor, waitForFile } from './helpers.js';

const ROOT = 'mesos-ts-test';
// Detected, not assumed: the suite runs when a child cgroup can really be made here.
const probe = await probeCgroups(ROOT);
// Where it cannot, reported as skipped with the reason (test/jest/skip-reporter.js prints it).
const describeCgroups = probe.backend ? describe : describe.skip;

describeCgroups.each(['spawn', 'forkserver'] as const)(`cgroups isolation (${probe.backend?.describe() ?? 'unusable'}), launcher %s${probe.backend ? '' : ` [skipped: cgroups are not usable here: ${probe.reason}]`}`, (launcher) => {
  let dir: string;
  let cz: Containerizer;
  beforeAll(async () => {
    dir = tmp();
    cz = await Containerizer.create({
      metaDir: join(dir, 'meta'), isolation: 'cgroups/cpu,cgroups/mem', cgroupsRoot: ROOT, strict: true, oomPollMs: 50, launcher,
    });
  });
  afterAll(async () => {
    await Promise.all(cz.containers().map((id) => cz.destroy(id)));
    cz.close();
    await cleanup(dir);
  });

  function config(value: string, limits: ContainerConfig['limits']): ContainerConfig {
    const id = cid('cg');
    return { containerId: id, command: { shell: true, value }, sandbox: join(dir, id), limits };
  }

  test('the isolators in effect are the cgroups ones', () => {
    expect(cz.isolation).toEqual(['cgroups/cpu', 'cgroups/mem']);
    expect(cz.cgroups).not.toBeNull();
  });

  test('a process allocating beyond its memory limit is OOM-killed and reported as a memory limitation', async () => {
    const c = config('dd if=/dev/zero of=/dev/null bs=200M count=1', { memMb: 32, cpus: 1 });
    const k = await cz.launch(c);
    const memDir = k.isolators.length > 0 ? cz.cgroups!.paths(c.containerId, ['memory']).memory! : '';
    const t = await k.wait();
    expect(t.limitation?.reason).toBe('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(t.limitation?.resource).toBe('mem');
    expect(t.message).toMatch(/^Memory limit exceeded: Requested: 32MB Maximum Used: /);
    expect(t.status?.code === 137 || t.status?.signal === 'SIGKILL').toBe(true);
    expect(existsSync(memDir)).toBe(false);
  });

  test('cpu shares and quota, memory limit, usage read back; the groups are removed on destroy', async () => {
    const c = config('i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done; echo ready > ready; exec sleep 100', { cpus: 0.5, memMb: 64 });
    const k = await cz.launch(c);
    const paths = cz.cgroups!.paths(c.containerId, ['cpu', 'cpuacct', 'memory']);
    if (cz.cgroups instanceof CgroupsV1) {
      expect(readFileSync(join(paths.cpu!, 'cpu.shares'), 'utf8').trim()).toBe('512');
      expect(readFileSync(join(paths.cpu!, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
      expect(readFileSync(join(paths.memory!, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(64 * 1024 * 1024));
      // The prelude enters the groups before exec; the process is in all three once it runs the command.
      await waitForFile(join(c.sandbox, 'ready'));
      for (const d of [paths.cpu!, paths.cpuacct!, paths.memory!]) {
        expect(readFileSync(join(d, 'cgroup.procs'), 'utf8').trim().split('\n')).toContain(String(k.pid));
      }
    }
    await waitForFile(join(c.sandbox, 'ready'));
    const u = await k.usage();
    expect((u.cpus_user_time_secs ?? 0) + (u.cpus_system_time_secs ?? 0)).toBeGreaterThan(0);
    expect(u.cpus_limit).toBe(0.5);
    expect(u.processes).toBe(1);
    expect(u.mem_limit_bytes).toBe(64 * 1024 * 1024);
    expect(u.mem_total_bytes).toBeGreaterThan(0);
    expect(u.mem_total_bytes).toBeLessThan(64 * 1024 * 1024);
    expect(u.cpus_nr_periods).toBeGreaterThanOrEqual(0);
    await k.destroy();
    for (const p of Object.values(paths)) expect(existsSync(p!)).toBe(false);
  });

  test('a task running as another user enters its cgroups too', async () => {
    const c = { ...config('id -u; cat /proc/self/cgroup', { memMb: 32, cpus: 0.1 }), user: 'nobody' };
    const t = await (await cz.launch(c)).wait();
    expect(t.status?.code).toBe(0);
    const out = readFileSync(join(c.sandbox, 'stdout'), 'utf8');
    expect(out.split('\n')[0]).toBe('65534');
    expect(out).toContain(`memory:/${ROOT}/${c.containerId}`);
  });

  test('a child that escaped the process group (setsid) is killed through the cgroup', async () => {
    const c = config('setsid sleep 100 & echo $! > escaped; echo ready > ready; sleep 100', { cpus: 0.1, memMb: 32 });
    const k = await cz.launch(c);
    await waitForFile(join(c.sandbox, 'ready'));
    await waitForFile(join(c.sandbox, 'escaped'));
    const pid = Number(readFileSync(join(c.sandbox, 'escaped'), 'utf8'));
    await waitFor(async () => (await readStat(pid))?.comm === 'sleep', 3000, 'setsid to exec sleep');
    const st = (await readStat(pid))!;
    expect(st.pgrp).not.toBe(k.pid);
    await k.kill({ gracePeriodMs: 1000 });
    await waitFor(async () => !(await isAlive(pid, st.startTime)), 3000, 'the escaped process to die');
  });
});
