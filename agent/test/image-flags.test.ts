// The agent's image flags and a task's ContainerInfo, validated at the edge: every refusal names
// the flag or the field and why.
import { describe, expect, test } from '@jest/globals';
import { containerSpecOf } from '../container-info.js';
import { agentFlags, AgentFlagsError } from '../flags.js';
import { imageFlagTexts } from '../image-flags.js';

const IMAGES = 'posix/cpu,posix/mem,filesystem/linux,docker/runtime';

describe('image flags', () => {
  test('accepted with the isolators they need; defaults shown as Mesos does', () => {
    const f = agentFlags({ work_dir: '/w', isolation: IMAGES, image_providers: 'docker', docker_registry: '/srv/images' });
    expect(f.image_providers).toBe('docker');
    expect(imageFlagTexts(f)).toEqual({ image_providers: 'docker', docker_registry: '/srv/images', docker_store_dir: '/w/store/docker', sandbox_directory: '/mnt/mesos/sandbox', containerizers: 'mesos', image_provisioner_scratch: 'disk' });
    expect(agentFlags({ work_dir: '/w', docker_registry: 'http://127.0.0.1:5000' }).docker_registry).toBe('http://127.0.0.1:5000');
    expect(agentFlags({ work_dir: '/w', image_provisioner_scratch: 'tmpfs' }).image_provisioner_scratch).toBe('tmpfs');
  });

  test('refusals name the flag and why', () => {
    const refused = (input: Parameters<typeof agentFlags>[0], flag: string, text: RegExp): void => {
      try {
        agentFlags({ work_dir: '/w', ...input });
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(AgentFlagsError);
        expect((e as AgentFlagsError).flag).toBe(flag);
        expect((e as Error).message).toMatch(text);
      }
    };
    refused({ image_providers: 'docker' }, 'image_providers', /needs --isolation to include filesystem\/linux and docker\/runtime/);
    refused({ isolation: IMAGES, image_providers: 'appc' }, 'image_providers', /APPC images are not supported/);
    refused({ docker_registry: 'registry.example' }, 'docker_registry', /http\(s\):\/\/ registry URL or an absolute directory/);
    refused({ docker_store_dir: 'rel' }, 'docker_store_dir', /absolute path/);
    refused({ containerizers: 'docker,mesos' }, 'containerizers', /Docker containerizer .* is not part of mesos-ts/);
    refused({ image_gc_config: '{"image_disk_headroom":5}' }, 'image_gc_config', /from 0 to 1/);
    refused({ image_provisioner_scratch: 'ram' }, 'image_provisioner_scratch', /--image_provisioner_scratch=ram: expected disk or tmpfs/);
  });
});

describe('ContainerInfo', () => {
  test('a MESOS container with a DOCKER image and volumes', () => {
    expect(containerSpecOf({ type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:1.36' }, cached: false } }, volumes: [{ container_path: '/data', host_path: '/srv/data', mode: 'RO' }] })).toEqual({
      spec: { image: { type: 'DOCKER', name: 'busybox:1.36', cached: false }, volumes: [{ containerPath: '/data', hostPath: '/srv/data', readOnly: true }] },
    });
    expect(containerSpecOf(undefined)).toEqual({});
    expect(containerSpecOf({ type: 'MESOS' })).toEqual({});
  });

  test('refused, naming the field: DOCKER type, APPC, a bad name, credentials, image volumes, ..', () => {
    expect(containerSpecOf({ type: 'DOCKER', docker: { image: 'busybox' } }).error).toMatch(/needs the Docker containerizer/);
    expect(containerSpecOf({ type: 'MESOS', mesos: { image: { type: 'APPC', appc: { name: 'x' } } } }).error).toMatch(/APPC images are not supported/);
    expect(containerSpecOf({ type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'Bad Name' } } } }).error).toMatch(/docker.name: bad repository component/);
    expect(containerSpecOf({ type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'a', credential: { principal: 'p' } } } } }).error).toMatch(/credentials .* are not supported/);
    expect(containerSpecOf({ type: 'MESOS', volumes: [{ container_path: '/x', image: {} }] }).error).toMatch(/volumes\[0\]: image and source volumes are not supported/);
    expect(containerSpecOf({ type: 'MESOS', volumes: [{ container_path: '/x', host_path: '/a/../etc', mode: 'RW' }] }).error).toMatch(/'\.\.' component/);
    expect(containerSpecOf({ type: 'MESOS', volumes: [{ container_path: '/x' }] }).error).toMatch(/host_path is required/);
  });
});
