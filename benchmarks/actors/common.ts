// Shared by the actor benchmark's parent and child processes: the workload,
// the flow control, and the raw (no libprocess-ts) baselines.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Messages per one-way throughput run (the unbatched baseline runs a fifth of it). */
export const REMOTE_MESSAGES = 1_000_000;
/** The receiver acknowledges every ACK_EVERY messages; the sender keeps at most WINDOW unacknowledged. */
export const ACK_EVERY = 1_000;
export const WINDOW = 20_000;
export const PINGPONG_WARMUP = 1_000;
export const PINGPONG_ROUNDS = 10_000;
/** No phase may run longer than this (the benchmark stops with an error). */
export const PHASE_LIMIT_MS = 60_000;

/** The message every benchmark sends: same names, same body shape. */
export const NAME = 'bench.msg';
export const body = (seq: number): { seq: number } => ({ seq });


export function childPath(): string {
  return fileURLToPath(new URL('./child.js', import.meta.url));
}

/** Starts `child.js <role> ...args` and resolves with its first IPC message. */
export function startChild(role: string, args: string[]): Promise<{ child: ChildProcess; hello: Record<string, unknown> }> {
  const child = fork(childPath(), [role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: childNodeArgs() });
  return new Promise((resolve, reject) => {
    child.once('message', (hello) => resolve({ child, hello: hello as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`child ${role} exited with ${code} before saying hello`)));
  });
}

export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}

export { percentile } from '../lib/stats.js';

export function withLimit<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: over ${PHASE_LIMIT_MS} ms`)), PHASE_LIMIT_MS);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Extra node flags for the children, e.g. BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function childNodeArgs(): string[] {
  const v = process.env['BENCH_CHILD_NODE_ARGS'];
  return v === undefined || v.trim() === '' ? [] : v.trim().split(/\s+/);
}
