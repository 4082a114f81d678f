// /files endpoints (including traversal attempts), /state through the
// runtime's router, bad flags and bad checkpoint files.
import { describe, expect, test } from '@jest/globals';
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock, type HttpRequest } from 'libprocess-ts';
import { StatusUpdateManager } from '../status-updates.js';
import { appendRecord, CheckpointError, readRecords } from '../checkpoint.js';
import { browse, download, read } from '../files.js';
import { agentFlags, agentResources, formatDuration, parseDuration } from '../flags.js';
import { readAgentState } from '../recovery.js';
import { startAgent } from '../main.js';
import { silentLogger } from '../containerizer/index.js';
import { tempDir } from './helpers.js';

function req(path: string, query: Record<string, string>): HttpRequest {
  return { method: 'GET', path, query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0) };
}

function sandboxTree(): { work: string; run: string; latest: string } {
  const work = tempDir('agent-files-');
  const runs = join(work, 'slaves', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs');
  const run = join(runs, 'C1');
  mkdirSync(join(run, 'sub'), { recursive: true });
  writeFileSync(join(run, 'stdout'), 'hello world\n');
  writeFileSync(join(run, 'sub', 'x.txt'), 'x');
  symlinkSync('/etc/passwd', join(run, 'evil'));
  symlinkSync('../../../../../../../../meta', join(run, 'up'));
  symlinkSync('C1', join(runs, 'latest'));
  mkdirSync(join(work, 'meta'), { recursive: true });
  writeFileSync(join(work, 'meta', 'secret'), 'secret');
  return { work, run, latest: join(runs, 'latest') };
}

describe('/files', () => {
  test('browse, read (with and without offset), download', async () => {
    const { work, run, latest } = sandboxTree();
    const b = await browse(work, req('/files/browse', { path: run }));
    expect(b.status).toBe(200);
    const list = (b as { body: { path: string; size: number; mode: string }[] }).body;
    expect(list.map((e) => e.path)).toEqual(['evil', 'stdout', 'sub', 'up'].map((n) => `${run}/${n}`));
    expect(list.find((e) => e.path.endsWith('/sub'))!.mode.startsWith('d')).toBe(true);
    expect(list.find((e) => e.path.endsWith('/stdout'))!.size).toBe(12);

    const rd = (q: Record<string, string>): Promise<unknown> => read(work, req('/files/read', q));
    const stdout = run + '/stdout';
    const r1 = await rd({ path: stdout, offset: '0', length: '5' });
    expect(r1).toEqual({ status: 200, body: { data: 'hello', offset: 0 } });
    const r2 = await rd({ path: stdout, offset: '6' });
    expect(r2).toEqual({ status: 200, body: { data: 'world\n', offset: 6 } });
    const r3 = await rd({ path: stdout });
    expect(r3).toEqual({ status: 200, body: { data: '', offset: 12 } });
    const r4 = await rd({ path: latest + '/sub/x.txt', offset: '0' });
    expect(r4).toEqual({ status: 200, body: { data: 'x', offset: 0 } });
    const r5 = (await rd({ path: stdout, offset: 'abc' })) as { status: number };
    expect(r5.status).toBe(400);

    const d = await download(work, req('/files/download', { path: `${run}/stdout` }), { clock: realClock });
    expect(d.status).toBe(200);
    expect(Buffer.from((d as { body: Buffer }).body).toString()).toBe('hello world\n');
    expect((d as { headers: Record<string, string> }).headers['content-disposition']).toContain('stdout');
  });

  test('nothing outside the sandboxes: .., absolute paths elsewhere, symlinks out, non-run directories', async () => {
    const { work, run } = sandboxTree();
    const attempts: [string, number, RegExp][] = [
      [`${run}/../../../../../../../../etc/passwd`, 403, /'\.\.' is not allowed/],
      ['/etc/passwd', 403, /outside the sandboxes/],
      [join(work, 'meta', 'secret'), 403, /outside the sandboxes/],
      [join(work, 'slaves', 'A1', 'frameworks', 'F1'), 403, /not inside a sandbox/],
      [`${run}/evil`, 403, /through a symbolic link/],
      [`${run}/up/secret`, 403, /through a symbolic link/],
      [`${run}/nope`, 404, /No such file/],
      ['', 400, /Missing 'path'/],
      ['relative/stdout', 400, /must be absolute/],
    ];
    for (const [path, status, message] of attempts) {
      for (const fn of [browse, read, download]) {
        const r = await fn(work, req('/files/x', path === '' ? {} : { path, offset: '0' }), { clock: realClock });
        expect([path, r.status]).toEqual([path, status]);
        expect(String((r as { body: unknown }).body)).toMatch(message);
      }
    }
  });

  test('served by a started agent at /files/... and /slave(1)/files/..., with /state, /flags and /health', async () => {
    const work = tempDir('agent-http-');
    const a = await startAgent({ master: '127.0.0.1:1', port: 0, work_dir: work, resources: 'cpus:1;mem:64;disk:64;ports:[1-2]', fsync: false, seed: 3, attributes: 'rack:r1;level:3' }, { logger: silentLogger });
    try {
      const traversal = await a.runtime.handleHttp(req('/files/read', { path: `${work}/slaves/../meta`, offset: '0' }));
      expect(traversal.status).toBe(403);
      const viaId = await a.runtime.handleHttp(req('/slave(1)/files/browse', { path: '/etc' }));
      expect(viaId.status).toBe(403);
      const state = (await a.runtime.handleHttp(req('/state', {}))) as { status: number; body: Record<string, unknown> };
      expect(state.status).toBe(200);
      expect(state.body.pid).toBe(a.pid.toString());
      expect(state.body.resources).toEqual({ cpus: 1, mem: 64, disk: 64, gpus: 0, ports: '[1-2]' });
      expect(state.body.attributes).toEqual({ rack: 'r1', level: 3 });
      expect(state.body.frameworks).toEqual([]);
      const flags = (await a.runtime.handleHttp(req('/flags', {}))) as { status: number; body: { flags: Record<string, string> } };
      expect(flags.status).toBe(200);
      expect(flags.body.flags).toEqual(state.body.flags);
      expect(flags.body.flags.work_dir).toBe(work);
      expect(flags.body.flags.attributes).toBe('rack:r1;level:3');
      expect((await a.runtime.handleHttp(req('/health', {}))).status).toBe(200);
      expect((await a.runtime.handleHttp(req('/monitor/statistics', {}))) as unknown).toEqual({ status: 200, body: [] });
    } finally {
      await a.stop();
    }
  });
});

describe('flags', () => {
  test('defaults are Mesos-shaped', () => {
    const f = agentFlags({});
    expect(f.isolation).toBe('posix/cpu,posix/mem');
    expect(f.recover).toBe('reconnect');
    expect(f.registration_backoff_factor).toBe(1000);
    expect(f.executor_registration_timeout).toBe(60_000);
    expect(f.executor_shutdown_grace_period).toBe(5000);
    expect(f.gc_delay).toBe(7 * 24 * 3600 * 1000);
    expect(f.port).toBe(5051);
    expect(agentFlags({ gc_delay: '2days', executor_registration_timeout: '90secs' })).toMatchObject({ gc_delay: 172_800_000, executor_registration_timeout: 90_000 });
    expect(formatDuration(5000)).toBe('5secs');
    expect(parseDuration('x', '1weeks')).toBe(604_800_000);
  });

  test('bad values name the flag and the bad part', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ recover: 'maybe' }, /--recover=maybe: expected 'reconnect' or 'cleanup'/],
      [{ resources: 'cpus:2;mem:abc' }, /--resources=cpus:2;mem:abc: bad resource 'mem:abc'/],
      [{ resources: 'ports:[1-5,3-8]' }, /--resources=.*ranges overlap: 1-5 and 3-8/],
      [{ attributes: 'ids:[1-4,3-6]' }, /--attributes=ids:\[1-4,3-6\]: bad attribute 'ids:\[1-4,3-6\]': ranges overlap/],
      [{ registration_backoff_factor: '1parsec' }, /--registration_backoff_factor=1parsec: expected a duration/],
      [{ master: 'nohost' }, /--master=nohost: expected host:port/],
      [{ port: '70000' }, /--port=70000/],
      [{ work_dir: 'relative' }, /--work_dir=relative: expected an absolute/],
      [{ isolation: 'posix cpu' }, /--isolation=posix cpu/],
      [{ strict: 'perhaps' }, /--strict=perhaps: expected true or false/],
      [{ bogus: '1' }, /unknown flag --bogus/],
    ];
    for (const [input, message] of bad) expect(() => agentFlags(input as never)).toThrow(message);
  });

  test('resources not given are detected (cpus, mem, disk, ports)', async () => {
    const detect = async (): Promise<never> => ({ text: 'cpus:8;mem:1000;disk:2000;ports:[31000-32000]' }) as never;
    const r = await agentResources(agentFlags({ resources: 'cpus:3;gpus:1' }), detect);
    expect(r.toString()).toBe('cpus:3;gpus:1;mem:1000;disk:2000;ports:[31000-32000]');
    const all = await agentResources(agentFlags({ resources: 'cpus:1;mem:2;disk:3;ports:[1-2]' }), detect);
    expect(all.toString()).toBe('cpus:1;mem:2;disk:3;ports:[1-2]');
  });
});

