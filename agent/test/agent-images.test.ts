// Tasks in container images, for real: an agent (startAgent) with filesystem/linux and
// docker/runtime runs tasks from a busybox image this test builds, as a `docker save`
// tarball in a directory registry and as blobs a v2 registry on 127.0.0.1 serves. The task
// sees the image's /etc/os-release, not the host's; it writes to its sandbox through
// /mnt/mesos/sandbox; the image's entrypoint, cmd, env and workdir apply; whiteouts hide
// the lower layer's files; the image's User applies when the task names none; volumes mount read-only or read-write; nothing is mounted on
// the host. Needs root (mount namespaces) and /bin/busybox (make test installs it).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ContainerInfo, TaskInfo } from '../../protocol/types.js';
import { describeIf } from '../../test/skip.js';
import { filesystemLinuxUsable } from '../containerizer/isolators/filesystem-linux.js';
import { findDevicesHierarchy } from '../containerizer/isolators/devices-cgroup.js';
import { sandboxPath } from '../containerizer/index.js';
import { appLayer, busyboxLayer, busyboxMissing, configJson, dockerSave, ociBlobs } from '../provisioner/image-builder.js';
import { FRAMEWORK, commandTask, tempDir } from './helpers.js';
import { realAgent, realMaster, type RealSetup } from './real.js';

const IMAGE_ISOLATION = 'posix/cpu,posix/mem,filesystem/linux,docker/runtime';
const why = busyboxMissing() ?? filesystemLinuxUsable();

type Agent = Awaited<ReturnType<typeof realAgent>>;

function image(name: string, extra: Partial<ContainerInfo> = {}): ContainerInfo {
  return { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name } } }, ...extra };
}

function sandbox(setup: RealSetup, agent: Agent, executorId: string): string {
  return sandboxPath(setup.workDir, { agentId: agent.agent.agentId!, frameworkId: FRAMEWORK.id!.value, executorId, containerId: 'latest' });
}

function stdout(setup: RealSetup, agent: Agent, id: string): string {
  return readFileSync(join(sandbox(setup, agent, id), 'stdout'), 'utf8');
}

function hostMounts(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}

