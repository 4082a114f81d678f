// bench-launch's image row: the same tasks (`true`, through the Containerizer, at most C at
// once, checkpoints fsync'ed) on the host filesystem and in a busybox image (filesystem/linux +
// docker/runtime: a mount namespace, the overlay rootfs, pivot_root), in interleaved rounds.
// The image is pulled and provisioned before the first round (provisioning cached): each task
// pays for its own writable layer, its mounts and the pivot, as in production.
// Beside the rates, each round's CPU time per task (this process, all its threads, plus the
// row's own launcher helper and the tasks it reaped: /proc/<pid>/stat utime+stime+cutime+cstime):
// a figure that load from elsewhere on the machine changes less than it changes a rate.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { realClock } from 'libprocess-ts';
import { findHelper } from '../../agent/containerizer/binaries.js';
import { HelperLauncher } from '../../agent/containerizer/helper.js';
import { Containerizer } from '../../agent/containerizer/index.js';
import { removeOffLoop } from '../../agent/containerizer/remover.js';
import { filesystemLinuxUsable } from '../../agent/containerizer/isolators/filesystem-linux.js';
import { appLayer, busyboxLayer, busyboxMissing, dockerSave } from '../../agent/provisioner/image-builder.js';
import { createProvisioner } from '../../agent/provisioner/index.js';
import { dockerStoreDir } from '../../agent/image-flags.js';
import { interleave } from '../lib/rounds.js';
import { procCpuMs, selfCpuMs } from '../lib/proc-cpu.js';
import { pairedRatio, roundsFigure, type RoundsFigure } from '../lib/stats.js';

export interface ImageRows {
  host: RoundsFigure;
  image: RoundsFigure;
  /** The image with its writable layer in a tmpfs of each container's own (--image_provisioner_scratch=tmpfs). */
  imageTmpfs: RoundsFigure;
  /** CPU ms per task, each round (see above). */
  hostCpuMs: RoundsFigure;
  imageCpuMs: RoundsFigure;
  imageTmpfsCpuMs: RoundsFigure;
  /** Medians over rounds of each round's ratio (lib/stats.ts pairedRatio): rates over the host row's, CPU over the host's and tmpfs over image. */
  paired: { imageRate: number; tmpfsRate: number; imageCpu: number; tmpfsCpu: number; tmpfsOverImageCpu: number };
  tasksPerRound: number;
  rounds: number;
}

/** Why the image row cannot run here, or null. */
export function imageRowUnavailable(): string | null {
  return busyboxMissing() ?? filesystemLinuxUsable();
}

/** Runs `one(0..n-1)` at most `c` at once; the milliseconds it took. */
export async function pool(n: number, c: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) await one(next++);
  }));
  return performance.now() - t0;
}

