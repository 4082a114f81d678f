// `make bench-actors`: libprocess-ts message throughput and latency, each
// next to a baseline measured in the same rounds. Two OS processes over
// 127.0.0.1 for the remote figures. Every subject and its baseline alternate
// over BENCH_ROUNDS rounds (default 5) after a warm-up round that JIT-warms
// both alike (lib/rounds.ts): local (runtime / array queue), remote one-way
// and ping-pong (raw ws with the transport's codec and masking / the
// transport alone / the runtime over plaintext, authenticated and TLS
// connections). Reported: medians, spreads and same-round ratios. Writes
// benchmarks/results/actors.json.
import { loadavg } from 'node:os';
import { startRun, writeResults } from '../lib/results.js';
import { interleave } from '../lib/rounds.js';
import { round, roundsFigure, type RoundsFigure } from '../lib/stats.js';
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

/** Per-round figures of one contender: its median and spread (min..max). */
type Rounds = RoundsFigure;

/** Per round, a/b of the same round; the median and spread of those ratios. */
function ratios(a: Rounds, b: Rounds): Rounds {
  return roundsFigure(a.rounds.map((x, i) => x / b.rounds[i]!));
}

/**
 * Remote one-way throughput (msgs/s): the raw baseline (ws by hand, the transport's codec and masking), the
 * transport alone, and the runtime over plaintext, authenticated and TLS connections, interleaved round after
 * round (one warm-up round, the order flipped every round: lib/rounds.ts).
 */
async function throughputRounds(rounds: number): Promise<Map<string, Rounds>> {
  return interleave(
    [
      { name: 'raw', measure: () => withLimit('raw batched', remoteRaw(REMOTE_MESSAGES, true)) },
      { name: 'transport', measure: () => withLimit('transport only', remoteTransport(REMOTE_MESSAGES)) },
      ...SECURITY_MODES.map((mode) => ({ name: mode, measure: () => withLimit(`runtime remote (${mode})`, remoteRuntime(REMOTE_MESSAGES, mode)) })),
    ],
    rounds,
  );
}

/** Ping-pong round trips, the same contenders interleaved the same way: p50 per round (p99 kept beside it). */
async function pingpongRounds(rounds: number): Promise<{ p50: Map<string, Rounds>; p99: Map<string, Rounds> }> {
  const p99s = new Map<string, number[]>();
  const contender = (name: string, run: () => Promise<number[]>): { name: string; measure: () => Promise<number> } => ({
    name,
    measure: async () => {
      const rtts = await withLimit(`${name} ping-pong`, run());
      p99s.set(name, [...(p99s.get(name) ?? []), percentile(rtts, 99)]);
      return percentile(rtts, 50);
    },
  });
  const p50 = await interleave(
    [contender('raw', pingpongRaw), contender('transport', pingpongTransport), ...SECURITY_MODES.map((mode) => contender(mode, () => pingpongRuntime(mode)))],
    rounds,
  );
  // The warm-up round's p99 is the first of each list.
  return { p50, p99: new Map([...p99s].map(([name, xs]) => [name, roundsFigure(xs.slice(-rounds))])) };
}

/** A rounds figure for the results file (rounded). */
function fig(f: Rounds): { median: number; min: number; max: number; rounds: number[] } {
  return { median: round(f.median, 3), min: round(f.min, 3), max: round(f.max, 3), rounds: f.rounds.map((x) => round(x, 3)) };
}