describeIf(why)('tasks in a busybox image from a directory of tarballs', () => {
  let setup: RealSetup;
  let agent: Agent;
  let registry: string;
  const run = (task: TaskInfo): void => setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task });

  beforeAll(async () => {
    setup = await realMaster();
    registry = tempDir();
    writeFileSync(join(registry, 'testimg:latest.tar'), dockerSave('testimg:latest', [busyboxLayer(), appLayer()]));
    // Images whose config names a User: one the image's /etc/passwd knows, one it does not.
    writeFileSync(join(registry, 'userimg:latest.tar'), dockerSave('userimg:latest', [busyboxLayer()], configJson({ Env: ['PATH=/bin'], User: 'nobody' })));
    writeFileSync(join(registry, 'ghostimg:latest.tar'), dockerSave('ghostimg:latest', [busyboxLayer()], configJson({ Env: ['PATH=/bin'], User: 'ghost:nogroup' })));
    agent = await realAgent(setup, { isolation: IMAGE_ISOLATION, image_providers: 'docker', docker_registry: registry });
    await setup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await agent?.stop();
    await setup?.masterRt.stop();
  });

  test("a shell task sees the image's /etc/os-release, not the host's, and writes to its sandbox", async () => {
    run(commandTask('os', 'cat /etc/os-release; echo "sandbox=$MESOS_SANDBOX cwd=$(pwd)"; echo written-inside > "$MESOS_SANDBOX/out"; ls /etc; echo tmp > /tmp/t && ls /mnt/mesos/sandbox/tmp', { container: image('testimg') }));
    const done = await setup.master.update('os', 'TASK_FINISHED');
    expect(done.status.message).toBe('Command exited with status 0');
    const out = stdout(setup, agent, 'os');
    expect(out).toContain('ID=mesos-ts-test');
    if (existsSync('/etc/os-release')) {
      const hostId = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
      if (hostId) expect(out).not.toContain(`ID=${hostId}`);
    }
    expect(out).toContain('sandbox=/mnt/mesos/sandbox cwd=/app');
    expect(out).not.toContain('removed-by-whiteout');
    expect(out).toContain('t\n');
    expect(readFileSync(join(sandbox(setup, agent, 'os'), 'out'), 'utf8')).toBe('written-inside\n');
    expect(hostMounts()).not.toContain('/provisioner/');
  });

  test("shell: false without a value runs the image's Entrypoint with its Cmd, in its Env and WorkingDir", async () => {
    run(commandTask('entry', '', { command: { shell: false }, container: image('testimg') }));
    await setup.master.update('entry', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'entry')).toBe('entrypoint says: hello-from-image from cmd\n');
    run(commandTask('args', '', { command: { shell: false, arguments: ['given', 'args'], environment: { variables: [{ name: 'GREETING', value: 'task-wins' }] } }, container: image('testimg') }));
    await setup.master.update('args', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'args')).toBe('entrypoint says: task-wins given args\n');
  });

  test('whiteouts: the lower layer\'s file is gone, the opaque directory holds only the upper layer', async () => {
    run(commandTask('wh', 'ls /opaque; test -e /etc/removed-by-whiteout && echo still-there; true', { container: image('testimg') }));
    await setup.master.update('wh', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'wh')).toBe('upper\n');
  });

  test('volumes: a host directory read-only, another read-write, a sandbox-relative one', async () => {
    const ro = tempDir();
    const rw = tempDir();
    writeFileSync(join(ro, 'data'), 'host-data\n');
    run(commandTask('vol', 'cat /ro/data; echo nope > /ro/x 2>/dev/null || echo ro-refused; echo yes > /rw/x; echo rel > "$MESOS_SANDBOX/rel/y"; echo ok', {
      container: image('testimg', {
        volumes: [
          { container_path: '/ro', host_path: ro, mode: 'RO' },
          { container_path: '/rw', host_path: rw, mode: 'RW' },
          { container_path: 'rel', host_path: 'shared', mode: 'RW' },
        ],
      }),
    }));
    await setup.master.update('vol', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'vol')).toBe('host-data\nro-refused\nok\n');
    expect(readFileSync(join(sandbox(setup, agent, 'vol'), 'shared', 'y'), 'utf8')).toBe('rel\n');
    expect(readFileSync(join(rw, 'x'), 'utf8')).toBe('yes\n');
    expect(existsSync(join(ro, 'x'))).toBe(false);
  });

  test('a task as another user (nobody) in the image writes to its sandbox', async () => {
    run(commandTask('nobody', 'id -u; echo mine > "$MESOS_SANDBOX/by-nobody"', { container: image('testimg'), command: { shell: true, value: 'id -u; echo mine > "$MESOS_SANDBOX/by-nobody"', user: 'nobody' } }));
    await setup.master.update('nobody', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'nobody')).toBe('65534\n');
    expect(readFileSync(join(sandbox(setup, agent, 'nobody'), 'by-nobody'), 'utf8')).toBe('mine\n');
  });

  test("a custom executor with an image runs in it (ExecutorInfo.container)", async () => {
    // The executor writes what it sees to its sandbox and exits without registering: its task then fails.
    const executor = {
      executor_id: { value: 'img-exec' },
      command: { value: 'cat /etc/os-release > "$MESOS_SANDBOX/executor-saw"; pwd >> "$MESOS_SANDBOX/executor-saw"' },
      container: image('testimg'),
    };
    run(commandTask('on-exec', 'true', { command: undefined, executor }) as TaskInfo);
    const f = await setup.master.update('on-exec', 'TASK_FAILED');
    expect(f.status.message).toBeDefined();
    expect(readFileSync(join(sandbox(setup, agent, 'img-exec'), 'executor-saw'), 'utf8')).toBe('NAME="mesos-ts test image"\nID=mesos-ts-test\n/app\n');
  });

  test("the image's User applies when the task names none, and owns what was fetched; the task's own user wins; an unknown one fails naming it", async () => {
    // A URI fetched (as the framework's user, root) before the image is provisioned: the task, the image's nobody, owns it and may change it.
    const fetched = join(tempDir(), 'notes.txt');
    writeFileSync(fetched, 'fetched\n', { mode: 0o644 });
    const cmd = 'id -u; id -g; echo "home=$HOME"; echo mine > "$MESOS_SANDBOX/by-image-user"; echo appended >> "$MESOS_SANDBOX/notes.txt"';
    run(commandTask('img-user', cmd, { container: image('userimg'), command: { shell: true, value: cmd, uris: [{ value: fetched }] } }));
    await setup.master.update('img-user', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'img-user')).toBe('65534\n65534\nhome=/nonexistent\n');
    expect(statSync(join(sandbox(setup, agent, 'img-user'), 'by-image-user')).uid).toBe(65534);
    expect(statSync(join(sandbox(setup, agent, 'img-user'), 'notes.txt')).uid).toBe(65534);
    expect(readFileSync(join(sandbox(setup, agent, 'img-user'), 'notes.txt'), 'utf8')).toBe('fetched\nappended\n');

    run(commandTask('own-user', '', { container: image('userimg'), command: { shell: true, value: 'id -u', user: 'root' } }));
    await setup.master.update('own-user', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'own-user')).toBe('0\n');

    run(commandTask('ghost', 'true', { container: image('ghostimg') }));
    const f = await setup.master.update('ghost', 'TASK_FAILED');
    expect(f.status.message).toContain("image ghostimg: its User 'ghost' is not in the image's /etc/passwd");
  });

  test('an unknown image fails the task naming the image and where it was looked for; type DOCKER is refused', async () => {
    run(commandTask('noimg', 'true', { container: image('nosuch') }));
    const f = await setup.master.update('noimg', 'TASK_FAILED');
    expect(f.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(f.status.message).toContain('Failed to pull image nosuch:latest');
    run(commandTask('docker', 'true', { container: { type: 'DOCKER', docker: { image: 'busybox' } } }));
    const e = await setup.master.update('docker', 'TASK_ERROR');
    expect(e.status.message).toContain('ContainerInfo.type DOCKER needs the Docker containerizer');
  });
});

