// `make bench-log`: the replicated log and etcd side by side, each 3 members in
// 3 OS processes on this machine (fsync'd files), with the masters' election
// timing (1-2 s election timeout, 100 ms heartbeats) on both, driven over HTTP
// (node:http, keep-alive) from this process with the same client pattern:
//   - sequential write latency p50/p99: 1,000 writes of 100 bytes to the leader;
//   - throughput: 16 concurrent writers for 5 s against the leader;
//   - read latency p50/p99: 1,000 linearizable reads from the leader (the log's
//     lease read, etcd's default linearizable range);
//   - failover: SIGKILL of the leader to the first committed write through a
//     surviving member (median of 3 rounds); the killed member then restarts
//     and catches up.
// The log is written with POST /log/append; etcd through its v3 HTTP/JSON
// gateway (POST /v3/kv/put, base64 key and value): both are one HTTP request per
// write from the same client, no client library on either side. Phases run in
// turn (log, then etcd) with both clusters up, so load from elsewhere on the
// machine falls on both alike.
// Baselines in the same run: 1,000 raw appends of 100 bytes to one file with
// fsync each (what one disk write costs here), and the HTTP round trip of the
// log's GET /log/status (the client path without the log).
// Writes benchmarks/results/log.json (`--out <dir>`: there instead).
//
//   node dist/benchmarks/log.js [--appends 1000] [--writers 16] [--seconds 5] [--rounds 3] [--out <dir>]
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../cli/free-ports.js';
import { HA_MASTER_TIMING } from '../master/main.js';
import { startRun, writeResults } from './lib/results.js';
import { percentile } from './lib/stats.js';
import { DEFAULT_TIMING, type Timing } from '../master/log/types.js';

const argValue = (name: string, fallback: number, min = 1): number => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`${name}: expected an integer >= ${min}, got ${process.argv[i + 1]}`);
  return v;
};
const APPENDS = argValue('--appends', 1000);
const WRITERS = argValue('--writers', 16);
const THROUGHPUT_MS = argValue('--seconds', 5) * 1000;
const FAILOVER_ROUNDS = argValue('--rounds', 3, 0);
const PAYLOAD = Buffer.alloc(100, 0x61);
/** During a failover, each write attempt gives up after this long and is retried (the resolution of the failover figure). */
const FAILOVER_ATTEMPT_MS = 50;
/** `--systems log,etcd` (default both): which to measure. */
const SYSTEMS = (() => {
  const i = process.argv.indexOf('--systems');
  const list = (i >= 0 ? process.argv[i + 1] ?? '' : 'log,etcd').split(',');
  for (const s of list) if (s !== 'log' && s !== 'etcd') throw new Error(`--systems: expected a list of log and etcd, got ${process.argv[i + 1]}`);
  return list;
})();
/** `--out <dir>`: results there instead of benchmarks/results/ (as the other benchmarks). */
const OUT = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : undefined;
if (process.argv.includes('--out') && (OUT === undefined || OUT === '' || OUT.startsWith('--'))) throw new Error('--out: expected a directory');
/** The masters' log timing: both systems run with it (etcd: --election-timeout is the minimum, drawn in [t, 2t)). */
const TIMING: Timing = { ...DEFAULT_TIMING, ...HA_MASTER_TIMING };

