// `make bench-offers` (quick) / `make bench-offers-full`: the Mesos paper's
// scalability experiment. A master, simulated agents in a few OS processes
// (real processes speaking the real protocol over real WebSockets), 200
// greedy frameworks using the SDK driver; measured: offer latency (resources
// freed on an agent -> an offer of them reaching a framework), the launch
// overhead of a new framework's single task, the master's CPU, memory and
// message rate. Writes benchmarks/results/offers.json and offers.svg
// (offers-3masters.* with `--masters 3`: a replica set with the replicated log,
// measured at the leader).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../cli/free-ports.js';
import { MASTER_NODE_FLAGS } from '../../master/main.js';
import { Runtime, WsTransport, createLogger, realClock } from 'libprocess-ts';
import { SchedulerDriver, toResources } from '../../framework/scheduler/index.js';
import { plotSvg } from './plot.js';
import { startRun, writeResults } from '../lib/results.js';
import { offerLatencyStats, percentile } from './stats.js';
import { now } from './workload.js';

interface Row {
  agents: number;
  masters: number;
  frameworks: number;
  offer_latency_ms_p50: number;
  offer_latency_ms_p90: number;
  offer_latency_ms_p99: number;
  offers_measured: number;
  /** Agents whose freed resources no offer had reached by the window's end, and the longest such wait (ms). */
  offers_censored: number;
  censored_max_wait_ms: number;
  launch_overhead_ms: number;
  /** Launch probes given up (their task not finished 30 s after the window's end); launch_overhead_ms is over the others. */
  launch_probes_unfinished: number;
  master_cpu_percent: number;
  master_rss_mb: number;
  /** The master's RSS and its heap after a full collection, once every agent registered (before any framework): the per-agent state alone. */
  master_rss_mb_registered: number;
  master_heap_mb_registered: number;
  /** The same heap figure at the window's end (agents, frameworks, tasks, offers). */
  master_heap_mb: number;
  master_msgs_per_s: number;
  /** The master's CPU (user + system) per message in or out, and per task launched (µs): its cost, whatever the load. */
  master_cpu_us_per_msg: number;
  master_cpu_us_per_task: number;
  /** The share of master_cpu_percent spent in the kernel (socket writes and reads, mostly). */
  master_system_cpu_percent: number;
  /** WebSocket frames in and out of the master's runtime per second (messages of one turn to one peer go as one frame). */
  master_frames_per_s: number;
  tasks_per_s: number;
  task_scale: number;
  register_s: number;
  /** How late each child's event loop ran during the window (max, ms): where a tail comes from. */
  loop_delay_ms_max: { master: number; agents: number; frameworks: number };
}

const full = process.argv.includes('--full');
const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (argValue('--agents') ?? (full ? '1000,10000,50000' : '1000,10000')).split(',').map(Number);
const FRAMEWORKS = Number(argValue('--frameworks') ?? 200);
/** 1: one master, no log. 3 (or more): a replica set with the replicated log (registry writes through fsync'd files); measured at the leader. */
/**
 * `--allocator default|paper`: the masters' allocator as shipped (refused resources wait for the next batch, as in
 * Mesos 1.x) or the paper's Mesos 0.x one (`allocateOnRecovery`: everything recovered, and every filter's expiry,
 * allocated at once), as experiments/ runs it.
 */
const ALLOCATOR = argValue('--allocator') ?? 'default';
if (ALLOCATOR !== 'default' && ALLOCATOR !== 'paper') throw new Error(`--allocator: expected default or paper, got ${ALLOCATOR}`);
process.env['BENCH_ALLOCATOR'] = ALLOCATOR; // the master children read it
const MASTERS = Number(argValue('--masters') ?? 1);
if (!Number.isInteger(MASTERS) || MASTERS < 1) throw new Error(`--masters: expected a positive integer, got ${argValue('--masters')}`);
/**
 * Task durations: N(30 s, 10 s) x scale. By default the scale keeps the
 * cluster's task throughput near --tasks-per-s (each agent runs two tasks at a
 * time), capped at 1: the paper's own 30 s tasks at 50k agents.
 */
