// filesystem/linux's mount plan (mount-plan.ts, helper/mounts.c): refused when malformed, in
// TypeScript before it leaves the agent and again by the launcher; carried out by the launcher in
// its forked child (the default), behind namespaces/pid's unshare and for the other launchers (as
// `mesos-ts-launcher mount ... --`); a symlink of the image on a mount path is refused. Real
// containers in a busybox image (root, overlay, /bin/busybox).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from 'libprocess-ts';
import { describeIf } from '../../../test/skip.js';
import { busyboxLayer, busyboxMissing, dockerSave, tar } from '../../provisioner/image-builder.js';
import { createProvisioner } from '../../provisioner/index.js';
import type { Provisioner } from '../../provisioner/provisioner.js';
import { findHelper } from '../binaries.js';
import { Containerizer } from '../containerizer.js';
import { filesystemLinuxUsable } from '../isolators/filesystem-linux.js';
import { mountPlanFields, validateMountPlan, type MountPlan } from '../mount-plan.js';
import { cid, cleanup, tmp } from './helpers.js';

const ROOT = { lower: '/var/lib/img/rootfs', upper: '/w/c/upper', work: '/w/c/work', target: '/w/mnt' };

describe('a mount plan is checked before it leaves the agent', () => {
  test.each<[string, MountPlan, RegExp]>([
    ['a relative volume source', { binds: [{ source: 'data', target: '/data', readOnly: true }] }, /volume source "data" is not an absolute path/],
    ["a '..' in a volume destination", { root: ROOT, binds: [{ source: '/data', target: '/mnt/../../etc', readOnly: false }] }, /volume destination "\/mnt\/..\/..\/etc" leaves its root/],
    ['an overlay directory with a comma', { root: { ...ROOT, upper: '/w/c,upperdir=/x' }, binds: [] }, /overlay upper directory \/w\/c,upperdir=\/x has ',' or ':'/],
    ['a NUL in the working directory', { binds: [], workdir: '/app\0x' }, /working directory "\/app\\u0000x" has a NUL byte/],
    ['a device name with a slash', { root: ROOT, binds: [], devices: [{ name: '../sda', major: 8, minor: 0 }] }, /device name "..\/sda"/],
    ['a device without a root', { binds: [], devices: [{ name: 'nvidia0', major: 195, minor: 0 }] }, /device nodes need a root/],
    ['a negative uid', { binds: [], uid: -1, gid: 0 }, /uid -1 is not an integer/],
    ['a fractional tmpfs size', { root: { lower: ROOT.lower, target: ROOT.target, tmpfs: { sizeKib: 1.5 } }, binds: [] }, /root tmpfs size \(KiB\) 1.5 is not an integer/],
    ['a tmpfs mount point with a colon', { root: { lower: ROOT.lower, target: '/w/m:nt', tmpfs: { sizeKib: 0 } }, binds: [] }, /overlay scratch tmpfs directory \/w\/m:nt has ',' or ':'/],
  ])('%s is refused, named', (_what, plan, message) => {
    expect(() => validateMountPlan(plan)).toThrow(message);
  });

  test("the launcher's operations, in order: root, binds, devices, workdir, user", () => {
    const plan: MountPlan = {
      root: ROOT,
      binds: [{ source: '/sb', target: '/mnt/mesos/sandbox', readOnly: false }, { source: '/etc/hosts', target: '/etc/hosts', readOnly: true, optional: true }],
      devices: [{ name: 'nvidia0', major: 195, minor: 0 }],
      workdir: '/app',
      uid: 65534,
      gid: 65534,
    };
    expect(mountPlanFields(plan)).toEqual([
      'root', ROOT.lower, ROOT.upper, ROOT.work, ROOT.target,
      'bind', '/sb', '/mnt/mesos/sandbox', 'rw', 'bind?', '/etc/hosts', '/etc/hosts', 'ro',
      'node', 'nvidia0', '195', '0', 'workdir', '/app', 'user', '65534', '65534',
    ]);
    expect(mountPlanFields({ root: { lower: ROOT.lower, target: ROOT.target, tmpfs: { sizeKib: 32768 } }, binds: [] })).toEqual(['root-tmpfs', ROOT.lower, ROOT.target, '32768']);
  });
});