async function main(): Promise<void> {
  const meta = startRun('bench-actors');
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`BENCH_ROUNDS=${process.env['BENCH_ROUNDS']}: expected a positive integer`);
  results['loadavg_1m_at_start'] = loadavg()[0]!;
  const local = await interleave(
    [
      { name: 'baseline', measure: async () => localBaseline(LOCAL_MESSAGES) },
      { name: 'runtime', measure: () => withLimit('runtime local', runtimeLocal(LOCAL_MESSAGES)) },
    ],
    rounds,
  );
  results['local_baseline_msgs_per_s'] = local.get('baseline')!.median;
  results['local_msgs_per_s'] = local.get('runtime')!.median;
  results['remote_unbatched_baseline_msgs_per_s'] = await withLimit('raw unbatched', remoteRaw(REMOTE_MESSAGES / 5, false));
  const removeCerts = makeBenchCerts();
  let tp: Map<string, Rounds>;
  let pp: Awaited<ReturnType<typeof pingpongRounds>>;
  try {
    tp = await throughputRounds(rounds);
    pp = await pingpongRounds(rounds);
  } finally {
    removeCerts();
  }
  const get = (m: Map<string, Rounds>, k: string): Rounds => m.get(k)!;
  results['remote_baseline_msgs_per_s'] = get(tp, 'raw').median;
  results['remote_transport_msgs_per_s'] = get(tp, 'transport').median;
  results['remote_msgs_per_s'] = get(tp, 'plain').median;
  results['remote_auth_msgs_per_s'] = get(tp, 'auth').median;
  results['remote_tls_msgs_per_s'] = get(tp, 'tls').median;
  results['remote_auth_ratio_median_of_rounds'] = ratios(get(tp, 'auth'), get(tp, 'plain')).median;
  results['remote_tls_ratio_median_of_rounds'] = ratios(get(tp, 'tls'), get(tp, 'plain')).median;
  results['pingpong_baseline_p50_us'] = get(pp.p50, 'raw').median;
  results['pingpong_baseline_p99_us'] = get(pp.p99, 'raw').median;
  results['pingpong_transport_p50_us'] = get(pp.p50, 'transport').median;
  results['pingpong_transport_p99_us'] = get(pp.p99, 'transport').median;
  results['pingpong_p50_us'] = get(pp.p50, 'plain').median;
  results['pingpong_p99_us'] = get(pp.p99, 'plain').median;
  results['pingpong_auth_p50_us'] = get(pp.p50, 'auth').median;
  results['pingpong_auth_p99_us'] = get(pp.p99, 'auth').median;
  results['pingpong_tls_p50_us'] = get(pp.p50, 'tls').median;
  results['pingpong_tls_p99_us'] = get(pp.p99, 'tls').median;
  results['rounds'] = rounds;

  // The targets as same-round ratios (median and spread over the rounds).
  const remoteRatio = ratios(get(tp, 'plain'), get(tp, 'raw'));
  const transportRatio = ratios(get(tp, 'transport'), get(tp, 'raw'));
  const pingRatio = ratios(get(pp.p50, 'plain'), get(pp.p50, 'raw'));
  const pingTransportRatio = ratios(get(pp.p50, 'transport'), get(pp.p50, 'raw'));
  const authRatio = ratios(get(tp, 'auth'), get(tp, 'plain'));
  const tlsRatio = ratios(get(tp, 'tls'), get(tp, 'plain'));
  const targets = {
    local_msgs_per_s: { ...fig(local.get('runtime')!), target: '>= 5,000,000' },
    remote_over_raw: { ...fig(remoteRatio), target: '>= 0.9' },
    transport_over_raw: fig(transportRatio),
    pingpong_p50_over_raw: { ...fig(pingRatio), target: '<= 1.2' },
    pingpong_transport_p50_over_raw: fig(pingTransportRatio),
  };
  const perRound = {
    local: Object.fromEntries([...local].map(([k, v]) => [k, fig(v)])),
    remote_msgs_per_s: Object.fromEntries([...tp].map(([k, v]) => [k, fig(v)])),
    pingpong_p50_us: Object.fromEntries([...pp.p50].map(([k, v]) => [k, fig(v)])),
    pingpong_p99_us: Object.fromEntries([...pp.p99].map(([k, v]) => [k, fig(v)])),
  };

  const spread = (f: Rounds, d = 2): string => `${f.median.toFixed(d)} (${f.min.toFixed(d)}-${f.max.toFixed(d)})`;
  console.log(`\nlibprocess-ts actors (127.0.0.1, two OS processes for remote figures; ${rounds} interleaved rounds after a warm-up; load average ${results['loadavg_1m_at_start']!.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end)\n`);
  console.log('same-round ratios, median (min-max) over rounds:');
  console.log(`  remote one-way, runtime / raw:     ${spread(remoteRatio)}   target >= 0.9`);
  console.log(`  remote one-way, transport / raw:   ${spread(transportRatio)}`);
  console.log(`  ping-pong p50, runtime / raw:      ${spread(pingRatio)}   target <= 1.2`);
  console.log(`  ping-pong p50, transport / raw:    ${spread(pingTransportRatio)}`);
  console.log(`  local, runtime msgs/s:             ${spread(local.get('runtime')!, 0)}   target >= 5M; array queue ${spread(local.get('baseline')!, 0)}`);
  console.log(`  authenticated / plaintext remote:  ${spread(authRatio)}; TLS / plaintext ${spread(tlsRatio)}`);
  const ratio = (a: string, b: string): string => (results[a]! / results[b]!).toFixed(2);
  console.table([
    { figure: 'local msgs/s, runtime', measured: Math.round(results['local_msgs_per_s']!), baseline: Math.round(results['local_baseline_msgs_per_s']!), 'x baseline': ratio('local_msgs_per_s', 'local_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, runtime', measured: Math.round(results['remote_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, transport', measured: Math.round(results['remote_transport_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_transport_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, raw unbatched', measured: Math.round(results['remote_unbatched_baseline_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_unbatched_baseline_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'ping-pong p50 us, runtime', measured: results['pingpong_p50_us']!.toFixed(1), baseline: results['pingpong_baseline_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_p50_us', 'pingpong_baseline_p50_us') },
    { figure: 'ping-pong p99 us, runtime', measured: results['pingpong_p99_us']!.toFixed(1), baseline: results['pingpong_baseline_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_p99_us', 'pingpong_baseline_p99_us') },
    { figure: 'ping-pong p50 us, transport', measured: results['pingpong_transport_p50_us']!.toFixed(1), baseline: results['pingpong_baseline_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_transport_p50_us', 'pingpong_baseline_p50_us') },
    { figure: 'ping-pong p50 us, runtime, authenticated', measured: results['pingpong_auth_p50_us']!.toFixed(1), baseline: results['pingpong_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_auth_p50_us', 'pingpong_p50_us') },
    { figure: 'ping-pong p50 us, runtime, TLS', measured: results['pingpong_tls_p50_us']!.toFixed(1), baseline: results['pingpong_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_tls_p50_us', 'pingpong_p50_us') },
  ]);
  const out = writeResults('actors', meta, { ...results, targets, per_round: perRound });
  console.log(`wrote ${out}`);
}

await main();