/** The bearer token every replica of the set takes for POST /log/append (the redirect to the leader needs the same one). */
const APPEND_TOKEN = randomBytes(24).toString('base64url');
/** Extra flags for the log's replicas, e.g. BENCH_LOG_ARGS=--fsync-thread-pool. */
const LOG_ARGS = (process.env['BENCH_LOG_ARGS'] ?? '').split(/\s+/).filter(Boolean);
/** BENCH_LOG_MAIN=<path of another build's dist/master/log/main.js>: measure that log instead (before/after comparisons in one session). */
const logMain = process.env['BENCH_LOG_MAIN'] || fileURLToPath(new URL('../master/log/main.js', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-ts-bench-log-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Every member process started (the finally block kills what is left). */
const spawned: ChildProcess[] = [];

const round3 = (x: number) => Math.round(x * 1000) / 1000;

// node:http with keep-alive: much cheaper per request than fetch, so the client takes less of the CPU the members share.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request; resolves with the status (0 on a network error or timeout) and the body. */
function request(port: number, method: string, urlPath: string, body: Buffer | string | undefined, timeoutMs = 2000, readBody = false, extra: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders = body !== undefined ? { ...extra, 'content-length': Buffer.byteLength(body) } : { ...extra };
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      if (readBody) res.on('data', (c: Buffer) => chunks.push(c));
      else res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

// ---------------------------------------------------------------- the two systems

interface Member {
  readonly i: number;
  proc: ChildProcess | undefined;
}

/** What the benchmark needs of a 3-member system. */
interface System {
  readonly name: string;
  start(i: number): Promise<void>;
  /** Whether member i leads (and serves), and its last applied index. */
  status(i: number): Promise<{ leads: boolean; index: number } | undefined>;
  /** One write of PAYLOAD through member i; true once it is committed. */
  write(i: number, timeoutMs?: number): Promise<boolean>;
  /** One linearizable read through member i; true when served. */
  read(i: number): Promise<boolean>;
  readonly members: Member[];
}

class LogSystem implements System {
  readonly name = 'mesos-ts log';
  readonly members: Member[] = [0, 1, 2].map((i) => ({ i, proc: undefined }));
  constructor(readonly ports: number[]) {}

  get replicas(): string {
    return this.ports.map((p) => `log@127.0.0.1:${p}`).join(',');
  }

  async start(i: number): Promise<void> {
    const timing = JSON.stringify({ tickMs: TIMING.tickMs, heartbeatMs: TIMING.heartbeatMs, electionMinMs: TIMING.electionMinMs, electionMaxMs: TIMING.electionMaxMs, leaseMs: TIMING.leaseMs });
    const child = fork(logMain, ['--dir', path.join(root, `log${i}`), '--port', String(this.ports[i]), '--replicas', this.replicas, '--timing', timing, ...LOG_ARGS], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // BENCH_LOG_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the replicas (written when they stop; --rounds 0 keeps them all).
      execArgv: (process.env['BENCH_LOG_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean),
      env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'error', LOG_APPEND_TOKEN: APPEND_TOKEN },
    });
    this.members[i]!.proc = child;
    spawned.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`log replica ${i} exited (${code ?? signal})`)));
    });
  }

  async status(i: number): Promise<{ leads: boolean; index: number } | undefined> {
    const r = await request(this.ports[i]!, 'GET', '/log/status', undefined, 500, true);
    if (r.status !== 200) return undefined;
    const s = JSON.parse(r.body) as { role: string; ready: boolean; commitIndex: number };
    return { leads: s.role === 'leader' && s.ready, index: s.commitIndex };
  }

  async write(i: number, timeoutMs = 2000): Promise<boolean> {
    return (await request(this.ports[i]!, 'POST', '/log/append', PAYLOAD, timeoutMs, false, { authorization: `Bearer ${APPEND_TOKEN}` })).status === 200;
  }

  /** The replica's group-commit counters (undefined from a build without them). */
  async stats(i: number): Promise<{ appends: number; batches: number; syncs: number; appendMessages: number } | undefined> {
    const r = await request(this.ports[i]!, 'GET', '/log/status', undefined, 2000, true);
    return r.status === 200 ? (JSON.parse(r.body) as { stats?: { appends: number; batches: number; syncs: number; appendMessages: number } }).stats : undefined;
  }

  async read(i: number): Promise<boolean> {
    return (await request(this.ports[i]!, 'GET', '/log/read', undefined)).status === 200;
  }
}

class EtcdSystem implements System {
  readonly name = 'etcd';
  readonly members: Member[] = [0, 1, 2].map((i) => ({ i, proc: undefined }));
  #key = 0;
  readonly #value = PAYLOAD.toString('base64');
  readonly #readBody = JSON.stringify({ key: Buffer.from('bench/0').toString('base64') });
  constructor(readonly clientPorts: number[], readonly peerPorts: number[]) {}

