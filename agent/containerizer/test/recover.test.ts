import { describe, test, expect, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Containerizer } from '../containerizer.js';
import { containerMetaDir, onTmpfs, readCheckpoint } from '../checkpoint.js';
import { exitRecordPath } from '../exit-record.js';
import { probeCgroups } from '../isolators/cgroups-fs.js';
import { bootId, isAlive, readStat } from '../proc.js';
import type { ContainerConfig } from '../types.js';
import { cid, cleanup, tmp, waitFor, waitForFile } from './helpers.js';
import { testIf } from '../../../test/skip.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await cleanup(d);
});

function setup() {
  const dir = tmp('cz-rec-');
  dirs.push(dir);
  const metaDir = join(dir, 'meta');
  const config = (value: string, extra: Partial<ContainerConfig> = {}): ContainerConfig => {
    const id = cid('r');
    return { containerId: id, command: { shell: true, value }, sandbox: join(dir, id), limits: {}, ...extra };
  };
  return { dir, metaDir, config };
}

/** A container.json for a process that is not running any more (as after a crash). */
async function vanishedCheckpoint(metaDir: string, model: string, id: string, pid: number, startTime: number) {
  const cp = (await readCheckpoint(metaDir, model))!;
  mkdirSync(containerMetaDir(metaDir, id), { recursive: true });
  writeFileSync(join(containerMetaDir(metaDir, id), 'container.json'),
    JSON.stringify({ ...cp, containerId: id, pid, startTime, config: { ...cp.config, containerId: id } }));
}