describeIf(why)('a busybox image from a v2 registry on 127.0.0.1, and an agent without the image isolators', () => {
  let setup: RealSetup;
  let agent: Agent;
  let plain: Agent;
  let plainSetup: RealSetup;
  let server: Server;

  beforeAll(async () => {
    const blobs = ociBlobs([busyboxLayer('ID=from-registry\n'), appLayer()]);
    server = createServer((req, res) => {
      const m = /^\/v2\/team\/busybox\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
      const body = !m ? undefined : m[1] === 'manifests' && m[2] === 'latest' ? blobs.index : blobs.blobs.get(m[2]!);
      if (!body) {
        res.statusCode = 404;
        res.end();
        return;
      }
      if (m![1] === 'manifests') res.setHeader('content-type', JSON.parse(body.toString()).mediaType);
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    setup = await realMaster();
    agent = await realAgent(setup, { isolation: IMAGE_ISOLATION, image_providers: 'docker', docker_registry: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    plainSetup = await realMaster();
    plain = await realAgent(plainSetup);
    await setup.master.waitFor((m) => m.name === 'register_agent');
    await plainSetup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await agent?.stop();
    await plain?.stop();
    await setup?.masterRt.stop();
    await plainSetup?.masterRt.stop();
    server?.close();
  });

  test('the image is pulled, provisioned and run', async () => {
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('reg', 'cat /etc/os-release', { container: image('team/busybox') }) });
    await setup.master.update('reg', 'TASK_FINISHED');
    expect(stdout(setup, agent, 'reg')).toBe('ID=from-registry\n');
  });

  test('an agent without filesystem/linux fails a task with an image, naming why; it never runs on the host', async () => {
    plainSetup.master.sendTo(plain.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('host', 'touch "$MESOS_SANDBOX/ran"', { container: image('team/busybox') }) });
    const f = await plainSetup.master.update('host', 'TASK_FAILED');
    expect(f.status.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
    expect(f.status.message).toContain('without the filesystem/linux isolator');
    expect(existsSync(join(sandbox(plainSetup, plain, 'host'), 'ran'))).toBe(false);
  });
});

describeIf(why)('an image task across an agent restart', () => {
  let setup: RealSetup;
  let registry: string;
  const fw = { ...FRAMEWORK, checkpoint: true };

  beforeAll(async () => {
    setup = await realMaster();
    registry = tempDir();
    writeFileSync(join(registry, 'testimg.tar'), dockerSave('testimg:latest', [busyboxLayer(), appLayer()]));
  });

  afterAll(async () => {
    await setup?.masterRt.stop();
  });

  test('it keeps running in its image; the restarted agent takes it back and removes its writable layer when it ends', async () => {
    const flags = { isolation: IMAGE_ISOLATION, image_providers: 'docker', docker_registry: registry };
    const a1 = await realAgent(setup, flags);
    await setup.master.waitFor((m) => m.name === 'register_agent');
    const task = commandTask('survivor', 'while [ ! -e "$MESOS_SANDBOX/stop" ]; do sleep 0.05; done; cat /etc/os-release > "$MESOS_SANDBOX/saw"', { container: image('testimg') });
    setup.master.sendTo(a1.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task });
    await setup.master.update('survivor', 'TASK_RUNNING');
    const ex = a1.agent.executors().find((e) => e.id === 'survivor')!;
    const layer = join(setup.workDir, 'provisioner', 'containers', ex.containerId);
    const work = join(setup.workDir, 'provisioner', 'workdirs', ex.containerId);
    expect(existsSync(layer)).toBe(true);
    expect(existsSync(work)).toBe(true);
    await a1.stop();
    const a2 = await realAgent(setup, { ...flags, port: a1.pid.port });
    try {
      await setup.master.waitFor((m) => m.name === 'reregister_agent');
      writeFileSync(join(ex.directory, 'stop'), '');
      // Its real exit status: the launcher helper, which outlived the first agent, recorded it.
      expect((await setup.master.update('survivor', 'TASK_FINISHED')).status.message).toBe('Command exited with status 0');
      expect(readFileSync(join(ex.directory, 'saw'), 'utf8')).toContain('ID=mesos-ts-test');
      expect(existsSync(layer)).toBe(false);
      expect(existsSync(work)).toBe(false);
    } finally {
      await a2.stop();
    }
  });

  test('--image_provisioner_scratch=tmpfs: the layer is in memory, kept across the restart, never on the agent\'s disk', async () => {
    const flags = { isolation: IMAGE_ISOLATION, image_providers: 'docker', docker_registry: registry, image_provisioner_scratch: 'tmpfs' };
    const a1 = await realAgent(setup, flags);
    await setup.master.waitFor((m) => m.name === 'register_agent');
    // Written to the image's /etc before the restart, read back after it: the layer lives with the container's namespace.
    const task = commandTask('in-memory', 'echo kept > /etc/layer; while [ ! -e "$MESOS_SANDBOX/stop" ]; do sleep 0.05; done; cat /etc/layer > "$MESOS_SANDBOX/saw"', { container: image('testimg') });
    setup.master.sendTo(a1.agentPid, 'run_task', { framework: fw, framework_id: fw.id!, task });
    await setup.master.update('in-memory', 'TASK_RUNNING');
    const ex = a1.agent.executors().find((e) => e.id === 'in-memory')!;
    expect(existsSync(join(setup.workDir, 'provisioner', 'containers', ex.containerId))).toBe(false);
    expect(existsSync(join(setup.workDir, 'provisioner', 'workdirs', ex.containerId))).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(setup.workDir, 'provisioner'));
    await a1.stop();
    const a2 = await realAgent(setup, { ...flags, port: a1.pid.port });
    try {
      await setup.master.waitFor((m) => m.name === 'reregister_agent');
      writeFileSync(join(ex.directory, 'stop'), '');
      expect((await setup.master.update('in-memory', 'TASK_FINISHED')).status.message).toBe('Command exited with status 0');
      expect(readFileSync(join(ex.directory, 'saw'), 'utf8')).toBe('kept\n');
    } finally {
      await a2.stop();
    }
  });
});