  async start(i: number): Promise<void> {
    const cluster = this.peerPorts.map((p, k) => `e${k}=http://127.0.0.1:${p}`).join(',');
    const dir = path.join(root, `etcd${i}`);
    const logFile = fs.openSync(path.join(root, `etcd${i}.log`), 'a');
    const args = [
      `--name=e${i}`, `--data-dir=${dir}`,
      `--listen-client-urls=http://127.0.0.1:${this.clientPorts[i]}`, `--advertise-client-urls=http://127.0.0.1:${this.clientPorts[i]}`,
      `--listen-peer-urls=http://127.0.0.1:${this.peerPorts[i]}`, `--initial-advertise-peer-urls=http://127.0.0.1:${this.peerPorts[i]}`,
      `--initial-cluster=${cluster}`, '--initial-cluster-state=new', '--initial-cluster-token=mesos-ts-bench-log',
      // The masters' log timing: heartbeats every 100 ms, election timeout drawn in [1000, 2000) ms; pre-vote as the log does.
      `--heartbeat-interval=${TIMING.heartbeatMs}`, `--election-timeout=${TIMING.electionMinMs}`, '--pre-vote=true',
      '--logger=zap', '--log-level=error', '--log-outputs=stderr',
    ];
    const child = spawn('etcd', args, { stdio: ['ignore', logFile, logFile] });
    fs.closeSync(logFile);
    this.members[i]!.proc = child;
    spawned.push(child);
    const deadline = performance.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`etcd member ${i} exited (${child.exitCode ?? child.signalCode}):\n${fs.readFileSync(path.join(root, `etcd${i}.log`), 'utf8').slice(-2000)}`);
      }
      const r = await request(this.clientPorts[i]!, 'GET', '/version', undefined, 500);
      if (r.status === 200) return;
      if (performance.now() > deadline) throw new Error(`etcd member ${i} did not answer on 127.0.0.1:${this.clientPorts[i]} within 30 s`);
      await sleep(20);
    }
  }

  async status(i: number): Promise<{ leads: boolean; index: number } | undefined> {
    const r = await request(this.clientPorts[i]!, 'POST', '/v3/maintenance/status', '{}', 500, true);
    if (r.status !== 200) return undefined;
    const s = JSON.parse(r.body) as { header?: { member_id?: string }; leader?: string; raftAppliedIndex?: string; raftIndex?: string };
    return { leads: s.leader !== undefined && s.leader !== '0' && s.leader === s.header?.member_id, index: Number(s.raftAppliedIndex ?? s.raftIndex ?? 0) };
  }

  async write(i: number, timeoutMs = 2000): Promise<boolean> {
    const body = `{"key":"${Buffer.from(`bench/${this.#key++ % 1000}`).toString('base64')}","value":"${this.#value}"}`;
    return (await request(this.clientPorts[i]!, 'POST', '/v3/kv/put', body, timeoutMs)).status === 200;
  }

  async read(i: number): Promise<boolean> {
    // A range without "serializable" is linearizable (etcd confirms its leadership with a ReadIndex round).
    return (await request(this.clientPorts[i]!, 'POST', '/v3/kv/range', this.#readBody)).status === 200;
  }
}

// ---------------------------------------------------------------- measurements

async function kill(m: Member): Promise<void> {
  const child = m.proc;
  m.proc = undefined;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function leaderOf(sys: System, except?: number): Promise<number> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const ss = await Promise.all(sys.members.map((m) => (m.i === except || m.proc === undefined ? undefined : sys.status(m.i))));
    const ls = sys.members.filter((m) => ss[m.i]?.leads).map((m) => m.i);
    if (ls.length === 1) return ls[0]!;
    if (performance.now() > deadline) throw new Error(`${sys.name}: no single leader within 30 s`);
    await sleep(10);
  }
}

async function latencies(n: number, op: () => Promise<boolean>, what: string): Promise<number[]> {
  const lat: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    if (!(await op())) throw new Error(`${what} failed during the latency run`);
    lat.push(performance.now() - t);
  }
  return lat.sort((a, b) => a - b);
}

