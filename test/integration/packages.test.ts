// The packages as a framework author gets them: `npm pack` of mesos-ts and libprocess-ts,
// installed from the two tarballs into a scratch project in a temp dir outside the repository,
// and there: a 20-line framework in TypeScript, type-checked by the consumer's tsc, run
// against a real local cluster; an actor pair over libprocess-ts alone; every public face
// imported; the installed `mesos-ts` bin (its version, a master serving its web UI); and a type
// error the consumer's tsc must catch (the packages' types are real, not `any`).
//
// `npm install <tarballs>` takes mesos-ts's dependency on libprocess-ts from the tarball beside
// it; the others (ws, msgpackr, commander, ...) come from the npm cache when it holds them
// (--offline), else from the registry (--prefer-offline). Skipped, saying so, only when both fail
// and the registry is unreachable.
import { afterAll, expect, test } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocal } from '../cluster.js';
import { root } from '../processes.js';
import { describeIf } from '../skip.js';
import { tempDir } from '../temp.js';

const run = promisify(execFile);
const scratch = tempDir('mesos-ts-consumer');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

afterAll(async () => {
  await scratch.remove();
});

type Out = { code: number; out: string };
async function sh(file: string, args: string[], cwd: string): Promise<Out> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'warn' } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

/** Packs both packages (dist/ is built by jest's global setup, so no scripts run) and installs them in the scratch project; a reason to skip, or null. */
async function install(): Promise<string | null> {
  const packs = join(scratch.path, 'packs');
  mkdirSync(packs);
  for (const dir of [root, join(root, 'libprocess-ts')]) {
    const packed = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', packs], dir);
    if (packed.code !== 0) throw new Error(`npm pack in ${dir} failed:\n${packed.out}`);
  }
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  const project = join(scratch.path, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const flags = ['--no-audit', '--no-fund', '--ignore-scripts'];
  const offline = await sh('npm', ['install', '--offline', ...flags, ...tarballs], project);
  if (offline.code === 0) return null;
  const online = await sh('npm', ['install', '--prefer-offline', ...flags, ...tarballs], project);
  if (online.code === 0) return null;
  const ping = await sh('npm', ['ping'], project);
  if (ping.code !== 0) return `the npm registry is unreachable and the npm cache lacks the packages' dependencies (${online.out.split('\n').find((l) => l.includes('npm error')) ?? 'npm install failed'})`;
  throw new Error(`npm install of ${tarballs.join(' ')} failed with the registry reachable:\n${online.out}`);
}

const skip = await install();
const project = join(scratch.path, 'consumer');

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, rootDir: 'src', outDir: 'dist', skipLibCheck: true,
    // The consumer's @types/node would come from npm; the repository's keeps this test offline.
    types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
  },
  include: ['src/**/*.ts'],
};

/** The README's twenty lines, as a framework author writes them against the installed packages. */
const FRAMEWORK = `import { SchedulerDriver, firstFit, type Scheduler } from 'mesos-ts';
import type { TaskStatus } from 'mesos-ts/protocol';

const [master, principal, secret] = process.argv.slice(2) as [string, string, string];
let todo = 2;       // tasks not launched yet
let finished = 0;
const scheduler: Scheduler = {
  resourceOffers(driver, offers) {
    const plan = firstFit(offers, Array.from({ length: todo }, () => ({ resources: 'cpus:0.1;mem:32', command: 'echo hi' })));
    for (const { offer, tasks } of plan.launches.values()) driver.launchTasks(offer.id, tasks);
    todo = plan.unplaced.length;
    for (const o of plan.unused) driver.declineOffer(o.id, { refuse_seconds: 30 });
  },
  statusUpdate(driver, status: TaskStatus) {
    console.log(status.task_id.value, status.state);
    if (status.state === 'TASK_FINISHED' && ++finished === 2) void driver.stop();
  },
};
const driver = await SchedulerDriver.start({ master, framework: { name: 'consumer' }, scheduler, credential: { principal, secret } });
process.exit((await driver.join()) === 'DRIVER_STOPPED' ? 0 : 1);
`;

/** Two actors, each on a runtime of its own, over a real WebSocket: libprocess-ts alone. */
const ACTORS = `import { Process, Runtime, WsTransport, realClock, type Handlers, type PID } from 'libprocess-ts';

type Ponger = { ping: { n: number } };
type Pinger = { pong: { n: number } };

class PongerProcess extends Process<Ponger> {
  protected handlers(): Handlers<Ponger> {
    return { ping: ({ n }, from) => this.send(from as PID<Pinger>, 'pong', { n }) };
  }
}
class PingerProcess extends Process<Pinger> {
  constructor(private readonly ponger: PID<Ponger>, private readonly done: (n: number) => void) { super(); }
  override initialize(): void { this.send(this.ponger, 'ping', { n: 1 }); }
  protected handlers(): Handlers<Pinger> {
    return { pong: ({ n }) => (n < 3 ? this.send(this.ponger, 'ping', { n: n + 1 }) : this.done(n)) };
  }
}
const runtime = (): Promise<Runtime> => new Runtime({ transport: new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock }), clock: realClock }).start();
const [a, b] = await Promise.all([runtime(), runtime()]);
const ponger = b.spawn(new PongerProcess(), 'ponger');
const n = await new Promise<number>((resolve) => a.spawn(new PingerProcess(ponger, resolve), 'pinger'));
console.log(\`\${n} pongs from \${ponger.toString()} to a pinger at \${a.address}\`);
await Promise.all([a.stop(), b.stop()]);
`;

