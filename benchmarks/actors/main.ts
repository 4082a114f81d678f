// `make bench-actors`: libprocess-ts message throughput and latency, each
// next to a baseline measured in the same run. Two OS processes over
// 127.0.0.1 for the remote figures; the runtime's remote figures for a
// plaintext, an authenticated and a TLS connection, alternated over rounds
// (BENCH_ROUNDS, default 5; medians). Writes benchmarks/results/actors.json.
import { loadavg } from 'node:os';
import { startRun, writeResults } from '../lib/results.js';
import { REMOTE_MESSAGES, percentile, startChild, withLimit } from './common.js';
import { rawPinger, rawReceiver } from './raw.js';
import { LOCAL_MESSAGES, localBaseline } from './local.js';
import { runtimeLocal, runtimePinger, runtimeReceiver } from './runtime.js';
import { SECURITY_MODES, makeBenchCerts, type Security } from './security.js';
import { transportPinger, transportReceiver } from './transport-only.js';

const results: Record<string, number> = {};

async function remoteRaw(total: number, batched: boolean): Promise<number> {
  return rawReceiver(total, batched, async (port) => {
    const { child } = await startChild('raw-sender', [String(port), String(total), batched ? 'batched' : 'unbatched']);
    child.on('exit', () => {});
  });
}

async function remoteTransport(total: number): Promise<number> {
  return transportReceiver(total, async (address) => {
    await startChild('transport-sender', [address, String(total)]);
  });
}

async function pingpongRaw(): Promise<number[]> {
  const { child, hello } = await startChild('raw-ponger', []);
  const rtts = await rawPinger(Number(hello['port']), 1_000, 10_000);
  child.disconnect();
  return rtts.sort((a, b) => a - b);
}

async function pingpongTransport(): Promise<number[]> {
  const { child, hello } = await startChild('transport-ponger', []);
  const rtts = await transportPinger(String(hello['address']), 1_000, 10_000);
  child.disconnect();
  return rtts.sort((a, b) => a - b);
}

async function remoteRuntime(total: number, mode: Security): Promise<number> {
  return runtimeReceiver(
    total,
    async (receiver) => {
      await startChild('runtime-sender', [receiver, String(total), mode]);
    },
    mode,
  );
}

