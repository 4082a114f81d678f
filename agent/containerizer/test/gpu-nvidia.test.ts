/**
 * gpu/nvidia on real processes: the machine has no GPU, so the test makes a
 * fixture of its own, two fake GPU device nodes (character major 195, as
 * NVIDIA's) and nvidiactl in a temp dir. A node with no driver behind it
 * opens with ENXIO ("No such device or address") when the devices cgroup lets
 * the open through, and EPERM when the cgroup refuses it: that difference is
 * what is checked.
 */
import { test, expect, beforeAll, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Containerizer } from '../containerizer.js';
import { findDevicesHierarchy } from '../isolators/devices-cgroup.js';
import { GpuAllocator } from '../nvidia.js';
import type { ContainerConfig } from '../types.js';
import { cid, cleanup, tmp, waitForFile } from './helpers.js';
import { describeIf } from '../../../test/skip.js';

const ROOT = 'mesos-ts-test';
const found = findDevicesHierarchy();
const mknodWorks = (): string | null => {
  const d = tmp('gpu-probe-');
  const r = spawnSync('mknod', [join(d, 'probe'), 'c', '195', '0']);
  spawnSync('rm', ['-rf', d]);
  return r.status === 0 ? null : `mknod fails here: ${r.stderr.toString().trim()}`;
};
const why = 'reason' in found ? found.reason : mknodWorks();

