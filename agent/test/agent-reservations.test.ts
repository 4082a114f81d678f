// The agent's checkpointed resources against a scripted master (virtual
// clock, fake containerizer): checkpoint_resources is written to
// meta/resources/resources.info, reported at every (re-)registration and
// after a restart; a checkpoint the agent's --resources no longer hold stops
// it from starting, naming both; a bad checkpoint_resources is refused.
import { afterEach, describe, expect, test } from '@jest/globals';
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random, Runtime, type PID } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { MasterToAgent } from '../../protocol/messages/master-agent.js';
import { Resources } from '../../protocol/resources.js';
import { AgentProcess } from '../agent.js';
import { agentFlags } from '../flags.js';
import { resourcesInfoPath } from '../resources-checkpoint.js';
import { agentAdminCall } from '../operator-admin.js';
import { AgentVolumes } from '../volumes.js';
import { nodeDisk } from '../disk.js';
import { FakeContainerizer, ScriptedMaster, eventually, tempDir, runtimesOn } from './helpers.js';

const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0).reverse()) await r.stop();
});

const RESERVED = Resources.parse('cpus(eng@ops):1;mem(eng@ops):256');

async function world() {
  const clock = new VirtualClock();
  const net = new SimulatedNetwork({ clock, seed: 1, latencyMs: 0 });
  const rt = runtimesOn(net, clock, runtimes);
  const master = new ScriptedMaster();
  const masterPid = (await rt('master')).spawn(master, 'master');
  const workDir = tempDir();
  const start = async (resources: string, name: string): Promise<{ agent: AgentProcess; pid: PID<MasterToAgent>; runtime: Runtime }> => {
    const flags = agentFlags({ master: masterPid.toString(), work_dir: workDir, fsync: false, resources });
    const agent = new AgentProcess({ flags, resources: Resources.parse(flags.resources!), containerizer: new FakeContainerizer(), random: new Random(7) });
    const runtime = await rt(name);
    const pid = runtime.spawn(agent, 'slave(1)') as unknown as PID<MasterToAgent>;
    return { agent, pid, runtime };
  };
  return { clock, master, workDir, start };
}

describe('checkpointed resources', () => {
  test('written when the master sends them, reported at re-registration and after a restart', async () => {
    const w = await world();
    const a = await w.start('cpus:4;mem:1024', 'agent1');
    await eventually(w.clock, a.agent.ready);
    await w.clock.advance(2_000);
    expect(a.agent.state).toBe('RUNNING');
    expect(w.master.all('register_agent')[0]!.body.checkpointed_resources).toEqual([]);

    const uuid = { value: new Uint8Array(16).fill(7) };
    const status = { operation_id: { value: 'r1' }, state: 'OPERATION_FINISHED' as const, uuid, agent_id: { value: 'M-S0' } };
    const operation = { framework_id: { value: 'F' }, agent_id: { value: 'M-S0' }, info: { type: 'RESERVE' as const, id: { value: 'r1' }, reserve: { resources: RESERVED.toJSON() } }, latest_status: status, statuses: [status], uuid };
    w.master.sendTo(a.pid, 'checkpoint_resources', { resources: RESERVED.toJSON(), operations: [operation] });
    await w.clock.settle();
    expect(Resources.fromJSON(JSON.parse(readFileSync(resourcesInfoPath(w.workDir), 'utf8'))).equals(RESERVED)).toBe(true);
    // GET_OPERATIONS answers with the operations the master applied here, in the v1 shape.
    const ops = (await agentAdminCall(a.agent, { type: 'GET_OPERATIONS' })) as { get_operations: { operations: { info: { id: { value: string } }; latest_status: { state: string; uuid: { value: string } } }[] } };
    expect(ops.get_operations.operations.map((o) => [o.info.id.value, o.latest_status.state, o.latest_status.uuid.value])).toEqual([['r1', 'OPERATION_FINISHED', Buffer.from(uuid.value).toString('base64')]]);
    expect(a.agent.reservations.total.equals(Resources.parse('cpus:3;mem:768').add(RESERVED))).toBe(true);

    // Restarted (a new process on the same work dir): the re-registration carries the checkpoint.
    await a.runtime.stop();
    const b = await w.start('cpus:4;mem:1024', 'agent2');
    await eventually(w.clock, b.agent.ready);
    await w.clock.advance(2_000);
    const rereg = w.master.all('reregister_agent');
    expect(rereg).toHaveLength(1);
    expect(Resources.of(rereg[0]!.body.checkpointed_resources).equals(RESERVED)).toBe(true);
    expect(Resources.of(rereg[0]!.body.agent.resources!).equals(Resources.parse('cpus:4;mem:1024'))).toBe(true);
  });

  test('a checkpoint_resources that does not fit the agent, or holds unreserved resources, is refused and not written', async () => {
    const w = await world();
    const a = await w.start('cpus:2;mem:512', 'agent1');
    await eventually(w.clock, a.agent.ready);
    await w.clock.advance(2_000);
    w.master.sendTo(a.pid, 'checkpoint_resources', { resources: Resources.parse('cpus(eng@ops):3').toJSON() });
    w.master.sendTo(a.pid, 'checkpoint_resources', { resources: Resources.parse('cpus:1').toJSON() });
    await w.clock.settle();
    expect(existsSync(resourcesInfoPath(w.workDir))).toBe(false);
    expect(a.agent.reservations.checkpointed.isEmpty()).toBe(true);
  });

  test('an agent restarted with --resources that no longer hold its reservations refuses to start, naming both', async () => {
    const w = await world();
    const a = await w.start('cpus:4;mem:1024', 'agent1');
    await eventually(w.clock, a.agent.ready);
    await w.clock.advance(2_000);
    w.master.sendTo(a.pid, 'checkpoint_resources', { resources: RESERVED.toJSON() });
    await w.clock.settle();
    await a.runtime.stop();
    const b = await w.start('cpus:4;mem:128', 'agent2');
    const failed = await eventually(w.clock, b.agent.ready.then(() => undefined, (e: Error) => e));
    expect(failed?.message).toBe(
      `Checkpointed resources in ${resourcesInfoPath(w.workDir)} are incompatible with the agent's resources: the checkpointed resources 'cpus(eng@ops):1;mem(eng@ops):256' need 'cpus:1;mem:256', which the agent's resources 'cpus:4;mem:128' do not contain. ` +
        'Restart with --resources that contain them (reservations and volumes would otherwise be lost), or remove the file to drop them.',
    );
  });
});