const TASKS_PER_S = Number(argValue('--tasks-per-s') ?? 700);
const scaleFor = (agents: number): number => Number(argValue('--scale') ?? Math.min(1, Math.max(0.02, (2 * agents) / (30 * TASKS_PER_S))));
/** Warm-up: at least this, and long enough for the first wave of tasks to end. */
const WARMUP_S = Number(argValue('--warmup') ?? (full ? 20 : 8));
const MEASURE_S = Number(argValue('--measure') ?? (full ? 40 : 20));
const PROBE_TASK_MS = 500;
/** How long after the window's end a launch probe may still finish. */
const PROBE_GRACE_MS = 30_000;
const AGENTS_PER_PROCESS = 12_500;

/** Extra node flags for the master child, e.g. BENCH_MASTER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const masterNodeArgs = (process.env['BENCH_MASTER_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
const child = (role: string, args: string[]): ChildProcess =>
  fork(fileURLToPath(new URL('./child.js', import.meta.url)), [role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=4096', ...(role === 'master' ? [...MASTER_NODE_FLAGS, '--expose-gc', ...masterNodeArgs] : [])] });

const nextMessage = <T>(c: ChildProcess, type: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const exited = (code: number | null): void => {
      c.off('message', on);
      reject(new Error(`child exited (${code}) before '${type}'`));
    };
    const on = (m: { type: string }): void => {
      if (m.type !== type) return;
      c.off('message', on);
      c.off('exit', exited);
      resolve(m as T);
    };
    c.on('message', on);
    c.once('exit', exited);
  });

type MasterStats = { leading: boolean; cpu: { user: number; system: number }; rss: number; heap_used: number; at: number; messages: number; frames: number; agents: number; running: number; finished: number };
/** `gc`: a full collection in the master first (heap_used is then what it keeps; it costs the master a pause, so never inside the window). */
const masterStats = (m: ChildProcess, gc = false): Promise<MasterStats> => {
  const p = nextMessage<MasterStats>(m, 'stats');
  m.send({ type: 'stats', gc });
  return p;
};

