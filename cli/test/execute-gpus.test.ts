// `mesos-ts execute --gpus=1` on a real local cluster whose agent runs gpu/nvidia. The machine has no GPU: the
// test's fixture is a fake nvidia-smi first on PATH (listing 2 GPUs) and fake device nodes (major 195, as
// NVIDIA's) in a temp dir given as --nvidia_dev_dir. The agent finds the 2 GPUs and offers them to the
// execute framework (GPU_RESOURCES); the task sees its index in CUDA_VISIBLE_DEVICES, gets through the devices
// cgroup to its own node (ENXIO: no driver behind it) and is refused the other's (EPERM).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { stopAll, runCli } from '../../test/processes.js';
import { describeIf } from '../../test/skip.js';
import { tempDir } from '../../test/temp.js';
import { findDevicesHierarchy } from '../../agent/containerizer/isolators/devices-cgroup.js';

const work = tempDir('mesos-ts-execute-gpus');
const devices = findDevicesHierarchy();
const why = 'reason' in devices ? devices.reason : null;

afterAll(async () => {
  await stopAll('SIGKILL');
  await work.remove();
});

const cli = runCli;

describeIf(why)('execute --gpus on an agent with gpu/nvidia (fake GPUs)', () => {
  let cluster: LocalCluster;
  const dev = join(work.path, 'dev');
  beforeAll(async () => {
    const bin = join(work.path, 'bin');
    mkdirSync(bin);
    mkdirSync(dev);
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\n[ "$1" = "--query-gpu=index,minor_number" ] || exit 9\nprintf "0, 0\\n1, 1\\n"\n', { mode: 0o755 });
    for (const [name, minor] of [['nvidia0', 0], ['nvidia1', 1], ['nvidiactl', 255]] as const) {
      const r = spawnSync('mknod', ['-m', '666', join(dev, name), 'c', '195', String(minor)]);
      if (r.status !== 0) throw new Error(`mknod ${name}: ${r.stderr.toString()}`);
    }
    cluster = await startLocal({
      masters: 1,
      agents: 1,
      args: ['--isolation=posix/cpu,posix/mem,gpu/nvidia', `--agent_flags=--nvidia_dev_dir=${dev}`],
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('the task gets one GPU: its index in CUDA_VISIBLE_DEVICES, its own node open to it, the other refused', async () => {
    const m = `--master=${cluster.masterList}`;
    const command = `echo "visible=$CUDA_VISIBLE_DEVICES"; for i in 0 1; do cat ${dev}/nvidia$i 2>&1; done; true`;
    const r = await cli(['execute', m, '--name=gpu', '--gpus=1', `--command=${command}`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = (await cli(['cat', 'gpu', m])).out;
    const index = Number(/visible=(\d)\n/.exec(out)?.[1]);
    expect([0, 1]).toContain(index);
    expect(out).toContain(`${dev}/nvidia${index}: No such device or address`);
    expect(out).toContain(`${dev}/nvidia${1 - index}: Operation not permitted`);

    const bad = await cli(['execute', m, '--gpus=0.5', '--command=true']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--gpus=0.5: expected a whole number of GPUs (1, 2, ...)');
  }, 60_000);
});
