// Real OS processes in tests: a TypeScript entry run through test/ts-loader.mjs
// with its output captured, a wait on that output, and a liveness check.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const loader = fileURLToPath(new URL('./ts-loader.mjs', import.meta.url));

export interface Proc {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  out(): string;
  /** The exit code once the process has closed its output. */
  readonly done: Promise<number | null>;
}

/** Runs `node <entry> ...args` from the repository root with LIBPROCESS_LOG_LEVEL (default warn). */
export function runTs(entry: string, args: string[], options: { logLevel?: string; env?: Record<string, string> } = {}): Proc {
  const env = { ...process.env, LIBPROCESS_LOG_LEVEL: options.logLevel ?? 'warn', ...options.env };
  const child = spawn(process.execPath, ['--import', loader, '--no-warnings', entry, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out: () => out, done };
}

/** Resolves once `check` holds on the output; rejects if the process exits first. Bounded by jest's timeout. */
export function waitForOutput(p: { child: ChildProcess; out: () => string }, check: (out: string) => boolean, what = 'expected output'): Promise<void> {
  return new Promise((resolve, reject) => {
    const poke = (): void => {
      if (check(p.out())) {
        p.child.stdout!.off('data', poke);
        resolve();
      }
    };
    p.child.stdout!.on('data', poke);
    p.child.once('close', () => (check(p.out()) ? resolve() : reject(new Error(`exited before ${what}:\n${p.out()}`))));
    poke();
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