/** Asks every child for its event-loop delay since the last ask (and resets it); the worst per role. */
async function loopDelays(children: ChildProcess[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const live = children.filter((c) => c.connected);
  const answers = await Promise.all(live.map((c) => {
    const p = nextMessage<{ role: string; max: number }>(c, 'loop');
    c.send({ type: 'loop' });
    return p;
  }));
  for (const a of answers) out[a.role] = Math.max(out[a.role] ?? 0, round(a.max));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A new framework runs one task of fixed length; overhead = its completion time minus that length.
 * A probe whose task has not finished by `deadline` is given up: its wait so far is a lower bound
 * of its overhead (`finished: false`), and the run goes on instead of waiting for it forever.
 */
async function launchOverhead(master: string, deadline: number): Promise<{ ms: number; finished: boolean }> {
  const transport = new WsTransport({ host: '127.0.0.1', port: 0, clock: realClock, logger: { warn: () => {} } });
  const runtime = await new Runtime({ transport, clock: realClock, name: 'probe', logger: createLogger('probe', 'error') }).start();
  const t0 = now();
  let done!: (t: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  let launched = false;
  const driver = await SchedulerDriver.start({
    master,
    runtime,
    framework: { name: 'probe' },
    scheduler: {
      resourceOffers: (d, offers) => {
        for (const offer of offers) {
          const have = toResources(offer.resources);
          if (launched || have.scalar('cpus') < 1 || have.scalar('mem') < 1024) {
            d.declineOffer(offer.id, { refuse_seconds: 1 });
            continue;
          }
          launched = true;
          d.launchTasks(offer.id, [{ name: 'probe', task_id: { value: 'probe' }, agent_id: offer.agent_id, resources: toResources('cpus:1;mem:1024').allocate(offer.allocation_info?.role ?? '*').toJSON(), command: { value: `sleep ${PROBE_TASK_MS / 1000}` } }]);
        }
      },
      statusUpdate: (_d, s) => {
        if (s.state === 'TASK_FINISHED') done(now());
      },
      warning: () => {},
    },
  });
  let giveUp: NodeJS.Timeout | undefined;
  const t1 = await Promise.race([finished, new Promise<undefined>((r) => (giveUp = setTimeout(() => r(undefined), Math.max(0, deadline - now()))))]);
  clearTimeout(giveUp);
  await driver.stop();
  await runtime.stop();
  return t1 === undefined ? { ms: now() - t0 - PROBE_TASK_MS, finished: false } : { ms: t1 - t0 - PROBE_TASK_MS, finished: true };
}

/**
 * One master, or a replica set of MASTERS on free ports with their logs in a
 * temporary directory (added to `dirs`, removed by the row once its children
 * exited); resolves with the leader's child and the PID list every client is
 * given (`master@a,master@b,...`: they find the leader).
 */
async function startMasters(children: ChildProcess[], dirs: string[]): Promise<{ masterChild: ChildProcess; masterPid: string }> {
  if (MASTERS === 1) {
    const masterChild = child('master', []);
    children.push(masterChild);
    const { pid } = await nextMessage<{ pid: string }>(masterChild, 'ready');
    return { masterChild, masterPid: pid };
  }
  const ports = await freePorts(MASTERS);
  const list = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const dir = mkdtempSync(join(tmpdir(), 'mesos-ts-bench-offers-'));
  dirs.push(dir);
  const masters = ports.map((p, i) => child('master', [String(p), list, join(dir, `master${i + 1}`)]));
  children.push(...masters);
  await Promise.all(masters.map((m) => nextMessage(m, 'ready')));
  // One leader, the same one a second later: an election superseded at once (a loaded machine) would leave the figures at a follower.
  const deadline = now() + 30_000;
  let seen: ChildProcess | undefined;
  while (now() < deadline) {
    const leading: ChildProcess[] = [];
    for (const m of masters) if ((await masterStats(m)).leading) leading.push(m);
    const one = leading.length === 1 ? leading[0] : undefined;
    if (one !== undefined && one === seen) return { masterChild: one, masterPid: ports.map((p) => `master@127.0.0.1:${p}`).join(',') };
    seen = one;
    await sleep(one === undefined ? 100 : 1000);
  }
  throw new Error(`no leader among the ${MASTERS} masters after 30 s`);
}

async function run(agents: number): Promise<Row> {
  const scale = scaleFor(agents);
  const warmupS = Math.max(WARMUP_S, 1.3 * 30 * scale);
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  try {
    const { masterChild, masterPid } = await startMasters(children, dirs);
    const freed: [string, number][] = [];
    const offers: [string, number][] = [];
    let launched = 0;
    const t0 = now();
    for (let from = 0; from < agents; from += AGENTS_PER_PROCESS) {
      const n = Math.min(AGENTS_PER_PROCESS, agents - from);
      const c = child('agents', [masterPid, String(n), String(from)]);
      c.on('message', (m: { type: string; freed?: [string, number][] }) => {
        if (m.type === 'freed') for (const f of m.freed!) freed.push(f);
      });
      children.push(c);
      await nextMessage(c, 'ready');
    }
    for (;;) {
      const s = await masterStats(masterChild);
      if (s.agents >= agents) break;
      // Measured at the leader found at the start: if it stopped leading, the agents register elsewhere and this would wait forever.
      if (!s.leading) throw new Error(`the leading master changed while ${agents} agents registered (${s.agents} with it); the figures would mix two masters`);
      await sleep(200);
    }
    const registerS = (now() - t0) / 1000;
    const registered = await masterStats(masterChild, true);
    console.log(`  ${agents} agents registered in ${registerS.toFixed(1)} s; starting ${FRAMEWORKS} frameworks`);
    console.log(`  tasks N(30 s, 10 s) x ${scale.toFixed(3)}; warm-up ${warmupS.toFixed(0)} s, window ${MEASURE_S} s`);
    const fw = child('frameworks', [masterPid, String(FRAMEWORKS), String(scale), '1']);
    children.push(fw);
    fw.on('message', (m: { type: string; offers?: [string, number][]; launched?: number }) => {
      if (m.type !== 'offers') return;
      for (const o of m.offers!) offers.push(o);
      launched = m.launched!;
    });
    await nextMessage(fw, 'ready');
    await sleep(warmupS * 1000);
    // The measurement window.
    freed.length = 0;
    offers.length = 0;
    const before = await masterStats(masterChild);
    await loopDelays(children);
    const launchedBefore = launched;
    const overheads: number[] = [];
    const windowEnd = now() + MEASURE_S * 1000;
    let unfinished = 0;
    while (overheads.length + unfinished < 3 && now() < windowEnd - 2000) {
      const probe = await launchOverhead(masterPid, windowEnd + PROBE_GRACE_MS);
      if (probe.finished) overheads.push(probe.ms);
      else {
        unfinished++;
        console.log(`  a launch probe's task had not finished ${round(probe.ms / 1000)} s after its framework started: counted as unfinished`);
      }
    }
    while (now() < windowEnd) await sleep(100);
    const after = await masterStats(masterChild);
    const delays = await loopDelays(children);
    const afterGc = await masterStats(masterChild, true);
    if (!after.leading) throw new Error('the leading master changed during the measurement window; the figures would mix two masters');
    await sleep(500); // the last batches of events
    const seconds = (after.at - before.at) / 1000;
    const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
    const systemMs = (after.cpu.system - before.cpu.system) / 1000;
    const messages = after.messages - before.messages;
    const tasks = launched - launchedBefore;
    const { latencies, censored, censored_max_wait_ms, censored_agents } = offerLatencyStats(freed, offers, windowEnd);
    if (censored > 0 && censored <= 20) {
      // A few agents waited to the window's end: what the allocator and the master hold of them (a starvation or a lost recovery shows here).
      const inspectP = nextMessage<{ agents: unknown[] }>(masterChild, 'inspect');
      masterChild.send({ type: 'inspect', agents: censored_agents.slice(0, 5) });
      for (const a of (await inspectP).agents) console.log(`  censored: ${JSON.stringify(a)}`);
    }
    overheads.sort((a, b) => a - b);
    return {
      agents,
      masters: MASTERS,
      frameworks: FRAMEWORKS,
      offer_latency_ms_p50: round(percentile(latencies, 50)),
      offer_latency_ms_p90: round(percentile(latencies, 90)),
      offer_latency_ms_p99: round(percentile(latencies, 99)),
      offers_measured: latencies.length,
      offers_censored: censored,
      censored_max_wait_ms: round(censored_max_wait_ms),
      launch_overhead_ms: round(percentile(overheads, 50)),
      launch_probes_unfinished: unfinished,
      master_cpu_percent: round((cpuMs / (seconds * 1000)) * 100),
      master_rss_mb: round(after.rss / 1e6),
      master_rss_mb_registered: round(registered.rss / 1e6),
      master_heap_mb_registered: round(registered.heap_used / 1e6),
      master_heap_mb: round(afterGc.heap_used / 1e6),
      master_msgs_per_s: Math.round(messages / seconds),
      master_cpu_us_per_msg: round((cpuMs * 1000) / messages),
      master_cpu_us_per_task: Math.round((cpuMs * 1000) / tasks),
      master_system_cpu_percent: round((systemMs / (seconds * 1000)) * 100),
      master_frames_per_s: Math.round((after.frames - before.frames) / seconds),
      tasks_per_s: Math.round(tasks / seconds),
      task_scale: round(scale * 1000) / 1000,
      register_s: round(registerS),
      loop_delay_ms_max: { master: delays['master'] ?? NaN, agents: delays['agents'] ?? NaN, frameworks: delays['frameworks'] ?? NaN },
    };
  } finally {
    for (const c of children.reverse()) {
      if (c.connected) c.disconnect();
      const exited = new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
      const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    // The replicas' logs: a 3-master row left a directory in /tmp every run.
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * The master's memory per agent beyond a fixed base: the slope between two rows of the same run
 * (from 10k agents, or the smallest row, to the largest), in KB (1,000 bytes) per agent. Each row
 * has its own master, so the base (code, runtime, 200 frameworks) cancels out.
 */
function memorySlope(rs: readonly Row[]) {
  const last = rs.reduce<Row | undefined>((a, r) => (a === undefined || r.agents > a.agents ? r : a), undefined);
  const first = rs.find((r) => r.agents === 10_000 && r !== last) ?? rs.reduce<Row | undefined>((a, r) => (a === undefined || r.agents < a.agents ? r : a), undefined);
  if (first === undefined || last === undefined || first.agents >= last.agents) return undefined;
  const per = (a: number, b: number): number => round(((b - a) * 1000) / (last.agents - first.agents));
  const rssKb = per(first.master_rss_mb, last.master_rss_mb);
  return {
    from: first.agents,
    to: last.agents,
    rss_kb_per_agent: rssKb,
    rss_base_mb: round(first.master_rss_mb - (rssKb * first.agents) / 1000),
    rss_registered_kb_per_agent: per(first.master_rss_mb_registered, last.master_rss_mb_registered),
    heap_registered_kb_per_agent: per(first.master_heap_mb_registered, last.master_heap_mb_registered),
    heap_kb_per_agent: per(first.master_heap_mb, last.master_heap_mb),
  };
}

const round = (x: number): number => (Number.isFinite(x) ? Math.round(x * 10) / 10 : NaN);

const meta = startRun(MASTERS === 1 ? 'bench-offers' : `bench-offers --masters ${MASTERS}`);
const rows: Row[] = [];
console.log(`offer benchmark: agents ${SIZES.join(', ')}, ${MASTERS === 1 ? 'one master' : `${MASTERS} masters with the replicated log`}, ${FRAMEWORKS} frameworks, the ${ALLOCATOR === 'paper' ? "paper's allocator (--allocator paper)" : 'default allocator'}, about ${TASKS_PER_S} tasks/s (durations scaled, at most the paper's 30 s)`);
for (const agents of SIZES) {
  console.log(`\n${agents} agents:`);
  const row = await run(agents);
  rows.push(row);
  // Each row as soon as it is measured: a later row that fails (a leader lost under load) does not take it along.
  console.log(`  ${JSON.stringify(row)}`);
}
console.log('\nmesos-ts offer latency and launch overhead (2-core machine)\n');
console.table(rows.map((r) => ({
  agents: r.agents,
  masters: r.masters,
  frameworks: r.frameworks,
  'latency p50 ms': r.offer_latency_ms_p50,
  'p90 ms': r.offer_latency_ms_p90,
  'p99 ms': r.offer_latency_ms_p99,
  'censored (max wait ms)': `${r.offers_censored} (${r.censored_max_wait_ms})`,
  'launch overhead ms': r.launch_overhead_ms,
  'master cpu %': r.master_cpu_percent,
  'master rss MB': r.master_rss_mb,
  'master msgs/s': r.master_msgs_per_s,
  'master µs/msg': r.master_cpu_us_per_msg,
  'tasks/s': r.tasks_per_s,
  'loop delay max ms (master/agents/fws)': `${r.loop_delay_ms_max.master} / ${r.loop_delay_ms_max.agents} / ${r.loop_delay_ms_max.frameworks}`,
})));
const slope = memorySlope(rows);
if (slope !== undefined) {
  console.log(`master memory per agent, ${slope.from / 1000}k -> ${slope.to / 1000}k agents (KB = 1,000 bytes; target: RSS <= 10 KB per agent beyond a fixed base):`);
  console.log(`  RSS at the window's end ${slope.rss_kb_per_agent} KB/agent (base ${slope.rss_base_mb} MB); RSS once registered ${slope.rss_registered_kb_per_agent}; heap after a full GC: registered ${slope.heap_registered_kb_per_agent}, window's end ${slope.heap_kb_per_agent}`);
}
console.log('Reference (Mesos paper, NSDI 2011, 50k emulated agents, 200 frameworks): launch overhead under 1 s.');
console.log('Targets: p99 latency and launch overhead <= 100 ms at 10k agents; < 500 ms at 50k.');
const name = MASTERS === 1 ? 'offers' : `offers-${MASTERS}masters`;
// `--out <dir>`: the files go there instead of benchmarks/results/ (the offers experiment writes into its own directory).
const out = writeResults(name, meta, { latency: 'per agent, from the earliest freeing not yet offered to the next offer reaching a framework; censored: freeings still waiting at the window end', allocator: ALLOCATOR, rows, ...(slope === undefined ? {} : { memory_slope: slope }) }, argValue('--out'));
writeFileSync(out.replace(/\.json$/, '.svg'), plotSvg(rows));
console.log(`wrote ${out} and ${name}.svg`);