async function throughput(sys: System, lead: number): Promise<{ perSec: number; failed: number }> {
  let done = 0;
  let failed = 0;
  const end = performance.now() + THROUGHPUT_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < end) {
        if (await sys.write(lead)) done++;
        else failed++;
      }
    }),
  );
  return { perSec: (done * 1000) / (performance.now() - t0), failed };
}

/** SIGKILL of the leader to the first write committed through a surviving member; the member then restarts and catches up. */
async function failover(sys: System, lead: number): Promise<{ ms: number; next: number }> {
  const killedAt = performance.now();
  await kill(sys.members[lead]!);
  const others = sys.members.filter((m) => m.i !== lead).map((m) => m.i);
  let committedAt: number | undefined;
  while (committedAt === undefined) {
    for (const i of others) {
      // Short attempts, retried: etcd holds a write while it has no leader, the log answers 503 or 307 at once.
      if (await sys.write(i, FAILOVER_ATTEMPT_MS)) {
        committedAt = performance.now();
        break;
      }
    }
    if (committedAt === undefined) await sleep(5);
  }
  const next = await leaderOf(sys, lead);
  await sys.start(lead);
  const target = (await sys.status(next))?.index ?? 0;
  const deadline = performance.now() + 60_000;
  for (;;) {
    const s = await sys.status(lead);
    if (s !== undefined && s.index >= target) break;
    if (performance.now() > deadline) throw new Error(`${sys.name}: the restarted member ${lead} did not catch up within 60 s`);
    await sleep(20);
  }
  return { ms: committedAt - killedAt, next };
}

function rawFsyncBaseline(): { p50: number; p99: number; perSec: number } {
  const file = path.join(root, 'raw');
  const fd = fs.openSync(file, 'w');
  const lat: number[] = [];
  let pos = 0;
  const t0 = performance.now();
  for (let i = 0; i < APPENDS; i++) {
    const t = performance.now();
    pos += fs.writeSync(fd, PAYLOAD, 0, PAYLOAD.length, pos);
    fs.fsyncSync(fd);
    lat.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  fs.closeSync(fd);
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), perSec: (APPENDS * 1000) / total };
}