async function pingpongRuntime(mode: Security): Promise<number[]> {
  const { child, hello } = await startChild('runtime-ponger', [mode]);
  const rtts = await runtimePinger(String(hello['pid']), 1_000, 10_000, mode);
  child.disconnect();
  return rtts.sort((a, b) => a - b);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Each mode's remote throughput and ping-pong, the order rotated every round so that none always runs first (medians over rounds). */
async function securityRounds(rounds: number): Promise<Record<Security, { rate: number; p50: number; p99: number; ratio: number }>> {
  const rates: Record<Security, number[]> = { plain: [], auth: [], tls: [] };
  const p50: Record<Security, number[]> = { plain: [], auth: [], tls: [] };
  const p99: Record<Security, number[]> = { plain: [], auth: [], tls: [] };
  for (let r = 0; r < rounds; r++) {
    const order = SECURITY_MODES.map((_, i) => SECURITY_MODES[(i + r) % SECURITY_MODES.length]!);
    for (const mode of order) {
      rates[mode].push(await withLimit(`runtime remote (${mode})`, remoteRuntime(REMOTE_MESSAGES, mode)));
      const rtts = await withLimit(`runtime ping-pong (${mode})`, pingpongRuntime(mode));
      p50[mode].push(percentile(rtts, 50));
      p99[mode].push(percentile(rtts, 99));
    }
    console.log(`round ${r + 1}/${rounds}: ${SECURITY_MODES.map((m) => `${m} ${Math.round(rates[m].at(-1)!)} msgs/s`).join(', ')}`);
  }
  // Besides the medians: the median over rounds of each round's ratio to plaintext (runs next to each other share the machine's load).
  const out = {} as Record<Security, { rate: number; p50: number; p99: number; ratio: number }>;
  for (const m of SECURITY_MODES) out[m] = { rate: median(rates[m]), p50: median(p50[m]), p99: median(p99[m]), ratio: median(rates[m].map((r, i) => r / rates.plain[i]!)) };
  return out;
}

async function main(): Promise<void> {
  const meta = startRun('bench-actors');
  localBaseline(LOCAL_MESSAGES / 10); // warm up
  results['local_baseline_msgs_per_s'] = localBaseline(LOCAL_MESSAGES);
  await runtimeLocal(LOCAL_MESSAGES / 10); // warm up
  results['local_msgs_per_s'] = await withLimit('runtime local', runtimeLocal(LOCAL_MESSAGES));
  results['remote_baseline_msgs_per_s'] = await withLimit('raw batched', remoteRaw(REMOTE_MESSAGES, true));
  results['remote_unbatched_baseline_msgs_per_s'] = await withLimit('raw unbatched', remoteRaw(REMOTE_MESSAGES / 5, false));
  results['remote_transport_msgs_per_s'] = await withLimit('transport only', remoteTransport(REMOTE_MESSAGES));
  const removeCerts = makeBenchCerts();
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
  results['loadavg_1m_at_start'] = loadavg()[0]!;
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`BENCH_ROUNDS=${process.env['BENCH_ROUNDS']}: expected a positive integer`);
  let secured: Awaited<ReturnType<typeof securityRounds>>;
  try {
    secured = await securityRounds(rounds);
  } finally {
    removeCerts();
  }
  results['remote_msgs_per_s'] = secured.plain.rate;
  results['remote_auth_msgs_per_s'] = secured.auth.rate;
  results['remote_tls_msgs_per_s'] = secured.tls.rate;
  results['remote_auth_ratio_median_of_rounds'] = secured.auth.ratio;
  results['remote_tls_ratio_median_of_rounds'] = secured.tls.ratio;
  results['pingpong_p50_us'] = secured.plain.p50;
  results['pingpong_p99_us'] = secured.plain.p99;
  results['pingpong_auth_p50_us'] = secured.auth.p50;
  results['pingpong_auth_p99_us'] = secured.auth.p99;
  results['pingpong_tls_p50_us'] = secured.tls.p50;
  results['pingpong_tls_p99_us'] = secured.tls.p99;
  results['rounds'] = rounds;
  const raw = await withLimit('raw ping-pong', pingpongRaw());
  results['pingpong_baseline_p50_us'] = percentile(raw, 50);
  results['pingpong_baseline_p99_us'] = percentile(raw, 99);
  const tr = await withLimit('transport ping-pong', pingpongTransport());
  results['pingpong_transport_p50_us'] = percentile(tr, 50);
  results['pingpong_transport_p99_us'] = percentile(tr, 99);
  const ratio = (a: string, b: string): string => (results[a]! / results[b]!).toFixed(2);
  console.log(`\nlibprocess-ts actors (127.0.0.1, two OS processes for remote figures; load average at start ${results['loadavg_1m_at_start']!.toFixed(2)})\n`);
  console.log(`authenticated / plaintext remote throughput, median of per-round ratios: ${secured.auth.ratio.toFixed(2)}; TLS / plaintext: ${secured.tls.ratio.toFixed(2)} (${rounds} rounds)`);
  console.table([
    { figure: 'local msgs/s, runtime', measured: Math.round(results['local_msgs_per_s']!), baseline: Math.round(results['local_baseline_msgs_per_s']!), 'x baseline': ratio('local_msgs_per_s', 'local_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, runtime', measured: Math.round(results['remote_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, transport', measured: Math.round(results['remote_transport_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_transport_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, raw unbatched', measured: Math.round(results['remote_unbatched_baseline_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_unbatched_baseline_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'ping-pong p50 us, runtime', measured: results['pingpong_p50_us']!.toFixed(1), baseline: results['pingpong_baseline_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_p50_us', 'pingpong_baseline_p50_us') },
    { figure: 'ping-pong p99 us, runtime', measured: results['pingpong_p99_us']!.toFixed(1), baseline: results['pingpong_baseline_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_p99_us', 'pingpong_baseline_p99_us') },
    { figure: 'remote one-way msgs/s, runtime, authenticated', measured: Math.round(results['remote_auth_msgs_per_s']!), baseline: Math.round(results['remote_msgs_per_s']!), 'x baseline': ratio('remote_auth_msgs_per_s', 'remote_msgs_per_s') },
    { figure: 'remote one-way msgs/s, runtime, TLS (mutual)', measured: Math.round(results['remote_tls_msgs_per_s']!), baseline: Math.round(results['remote_msgs_per_s']!), 'x baseline': ratio('remote_tls_msgs_per_s', 'remote_msgs_per_s') },
    { figure: 'ping-pong p50 us, runtime, authenticated', measured: results['pingpong_auth_p50_us']!.toFixed(1), baseline: results['pingpong_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_auth_p50_us', 'pingpong_p50_us') },
    { figure: 'ping-pong p99 us, runtime, authenticated', measured: results['pingpong_auth_p99_us']!.toFixed(1), baseline: results['pingpong_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_auth_p99_us', 'pingpong_p99_us') },
    { figure: 'ping-pong p50 us, runtime, TLS', measured: results['pingpong_tls_p50_us']!.toFixed(1), baseline: results['pingpong_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_tls_p50_us', 'pingpong_p50_us') },
    { figure: 'ping-pong p99 us, runtime, TLS', measured: results['pingpong_tls_p99_us']!.toFixed(1), baseline: results['pingpong_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_tls_p99_us', 'pingpong_p99_us') },
    { figure: 'ping-pong p50 us, transport', measured: results['pingpong_transport_p50_us']!.toFixed(1), baseline: results['pingpong_baseline_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_transport_p50_us', 'pingpong_baseline_p50_us') },
    { figure: 'ping-pong p99 us, transport', measured: results['pingpong_transport_p99_us']!.toFixed(1), baseline: results['pingpong_baseline_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_transport_p99_us', 'pingpong_baseline_p99_us') },
  ]);
  const out = writeResults('actors', meta, results);
  console.log(`wrote ${out}`);
}

await main();
