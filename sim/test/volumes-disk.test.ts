// Persistent volumes on the simulated disk: the agent's volumes (agent/volumes.ts) make, empty and
// remove their directories and links through AgentDisk, so a simulated agent keeps them on its
// SimDisk and nothing reaches the real filesystem.
import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { Random } from 'libprocess-ts';
import { VirtualClock } from 'libprocess-ts/testing';
import { AgentVolumes } from '../../agent/volumes.js';
import { Resources, type Resource } from '../../protocol/resources.js';
import { SimDisk } from '../disk.js';

const vol = (id: string, extra: Partial<Resource> = {}): Resource => ({
  name: 'disk',
  type: 'SCALAR',
  scalar: { value: 10 },
  reservations: [{ type: 'DYNAMIC', role: 'db', principal: 'ops' }],
  disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
  ...extra,
});

describe('volumes on the simulated disk', () => {
  test('created, linked into a sandbox, emptied (MOUNT) and removed on the SimDisk only', async () => {
    const clock = new VirtualClock();
    const disk = new SimDisk({ clock, random: new Random(3), latencyMs: [1, 5] });
    const work = '/sim-volumes/agent1';
    const volumes = new AgentVolumes(work, { info: () => {}, warn: () => {} }, disk, false);
    const mount = vol('m', { disk: { source: { type: 'MOUNT', mount: { root: '/sim-volumes/mnt' } }, persistence: { id: 'm', principal: 'ops' }, volume: { container_path: 'm', mode: 'RW' } } });
    const all = Resources.fromJSON([vol('a'), mount]);
    const settled = async <T>(p: Promise<T>): Promise<T> => {
      await clock.advance(10);
      return p;
    };
    await settled(volumes.sync(Resources.empty(), all, new Set()));
    expect(disk.hasDir(`${work}/volumes/roles/db/a`)).toBe(true);
    expect(disk.hasDir('/sim-volumes/mnt')).toBe(true);
    expect(existsSync('/sim-volumes')).toBe(false);

    // A task's sandbox gets a link to it.
    disk.mkdirp('/sim-volumes/sandbox');
    const config = { containerId: 'c1', sandbox: '/sim-volumes/sandbox', command: { shell: true, value: 'true' }, limits: {} };
    await settled(volumes.attach(config, [vol('a')]));
    expect(disk.exists('/sim-volumes/sandbox/data')).toBe(true);
    expect(volumes.message('c1')).toEqual({ message: 'persistent volume a at data (symlink)' });

    // DESTROY: the ROOT volume's directory goes; the MOUNT volume is emptied, its root stays.
    disk.writeAtomicSync('/sim-volumes/mnt/f', 'x', true);
    disk.writeAtomicSync(`${work}/volumes/roles/db/a/f`, 'x', true);
    await settled(volumes.sync(all, Resources.empty(), new Set()));
    expect(disk.exists(`${work}/volumes/roles/db/a`)).toBe(false);
    expect(disk.exists('/sim-volumes/mnt/f')).toBe(false);
    expect(disk.hasDir('/sim-volumes/mnt')).toBe(true);
    expect(existsSync('/sim-volumes')).toBe(false);
  });
});