describe('checkpoints', () => {
  test('bad files give errors naming the file and the problem', () => {
    const work = tempDir('agent-ckpt-');
    mkdirSync(join(work, 'meta', 'slaves'), { recursive: true });
    writeFileSync(join(work, 'meta', 'slaves', 'latest'), 'A1\n');
    expect(() => readAgentState(work)).toThrow(/Corrupt checkpoint .*meta\/slaves\/A1\/slave.info: missing/);
    mkdirSync(join(work, 'meta', 'slaves', 'A1'), { recursive: true });
    writeFileSync(join(work, 'meta', 'slaves', 'A1', 'slave.info'), '{"hostname": ');
    expect(() => readAgentState(work)).toThrow(/Corrupt checkpoint .*slave.info: not valid JSON/);
    writeFileSync(join(work, 'meta', 'slaves', 'A1', 'slave.info'), '{"hostname": 7}');
    expect(() => readAgentState(work)).toThrow(/slave.info: 'hostname' must be a string/);
    writeFileSync(join(work, 'meta', 'slaves', 'A1', 'slave.info'), '{"hostname": "h", "resources": []}');
    const fwDir = join(work, 'meta', 'slaves', 'A1', 'frameworks', 'F1');
    mkdirSync(fwDir, { recursive: true });
    writeFileSync(join(fwDir, 'framework.info'), '');
    expect(() => readAgentState(work)).toThrow(/framework.info: the file is empty/);
    writeFileSync(join(fwDir, 'framework.info'), '{"info": {"name": "fw", "user": "u"}}');
    expect(readAgentState(work)!.frameworks.map((f) => f.id)).toEqual(['F1']);
  });

  test('updates files of an agent before the journal: checksums, torn last line dropped, acks must match', () => {
    const work = tempDir('agent-upd-');
    const path = join(work, 'task.updates');
    const update = { framework_id: { value: 'F' }, status: { task_id: { value: 't' }, state: 'TASK_RUNNING' as const }, timestamp: 1, uuid: new Uint8Array(16).fill(1) };
    appendRecord(path, { type: 'UPDATE', update }, false);
    appendFileSync(path, '0000ab'); // a crash in the middle of the next append
    expect(readRecords(path)).toMatchObject({ torn: true, records: [{ type: 'UPDATE' }] });
    const sum = new StatusUpdateManager({ forward: () => {}, delay: () => ({ cancel: () => {} }) }, { retryMinMs: 10, retryMaxMs: 100, fsync: false });
    const place = { journal: join(work, 'updates.journal'), container: 'c1' };
    const s = sum.recover('F', 't', place, path)!;
    expect(s.pending.map((u) => u.status.state)).toEqual(['TASK_RUNNING']);
    expect(s.pending[0]!.uuid).toEqual(new Uint8Array(16).fill(1));
    // The torn bytes are cut off at recovery: a record appended next starts on its own line, and the file reads back.
    appendRecord(path, { type: 'ACK', uuid: new Uint8Array(16).fill(1) }, false, false);
    expect(readRecords(path)).toMatchObject({ torn: false, records: [{ type: 'UPDATE' }, { type: 'ACK' }] });
    const bad = join(work, 'bad.updates');
    writeFileSync(bad, '00000000 {"type":"UPDATE"}\n');
    expect(() => readRecords(bad)).toThrow(CheckpointError);
    expect(() => readRecords(bad)).toThrow(/bad.updates: line 1 fails its checksum/);
    const wrongAck = join(work, 'ack.updates');
    appendRecord(wrongAck, { type: 'UPDATE', update }, false);
    appendRecord(wrongAck, { type: 'ACK', uuid: new Uint8Array(16).fill(2) }, false);
    expect(() => sum.recover('F', 't', place, wrongAck)).toThrow(/ack.updates: record 2 of task t acknowledges 0202.*which is not the next unacknowledged update/);
  });

  test('a corrupt checkpoint stops startAgent with that error', async () => {
    const work = tempDir('agent-bad-');
    mkdirSync(join(work, 'meta', 'slaves', 'A1'), { recursive: true });
    writeFileSync(join(work, 'meta', 'slaves', 'latest'), 'A1');
    writeFileSync(join(work, 'meta', 'slaves', 'A1', 'slave.info'), 'garbage');
    await expect(startAgent({ master: '127.0.0.1:1', port: 0, work_dir: work, resources: 'cpus:1;mem:64;disk:64;ports:[1-2]', fsync: false }, { logger: silentLogger })).rejects.toThrow(
      /Corrupt checkpoint .*slave.info: not valid JSON/,
    );
  });
});