describeIf(why)('gpu/nvidia: whole GPUs per container, a devices cgroup, CUDA_VISIBLE_DEVICES', () => {
  let dir: string;
  let dev: string;
  let allocator: GpuAllocator;
  let cz: Containerizer;
  const metaDir = () => join(dir, 'meta');

  beforeAll(async () => {
    dir = tmp('gpu-');
    dev = join(dir, 'dev');
    spawnSync('mkdir', [dev]);
    for (const [name, minor] of [['nvidia0', 0], ['nvidia1', 1], ['nvidiactl', 255]] as const) {
      const r = spawnSync('mknod', ['-m', '666', join(dev, name), 'c', '195', String(minor)]);
      if (r.status !== 0) throw new Error(`mknod ${name}: ${r.stderr.toString()}`);
    }
    allocator = new GpuAllocator([{ index: 0, minor: 0 }, { index: 1, minor: 1 }]);
    cz = await Containerizer.create({ metaDir: metaDir(), isolation: 'posix/cpu,gpu/nvidia', gpuAllocator: allocator, nvidiaDevDir: dev, cgroupsRoot: ROOT, strict: true, launcher: 'helper' });
  });
  afterAll(async () => {
    await Promise.all(cz.containers().map((id) => cz.destroy(id)));
    cz.close();
    await cleanup(dir);
  });

  /** A task that records its CUDA_VISIBLE_DEVICES and how opening each fake GPU went, then waits to be killed. */
  function gpuTask(gpus: number): ContainerConfig {
    const id = cid('gpu');
    const probe = (n: number) => `cat ${dev}/nvidia${n} > /dev/null 2> open${n}; `;
    const value = `echo "$CUDA_VISIBLE_DEVICES" > visible; ${probe(0)}${probe(1)}cat ${dev}/nvidiactl > /dev/null 2> openctl; echo ok > ready; exec sleep 100`;
    return { containerId: id, command: { shell: true, value }, sandbox: join(dir, id), limits: { gpus } };
  }
  const read = (c: ContainerConfig, f: string) => readFileSync(join(c.sandbox, f), 'utf8').trim();

  test('two tasks get distinct GPUs, each opens its own and is refused the other; a third is refused; freed at the end, recovered after a restart', async () => {
    const a = gpuTask(1);
    const ka = await cz.launch(a);
    await waitForFile(join(a.sandbox, 'ready'));
    const b = gpuTask(1);
    await cz.launch(b);
    await waitForFile(join(b.sandbox, 'ready'));

    const ia = Number(read(a, 'visible'));
    const ib = Number(read(b, 'visible'));
    expect([ia, ib].sort()).toEqual([0, 1]);
    for (const [c, mine, other] of [[a, ia, ib], [b, ib, ia]] as const) {
      // Its own node gets past the cgroup to the (absent) driver; the other's stops at the cgroup.
      expect(read(c, `open${mine}`)).toMatch(/No such device or address/);
      expect(read(c, `open${other}`)).toMatch(/Operation not permitted/);
      expect(read(c, 'openctl')).toMatch(/No such device or address/);
    }
    const group = join((found as { mount: string }).mount, ROOT, a.containerId);
    expect(readFileSync(join(group, 'devices.list'), 'utf8')).toContain(`c 195:${ia} rwm`);
    expect(readFileSync(join(group, 'devices.list'), 'utf8')).not.toContain(`c 195:${ib} rwm`);
    expect(allocator.available()).toEqual([]);

    // Asking more GPUs than are free is refused, naming it, and takes none.
    await expect(cz.launch(gpuTask(1))).rejects.toThrow(/Requested 1 GPU\(s\) but only 0 of 2 are free/);

    // A task without GPUs opens none of them.
    const none = gpuTask(0);
    await cz.launch(none);
    await waitForFile(join(none.sandbox, 'ready'));
    expect(read(none, 'visible')).toBe('');
    expect(read(none, 'open0')).toMatch(/Operation not permitted/);
    expect(read(none, 'openctl')).toMatch(/Operation not permitted/);
    await cz.destroy(none.containerId);

    // The first task ends: its GPU is free again, its group gone, and the next task gets it.
    await ka.destroy();
    expect(allocator.available()).toEqual([ia]);
    expect(existsSync(group)).toBe(false);
    const c = gpuTask(1);
    await cz.launch(c);
    await waitForFile(join(c.sandbox, 'ready'));
    expect(Number(read(c, 'visible'))).toBe(ia);

    // The agent restarts: a new containerizer over the same checkpoints takes the running tasks' GPUs back.
    cz.close();
    const again = new GpuAllocator([{ index: 0, minor: 0 }, { index: 1, minor: 1 }]);
    const cz2 = await Containerizer.create({ metaDir: metaDir(), isolation: 'posix/cpu,gpu/nvidia', gpuAllocator: again, nvidiaDevDir: dev, cgroupsRoot: ROOT, strict: true, launcher: 'helper' });
    cz = cz2;
    allocator = again;
    const r = await cz2.recover([b.containerId, c.containerId]);
    expect(r.recovered.map((k) => k.id).sort()).toEqual([b.containerId, c.containerId].sort());
    expect(again.available()).toEqual([]);
    await cz2.destroy(b.containerId);
    expect(again.available()).toEqual([ib]);
    await cz2.destroy(c.containerId);
    expect(again.available()).toEqual([0, 1]);
  });

  test("a nested container sees its parent's GPU; a custom executor's container takes and gives back whole GPUs as its tasks come and go", async () => {
    const parent = gpuTask(1);
    const kp = await cz.launch(parent);
    await waitForFile(join(parent.sandbox, 'ready'));
    const mine = Number(read(parent, 'visible'));
    // A task of a group: its container is `<parent>.<child>`, in its parent's devices group.
    const child: ContainerConfig = { ...gpuTask(0), containerId: `${parent.containerId}.child` };
    await cz.launch(child);
    await waitForFile(join(child.sandbox, 'ready'));
    expect(Number(read(child, 'visible'))).toBe(mine);
    expect(read(child, `open${mine}`)).toMatch(/No such device or address/);
    expect(read(child, `open${1 - mine}`)).toMatch(/Operation not permitted/);
    await cz.destroy(child.containerId);
    expect(allocator.available()).toEqual([1 - mine]);

    // The executor's container grows by the other GPU (a second task with gpus:1), then shrinks to none.
    const group = join((found as { mount: string }).mount, ROOT, parent.containerId);
    await kp.update({ gpus: 2 });
    expect(allocator.available()).toEqual([]);
    expect(readFileSync(join(group, 'devices.list'), 'utf8')).toContain(`c 195:${1 - mine} rwm`);
    await kp.update({});
    expect(allocator.available()).toEqual([0, 1]);
    expect(readFileSync(join(group, 'devices.list'), 'utf8')).not.toContain('c 195:');
    await kp.destroy();
    expect(allocator.available()).toEqual([0, 1]);
  });

  test('a fractional GPU count is refused at launch, naming it', async () => {
    await expect(cz.launch(gpuTask(0.5))).rejects.toThrow("'gpus' must be a whole number of GPUs, not 0.5");
  });
});
