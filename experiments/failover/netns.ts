/**
 * The failover timeline with real processes on hosts of their own: `mesos-ts local --hosts=netns`
 * (3 masters, agents and frameworks, each master and agent in its own network namespace,
 * authentication on), the leading master either SIGKILLed (its sockets reset at once: the easy
 * kind) or cut off by an nft partition (packets vanish, connections hang half-open: found by
 * the lease and the pings). Rounds alternate the two faults on a fresh cluster each. Every
 * master is polled over the bridge (never cut) every 50 ms from the fault: the time to a new
 * leader serving, to that leader having every framework and agent back
 * (`/metrics/snapshot`: master/frameworks_active, master/slaves_active), and under a
 * partition the time until the old leader stops serving (it steps down when its lease runs out).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { realClock } from 'libprocess-ts';
import { partition } from '../../cli/netns/faults.js';
import { readState } from '../../cli/netns/network.js';
import { HA_MASTER_TIMING } from '../../master/main.js';
import type { Figure } from '../types.js';

export type NetnsFault = 'sigkill' | 'partition';

export interface NetnsRound {
  readonly fault: NetnsFault;
  /** ms from the fault; NaN when not within the window. */
  readonly new_leader_ms: number;
  readonly all_back_ms: number;
  /** Partition: the cut-off leader no longer serving (stepped down). SIGKILL: 0. */
  readonly old_leader_out_ms: number;
}

export interface NetnsFailover {
  readonly rounds: readonly NetnsRound[];
  /** The timeouts that bound the figures. */
  readonly bounds: { readonly lease_ms: number; readonly election_ms: readonly [number, number]; readonly keepalive_ms: number };
}

const KEEPALIVE_MS = 500;
const WINDOW_MS = 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => realClock.timer(ms, r));

interface Node {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
}

async function get(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(1000) });
    const body = r.status === 200 ? ((await r.json()) as unknown) : (await r.body?.cancel(), undefined);
    return { status: r.status, body };
  } catch {
    return undefined;
  }
}