/** What the packages' types must refuse: a launch without an offer id, a message the ponger does not take. */
const WRONG = `import { SchedulerDriver } from 'mesos-ts';
import { Process, type Handlers } from 'libprocess-ts';
declare const driver: SchedulerDriver;
driver.launchTasks(42, 'not tasks');
class P extends Process<{ ping: { n: number } }> {
  protected handlers(): Handlers<{ ping: { n: number } }> { return { ping: () => this.send(this.pid, 'pong', { n: 1 }) }; }
}
export { P };
`;

describeIf(skip)('the packages from their tarballs, in a project outside the repository', () => {
  test('a framework in TypeScript (the consumer\'s tsc) against a local cluster, and an actor pair over libprocess-ts alone', async () => {
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(project, 'src', 'framework.ts'), FRAMEWORK);
    writeFileSync(join(project, 'src', 'actors.ts'), ACTORS);
    const built = await sh(process.execPath, [tsc, '-p', project], project);
    expect(built.out).toBe('');
    expect(built.code).toBe(0);

    // The installed copies are what ran: nothing from the repository is on the consumer's path.
    expect(readFileSync(join(project, 'node_modules', 'mesos-ts', 'package.json'), 'utf8')).toContain('"./protocol"');
    // Every public face resolves from the installed packages (ESM, no directory imports), and the CLI runs.
    const faces = "for (const f of ['mesos-ts', 'mesos-ts/framework', 'mesos-ts/executor', 'mesos-ts/protocol', 'libprocess-ts', 'libprocess-ts/testing']) console.log(f, Object.keys(await import(f)).length > 0);";
    const imported = await sh(process.execPath, ['--input-type=module', '-e', faces], project);
    expect(imported.out.trim().split('\n')).toEqual(['mesos-ts true', 'mesos-ts/framework true', 'mesos-ts/executor true', 'mesos-ts/protocol true', 'libprocess-ts true', 'libprocess-ts/testing true']);
    const version = await sh(join(project, 'node_modules', '.bin', 'mesos-ts'), ['--version'], project);
    expect(version.out.trim()).toBe('0.1.0');
    // A master from the installed bin serves its web UI (the pages ship in the tarball).
    const master = spawn(join(project, 'node_modules', '.bin', 'mesos-ts'), ['master', '--port=0', '--mdns=false'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => master.once('close', () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        master.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /web UI and APIs at (http:\/\/\S+?)\//.exec(out);
          if (m) resolve(m[1]!);
        });
        master.once('close', () => reject(new Error(`the consumer's mesos-ts master exited:\n${out}`)));
      });
      const page = await fetch(`${url}/`);
      expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('<html');
    } finally {
      master.kill('SIGTERM');
      await exited;
    }
    const actors = await sh(process.execPath, ['dist/actors.js'], project);
    expect(actors.out).toMatch(/^3 pongs from ponger@127\.0\.0\.1:\d+ to a pinger at 127\.0\.0\.1:\d+$/m);
    expect(actors.code).toBe(0);

    const cluster = await startLocal({ masters: 1, agents: 1 });
    try {
      const { principal, secret } = JSON.parse(readFileSync(join(cluster.workDir, 'operator-credential.json'), 'utf8')) as { principal: string; secret: string };
      const framework = await sh(process.execPath, ['dist/framework.js', cluster.masterList, principal, secret], project);
      expect(framework.out.match(/TASK_FINISHED/g)).toHaveLength(2);
      expect(framework.code).toBe(0);
    } finally {
      await cluster.stop();
    }
  }, 90_000);

  test("the consumer's tsc refuses what the packages' types refuse", async () => {
    const dir = join(project, 'wrong');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, noEmit: true } }));
    writeFileSync(join(dir, 'src', 'wrong.ts'), WRONG);
    const checked = await sh(process.execPath, [tsc, '-p', dir], project);
    expect(checked.code).not.toBe(0);
    expect(checked.out).toMatch(/wrong\.ts\(4,\d+\): error TS2345/); // 42 is not an offer id
    expect(checked.out).toMatch(/wrong\.ts\(6,\d+\): error TS2345.*"pong"/); // no such message
  }, 30_000);
});