function etcdVersion(): string {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`etcd is not on the PATH (${r.error?.message ?? r.stderr}): \`make bench-log\` installs Debian's etcd-server with apt-get; or install etcd 3.4+ yourself`);
  }
  return /etcd Version: (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

interface Figures {
  write_p50_ms: number;
  write_p99_ms: number;
  writes_per_s: number;
  writes_failed: number;
  read_p50_ms: number;
  read_p99_ms: number;
  failover_ms_median: number;
  failover_ms_rounds: number[];
  /** The log only: group commit on the leader during the 16-writer phase. */
  group_commit?: { appends: number; appends_per_batch: number; appends_per_leader_sync: number; appends_per_message_to_a_follower: number };
}

async function run(): Promise<void> {
  const meta = startRun('bench-log');
  const version = SYSTEMS.includes('etcd') ? etcdVersion() : undefined;
  const systems = [] as System[];
  const ports = await freePorts(9);
  const logSys = new LogSystem(ports.slice(0, 3));
  if (SYSTEMS.includes('log')) systems.push(logSys);
  if (SYSTEMS.includes('etcd')) systems.push(new EtcdSystem(ports.slice(3, 6), ports.slice(6, 9)));
  console.log(`bench-log: ${systems.map((s) => (s.name === 'etcd' ? `etcd ${version}` : s.name)).join(' and ')}, 3 members each on 127.0.0.1, fsync; heartbeat ${TIMING.heartbeatMs} ms, election timeout ${TIMING.electionMinMs}-${TIMING.electionMaxMs} ms; ${os.cpus().length} CPUs, node ${process.version}`);

  const raw = rawFsyncBaseline();
  console.log(`baseline: raw write+fsync of 100 bytes: p50 ${raw.p50.toFixed(3)} ms, p99 ${raw.p99.toFixed(3)} ms, ${raw.perSec.toFixed(0)}/s sequential`);

  if (!SYSTEMS.includes('log')) await Promise.all(logSys.members.map((m) => logSys.start(m.i))); // for the HTTP baseline
  for (const sys of systems) await Promise.all(sys.members.map((m) => sys.start(m.i)));
  const leads = await Promise.all(systems.map((s) => leaderOf(s)));

  const logLead = await leaderOf(logSys);
  const httpLat = await latencies(300, async () => (await request(logSys.ports[logLead]!, 'GET', '/log/status', undefined)).status === 200, 'GET /log/status');
  console.log(`baseline: HTTP GET /log/status round trip: p50 ${percentile(httpLat, 50).toFixed(3)} ms`);

  const figures = systems.map(() => ({}) as Figures);
  for (const [k, sys] of systems.entries()) for (let w = 0; w < 50; w++) await sys.write(leads[k]!); // warm-up

  for (const [k, sys] of systems.entries()) {
    const lat = await latencies(APPENDS, () => sys.write(leads[k]!), `${sys.name} write`);
    figures[k]!.write_p50_ms = round3(percentile(lat, 50));
    figures[k]!.write_p99_ms = round3(percentile(lat, 99));
    console.log(`${sys.name.padEnd(13)} sequential writes: p50 ${percentile(lat, 50).toFixed(3)} ms, p99 ${percentile(lat, 99).toFixed(3)} ms`);
  }
  for (const [k, sys] of systems.entries()) {
    const before = sys instanceof LogSystem ? await sys.stats(leads[k]!) : undefined;
    const t = await throughput(sys, leads[k]!);
    figures[k]!.writes_per_s = Math.round(t.perSec);
    figures[k]!.writes_failed = t.failed;
    console.log(`${sys.name.padEnd(13)} ${WRITERS} writers: ${t.perSec.toFixed(0)} writes/s (${t.failed} failed)`);
    const after = sys instanceof LogSystem ? await sys.stats(leads[k]!) : undefined;
    if (before !== undefined && after !== undefined) {
      // Group commit on the leader during the phase: how many appends shared a batch, an fsync, a message to a follower.
      const d = { appends: after.appends - before.appends, batches: after.batches - before.batches, syncs: after.syncs - before.syncs, messages: after.appendMessages - before.appendMessages };
      figures[k]!.group_commit = {
        appends: d.appends,
        appends_per_batch: round3(d.appends / Math.max(1, d.batches)),
        appends_per_leader_sync: round3(d.appends / Math.max(1, d.syncs)),
        appends_per_message_to_a_follower: round3(d.appends / Math.max(1, d.messages / 2)),
      };
      console.log(`${''.padEnd(13)} group commit on the leader: ${figures[k]!.group_commit!.appends_per_batch} appends per batch, ${figures[k]!.group_commit!.appends_per_leader_sync} per fsync, ${figures[k]!.group_commit!.appends_per_message_to_a_follower} per message to a follower`);
    }
  }
  for (const [k, sys] of systems.entries()) {
    if (!(await sys.read(leads[k]!))) {
      console.log(`${sys.name.padEnd(13)} linearizable reads: not served (a build without GET /log/read)`);
      continue;
    }
    const lat = await latencies(APPENDS, () => sys.read(leads[k]!), `${sys.name} linearizable read`);
    figures[k]!.read_p50_ms = round3(percentile(lat, 50));
    figures[k]!.read_p99_ms = round3(percentile(lat, 99));
    console.log(`${sys.name.padEnd(13)} linearizable reads: p50 ${percentile(lat, 50).toFixed(3)} ms, p99 ${percentile(lat, 99).toFixed(3)} ms`);
  }
  for (const f of figures) f.failover_ms_rounds = [];
  for (let round = 1; round <= FAILOVER_ROUNDS; round++) {
    for (const [k, sys] of systems.entries()) {
      const { ms, next } = await failover(sys, leads[k]!);
      leads[k] = next;
      figures[k]!.failover_ms_rounds.push(Math.round(ms));
      console.log(`${sys.name.padEnd(13)} failover round ${round}: ${ms.toFixed(0)} ms from SIGKILL of the leader to the first committed write`);
    }
  }
  for (const f of figures) f.failover_ms_median = percentile([...f.failover_ms_rounds].sort((a, b) => a - b), 50);

  const byName = new Map(systems.map((sys, k) => [sys.name, figures[k]!]));
  const log = byName.get(logSys.name);
  const etcd = byName.get('etcd');
  const ratio = (f: (x: Figures) => number): number | undefined => (log !== undefined && etcd !== undefined ? round3(f(log) / f(etcd)) : undefined);
  const result = {
    setup: {
      log_main: logMain,
      members: 3,
      timing: { heartbeat_ms: TIMING.heartbeatMs, election_timeout_ms: [TIMING.electionMinMs, TIMING.electionMaxMs], log_lease_ms: TIMING.leaseMs },
      payload_bytes: PAYLOAD.length,
      sequential_ops: APPENDS,
      writers: WRITERS,
      throughput_ms: THROUGHPUT_MS,
      failover_rounds: FAILOVER_ROUNDS,
      client: 'node:http keep-alive, one request per operation: the log POST /log/append and GET /log/read; etcd v3 HTTP/JSON gateway POST /v3/kv/put and /v3/kv/range (linearizable)',
      failover_attempt_timeout_ms: FAILOVER_ATTEMPT_MS,
      etcd: { version, flags: `--heartbeat-interval=${TIMING.heartbeatMs} --election-timeout=${TIMING.electionMinMs} --pre-vote=true` },
    },
    log,
    etcd,
    ratio_log_to_etcd: {
      write_p50: ratio((x) => x.write_p50_ms),
      writes_per_s: ratio((x) => x.writes_per_s),
      read_p50: ratio((x) => x.read_p50_ms),
      failover_median: ratio((x) => x.failover_ms_median),
    },
    targets: { write_p50: 'log <= etcd (ratio <= 1)', writes_per_s: 'log >= 2x etcd (ratio >= 2)' },
    baseline_raw_fsync_p50_ms: round3(raw.p50),
    baseline_raw_fsync_p99_ms: round3(raw.p99),
    baseline_raw_fsync_per_s: Math.round(raw.perSec),
    baseline_http_status_p50_ms: round3(percentile(httpLat, 50)),
  };
  if (log !== undefined && etcd !== undefined) {
    console.log('');
    console.log(`  write p50:        log ${log.write_p50_ms} ms, etcd ${etcd.write_p50_ms} ms: ratio ${result.ratio_log_to_etcd.write_p50} (target <= 1)`);
    console.log(`  ${WRITERS} writers:       log ${log.writes_per_s}/s, etcd ${etcd.writes_per_s}/s: ratio ${result.ratio_log_to_etcd.writes_per_s} (target >= 2)`);
    console.log(`  read p50:         log ${log.read_p50_ms} ms, etcd ${etcd.read_p50_ms} ms`);
    console.log(`  failover median:  log ${log.failover_ms_median} ms, etcd ${etcd.failover_ms_median} ms`);
  }
  console.log(`wrote ${writeResults(SYSTEMS.length === 2 ? 'log' : `log-${SYSTEMS.join('-')}`, meta, result, OUT)}`);
}

try {
  await run();
} finally {
  // SIGTERM first (a replica then writes its profile when asked to), SIGKILL what is left after 5 s.
  const live = spawned.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = Promise.all(live.map((c) => new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); })));
  const timer = setTimeout(() => { for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); }, 5000);
  await exited;
  clearTimeout(timer);
  fs.rmSync(root, { recursive: true, force: true });
}
