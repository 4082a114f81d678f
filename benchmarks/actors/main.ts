// `make bench-actors`: libprocess-ts message throughput and latency, each
// next to a baseline measured in the same run. Two OS processes over
// 127.0.0.1 for the remote figures. Writes benchmarks/results/actors.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REMOTE_MESSAGES, percentile, startChild, withLimit } from './common.js';
import { rawPinger, rawReceiver } from './raw.js';
import { LOCAL_MESSAGES, localBaseline } from './local.js';
import { runtimeLocal, runtimePinger, runtimeReceiver } from './runtime.js';
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

async function remoteRuntime(total: number): Promise<number> {
  return runtimeReceiver(total, async (receiver) => {
    await startChild('runtime-sender', [receiver, String(total)]);
  });
}

async function pingpongRuntime(): Promise<number[]> {
  const { child, hello } = await startChild('runtime-ponger', []);
  const rtts = await runtimePinger(String(hello['pid']), 1_000, 10_000);
  child.disconnect();
  return rtts.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  localBaseline(LOCAL_MESSAGES / 10); // warm up
  results['local_baseline_msgs_per_s'] = localBaseline(LOCAL_MESSAGES);
  await runtimeLocal(LOCAL_MESSAGES / 10); // warm up
  results['local_msgs_per_s'] = await withLimit('runtime local', runtimeLocal(LOCAL_MESSAGES));
  results['remote_baseline_msgs_per_s'] = await withLimit('raw batched', remoteRaw(REMOTE_MESSAGES, true));
  results['remote_unbatched_baseline_msgs_per_s'] = await withLimit('raw unbatched', remoteRaw(REMOTE_MESSAGES / 5, false));
  results['remote_transport_msgs_per_s'] = await withLimit('transport only', remoteTransport(REMOTE_MESSAGES));
  results['remote_msgs_per_s'] = await withLimit('runtime remote', remoteRuntime(REMOTE_MESSAGES));
  const raw = await withLimit('raw ping-pong', pingpongRaw());
  results['pingpong_baseline_p50_us'] = percentile(raw, 50);
  results['pingpong_baseline_p99_us'] = percentile(raw, 99);
  const tr = await withLimit('transport ping-pong', pingpongTransport());
  results['pingpong_transport_p50_us'] = percentile(tr, 50);
  results['pingpong_transport_p99_us'] = percentile(tr, 99);
  const rt = await withLimit('runtime ping-pong', pingpongRuntime());
  results['pingpong_p50_us'] = percentile(rt, 50);
  results['pingpong_p99_us'] = percentile(rt, 99);
  const ratio = (a: string, b: string): string => (results[a]! / results[b]!).toFixed(2);
  console.log('\nlibprocess-ts actors (127.0.0.1, two OS processes for remote figures)\n');
  console.table([
    { figure: 'local msgs/s, runtime', measured: Math.round(results['local_msgs_per_s']!), baseline: Math.round(results['local_baseline_msgs_per_s']!), 'x baseline': ratio('local_msgs_per_s', 'local_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, runtime', measured: Math.round(results['remote_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, transport', measured: Math.round(results['remote_transport_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_transport_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'remote one-way msgs/s, raw unbatched', measured: Math.round(results['remote_unbatched_baseline_msgs_per_s']!), baseline: Math.round(results['remote_baseline_msgs_per_s']!), 'x baseline': ratio('remote_unbatched_baseline_msgs_per_s', 'remote_baseline_msgs_per_s') },
    { figure: 'ping-pong p50 us, runtime', measured: results['pingpong_p50_us']!.toFixed(1), baseline: results['pingpong_baseline_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_p50_us', 'pingpong_baseline_p50_us') },
    { figure: 'ping-pong p99 us, runtime', measured: results['pingpong_p99_us']!.toFixed(1), baseline: results['pingpong_baseline_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_p99_us', 'pingpong_baseline_p99_us') },
    { figure: 'ping-pong p50 us, transport', measured: results['pingpong_transport_p50_us']!.toFixed(1), baseline: results['pingpong_baseline_p50_us']!.toFixed(1), 'x baseline': ratio('pingpong_transport_p50_us', 'pingpong_baseline_p50_us') },
    { figure: 'ping-pong p99 us, transport', measured: results['pingpong_transport_p99_us']!.toFixed(1), baseline: results['pingpong_baseline_p99_us']!.toFixed(1), 'x baseline': ratio('pingpong_transport_p99_us', 'pingpong_baseline_p99_us') },
  ]);
  const out = fileURLToPath(new URL('../../../benchmarks/results/actors.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('../../../benchmarks/results/', import.meta.url)), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

await main();