export async function imageRows(tasks: number, concurrency: number, rounds: number): Promise<ImageRows> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-launch-image-'));
  try {
    const registry = join(dir, 'registry');
    mkdirSync(registry);
    writeFileSync(join(registry, 'bench:latest.tar'), dockerSave('bench:latest', [busyboxLayer(), appLayer()]));
    const provisioner = createProvisioner({ work_dir: join(dir, 'work'), image_providers: 'docker', docker_registry: registry }, realClock)!;
    await provisioner.store.get('bench'); // pulled and provisioned once: the rounds measure launches
    // The same store, the writable layers in memory.
    const tmpfsProvisioner = createProvisioner({ work_dir: join(dir, 'work-tmpfs'), image_providers: 'docker', docker_registry: registry, docker_store_dir: dockerStoreDir({ work_dir: join(dir, 'work') }), image_provisioner_scratch: 'tmpfs' }, realClock)!;
    await tmpfsProvisioner.store.get('bench');
    const isolation = 'posix/cpu,posix/mem';
    const helper = findHelper();
    if (!helper) throw new Error('bench-launch: the launcher helper is not built: run make build');
    // The default launcher, made here so that each row's helper process is known (its CPU is the row's).
    const hostLauncher = new HelperLauncher(helper, realClock);
    const imageLauncher = new HelperLauncher(helper, realClock);
    const tmpfsLauncher = new HelperLauncher(helper, realClock);
    const host = await Containerizer.create({ metaDir: join(dir, 'meta-host'), isolation, strict: true, launcher: hostLauncher });
    const image = await Containerizer.create({ metaDir: join(dir, 'meta-image'), isolation: `${isolation},filesystem/linux,docker/runtime`, strict: true, provisioner, launcher: imageLauncher });
    const imageTmpfs = await Containerizer.create({ metaDir: join(dir, 'meta-image-tmpfs'), isolation: `${isolation},filesystem/linux,docker/runtime`, strict: true, provisioner: tmpfsProvisioner, launcher: tmpfsLauncher });
    const perRound = Math.max(1, Math.floor(tasks / rounds));
    let seq = 0;
    const cpu = { host: [] as number[], image: [] as number[], imageTmpfs: [] as number[] };
    const measure = (cz: Containerizer, launcher: HelperLauncher, row: keyof typeof cpu) => async (): Promise<number> => {
      const withImage = row !== 'host';
      const cpu0 = selfCpuMs() + procCpuMs(launcher.serverPid);
      const ms = await pool(perRound, concurrency, async () => {
        const id = `bench-${seq++}`;
        const c = await cz.launch({
          containerId: id,
          sandbox: join(dir, 'runs', id),
          limits: { cpus: 0.1, memMb: 32 },
          command: { shell: true, value: 'true' },
          ...(withImage ? { container: { image: { type: 'DOCKER' as const, name: 'bench' } } } : {}),
        });
        const t = await c.wait();
        if (t.status?.code !== 0) throw new Error(`task ${id}: ${t.message}`);
        // Off the event loop (the agent's removal thread), as the agent discards what it no longer needs: a
        // synchronous rm here held every other task of the round (2-8 ms a sandbox on a busy ext4).
        await removeOffLoop(join(dir, 'runs', id));
      });
      const cpuMs = selfCpuMs() + procCpuMs(launcher.serverPid) - cpu0;
      cpu[row].push(cpuMs / perRound);
      return (perRound / ms) * 1000;
    };
    const figures = await interleave(
      [
        { name: 'host', measure: measure(host, hostLauncher, 'host') },
        { name: 'image', measure: measure(image, imageLauncher, 'image') },
        { name: 'imageTmpfs', measure: measure(imageTmpfs, tmpfsLauncher, 'imageTmpfs') },
      ],
      rounds,
    );
    for (const cz of [host, image, imageTmpfs]) cz.close();
    // Each row's first measurement is interleave's warm-up round, unrecorded like its rate.
    const [hostCpuMs, imageCpuMs, imageTmpfsCpuMs] = [roundsFigure(cpu.host.slice(1)), roundsFigure(cpu.image.slice(1)), roundsFigure(cpu.imageTmpfs.slice(1))];
    const [hostF, imageF, tmpfsF] = [figures.get('host')!, figures.get('image')!, figures.get('imageTmpfs')!];
    const paired = {
      imageRate: pairedRatio(imageF.rounds, hostF.rounds),
      tmpfsRate: pairedRatio(tmpfsF.rounds, hostF.rounds),
      imageCpu: pairedRatio(imageCpuMs.rounds, hostCpuMs.rounds),
      tmpfsCpu: pairedRatio(imageTmpfsCpuMs.rounds, hostCpuMs.rounds),
      tmpfsOverImageCpu: pairedRatio(imageTmpfsCpuMs.rounds, imageCpuMs.rounds),
    };
    return { host: hostF, image: imageF, imageTmpfs: tmpfsF, hostCpuMs, imageCpuMs, imageTmpfsCpuMs, paired, tasksPerRound: perRound, rounds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
