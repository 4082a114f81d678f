/**
 * Three replicas in three OS processes over real WebSockets and real files:
 * SIGKILL the leader, a new one is elected and appends continue; the killed
 * replica restarts and catches up; a replica whose directory was wiped recovers.
 */
import { describe, test, expect, afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplicaStatus } from '../replica.js';
import { leasePorts, type PortLease } from '../../../test/ports.js';
import { tempDir } from '../../../test/temp.js';
import { until } from '../../../test/wait.js';

// The built replica (dist/), not the TypeScript source through a loader.
const main = fileURLToPath(new URL('../../../dist/master/log/main.js', import.meta.url));
const tmp = tempDir('mesos-ts-log-procs');
const root = tmp.path;
const children = new Map<number, ChildProcess>();
/** The bearer token every replica of the set takes for POST /log/append (the redirect to the leader needs the same one). */
const APPEND_TOKEN = randomBytes(24).toString('base64url');
const exits: { done: Promise<unknown> }[] = [];
let lease: PortLease | undefined;

async function start(i: number, port: number, replicas: string): Promise<void> {
  const child = fork(main, ['--dir', path.join(root, `r${i}`), '--port', String(port), '--replicas', replicas, '--seed', String(100 + i)], {
    execArgv: ['--no-warnings'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'warn', LOG_APPEND_TOKEN: APPEND_TOKEN },
  });
  children.set(i, child);
  exits.push({ done: new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve))) });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code, signal) => reject(new Error(`replica ${i} exited (${code ?? signal}) before it was up`)));
  });
}

async function kill(i: number): Promise<void> {
  const child = children.get(i);
  if (child === undefined) return;
  children.delete(i);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function status(port: number): Promise<ReplicaStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/log/status`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as ReplicaStatus;
  } catch {
    return undefined;
  }
}

function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  return until(what, fn, { everyMs: 25, limitMs: timeoutMs });
}

async function leader(ports: number[], except?: number): Promise<number> {
  return waitFor('a ready leader', async () => {
    const ss = await Promise.all(ports.map((p) => (p === except ? undefined : status(p))));
    const leaders = ports.filter((_, k) => ss[k]?.role === 'leader' && ss[k]?.ready);
    return leaders.length === 1 ? leaders[0] : undefined;
  });
}

async function append(port: number, text: string): Promise<{ index: number; term: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/log/append`, { method: 'POST', headers: { authorization: `Bearer ${APPEND_TOKEN}` }, body: text, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`append on ${port}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { index: number; term: number };
}

afterAll(async () => {
  for (const i of [...children.keys()]) await kill(i);
  await tmp.remove(exits);
  lease?.release();
});

describe('replicas in three OS processes', () => {
  test('SIGKILL of the leader: a new leader, appends continue; restart and wipe rejoin', async () => {
    // Each replica must know the others' ports before it starts: leased, not picked and released.
    lease = await leasePorts(3);
    const ports = [...lease.ports];
    const replicas = ports.map((p) => `log@127.0.0.1:${p}`).join(',');
    await Promise.all(ports.map((p, i) => start(i, p, replicas)));
    const first = await leader(ports);
    for (let k = 0; k < 5; k++) await append(first, `a${k}`);
    // Not open to the world: no token, no append.
    const anonymous = await fetch(`http://127.0.0.1:${first}/log/append`, { method: 'POST', body: 'x' });
    expect(anonymous.status).toBe(401);
    // A follower redirects to the leader.
    const follower = ports.find((p) => p !== first)!;
    const redirect = await fetch(`http://127.0.0.1:${follower}/log/append`, { method: 'POST', headers: { authorization: `Bearer ${APPEND_TOKEN}` }, body: 'x', redirect: 'manual' });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`http://127.0.0.1:${first}/log/append`);

    // (How fast the failover is, is make bench-log's to measure: a test asserts no wall-clock time.)
    const k = ports.indexOf(first);
    await kill(k);
    const second = await leader(ports, first);
    const r = await append(second, 'after');
    expect(r.index).toBeGreaterThanOrEqual(8); // 1 no-op, 5 entries, a new no-op, then this
    const s2 = (await status(second))!;

    // The killed replica restarts from its files and catches up.
    await start(k, first, replicas);
    await waitFor('the restarted replica to catch up', async () => {
      const s = await status(first);
      return s !== undefined && s.role === 'follower' && s.commitIndex >= s2.commitIndex ? s : undefined;
    });

    // A follower's directory is wiped: it recovers from its peers before it votes.
    const w = ports.findIndex((p) => p !== second);
    await kill(w);
    fs.rmSync(path.join(root, `r${w}`), { recursive: true, force: true });
    await start(w, ports[w]!, replicas);
    const recovered = await waitFor('the wiped replica to recover', async () => {
      const s = await status(ports[w]!);
      return s !== undefined && s.voter && s.commitIndex >= s2.commitIndex ? s : undefined;
    });
    expect(recovered.role).toBe('follower');
    await append(second, 'end');
  }, 25_000);
});
