/**
 * `make bench-sim`: how fast the whole-cluster simulation runs: simulated
 * cluster-seconds per wall second for 3 masters, 100 agents and 10 greedy
 * frameworks (target: at least 100x real time), with the default faults and
 * with none, next to the small cluster `make test` runs. Real time (1x) is the
 * baseline: a real cluster takes one second per second. Rows go to
 * benchmarks/results/sim.json, with the run's metadata (benchmarks/lib).
 * It lives here, not in sim/, so that sim/ needs nothing of benchmarks/.
 *
 * Two workloads, since how much a cluster does in a second is the figure's
 * other half:
 *  - `make test`'s (stress): tasks of 0.3-4 s, offers a framework cannot use
 *    declined for 1 s: ~400 tasks a virtual second start at 100 agents, far
 *    more churn than a real cluster has;
 *  - Mesos-like: tasks of 30 s to 2 min, the default decline filter of 5 s
 *    (Mesos's `refuse_seconds`), the replicated log's timing of real masters
 *    (`HA_MASTER_TIMING`: heartbeats every 100 ms, elections after 1-2 s,
 *    where the sim's default is the log's own 50 ms and 0.3-0.6 s), and
 *    Mesos's default agent pings (every 15 s, unreachable after 5 missed:
 *    `--agent_ping_timeout`, `--max_agent_ping_timeouts`) and scheduler
 *    heartbeats (15 s), where the sim's default is 3 s for a quick heal;
 *    run for 3x the virtual time (a task's life).
 * Same masters otherwise (allocation every second), agents, faults and
 * invariants in both.
 *
 *   node dist/benchmarks/sim.js [--seeds=3] [--virtual-s=60]
 */
import { loadavg } from 'node:os';
import { HA_MASTER_TIMING } from '../master/main.js';
import { DEFAULT_SIM, NO_FAULTS, runSeed, type SimOptions } from '../sim/run.js';
import { startRun, writeResults } from './lib/results.js';

interface Row {
  readonly name: string;
  readonly workload: 'stress' | 'mesos-like';
  readonly agents: number;
  readonly frameworks: number;
  readonly faults: boolean;
  readonly virtualS: number;
  readonly wallS: number;
  readonly ratio: number;
  /** CPU seconds of the process, and virtual seconds per CPU second: steadier than wall time on a shared machine. */
  readonly cpuS: number;
  readonly cpuRatio: number;
  readonly messages: number;
  readonly events: number;
  readonly ok: boolean;
}

/** Tasks of 30 s to 2 min, offers that cannot be used declined for Mesos's default 5 s, the real masters' election timing, Mesos's default pings and heartbeats. */
const MESOS_LIKE: Partial<Omit<SimOptions, 'seed'>> = { taskRunMs: [30_000, 120_000], declineSeconds: 5, masterTiming: HA_MASTER_TIMING, agentPingTimeoutMs: 15_000, maxAgentPingTimeouts: 5, heartbeatSeconds: 15 };

async function measure(name: string, seeds: number, options: Partial<Omit<SimOptions, 'seed'>>): Promise<Row> {
  let virtualMs = 0;
  let wallMs = 0;
  let events = 0;
  let cpuMs = 0;
  let messages = 0;
  let ok = true;
  for (let s = 1; s <= seeds; s++) {
    const r = await runSeed(s, options);
    virtualMs += r.virtualMs;
    wallMs += r.wallMs;
    events += r.events;
    cpuMs += r.cpuMs;
    messages += r.counts.messages_delivered ?? 0;
    if (!r.ok) {
      ok = false;
      console.log(`  seed ${s} failed: ${r.violation?.slice(0, 200)}`);
    }
  }
  const row: Row = { name, workload: options.taskRunMs === MESOS_LIKE.taskRunMs ? 'mesos-like' : 'stress', agents: options.agents ?? DEFAULT_SIM.agents, frameworks: options.frameworks ?? DEFAULT_SIM.frameworks, faults: options.faults !== NO_FAULTS, virtualS: virtualMs / 1000, wallS: wallMs / 1000, ratio: virtualMs / wallMs, cpuS: cpuMs / 1000, cpuRatio: virtualMs / cpuMs, messages, events, ok };
  console.log(`${name.padEnd(44)} ${row.virtualS.toFixed(0).padStart(5)} virtual s in ${row.wallS.toFixed(1).padStart(6)} wall s: ${row.ratio.toFixed(1).padStart(5)}x real time; ${row.cpuS.toFixed(1)} CPU s (${row.cpuRatio.toFixed(1)}x per CPU second), ${((cpuMs * 1000) / Math.max(1, messages)).toFixed(0)} us of CPU per message delivered${ok ? '' : ' (a seed failed)'}`);
  return row;
}

async function main(): Promise<void> {
  const meta = startRun('sim');
  const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
  const seeds = Number(args.get('seeds') ?? 3);
  const virtualS = Number(args.get('virtual-s') ?? 60);
  if (!(seeds > 0) || !(virtualS >= 20)) throw new Error('--seeds must be positive and --virtual-s at least 20');
  const sized = (s: number): Partial<Omit<SimOptions, 'seed'>> => ({ agents: 100, frameworks: 10, chaosMs: Math.round(s * 1000 * 0.4), quietMs: Math.round(s * 1000 * 0.6) });
  const big = sized(virtualS);
  const mesosLike = { ...sized(virtualS * 3), ...MESOS_LIKE };
  console.log(`bench-sim: simulated cluster-seconds per wall second (baseline: real time, 1x; target 100x); ${seeds} seed(s) each; load average ${loadavg()[0]!.toFixed(2)}`);
  const rows = [
    await measure('3 masters, 100 agents, 10 frameworks, faults', seeds, big),
    await measure('3 masters, 100 agents, 10 frameworks, no faults', seeds, { ...big, faults: NO_FAULTS }),
    await measure('100 agents, 10 frameworks, Mesos-like, faults', seeds, mesosLike),
    await measure('100 agents, 10 frameworks, Mesos-like, no faults', seeds, { ...mesosLike, faults: NO_FAULTS }),
    await measure(`3 masters, ${DEFAULT_SIM.agents} agents, ${DEFAULT_SIM.frameworks} frameworks (make test)`, seeds, {}),
  ];
  console.log(`wrote ${writeResults('sim', meta, { rows })}`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(2);
});
