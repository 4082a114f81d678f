import { describe, test, expect, afterAll } from '@jest/globals';
import { existsSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from 'libprocess-ts';
import { Containerizer } from '../containerizer.js';
import { detectResources, diskAfterHeadroom, memoryAfterHeadroom } from '../detect.js';
import { discoverGpus, GpuAllocator, parseGpuQuery } from '../nvidia.js';
import { createIsolators, parseIsolationNames } from '../isolators/index.js';
import { cpuShares, cfsQuotaUs, readMounts } from '../isolators/cgroups-fs.js';
import { parseStat } from '../proc.js';
import { createSandbox, gcDelayForDiskUsage, gcSandboxes, listSandboxes, sandboxPath, validatePathId } from '../sandbox.js';
import { silentLogger } from '../types.js';
import { cid, cleanup, tmp } from './helpers.js';
import { unshareUsable } from '../isolators/namespaces.js';
import { describeIf } from '../../../test/skip.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});
const mkdir = () => {
  const d = tmp('cz-misc-');
  dirs.push(d);
  return d;
};

describe('isolation selection', () => {
  test('an unknown isolator is a clear error listing the known ones', async () => {
    expect(() => parseIsolationNames('posix/cpu,cgroups/net')).toThrow(
      "Unknown isolator 'cgroups/net' in --isolation=posix/cpu,cgroups/net; known isolators: posix/cpu, posix/mem, cgroups/cpu, cgroups/mem, disk/du, namespaces/pid",
    );
    await expect(Containerizer.create({ metaDir: join(mkdir(), 'm'), isolation: 'bogus' })).rejects.toMatchObject({ code: 'UNKNOWN_ISOLATOR' });
    expect(() => parseIsolationNames(' , ')).toThrow(/empty/);
  });

  test('cgroups unusable: falls back to posix with a warning, or refuses when strict', async () => {
    const noCgroups = '22 1 0:21 / /proc rw - proc proc rw\n';
    const warnings: string[] = [];
    const iso = await createIsolators('cgroups/cpu,cgroups/mem,disk/du', {
      clock: realClock, logger: { info: () => {}, warn: (m) => warnings.push(m) }, mountinfo: noCgroups,
    });
    expect(iso.names).toEqual(['posix/cpu', 'posix/mem', 'disk/du']);
    expect(warnings[0]).toMatch(/cgroups isolation is not usable on this host: .*no cgroup2 mount.*no hierarchy mounted for cpu, cpuacct, memory.*falling back to posix/);
    await expect(createIsolators('cgroups/mem', { clock: realClock, logger: silentLogger, mountinfo: noCgroups, strict: true })).rejects.toMatchObject({
      code: 'ISOLATOR_UNAVAILABLE',
    });
  });

  test('Mesos cpu shares, CFS quota and mountinfo parsing', () => {
    expect(cpuShares(1)).toBe(1024);
    expect(cpuShares(0.001)).toBe(2);
    expect(cfsQuotaUs(0.25)).toBe(25000);
    expect(cfsQuotaUs(0.001)).toBe(1000);
    const m = readMounts('35 25 0:30 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory\n');
    expect(m).toEqual([{ point: '/sys/fs/cgroup/memory', fstype: 'cgroup', superOpts: ['rw', 'memory'] }]);
  });

  test('/proc stat lines with odd command names', () => {
    const line = '42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 987654 1000 250 18446744073709551615';
    expect(parseStat(line)).toMatchObject({ pid: 42, comm: 'a (b) c', state: 'S', ppid: 1, pgrp: 42, utime: 7, stime: 3, startTime: 987654, rss: 250 });
  });
});

describe('disk/du', () => {
  test('going over the disk limit is a disk limitation and the container is killed', async () => {
    const dir = mkdir();
    const cz = await Containerizer.create({ metaDir: join(dir, 'm'), isolation: 'posix/cpu,posix/mem,disk/du', diskWatchIntervalMs: 30 });
    const id = cid('d');
    const c = await cz.launch({
      containerId: id, sandbox: join(dir, id), limits: { diskMb: 1 },
      command: { shell: true, value: 'dd if=/dev/zero of=big bs=1M count=3 2>/dev/null; exec sleep 100' },
    });
    const t = await c.wait();
    expect(t.limitation).toEqual({ resource: 'disk', reason: 'REASON_CONTAINER_LIMITATION_DISK', message: expect.stringMatching(/^Disk usage \(3(\.\d+)?MB\) exceeds quota \(1MB\)$/) });
    expect(t.message).toBe(t.limitation!.message);
    expect(t.status?.signal).toBe('SIGKILL');
  });
});

describe('sandbox layout', () => {
  const ids = { agentId: 'S1', frameworkId: 'F1', executorId: 'E1', containerId: 'C1' };

  test('path and id validation', () => {
    expect(sandboxPath('/w', ids)).toBe('/w/slaves/S1/frameworks/F1/executors/E1/runs/C1');
    expect(() => sandboxPath('/w', { ...ids, frameworkId: 'a/b' })).toThrow(`Invalid framework id "a/b": it contains '/'`);
    expect(() => validatePathId('executor id', '..')).toThrow(`Invalid executor id "..": '.' and '..' are not allowed`);
    expect(() => validatePathId('agent id', '')).toThrow('Invalid agent id "": it is empty');
  });

  test('create with a latest symlink, list, and garbage-collect by age and by disk budget', async () => {
    const w = mkdir();
    const s1 = await createSandbox(w, ids);
    expect(existsSync(s1.directory)).toBe(true);
    expect(existsSync(s1.stdout) || existsSync(s1.stderr)).toBe(false); // the launcher's to make
    expect(readlinkSync(s1.latest)).toBe('C1');
    const s2 = await createSandbox(w, { ...ids, containerId: 'C2' });
    expect(readlinkSync(s2.latest)).toBe('C2');
    const s3 = await createSandbox(w, { ...ids, executorId: 'E2', containerId: 'C3' });
    writeFileSync(join(s3.directory, 'blob'), Buffer.alloc(200_000));
    const now = 1_700_000_000_000;
    const day = 86_400_000;
    utimesSync(s1.directory, (now - 10 * day) / 1000, (now - 10 * day) / 1000);
    utimesSync(s2.directory, (now - 2 * day) / 1000, (now - 2 * day) / 1000);
    utimesSync(s3.directory, (now - 1 * day) / 1000, (now - 1 * day) / 1000);
    expect((await listSandboxes(w)).length).toBe(3);

    expect(await gcSandboxes(w, { now, maxAgeMs: 7 * day })).toEqual([s1.directory]);
    expect(readlinkSync(s2.latest)).toBe('C2'); // latest still points at a live run
    // Over budget: the oldest goes first, and active runs are kept.
    expect(await gcSandboxes(w, { now, diskBudgetBytes: 100_000, isActive: (r) => r.ids.containerId === 'C3' })).toEqual([s2.directory]);
    expect(existsSync(s2.latest)).toBe(false);
    expect(await gcSandboxes(w, { now, diskBudgetBytes: 100_000 })).toEqual([s3.directory]);
    expect(gcDelayForDiskUsage(7 * day, 0.5)).toBeCloseTo(0.4 * 7 * day);
    expect(gcDelayForDiskUsage(7 * day, 0.95)).toBe(0);
  });
});

describe('resource detection', () => {
  test('Mesos headroom rules and the resource text', async () => {
    const GB = 1024 ** 3;
    expect(memoryAfterHeadroom(24 * GB)).toBe(23 * GB);
    expect(memoryAfterHeadroom(1 * GB)).toBe(0.5 * GB);
    expect(diskAfterHeadroom(100 * GB)).toBe(95 * GB);
    expect(diskAfterHeadroom(8 * GB)).toBe(4 * GB);
    const r = await detectResources(mkdir(), { totalMemBytes: 4 * GB, cpus: 3 });
    expect(r.memMb).toBe(3072);
    expect(r.text).toMatch(/^cpus:3;mem:3072;disk:\d+;ports:\[31000-32000\]$/);
    const host = await detectResources(mkdir());
    expect(host.cpus).toBeGreaterThanOrEqual(1);
    expect(host.diskMb).toBeGreaterThan(0);
  });

  test('GPUs: index and minor number of each from nvidia-smi; none without it; a failing nvidia-smi is an error naming it', async () => {
    const dir = mkdir();
    const smi = join(dir, 'nvidia-smi');
    // A test fixture answering the query the agent makes, as nvidia-smi does on a 2-GPU host (minors need not follow indices).
    writeFileSync(smi, '#!/bin/sh\n[ "$1" = "--query-gpu=index,minor_number" ] && [ "$2" = "--format=csv,noheader" ] || exit 9\nprintf "0, 3\\n1, 1\\n"\n', { mode: 0o755 });
    expect(await discoverGpus(smi)).toEqual([{ index: 0, minor: 3 }, { index: 1, minor: 1 }]);
    expect(await discoverGpus(join(dir, 'absent-smi'))).toEqual([]);
    const broken = join(dir, 'broken-smi');
    writeFileSync(broken, '#!/bin/sh\necho "NVIDIA-SMI has failed" >&2; exit 9\n', { mode: 0o755 });
    await expect(discoverGpus(broken)).rejects.toThrow(/broken-smi failed: NVIDIA-SMI has failed/);
    expect(() => parseGpuQuery('0, 0\n[N/A]\n')).toThrow("unexpected line '[N/A]'");
  });

  test('the GPU allocator: whole GPUs, lowest index first, refused past the free ones, released and claimed back', () => {
    const a = new GpuAllocator([{ index: 0, minor: 0 }, { index: 1, minor: 1 }, { index: 2, minor: 5 }]);
    expect(a.allocate(1)).toEqual([{ index: 0, minor: 0 }]);
    expect(a.allocate(2).map((g) => g.index)).toEqual([1, 2]);
    expect(() => a.allocate(1)).toThrow('Requested 1 GPU(s) but only 0 of 3 are free');
    expect(() => a.allocate(0.5)).toThrow("'gpus' must be a whole number of GPUs, not 0.5");
    a.release([1]);
    expect(a.available()).toEqual([1]);
    expect(() => a.claim([0])).toThrow('GPU(s) 0 are already in use');
    expect(() => a.claim([7])).toThrow("GPU(s) 7 are not among this agent's GPUs");
    expect(a.claim([1])).toEqual([{ index: 1, minor: 1 }]);
    expect(a.available()).toEqual([]);
  });
});

// Where unshare cannot make a pid namespace, reported as skipped with the reason (not passed).
describeIf(unshareUsable())('namespaces/pid', () => {
  test('the command is pid 1 of its own pid namespace; exit status passes through unshare', async () => {
    const dir = mkdir();
    const cz = await Containerizer.create({ metaDir: join(dir, 'm'), isolation: 'posix/cpu,namespaces/pid', strict: true });
    const id = cid('ns');
    const c = await cz.launch({ containerId: id, sandbox: join(dir, id), limits: {}, command: { shell: true, value: 'echo "pid=$$"; ls /proc | grep -c "^[0-9]"; exit 4' } });
    const t = await c.wait();
    expect(t.status?.code).toBe(4);
    const out = (await import('node:fs')).readFileSync(join(dir, id, 'stdout'), 'utf8').split('\n');
    expect(out[0]).toBe('pid=1');
    expect(Number(out[1])).toBeLessThanOrEqual(3);
  });
});