// gpu/nvidia with an image: the machine has no GPU, so the fixture is a fake nvidia-smi (it lists 2 GPUs) and fake
// device nodes (major 195) in a temp dir given as --nvidia_dev_dir.
const devicesWhy = ((d) => ('reason' in d ? d.reason : null))(findDevicesHierarchy());
describeIf(why ?? devicesWhy)('a GPU task in an image', () => {
  let setup: RealSetup;
  let agent: Agent;

  beforeAll(async () => {
    setup = await realMaster();
    const registry = tempDir();
    writeFileSync(join(registry, 'testimg:latest.tar'), dockerSave('testimg:latest', [busyboxLayer(), appLayer()]));
    const fixture = tempDir();
    const dev = join(fixture, 'dev');
    mkdirSync(join(fixture, 'bin'));
    mkdirSync(dev);
    writeFileSync(join(fixture, 'bin', 'nvidia-smi'), '#!/bin/sh\nprintf "0, 0\\n1, 1\\n"\n', { mode: 0o755 });
    for (const [name, minor] of [['nvidia0', 0], ['nvidia1', 1], ['nvidiactl', 255]] as const) {
      const r = spawnSync('mknod', ['-m', '666', join(dev, name), 'c', '195', String(minor)]);
      if (r.status !== 0) throw new Error(`mknod ${name}: ${r.stderr.toString()}`);
    }
    agent = await realAgent(setup, { isolation: `${IMAGE_ISOLATION},gpu/nvidia`, image_providers: 'docker', docker_registry: registry, nvidia_dev_dir: dev }, { nvidiaSmi: join(fixture, 'bin', 'nvidia-smi') });
    await setup.master.waitFor((m) => m.name === 'register_agent');
  });

  afterAll(async () => {
    await agent?.stop();
    await setup?.masterRt.stop();
  });

  test("its own GPU's node and nvidiactl are in the container's /dev, the other GPU's is not; its index in CUDA_VISIBLE_DEVICES", async () => {
    const cmd = 'echo "visible=$CUDA_VISIBLE_DEVICES"; ls /dev | grep nvidia; cat /dev/nvidia$CUDA_VISIBLE_DEVICES 2>&1; true';
    const resources = [...commandTask('x', '').resources!, { name: 'gpus', type: 'SCALAR' as const, scalar: { value: 1 } }];
    setup.master.sendTo(agent.agentPid, 'run_task', { framework: FRAMEWORK, framework_id: FRAMEWORK.id!, task: commandTask('gpu-img', cmd, { container: image('testimg'), resources }) });
    await setup.master.update('gpu-img', 'TASK_FINISHED');
    const out = stdout(setup, agent, 'gpu-img');
    const index = Number(/visible=(\d)\n/.exec(out)?.[1]);
    expect([0, 1]).toContain(index);
    expect(out).toContain(`\nnvidia${index}\nnvidiactl\n`);
    expect(out).not.toContain(`nvidia${1 - index}`);
    expect(out).toMatch(new RegExp(`/dev/nvidia${index}.*No such device or address`));
  });
});
