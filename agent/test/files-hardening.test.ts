// /files against a started agent over real HTTP: symbolic links out of the
// sandbox (to a file, to a directory, absolute and relative), FIFOs, sockets
// and devices planted in a sandbox are each refused with a 4xx naming why,
// links that stay inside the sandbox still work, and the agent keeps serving.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Process, Runtime, WsTransport, createLogger, realClock, type Handlers } from 'libprocess-ts';
import { download } from '../files.js';
import { silentLogger } from '../containerizer/index.js';
import { startAgent, type StartedAgent } from '../main.js';
import { tempDir } from './helpers.js';

let a: StartedAgent;
let run: string;
let unixServer: Server;

async function get(endpoint: string, path: string, extra = ''): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://${a.pid.address}/files/${endpoint}?path=${encodeURIComponent(path)}${extra}`);
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  const work = tempDir('agent-files-hard-');
  const runs = join(work, 'slaves', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs');
  run = join(runs, 'C1');
  mkdirSync(join(run, 'sub'), { recursive: true });
  writeFileSync(join(run, 'stdout'), 'hello\n');
  writeFileSync(join(run, 'sub', 'x.txt'), 'x');
  symlinkSync('/etc/passwd', join(run, 'passwd'));
  symlinkSync('/etc', join(run, 'etcdir'));
  symlinkSync('../../../../../../../../../../../etc', join(run, 'up'));
  symlinkSync('sub', join(run, 'inside'));
  symlinkSync(join(run, 'sub', 'x.txt'), join(run, 'absolute-inside'));
  symlinkSync('loop', join(run, 'loop'));
  execFileSync('mkfifo', [join(run, 'fifo')]);
  unixServer = createServer();
  await new Promise<void>((resolve) => unixServer.listen(join(run, 'socket'), resolve));
  if (process.getuid?.() === 0) execFileSync('mknod', [join(run, 'null'), 'c', '1', '3']);
  a = await startAgent({ master: '127.0.0.1:1', port: 0, work_dir: work, resources: 'cpus:1;mem:64;disk:64;ports:[1-2]', fsync: false, seed: 3 }, { logger: silentLogger });
});

afterAll(async () => {
  await a?.stop();
  unixServer?.close();
});

