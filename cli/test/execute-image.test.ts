// `mesos-ts execute --docker_image` on a `mesos-ts local` cluster whose agents run images:
// --isolation from MESOS_ISOLATION in local's environment, the image flags through
// --agent_flags. The image (busybox, built here) is in a directory registry. A command that
// passes only in the image (its /etc/os-release) exits 0; without --command, the image's
// entrypoint runs. Needs root and /bin/busybox (make test installs it).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesystemLinuxUsable } from '../../agent/containerizer/isolators/filesystem-linux.js';
import { appLayer, busyboxLayer, busyboxMissing, dockerSave } from '../../agent/provisioner/image-builder.js';
import { startLocal, type LocalCluster } from '../../test/cluster.js';
import { stopAll, runCli } from '../../test/processes.js';
import { describeIf } from '../../test/skip.js';
import { tempDir } from '../../test/temp.js';

const work = tempDir('mesos-ts-execute-image-test');

afterAll(async () => {
  await stopAll('SIGKILL');
  await work.remove();
});

const cli = runCli;

describeIf(busyboxMissing() ?? filesystemLinuxUsable())('execute --docker_image', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    writeFileSync(join(work.path, 'testimg.tar'), dockerSave('testimg:latest', [busyboxLayer(), appLayer()]));
    cluster = await startLocal({
      agents: 1,
      env: { MESOS_ISOLATION: 'posix/cpu,posix/mem,filesystem/linux,docker/runtime' },
      args: [`--agent_flags=--image_providers=docker --docker_registry=${work.path}`],
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a command runs in the image; without --command the entrypoint runs; a bad image name is refused', async () => {
    const m = `--master=${cluster.masterList}`;
    const inImage = await cli(['execute', m, '--name=os', '--docker_image=testimg', '--command=grep -q ID=mesos-ts-test /etc/os-release']);
    expect(inImage.out).toContain("Received status update TASK_FINISHED for task 'os'");
    expect(inImage.code).toBe(0);
    const entry = await cli(['execute', m, '--name=entry', '--docker_image=testimg']);
    expect(entry.out + entry.err).toContain("TASK_FINISHED for task 'entry'");
    expect(entry.code).toBe(0);
    expect((await cli(['cat', 'entry', m])).out).toBe('entrypoint says: hello-from-image from cmd\n');
    const bad = await cli(['execute', m, '--docker_image=Bad Name', '--command=true']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('bad repository component');
  }, 60_000);
});
