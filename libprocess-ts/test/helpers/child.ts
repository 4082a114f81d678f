// Starts a fixture as a real OS process from its TypeScript source (through the repo's ts-loader).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const loader = fileURLToPath(new URL('../../../test/ts-loader.mjs', import.meta.url));

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export interface Child {
  readonly proc: ChildProcess;
  /** The first IPC message (the fixture's hello). */
  readonly hello: Record<string, unknown>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

export async function startFixture(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<Child> {
  const proc = fork(fixturePath(name), args, {
    execArgv: ['--import', loader, '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Record<string, unknown>));
    proc.once('exit', (code, signal) => reject(new Error(`fixture ${name} exited (${code ?? signal}) before its hello`)));
  });
  return { proc, hello, exited };
}

/** Waits for the next IPC message from the child. */
export function nextMessage(child: Child): Promise<Record<string, unknown>> {
  return new Promise((resolve) => child.proc.once('message', (m) => resolve(m as Record<string, unknown>)));
}

export async function kill(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill(signal);
  await child.exited;
}