describe('disk sources and volume directories', () => {
  const pathDisk = (root: string, size: number, extra: Record<string, unknown> = {}) => ({ name: 'disk', type: 'SCALAR', scalar: { value: size }, disk: { source: { type: 'PATH', path: { root } } }, ...extra });
  const mountDisk = (root: string, size: number) => ({ name: 'disk', type: 'SCALAR', scalar: { value: size }, disk: { source: { type: 'MOUNT', mount: { root } } } });

  test('--resources in Mesos JSON form declares ROOT, PATH and MOUNT disks; bad sources are refused naming why', () => {
    const root = tempDir();
    const ok = agentFlags({ master: '127.0.0.1:5050', work_dir: tempDir(), resources: JSON.stringify([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'disk', type: 'SCALAR', scalar: { value: 10 } }, pathDisk(root, 100), mountDisk(root, 50)]) });
    const disks = Resources.parse(ok.resources!).named('disk').toJSON();
    expect(disks.map((d) => (d.disk as { source?: { type: string } } | undefined)?.source?.type ?? 'ROOT')).toEqual(['ROOT', 'PATH', 'MOUNT']);
    const refused = (resources: unknown[]): string => {
      try {
        agentFlags({ master: '127.0.0.1:5050', work_dir: tempDir(), resources: JSON.stringify(resources) });
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(refused([{ ...pathDisk(root, 1), disk: { source: { type: 'BLOCK' } } }])).toBe(`--resources: disk source of 'disk:1': type must be PATH or MOUNT (ROOT is a disk without a source), got "BLOCK"`);
    expect(refused([{ ...pathDisk(root, 1), disk: { source: { type: 'PATH', path: { root: 'relative' } } } }])).toBe(`--resources: disk source of 'disk:1': path.root must be an absolute directory, got "relative"`);
    expect(refused([pathDisk('/nonexistent/mesos-ts', 1)])).toBe('--resources: the PATH disk\'s root /nonexistent/mesos-ts is not an existing directory');
  });

  test('volumes live under the work dir, the PATH disk\'s root, or are the MOUNT disk\'s root; DESTROY removes their data, never a MOUNT point', async () => {
    const work = tempDir();
    const pathRoot = tempDir();
    const mountRoot = tempDir();
    const volumes = new AgentVolumes(work, { info: () => {}, warn: () => {} }, nodeDisk, false);
    const vol = (id: string, base: Record<string, unknown>) => ({
      ...base,
      reservations: [{ type: 'DYNAMIC' as const, role: 'db', principal: 'ops' }],
      disk: { ...((base.disk as object | undefined) ?? {}), persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    });
    const all = Resources.fromJSON([vol('a', { name: 'disk', type: 'SCALAR', scalar: { value: 10 } }), vol('b', pathDisk(pathRoot, 10)), vol('c', mountDisk(mountRoot, 10))]);
    await volumes.sync(Resources.empty(), all, new Set());
    expect(existsSync(join(work, 'volumes', 'roles', 'db', 'a'))).toBe(true);
    expect(existsSync(join(pathRoot, 'volumes', 'roles', 'db', 'b'))).toBe(true);
    writeFileSync(join(mountRoot, 'data.bin'), 'x');
    writeFileSync(join(work, 'volumes', 'roles', 'db', 'a', 'f'), 'x');
    // Destroyed while a task holds 'a': its data is kept; 'c' (MOUNT) is emptied, its root stays.
    await volumes.sync(all, Resources.empty(), new Set(['db\u0000a']));
    expect(existsSync(join(work, 'volumes', 'roles', 'db', 'a', 'f'))).toBe(true);
    expect(existsSync(join(pathRoot, 'volumes', 'roles', 'db', 'b'))).toBe(false);
    expect(existsSync(mountRoot)).toBe(true);
    expect(readdirSync(mountRoot)).toEqual([]);
  });
});

describe('--default_role and how a container sees its volumes', () => {
  test('--default_role reserves what --resources leaves without a role (statically); a bad role is refused', () => {
    const flags = agentFlags({ master: '127.0.0.1:5050', work_dir: tempDir(), default_role: 'eng', resources: 'cpus:2;mem(*):512;disk(ops):10' });
    const r = Resources.parse(flags.resources!, flags.default_role);
    expect(r.reserved('eng').toString()).toBe('cpus(eng):2');
    expect(r.unreserved().toString()).toBe('mem:512');
    expect(r.reserved('ops').toString()).toBe('disk(ops):10');
    expect(() => agentFlags({ master: '127.0.0.1:5050', work_dir: tempDir(), default_role: '-x' })).toThrow(/^--default_role=-x: /);
  });

  test('a symlink in the sandbox where bind mounts cannot be made; else a bind for the launcher to make in its own mount namespace', async () => {
    const work = tempDir();
    const sandbox = tempDir();
    const vol = { name: 'disk', type: 'SCALAR' as const, scalar: { value: 10 }, reservations: [{ type: 'DYNAMIC' as const, role: 'db', principal: 'ops' }], disk: { persistence: { id: 'v' }, volume: { container_path: 'state/data', mode: 'RO' } } };
    const config = { containerId: 'c1', sandbox, command: { shell: true, value: 'cat state/data/x' }, limits: {} };
    const symlinks = new AgentVolumes(work, { info: () => {}, warn: () => {} }, nodeDisk, false);
    await symlinks.sync(Resources.empty(), Resources.fromJSON([vol]), new Set());
    expect(await symlinks.attach(config, [vol])).toBe(config);
    expect(lstatSync(join(sandbox, 'state', 'data')).isSymbolicLink()).toBe(true);
    expect(realpathSync(join(sandbox, 'state', 'data'))).toBe(realpathSync(join(work, 'volumes', 'roles', 'db', 'v')));
    expect(symlinks.message('c1')).toEqual({ message: 'persistent volume v at state/data (symlink)' });
    await expect(symlinks.attach(config, [{ ...vol, disk: { ...vol.disk, persistence: { id: 'missing' } } }])).rejects.toThrow(/^persistent volume missing of role db does not exist on this agent/);

    const binds = new AgentVolumes(work, { info: () => {}, warn: () => {} }, nodeDisk, true);
    const bound = await binds.attach({ ...config, sandbox: tempDir() }, [vol]);
    // The command as it was: the launcher makes the binds (a mount plan without a root), no shell or unshare around it.
    expect(bound.command).toEqual(config.command);
    expect(bound.volumeMounts).toEqual([{ source: join(work, 'volumes', 'roles', 'db', 'v'), target: join(bound.sandbox, 'state', 'data'), readOnly: true }]);
    expect(binds.message('c1')).toEqual({ message: 'persistent volume v at state/data (bind mount)' });

    // A container with an image: its volumes, for filesystem/linux to bind in its own root.
    const imaged = await symlinks.attach({ ...config, containerId: 'c2', sandbox: tempDir(), container: { image: { type: 'DOCKER', name: 'busybox' } } }, [vol]);
    expect(imaged.command).toEqual(config.command);
    expect(imaged.container!.volumes).toEqual([{ containerPath: 'state/data', hostPath: join(work, 'volumes', 'roles', 'db', 'v'), readOnly: true }]);
    expect(symlinks.message('c2')).toEqual({ message: 'persistent volume v at state/data (bind mount)' });
  });
});
