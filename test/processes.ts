// Real OS processes in tests: an entry point of the build (dist/, what `make test` builds first)
// or, for fixtures that exist only as tests' TypeScript, a source run through test/ts-loader.mjs;
// output captured, waits on the output, a stop that waits for the exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../', import.meta.url));
const loader = fileURLToPath(new URL('./ts-loader.mjs', import.meta.url));

export interface Proc {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  out(): string;
  /** stdout alone, and stderr alone. */
  stdout(): string;
  stderr(): string;
  /** The exit code (null after a signal) once the process has exited and closed its output. */
  readonly done: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) unless it has exited; resolves once it has. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunOptions {
  /** LIBPROCESS_LOG_LEVEL of the child (default warn). */
  readonly logLevel?: string;
  readonly env?: Record<string, string>;
  readonly nodeFlags?: readonly string[];
  /**
   * The signal stopAll() sends this process whatever it was asked to send: a `mesos-ts local`
   * must get SIGTERM, so that it stops its masters and agents first (a SIGKILL orphans them).
   */
  readonly stopAllSignal?: NodeJS.Signals;
}

/** Every process started by this module in this test file, for stopAll(), with its own stopAll signal if it has one. */
const running = new Map<Proc, NodeJS.Signals | undefined>();

function start(args: string[], options: RunOptions): Proc {
  const env = { ...process.env, LIBPROCESS_LOG_LEVEL: options.logLevel ?? 'warn', ...options.env };
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
    stderr += c.toString();
  });
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const proc: Proc = {
    child,
    out: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return done;
    },
  };
  running.set(proc, options.stopAllSignal);
  void done.then(() => running.delete(proc));
  return proc;
}

/**
 * Runs the built JavaScript of a source entry point: `cli/main.ts` runs `dist/cli/main.js`
 * (no TypeScript loader at start). `make test` builds first; jest's global setup does too.
 */
export function runBuilt(entry: string, args: string[], options: RunOptions = {}): Proc {
  const built = fileURLToPath(new URL(`../dist/${entry.replace(/\.ts$/, '.js')}`, import.meta.url));
  if (!existsSync(built)) throw new Error(`${built} is missing: run make build (tests start the built JavaScript)`);
  return start(['--no-warnings', built, ...args], options);
}

/** Runs the built CLI (`mesos-ts args...`) to its end: its exit code and what it printed. */
export async function runCli(args: string[], options: RunOptions = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = runBuilt('cli/main.ts', args, options);
  const code = await p.done;
  return { code, out: p.stdout(), err: p.stderr() };
}

/** Runs a TypeScript file that is not part of the build (a test fixture) through test/ts-loader.mjs. */
export function runTs(entry: string, args: string[], options: RunOptions = {}): Proc {
  return start(['--import', loader, '--no-warnings', entry, ...args], options);
}

/** Stops every process this module started and is still running; resolves once all have exited. */
export async function stopAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await Promise.all([...running].map(([p, own]) => p.stop(own ?? signal)));
}

/**
 * Resolves once `check` holds on the output (stdout and stderr: logs go to stderr); rejects if
 * the process exits first. Bounded by jest's timeout.
 */
export function waitForOutput(p: { child: ChildProcess; out: () => string }, check: (out: string) => boolean, what = 'expected output'): Promise<void> {
  return new Promise((resolve, reject) => {
    const poke = (): void => {
      if (check(p.out())) {
        p.child.stdout!.off('data', poke);
        p.child.stderr!.off('data', poke);
        resolve();
      }
    };
    // After this module's own listeners (registered first), so out() already holds the chunk.
    p.child.stdout!.on('data', poke);
    p.child.stderr!.on('data', poke);
    p.child.once('close', () => (check(p.out()) ? resolve() : reject(new Error(`exited before ${what}:\n${p.out()}`))));
    poke();
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited process waiting to be reaped (init reaps orphans in its own time) answers kill 0 but runs nothing.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