describe('recovery after an agent restart', () => {
  test('a new instance reattaches to a running process, reports a vanished one, never signals a reused pid', async () => {
    const { metaDir, config } = setup();
    const old = await Containerizer.create({ metaDir });
    const a = config('echo ready > ready; exec sleep 100');
    const running = await old.launch(a);
    await waitForFile(join(a.sandbox, 'ready'));

    // A process that has exited (its pid is free) and the jest process's own pid with a
    // different start time (a reused pid): both must be reported as vanished.
    const dead = spawnSync('true');
    expect(dead.status).toBe(0);
    await vanishedCheckpoint(metaDir, a.containerId, 'gone-1', dead.pid!, 12345);
    await vanishedCheckpoint(metaDir, a.containerId, 'reused-1', process.pid, (await readStat(process.pid))!.startTime + 1);

    const fresh = await Containerizer.create({ metaDir, recoveryPollMs: 20 });
    const r = await fresh.recover([a.containerId, 'gone-1', 'reused-1', 'never-launched']);
    expect(r.recovered.map((c) => c.id)).toEqual([a.containerId]);
    expect(r.recovered[0]!.pid).toBe(running.pid);
    expect(r.vanished.map((t) => t.containerId).sort()).toEqual(['gone-1', 'never-launched', 'reused-1']);
    for (const t of r.vanished) expect(t.status).toBeNull();
    expect(r.vanished.find((t) => t.containerId === 'gone-1')!.message).toMatch(/vanished while the agent was down: its process \d+ is gone/);
    expect(await isAlive(process.pid, (await readStat(process.pid))!.startTime)).toBe(true); // still here

    // The recovered container is fully usable: usage, then kill through the new instance.
    const u = await r.recovered[0]!.usage();
    expect(u.processes).toBe(1);
    const t = await fresh.kill(a.containerId, { gracePeriodMs: 2000 });
    expect(t.killed).toBe(true);
    // Not our child, but the launcher helper recorded its wait status before reaping it.
    expect(t.status).toEqual({ code: null, signal: 'SIGTERM', message: 'Command terminated with signal Terminated' });
    await running.wait();
  });

  test('with the spawn launcher the exit status of a recovered container is unknown (nothing outlives the agent to record it)', async () => {
    const { metaDir, config } = setup();
    const old = await Containerizer.create({ metaDir, launcher: 'spawn' });
    const a = config('echo ready > ready; exec sleep 100');
    const running = await old.launch(a);
    await waitForFile(join(a.sandbox, 'ready'));
    const fresh = await Containerizer.create({ metaDir, recoveryPollMs: 20 });
    expect((await fresh.recover([a.containerId])).recovered).toHaveLength(1);
    const t = await fresh.kill(a.containerId, { gracePeriodMs: 2000 });
    expect(t.status).toBeNull();
    expect(t.message).toMatch(/exit status is unknown/);
    await running.wait();
  });

  test('the helper outlives its containerizer: containers that end meanwhile are recovered with their recorded exit status', async () => {
    const { metaDir, config } = setup();
    const old = await Containerizer.create({ metaDir });
    const specs = { zero: config('while [ ! -f stop ]; do sleep 0.02; done; exit 0'), three: config('while [ ! -f stop ]; do sleep 0.02; done; exit 3'), killed: config('exec sleep 100') };
    const pids: Record<string, { pid: number; startTime: number }> = {};
    for (const [k, c] of Object.entries(specs)) {
      const started = await old.launch(c);
      pids[k] = { pid: started.pid, startTime: started.startTime };
    }
    old.close(); // as when the agent goes away: nobody listens to the helper any more
    writeFileSync(join(specs.zero.sandbox, 'stop'), '');
    writeFileSync(join(specs.three.sandbox, 'stop'), '');
    process.kill(pids.killed!.pid, 'SIGKILL');
    for (const k of Object.keys(specs)) await waitFor(async () => (await readStat(pids[k]!.pid))?.startTime !== pids[k]!.startTime, 5000, `${k} to be reaped`);
    for (const c of Object.values(specs)) expect(existsSync(exitRecordPath(metaDir, c.containerId))).toBe(true);

    const fresh = await Containerizer.create({ metaDir });
    const r = await fresh.recover(Object.values(specs).map((c) => c.containerId));
    expect(r.vanished).toEqual([]);
    const by = Object.fromEntries(r.terminated.map((t) => [t.containerId, t.status]));
    expect(by[specs.zero.containerId]).toEqual({ code: 0, signal: null, message: 'Command exited with status 0' });
    expect(by[specs.three.containerId]).toEqual({ code: 3, signal: null, message: 'Command exited with status 3' });
    expect(by[specs.killed.containerId]).toEqual({ code: null, signal: 'SIGKILL', message: 'Command terminated with signal Killed' });
  });

  test('an exit record that is malformed or of another pid is not trusted: the container is reported vanished', async () => {
    const { metaDir, config } = setup();
    const old = await Containerizer.create({ metaDir });
    const a = config('true');
    await (await old.launch(a)).wait();
    const dead = spawnSync('true');
    const warnings: string[] = [];
    for (const [id, record] of [['bad-record', '{"pid": 12, "waitStatus": '], ['other-pid', JSON.stringify({ pid: dead.pid! + 1, waitStatus: 0 })], ['bad-status', JSON.stringify({ pid: dead.pid!, waitStatus: 70000 })]] as const) {
      await vanishedCheckpoint(metaDir, a.containerId, id, dead.pid!, 12345);
      writeFileSync(exitRecordPath(metaDir, id), record);
    }
    const fresh = await Containerizer.create({ metaDir, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    const r = await fresh.recover(['bad-record', 'other-pid', 'bad-status']);
    expect(r.terminated).toEqual([]);
    expect(r.vanished.map((t) => [t.containerId, t.status])).toEqual([['bad-record', null], ['other-pid', null], ['bad-status', null]]);
    expect(warnings.join('\n')).toMatch(/Corrupt exit record .*bad-record\/exit.json: not valid JSON/);
    expect(warnings.join('\n')).toMatch(/Exit record .*other-pid\/exit.json is of pid \d+, not of the container's process \d+/);
    expect(warnings.join('\n')).toMatch(/Corrupt exit record .*bad-status\/exit.json: expected/);
  });

  test('a container that terminated before the restart is reported with its termination; orphans are destroyed', async () => {
    const { metaDir, config } = setup();
    const old = await Containerizer.create({ metaDir });
    const done = config('exit 7');
    await (await old.launch(done)).wait();
    const orphan = config('echo ready > ready; exec sleep 100');
    const o = await old.launch(orphan);
    await waitForFile(join(orphan.sandbox, 'ready'));

    const fresh = await Containerizer.create({ metaDir });
    const r = await fresh.recover([done.containerId]);
    expect(r.terminated.map((t) => [t.containerId, t.status?.code])).toEqual([[done.containerId, 7]]);
    expect(r.orphans).toEqual([orphan.containerId]);
    const ot = await o.wait();
    expect(ot.status?.signal).toBe('SIGKILL');
    await fresh.forget(done.containerId);
    expect(existsSync(containerMetaDir(metaDir, done.containerId))).toBe(false);
  });

  test("the runtime dir of an earlier boot (never fsync'ed, perhaps torn) is dropped: its containers vanished with the host", async () => {
    const { metaDir } = setup();
    const torn = (id: string) => {
      mkdirSync(containerMetaDir(metaDir, id), { recursive: true });
      writeFileSync(join(containerMetaDir(metaDir, id), 'container.json'), '{"version": 1, "pid": ');
    };
    // This boot's runtime dir: kept, so its torn file is the error it is.
    await Containerizer.create({ metaDir });
    const boot = readFileSync(join(metaDir, 'boot_id'), 'utf8').trim();
    expect(boot).toBe(bootId());
    torn('same-boot');
    await expect((await Containerizer.create({ metaDir })).recover(['same-boot'])).rejects.toThrow(/Corrupt container checkpoint .*same-boot/);
    // An earlier boot's: dropped before anything is read, the known containers reported gone with the host.
    writeFileSync(join(metaDir, 'boot_id'), 'another-boot\n');
    torn('earlier-boot');
    const fresh = await Containerizer.create({ metaDir });
    expect(existsSync(containerMetaDir(metaDir, 'earlier-boot'))).toBe(false);
    expect(readFileSync(join(metaDir, 'boot_id'), 'utf8').trim()).toBe(boot);
    const r = await fresh.recover(['earlier-boot']);
    expect(r.vanished.map((t) => [t.containerId, t.status, t.message])).toEqual([['earlier-boot', null, 'Container vanished while the agent was down: the host rebooted since it was launched']]);
  });

  testIf(onTmpfs('/dev/shm') ? null : 'no tmpfs at /dev/shm')('a runtime dir on a tmpfs: the same records, its directories made and removed on the loop', async () => {
    const { dir, config } = setup();
    const metaDir = mkdtempSync(join('/dev/shm', 'cz-runtime-'));
    dirs.push(metaDir);
    const old = await Containerizer.create({ metaDir, launcher: 'helper' });
    const a = config('exit 3');
    const c = await old.launch(a);
    expect(existsSync(join(containerMetaDir(metaDir, a.containerId), 'container.json'))).toBe(true);
    await c.wait();
    old.close();
    await waitFor(() => existsSync(exitRecordPath(metaDir, a.containerId)));
    const fresh = await Containerizer.create({ metaDir });
    const r = await fresh.recover([a.containerId]);
    expect(r.terminated.map((t) => [t.containerId, t.status?.code])).toEqual([[a.containerId, 3]]);
    mkdirSync(join(containerMetaDir(metaDir, a.containerId), 'more')); // not only files: removed the long way
    const forgotten = fresh.forget(a.containerId);
    expect(existsSync(containerMetaDir(metaDir, a.containerId))).toBe(false); // at once, before the promise settles
    await forgotten;
    expect(existsSync(join(dir, 'meta'))).toBe(false); // nothing of it under the work dir
  });

  test('a corrupt checkpoint is a clear error naming the file and the problem', async () => {
    const { metaDir } = setup();
    const fresh = await Containerizer.create({ metaDir });
    const write = (id: string, text: string) => {
      mkdirSync(containerMetaDir(metaDir, id), { recursive: true });
      writeFileSync(join(containerMetaDir(metaDir, id), 'container.json'), text);
    };
    write('bad-json', '{"version": 1, "pid": ');
    await expect(fresh.recover(['bad-json'])).rejects.toThrow(/Corrupt container checkpoint .*bad-json\/container.json: not valid JSON/);
    write('bad-json', '');
    await expect(fresh.recover(['bad-json'])).rejects.toThrow(/the file is empty/);
    write('bad-json', JSON.stringify({ version: 1, containerId: 'bad-json', pid: 'x', startTime: 1, launchedAt: 1 }));
    await expect(fresh.recover(['bad-json'])).rejects.toMatchObject({ code: 'CORRUPT_CHECKPOINT', message: expect.stringMatching(/'pid' must be a non-negative integer/) });
    write('bad-json', JSON.stringify({ version: 9 }));
    await expect(fresh.recover(['bad-json'])).rejects.toThrow(/unsupported version 9/);
  });
});

const probe = await probeCgroups('mesos-ts-test');
testIf(probe.backend ? null : `cgroups are not usable here: ${probe.reason}`)('recovery with cgroups: the new instance kills through the recovered cgroups and removes them', async () => {
  const { metaDir, config } = setup();
  const opts = { metaDir, isolation: 'cgroups/cpu,cgroups/mem', cgroupsRoot: 'mesos-ts-test', strict: true };
  const old = await Containerizer.create(opts);
  const a = config('setsid sleep 100 & echo $! > escaped; echo ready > ready; exec sleep 100', { limits: { cpus: 0.2, memMb: 40 } });
  const running = await old.launch(a);
  await waitForFile(join(a.sandbox, 'ready'));
  await waitForFile(join(a.sandbox, 'escaped'));
  const escaped = Number(readFileSync(join(a.sandbox, 'escaped'), 'utf8'));
  const cp = (await readCheckpoint(metaDir, a.containerId))!;
  const memDir = (cp.isolatorState['cgroups/mem'] as { paths: { memory: string } }).paths.memory;
  expect(existsSync(memDir)).toBe(true);

  const fresh = await Containerizer.create({ ...opts, recoveryPollMs: 20 });
  const r = await fresh.recover([a.containerId]);
  expect(r.recovered).toHaveLength(1);
  expect((await r.recovered[0]!.usage()).mem_limit_bytes).toBe(40 * 1024 * 1024);
  await fresh.destroy(a.containerId);
  await running.wait();
  expect(existsSync(memDir)).toBe(false);
  await waitFor(async () => { const s = await readStat(escaped); return s === null || s.state === 'Z'; }, 3000, 'escaped child to die');
});