const helper = findHelper();
describeIf(helper ? null : 'mesos-ts-launcher is not built (make build)')('the launcher checks a plan again before it mounts anything', () => {
  test.each<[string, string[], RegExp]>([
    ['an unknown operation', ['chroot', '/'], /unknown operation 'chroot'/],
    ['a relative path', ['bind', 'rel', '/x', 'ro'], /bind 'rel' -> '\/x': paths must be absolute, without '..'/],
    ["a '..' component", ['workdir', '/a/../..'], /working directory '\/a\/..\/..' is not absolute or has a '..' component/],
    ['a missing argument', ['root', '/l', '/u', '/w'], /'root' needs 4 arguments/],
    ['an overlay option in a directory', ['root', '/l,upperdir=/x', '/u', '/w', '/t'], /overlay directory '\/l,upperdir=\/x' has ',' or ':'/],
    ['a tmpfs root of no size', ['root-tmpfs', '/l', '/t', 'lots'], /root tmpfs size 'lots' \(KiB\)/],
    ['a tmpfs root in a directory with a comma', ['root-tmpfs', '/l', '/t,x', '0'], /overlay directory '\/t,x' has ',' or ':'/],
  ])('%s: exit 125, named, nothing run', (_what, plan, message) => {
    const r = spawnSync(helper!, ['mount', String(plan.length), ...plan, '--', '/bin/echo', 'ran'], { encoding: 'utf8' });
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^mesos-ts filesystem\/linux: failed to prepare the container's filesystem: mount plan: /);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

const why = busyboxMissing() ?? filesystemLinuxUsable();
describeIf(why)('containers in a busybox image, through each path to the mounts', () => {
  let dir: string;
  let provisioner: Provisioner;

  beforeAll(async () => {
    dir = tmp('cz-mounts-');
    const registry = join(dir, 'registry');
    mkdirSync(registry);
    writeFileSync(join(registry, 'img:latest.tar'), dockerSave('img:latest', [busyboxLayer()]));
    // An image with a symlink out of its root: a volume mounted through it would land on the host.
    writeFileSync(join(registry, 'escape:latest.tar'), dockerSave('escape:latest', [busyboxLayer(), tar([{ name: 'hostroot', type: 'symlink', linkname: '/' }])]));
    provisioner = createProvisioner({ work_dir: join(dir, 'work'), image_providers: 'docker', docker_registry: registry }, realClock)!;
  });

  afterAll(async () => {
    await cleanup(dir);
  });

  async function run(cz: Containerizer, command: string, extra: { volumes?: { containerPath: string; hostPath: string; readOnly: boolean }[]; image?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const id = cid('mnt');
    const sandbox = join(dir, 'runs', id);
    const c = await cz.launch({
      containerId: id,
      sandbox,
      limits: {},
      command: { shell: true, value: command },
      container: { image: { type: 'DOCKER', name: extra.image ?? 'img' }, ...(extra.volumes ? { volumes: extra.volumes } : {}) },
    });
    const t = await c.wait();
    return { code: t.status?.code ?? null, stdout: readFileSync(join(sandbox, 'stdout'), 'utf8'), stderr: readFileSync(join(sandbox, 'stderr'), 'utf8') };
  }

  const SEES = 'cat /etc/os-release; echo "pid=$$ cwd=$(pwd)"; ls /dev | tr "\\n" " "';

  test.each([
    ['the helper, in its forked child', 'posix/cpu,posix/mem', 'helper'],
    ['the helper behind unshare --pid (namespaces/pid)', 'posix/cpu,posix/mem,namespaces/pid', 'helper'],
    ['the spawn launcher', 'posix/cpu,posix/mem', 'spawn'],
    ['the fork server', 'posix/cpu,posix/mem', 'forkserver'],
  ] as const)("%s: the task sees the image's root, its own /dev, the sandbox as its cwd", async (_path, isolation, launcher) => {
    const cz = await Containerizer.create({ metaDir: join(dir, `meta-${launcher}-${isolation.length}`), isolation: `${isolation},filesystem/linux`, strict: true, provisioner, launcher });
    try {
      const r = await run(cz, SEES);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ID=mesos-ts-test');
      expect(r.stdout).toContain('cwd=/mnt/mesos/sandbox');
      if (isolation.includes('namespaces/pid')) expect(r.stdout).toContain('pid=1 ');
      expect(r.stdout).toContain('null ');
      expect(r.stdout).toContain('pts ');
    } finally {
      cz.close();
    }
  });

  test("the writable layer in a tmpfs of the container's own: writable, bounded by the memory limit, gone with the container", async () => {
    const work = join(dir, 'work-tmpfs');
    const inMemory = createProvisioner({ work_dir: work, image_providers: 'docker', docker_registry: join(dir, 'registry'), docker_store_dir: join(dir, 'work', 'store', 'docker'), image_provisioner_scratch: 'tmpfs' }, realClock)!;
    const cz = await Containerizer.create({ metaDir: join(dir, 'meta-tmpfs'), isolation: 'posix/cpu,posix/mem,filesystem/linux', strict: true, provisioner: inMemory });
    const launch = async (command: string): Promise<{ code: number | null; stdout: string; stderr: string }> => {
      const id = cid('tmpfs');
      const sandbox = join(dir, 'runs', id);
      const c = await cz.launch({ containerId: id, sandbox, limits: { memMb: 1 }, command: { shell: true, value: command }, container: { image: { type: 'DOCKER', name: 'img' } } });
      const t = await c.wait();
      return { code: t.status?.code ?? null, stdout: readFileSync(join(sandbox, 'stdout'), 'utf8'), stderr: readFileSync(join(sandbox, 'stderr'), 'utf8') };
    };
    try {
      // Written to the image's /etc (copied up into the tmpfs), read back; 2 MiB does not fit in a 1 MiB layer.
      const first = await launch('echo mine > /etc/written && cat /etc/written && grep " / " /proc/mounts; dd if=/dev/zero of=/big bs=1024 count=2048 2>&1 | head -1');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^mine\noverlay \/ overlay [^\n]*upperdir=[^\n]*\/provisioner\/mnt\/upper/);
      expect(first.stdout).toMatch(/No space left on device/);
      // The next container has a layer of its own: nothing of the first one's.
      const second = await launch('cat /etc/written');
      expect(second.code).not.toBe(0);
      expect(second.stderr).toMatch(/No such file or directory/);
      // Nothing on the agent's disk, nothing mounted on the host.
      expect(readdirSync(join(work, 'provisioner', 'containers'))).toEqual([]);
      expect(readdirSync(join(work, 'provisioner', 'mnt'))).toEqual([]);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(work, 'provisioner'));
    } finally {
      cz.close();
    }
  });

  test("a volume through a symlink of the image is refused, naming it; nothing lands on the host", async () => {
    const cz = await Containerizer.create({ metaDir: join(dir, 'meta-escape'), isolation: 'posix/cpu,posix/mem,filesystem/linux', strict: true, provisioner });
    const host = tmp('cz-mounts-vol-');
    try {
      const r = await run(cz, 'echo ran', { image: 'escape', volumes: [{ containerPath: '/hostroot/planted', hostPath: host, readOnly: true }] });
      expect(r.code).toBe(125);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/failed to prepare the container's filesystem: .*\/hostroot is a symlink in the container's root; refusing to create or mount through it/);
      expect(spawnSync('ls', ['/planted']).status).not.toBe(0);
    } finally {
      cz.close();
      await cleanup(host);
    }
  });
});

const bindWhy = process.getuid?.() !== 0 ? 'needs root (mount namespaces)' : helper ? null : 'mesos-ts-launcher is not built (make build)';
describeIf(bindWhy)('host binds of a container without an image (persistent volumes: ContainerConfig.volumeMounts)', () => {
  test.each(['helper', 'spawn'] as const)('the %s launcher: bound in the task\'s own namespace, read-only honoured, the host sees nothing', async (launcher) => {
    const dir = tmp('cz-binds-');
    try {
      const volume = join(dir, 'volume');
      mkdirSync(volume);
      writeFileSync(join(volume, 'x'), 'kept\n');
      const sandbox = join(dir, 'sandbox');
      mkdirSync(join(sandbox, 'data'), { recursive: true });
      const cz = await Containerizer.create({ metaDir: join(dir, 'meta'), isolation: 'posix/cpu,posix/mem', strict: true, launcher });
      try {
        const c = await cz.launch({
          containerId: cid('binds'),
          sandbox,
          limits: {},
          command: { shell: true, value: 'cat data/x; echo y > data/y || echo refused; grep -c " $PWD/data " /proc/self/mountinfo' },
          volumeMounts: [{ source: volume, target: join(sandbox, 'data'), readOnly: true }],
        });
        const t = await c.wait();
        expect(readFileSync(join(sandbox, 'stderr'), 'utf8')).toMatch(/Read-only file system/);
        expect(t.status?.code).toBe(0);
        expect(readFileSync(join(sandbox, 'stdout'), 'utf8')).toBe('kept\nrefused\n1\n');
        // Not on the host: the sandbox's data dir is still the empty directory it was, and nothing is mounted there.
        expect(readdirSync(join(sandbox, 'data'))).toEqual([]);
        expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(sandbox, 'data'));
      } finally {
        cz.close();
      }
    } finally {
      await cleanup(dir);
    }
  });
});
