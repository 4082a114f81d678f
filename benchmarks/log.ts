// `make bench-log`: the replicated log on 3 replicas in 3 OS processes on this
// machine (real WebSockets between them, fsync'd files), driven over HTTP
// (POST /log/append on the leader) from this process:
//   - sequential append latency p50/p99 for 1,000 appends of 100 bytes;
//   - throughput with 16 concurrent writers for 5 s;
//   - failover: SIGKILL of the leader to the first committed append (median of 3 rounds).
// Baselines in the same run: 1,000 raw appends of 100 bytes to one file with
// fsync each (what one disk write costs here), and the HTTP round trip of
// GET /log/status (what the client path costs without the log).
// Writes benchmarks/results/log.json.
import { randomBytes } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const APPENDS = 1000;
const PAYLOAD = Buffer.alloc(100, 0x61);
const WRITERS = 16;
const THROUGHPUT_MS = 5000;
const FAILOVER_ROUNDS = 3;

const main = fileURLToPath(new URL('../master/log/main.js', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-ts-bench-log-'));
const children = new Map<number, ChildProcess>();
/** The bearer token every replica of the set takes for POST /log/append (the redirect to the leader needs the same one). */
const APPEND_TOKEN = randomBytes(24).toString('base64url');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function start(i: number, port: number, replicas: string): Promise<void> {
  const child = fork(main, ['--dir', path.join(root, `r${i}`), '--port', String(port), '--replicas', replicas], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, LIBPROCESS_LOG_LEVEL: 'warn', LOG_APPEND_TOKEN: APPEND_TOKEN },
  });
  children.set(i, child);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code, signal) => reject(new Error(`replica ${i} exited (${code ?? signal})`)));
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

interface Status { role: string; ready: boolean; commitIndex: number }

async function status(port: number): Promise<Status | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/log/status`, { signal: AbortSignal.timeout(500) });
    return (await res.json()) as Status;
  } catch {
    return undefined;
  }
}

async function leader(ports: number[], except?: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ss = await Promise.all(ports.map((p) => (p === except ? undefined : status(p))));
    const ls = ports.filter((_, k) => ss[k]?.role === 'leader' && ss[k]?.ready);
    if (ls.length === 1) return ls[0]!;
    if (Date.now() > deadline) throw new Error('no leader');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// node:http with keep-alive: much cheaper per request than fetch, so the client takes less of the CPU the replicas share.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function append(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/log/append', method: 'POST', agent, headers: { 'content-length': PAYLOAD.length, authorization: `Bearer ${APPEND_TOKEN}` }, timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end(PAYLOAD);
  });
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

async function run(): Promise<void> {
  const raw = rawFsyncBaseline();
  console.log(`baseline: raw write+fsync of 100 bytes: p50 ${raw.p50.toFixed(3)} ms, p99 ${raw.p99.toFixed(3)} ms, ${raw.perSec.toFixed(0)}/s sequential`);

  const ports = [await freePort(), await freePort(), await freePort()];
  const replicas = ports.map((p) => `log@127.0.0.1:${p}`).join(',');
  await Promise.all(ports.map((p, i) => start(i, p, replicas)));
  let lead = await leader(ports);

  // HTTP round trip without the log.
  const http: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await status(lead);
    http.push(performance.now() - t);
  }
  http.sort((a, b) => a - b);
  console.log(`baseline: HTTP GET /log/status round trip: p50 ${percentile(http, 50).toFixed(3)} ms`);

  // Sequential appends.
  for (let i = 0; i < 50; i++) await append(lead); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < APPENDS; i++) {
    const t = performance.now();
    if (!(await append(lead))) throw new Error('an append failed during the latency run');
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  console.log(`sequential appends: p50 ${percentile(lat, 50).toFixed(3)} ms, p99 ${percentile(lat, 99).toFixed(3)} ms`);

  // Throughput with concurrent writers.
  let done = 0;
  let failed = 0;
  const end = performance.now() + THROUGHPUT_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < end) {
        if (await append(lead)) done++;
        else failed++;
      }
    }),
  );
  const perSec = (done * 1000) / (performance.now() - t0);
  console.log(`${WRITERS} writers: ${perSec.toFixed(0)} appends/s (${failed} failed)`);

  // Failover rounds.
  const failovers: number[] = [];
  for (let round = 0; round < FAILOVER_ROUNDS; round++) {
    const k = ports.indexOf(lead);
    const killedAt = performance.now();
    await kill(k);
    const others = ports.filter((p) => p !== lead);
    let committedAt: number | undefined;
    let next = lead;
    while (committedAt === undefined) {
      for (const p of others) {
        if (await append(p)) {
          committedAt = performance.now();
          next = p;
          break;
        }
      }
      if (committedAt === undefined) await new Promise((r) => setTimeout(r, 5));
    }
    failovers.push(committedAt - killedAt);
    console.log(`failover round ${round + 1}: ${(committedAt - killedAt).toFixed(0)} ms from SIGKILL to the first committed append`);
    // Bring the killed replica back and let it catch up before the next round.
    await start(k, ports[k]!, replicas);
    const target = (await status(next))!.commitIndex;
    for (;;) {
      const s = await status(ports[k]!);
      if (s !== undefined && s.commitIndex >= target) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    lead = next;
  }
  failovers.sort((a, b) => a - b);

  const result = {
    machine: { cpus: os.cpus().length, node: process.version },
    append_p50_ms: round3(percentile(lat, 50)),
    append_p99_ms: round3(percentile(lat, 99)),
    appends_per_s_16: Math.round(perSec),
    failover_ms_median: Math.round(percentile(failovers, 50)),
    failover_ms_rounds: failovers.map((x) => Math.round(x)),
    baseline_raw_fsync_p50_ms: round3(raw.p50),
    baseline_raw_fsync_p99_ms: round3(raw.p99),
    baseline_raw_fsync_per_s: Math.round(raw.perSec),
    baseline_http_status_p50_ms: round3(percentile(http, 50)),
  };
  const out = fileURLToPath(new URL('../../benchmarks/results/log.json', import.meta.url));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

try {
  await run();
} finally {
  for (const i of [...children.keys()]) await kill(i);
  fs.rmSync(root, { recursive: true, force: true });
}