describe('/files refuses what is not a file of the sandbox', () => {
  test('symbolic links out of the sandbox, to a file or a directory, absolute or relative', async () => {
    for (const path of [`${run}/passwd`, `${run}/etcdir/passwd`, `${run}/etcdir`, `${run}/up/passwd`, `${run}/up`]) {
      for (const endpoint of ['read', 'browse', 'download']) {
        const r = await get(endpoint, path, '&offset=0');
        expect([endpoint, path, r.status]).toEqual([endpoint, path, 403]);
        expect(r.text).toContain('resolves outside its sandbox (through a symbolic link)');
        expect(r.text).not.toContain('root:');
      }
    }
    expect(await get('read', `${run}/loop`, '&offset=0')).toEqual({ status: 400, text: `'${run}/loop': too many levels of symbolic links\n` });
  });

  test('FIFOs, sockets and devices: 400 at once, never a blocked open', async () => {
    const planted: [string, string][] = [
      ['fifo', 'a FIFO'],
      ['socket', 'a socket'],
      ...(process.getuid?.() === 0 ? ([['null', 'a device']] as [string, string][]) : []),
    ];
    for (const [name, kind] of planted) {
      for (const endpoint of ['read', 'browse', 'download']) {
        const r = await get(endpoint, `${run}/${name}`, '&offset=0');
        expect([endpoint, name, r.status, r.text]).toEqual([endpoint, name, 400, `'${run}/${name}' is ${kind}: only regular files and directories are served\n`]);
      }
    }
  });

  test('a path swapped between a file and a link out, as fast as a shell can, never serves what is outside', async () => {
    writeFileSync(join(run, 'flip'), 'inside\n');
    // Renames are atomic: `flip` is at every instant either a file of the sandbox or a link to /etc/passwd.
    const swapper = spawn('sh', ['-c', 'while :; do ln -sfn /etc/passwd flip.l && mv -T flip.l flip; echo inside > flip.f && mv -T flip.f flip; done'], { cwd: run, stdio: 'ignore' });
    try {
      const seen = new Map<string, number>();
      // 2,000 reads, 20 at a time.
      for (let round = 0; round < 100; round++) {
        const answers = await Promise.all(Array.from({ length: 20 }, () => get('read', `${run}/flip`, '&offset=0')));
        for (const r of answers) {
          const key = r.status === 200 ? `200 ${JSON.parse(r.text).data}` : `${r.status}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      }
      // Only the two answers of a consistent path: the file of the sandbox, or the link out refused.
      expect([...seen.keys()].filter((k) => k !== '200 inside\n' && k !== '403')).toEqual([]);
      expect(seen.get('200 inside\n')).toBeGreaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
    }
  });

  test('links inside the sandbox still work, and the agent still serves', async () => {
    expect(JSON.parse((await get('read', `${run}/inside/x.txt`, '&offset=0')).text)).toEqual({ data: 'x', offset: 0 });
    expect(JSON.parse((await get('read', `${run}/absolute-inside`, '&offset=0')).text)).toEqual({ data: 'x', offset: 0 });
    expect(await get('download', `${run}/stdout`)).toEqual({ status: 200, text: 'hello\n' });
    const listing = JSON.parse((await get('browse', run)).text) as { path: string; mode: string }[];
    expect(listing.map((e) => e.path)).toContain(`${run}/fifo`);
    expect(listing.find((e) => e.path === `${run}/passwd`)?.mode.startsWith('l')).toBe(true);
    expect((await fetch(`http://${a.pid.address}/health`)).status).toBe(200);
  });
});

/** Serves /files/download of one work dir with a short stall bound, as the agent's route does. */
class Downloads extends Process<Record<string, never>> {
  readonly cuts: string[] = [];
  cut!: Promise<string>;
  constructor(readonly work: string) {
    super();
  }
  protected handlers(): Handlers<Record<string, never>> {
    return {};
  }
  override initialize(): void {
    let resolve!: (why: string) => void;
    this.cut = new Promise((r) => (resolve = r));
    const onCut = this.defer((why: string) => {
      this.cuts.push(why);
      resolve(why);
    });
    this.route('/download', (req) => download(this.work, req, { clock: this.clock, stallMs: 300, onCut }));
  }
}

describe('/files/download of a large file', () => {
  const SIZE = 24 * 1024 * 1024;
  let rt: Runtime;
  let d: Downloads;
  let big: string;
  beforeAll(async () => {
    const work = tempDir('agent-files-dl-');
    const dir = join(work, 'slaves', 'A1', 'frameworks', 'F1', 'executors', 'E1', 'runs', 'C1');
    mkdirSync(dir, { recursive: true });
    big = join(dir, 'big');
    writeFileSync(big, '');
    truncateSync(big, SIZE);
    rt = await new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } }), clock: realClock, logger: createLogger('dl', 'silent') }).start();
    d = new Downloads(work);
    rt.spawn(d, 'files');
  });
  afterAll(() => rt?.stop());

  test('streams the whole file to a client that reads', async () => {
    const res = await fetch(`http://${rt.address}/files/download?path=${encodeURIComponent(big)}`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(SIZE);
  });

  test('cuts off a client that never reads, and keeps serving', async () => {
    const sock = connect(Number(rt.address.split(':')[1]), '127.0.0.1');
    sock.pause(); // never reads
    const gone = new Promise<void>((resolve) => sock.on('close', () => resolve()).on('error', () => {}));
    sock.write(`GET /files/download?path=${encodeURIComponent(big)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const why = await d.cut;
    expect(why).toMatch(new RegExp(`^/files/download of '${big}' cut off: the client took nothing for 300 ms`));
    expect(d.cuts).toHaveLength(1);
    sock.resume(); // drain what the kernel holds: the connection was reset or ended short
    await gone;
    const res = await fetch(`http://${rt.address}/files/download?path=${encodeURIComponent(big)}`);
    expect((await res.arrayBuffer()).byteLength).toBe(SIZE);
  });
});