/** One round on a fresh cluster: up, everyone connected, the fault, the timeline. */
async function round(fault: NetnsFault, agents: number, frameworks: number, log: (line: string) => void): Promise<NetnsRound> {
  const dir = mkdtempSync(join(tmpdir(), 'mesos-ts-failover-netns-'));
  const cli = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
  const fw = fileURLToPath(new URL('../../examples/test-framework/main.js', import.meta.url));
  const children: ChildProcess[] = [];
  const local = spawn(process.execPath, ['--no-warnings', cli, 'local', '--hosts=netns', '--masters=3', `--agents=${agents}`, `--work_dir=${join(dir, 'c')}`, '--mdns=false', `--keepalive=${KEEPALIVE_MS}ms`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'warn' } });
  children.push(local);
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: local.stdout! }).on('line', (l) => l.startsWith('cluster up') && resolve());
      local.once('exit', (code) => reject(new Error(`local exited (${code}) before the cluster was up`)));
    });
    const work = join(dir, 'c');
    const state = readState(work)!;
    const cluster = JSON.parse(readFileSync(join(work, 'cluster.json'), 'utf8')) as { masters: Node[]; agents: (Node & { netns: string; ip: string })[]; credentials: { operator: string } };
    const list = cluster.masters.map((m) => m.url.replace('http://', '')).join(',');
    for (let i = 0; i < frameworks; i++) {
      // Each holds one long task, so it stays subscribed through the fault; it runs on an agent's host, so a
      // partition of the leader cuts it off too (the operator's namespace, which polls, is never cut).
      const host = cluster.agents[i % cluster.agents.length]!;
      children.push(spawn('ip', ['netns', 'exec', host.netns, process.execPath, '--no-warnings', fw, '--master', list, '--tasks', '1', '--command', 'sleep 600', '--name', `failover-${i}`, '--credential', cluster.credentials.operator], { stdio: 'ignore', env: { ...process.env, LIBPROCESS_IP: host.ip, LIBPROCESS_KEEPALIVE_INTERVAL_MS: String(KEEPALIVE_MS) } }));
    }
    const leaderWithAll = async (exclude?: string): Promise<Node | undefined> => {
      for (const m of cluster.masters) {
        if (m.name === exclude) continue;
        const s = await get(`${m.url}/metrics/snapshot`);
        const b = s?.body as Record<string, number> | undefined;
        if (s?.status === 200 && b !== undefined && b['master/elected'] === 1 && b['master/frameworks_active'] === frameworks && b['master/slaves_active'] === agents) return m;
      }
      return undefined;
    };
    let leader: Node | undefined;
    for (let i = 0; i < 600 && leader === undefined; i++) {
      leader = await leaderWithAll();
      if (leader === undefined) await sleep(100);
    }
    if (leader === undefined) throw new Error('not every framework and agent connected within 60 s');
    const t0 = realClock.now();
    if (fault === 'sigkill') process.kill(leader.pid, 'SIGKILL');
    else await partition(work, state, [[leader.name]], false);
    let newLeader = NaN;
    let allBack = NaN;
    let oldOut = fault === 'sigkill' ? 0 : NaN;
    while (realClock.now() - t0 < WINDOW_MS && (Number.isNaN(allBack) || Number.isNaN(oldOut))) {
      const t = realClock.now() - t0;
      if (Number.isNaN(oldOut) && (await get(`${leader.url}/master/state`))?.status !== 200) oldOut = realClock.now() - t0;
      if (Number.isNaN(newLeader)) {
        for (const m of cluster.masters) if (m.name !== leader.name && (await get(`${m.url}/master/state`))?.status === 200) newLeader = t;
      }
      if (!Number.isNaN(newLeader) && Number.isNaN(allBack) && (await leaderWithAll(leader.name)) !== undefined) allBack = realClock.now() - t0;
      await sleep(50);
    }
    log(`${fault}: new leader ${newLeader} ms, all back ${allBack} ms, old leader out ${oldOut} ms`);
    return { fault, new_leader_ms: newLeader, all_back_ms: allBack, old_leader_out_ms: oldOut };
  } finally {
    for (const c of children.reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `rounds` of each fault, alternated (sigkill, partition, sigkill, ...), each on a fresh cluster. */
export async function runNetnsFailover(opts: { rounds: number; agents: number; frameworks: number; log?: (line: string) => void }): Promise<NetnsFailover> {
  const rounds: NetnsRound[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    for (const fault of ['sigkill', 'partition'] as const) rounds.push(await round(fault, opts.agents, opts.frameworks, opts.log ?? ((): void => {})));
  }
  return { rounds, bounds: { lease_ms: HA_MASTER_TIMING.leaseMs!, election_ms: [HA_MASTER_TIMING.electionMinMs!, HA_MASTER_TIMING.electionMaxMs!], keepalive_ms: KEEPALIVE_MS } };
}

const secs = (ms: readonly number[]): string => ms.map((x) => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : 'not within 60 s')).join(', ');

/** The report's figures: each fault's rounds, with the timeouts that bound them; or why there are none. */
export function netnsFigures(r: NetnsFailover | undefined, why: string | null): Figure[] {
  if (r === undefined) return [{ what: 'real processes in network namespaces: SIGKILL and partition of the leader', ours: `not run (${why ?? 'no result'})`, paper: '4-8 s (mean time to recovery)' }];
  const of = (f: NetnsFault): NetnsRound[] => r.rounds.filter((x) => x.fault === f);
  const b = r.bounds;
  return [
    { what: '3 masters, 3 agents and 3 frameworks, each host in its own network namespace: SIGKILL of the leader → a new leader serving; everyone back', ours: `${secs(of('sigkill').map((x) => x.new_leader_ms))}; ${secs(of('sigkill').map((x) => x.all_back_ms))}`, paper: '4-8 s (mean time to recovery)', headline: true, note: 'the killed leader\'s sockets reset at once: agents and frameworks look for the new leader straight away' },
    {
      what: 'the same, the leader cut off by an nft partition (packets dropped, connections half-open) → the old leader stops serving; a new leader serving; everyone back',
      ours: `${secs(of('partition').map((x) => x.old_leader_out_ms))}; ${secs(of('partition').map((x) => x.new_leader_ms))}; ${secs(of('partition').map((x) => x.all_back_ms))}`,
      paper: '4-8 s (mean time to recovery)',
      headline: true,
      note: `bounded by the lease (${b.lease_ms} ms: the cut-off leader steps down), the election timeout (${b.election_ms[0]}-${b.election_ms[1]} ms) and the WebSocket pings (every ${b.keepalive_ms} ms: a half-open connection is closed after 3 unanswered, within ${4 * b.keepalive_ms} ms, then agents and frameworks try the other masters)`,
    },
  ];
}
