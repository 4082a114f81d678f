/**
 * Failover timeline, in the simulator (setup.ts): the leading master killed,
 * then (a fresh cluster) the leading master partitioned from everyone.
 * Frameworks and agents connected over time, as the leader the cluster
 * follows reports them (`/metrics/snapshot`: master/frameworks_active,
 * master/slaves_active; a cut-off master that still believes it leads is not
 * counted); MTTR = from the fault until one leader has every framework and
 * every agent back.
 */
import { Random } from 'libprocess-ts';
import { lineChart, type ChartSeries } from '../../benchmarks/offers/plot.js';
import { HA_MASTER_TIMING } from '../../master/main.js';
import type { MasterNode } from '../../sim/cluster.js';
import { WorkloadFramework } from '../sim/framework.js';
import { World } from '../sim/world.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmark } from '../bench.js';
import { round } from '../stats.js';
import type { Context, Experiment, Figure, Result } from '../types.js';
import { FAILOVER, type FailoverSetup } from './setup.js';
import { netnsFigures, runNetnsFailover, type NetnsFailover } from './netns.js';
import { netnsUnavailable } from '../../cli/netns/sh.js';

export type Fault = 'sigkill' | 'partition';

export interface FailoverRun {
  readonly fault: Fault;
  /** ms since the fault → frameworks and agents active at the leader (0 while none leads), its name. */
  readonly samples: readonly { readonly t: number; readonly frameworks: number; readonly agents: number; readonly leader: string }[];
  /** ms from the fault to a new leader serving, and to everyone back (NaN: not within the window). */
  readonly newLeaderMs: number;
  readonly mttrMs: number;
  readonly killed: string;
}

export async function runFailover(setup: FailoverSetup, fault: Fault, tick: (t: number) => void = () => {}): Promise<FailoverRun> {
  const world = new World({ seed: setup.seed, agents: setup.agents, agentResources: setup.agentResources, heartbeatSeconds: setup.heartbeatSeconds, offerTimeoutMs: 30_000, masterTiming: HA_MASTER_TIMING });
  const random = new Random(setup.seed);
  const c = world.cluster;
  const samples: { t: number; frameworks: number; agents: number; leader: string }[] = [];
  let victim: MasterNode | undefined;
  /** The leader the cluster follows (the one with the most connected, `cutOff` excepted), with what it counts. */
  const followedLeader = async (cutOff: MasterNode | undefined): Promise<{ frameworks: number; agents: number; leader: string }> => {
    let best = { frameworks: 0, agents: 0, leader: '' };
    for (const m of c.leaders()) {
      if (m === cutOff) continue;
      const s = await world.metricsOf(m);
      if (s === undefined) continue;
      const here = { frameworks: s['master/frameworks_active'] ?? 0, agents: s['master/slaves_active'] ?? 0, leader: m.name };
      if (here.frameworks + here.agents >= best.frameworks + best.agents) best = here;
    }
    return best;
  };
  try {
    await world.start(300_000);
    const t0 = world.clock.now();
    for (let i = 1; i <= setup.frameworks; i++) {
      const r = random.fork();
      await world.add(new WorkloadFramework({ name: `fw${i}`, shape: 'elastic', task: setup.task, demand: () => setup.taskMs[0] + r.int(setup.taskMs[1] - setup.taskMs[0] + 1) }, world.masterPids, world.clock));
    }
    const faultAt = t0 + setup.warmupMs;
    while (world.clock.now() < faultAt) {
      // The last seconds before the fault are sampled too (negative times), the rest of the warm-up is not.
      const before = faultAt - world.clock.now();
      await world.clock.advance(before > 3000 ? Math.min(1000, before - 3000) : setup.sampleMs);
      if (before <= 3000) samples.push({ t: world.clock.now() - faultAt, ...(await followedLeader(undefined)) });
      tick(world.clock.now() - t0);
    }
    const leaders = c.leaders();
    if (leaders.length !== 1) throw new Error(`expected one leader before the fault, found ${leaders.length}`);
    victim = leaders[0]!;
    if (fault === 'sigkill') await c.crash(victim);
    // A silent partition: every message to and from the leader is dropped, no connection is reset (as a pulled
    // cable, not a crash): everyone finds out through timeouts.
    else {
      for (const a of world.addresses()) {
        if (a === victim.address) continue;
        c.network.cutOneWay(victim.address, a);
        c.network.cutOneWay(a, victim.address);
      }
    }
    let restarted = false;
    let healed = false;
    while (world.clock.now() - faultAt < setup.observeMs) {
      await world.clock.advance(setup.sampleMs);
      const t = world.clock.now() - faultAt;
      if (fault === 'sigkill' && !restarted && t >= setup.restartAfterMs) {
        restarted = true;
        await c.startMaster(victim);
      }
      if (fault === 'partition' && !healed && t >= setup.partitionMs) {
        healed = true;
        c.network.heal();
      }
      // A cut-off master that still believes it leads does not count while cut off.
      samples.push({ t, ...(await followedLeader(fault === 'partition' && !healed ? victim : undefined)) });
      tick(world.clock.now() - t0);
    }
  } finally {
    await world.stop();
  }
  const after = samples.filter((s) => s.t > 0);
  const newLeader = after.find((s) => s.leader !== '' && s.leader !== victim?.name);
  const back = after.find((s) => s.leader !== '' && s.frameworks === setup.frameworks && s.agents === setup.agents && (s.leader !== victim?.name || fault === 'partition'));
  return { fault, samples, newLeaderMs: newLeader?.t ?? NaN, mttrMs: back?.t ?? NaN, killed: victim?.name ?? '' };
}

export interface RealFailover {
  readonly all_back_ms: readonly number[];
  readonly new_leader_ms: readonly number[];
  readonly median_all_back_ms: number;
}

/** `make bench-failover` at `real`'s size, its results into `dir` (failover.json); `round` after each round. */
export async function runRealFailover(real: FailoverSetup['real'], dir: string, roundDone: (n: number) => void = () => {}): Promise<RealFailover> {
  let n = 0;
  await runBenchmark('benchmarks/failover.js', ['--agents', String(real.agents), '--frameworks', String(real.frameworks), '--rounds', String(real.rounds), '--out', dir], (l) => {
    if (/^round \d+:/.test(l)) roundDone(++n);
  });
  const r = JSON.parse(readFileSync(join(dir, 'failover.json'), 'utf8')) as { failover_all_back_ms_median: number; rounds: { all_back_ms: number; new_leader_ms: number }[] };
  return { all_back_ms: r.rounds.map((x) => x.all_back_ms), new_leader_ms: r.rounds.map((x) => x.new_leader_ms), median_all_back_ms: r.failover_all_back_ms_median };
}

const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'not within the window');

export const failover: Experiment = {
  name: 'failover',
  title: 'Failover timeline',
  where: 'simulator (real masters with the replicated log, agents and SDK frameworks on a virtual clock)',
  async run(ctx: Context): Promise<Result> {
    const setup = ctx.quick ? FAILOVER.quick : FAILOVER.full;
    const work = setup.warmupMs + setup.observeMs;
    // The real form's rounds weighed as a simulated run each (roughly their wall time here).
    ctx.progress.total = 2 * work + setup.real.rounds * work;
    const runs: FailoverRun[] = [];
    for (const fault of ['sigkill', 'partition'] as const) {
      ctx.progress.phase(fault === 'sigkill' ? 'leader SIGKILL' : 'leader partitioned', work);
      const run = await runFailover(setup, fault, (t) => ctx.progress.update(t, 0));
      runs.push(run);
      for (const s of run.samples) ctx.out.raw({ fault, ...s });
      ctx.out.flush();
    }
    ctx.progress.phase('real processes, SIGKILL of the leader', setup.real.rounds * work);
    const real = await runRealFailover(setup.real, ctx.out.dir, (n) => ctx.progress.update(n * work, 0, 'rounds', work));
    ctx.out.raw({ fault: 'sigkill', real: true, ...real });
    ctx.out.flush();
    // Under a real partition, beside the SIGKILL case: hosts of their own (network namespaces; root only).
    const noNetns = netnsUnavailable();
    let netns: NetnsFailover | undefined;
    if (noNetns === null) {
      ctx.progress.phase('real processes in namespaces: SIGKILL and partition of the leader', setup.real.rounds * 2 * work);
      netns = await runNetnsFailover({ rounds: setup.real.rounds, agents: 3, frameworks: 3 });
      for (const r of netns.rounds) ctx.out.raw({ netns: true, ...r });
      ctx.out.flush();
    }
    const series: ChartSeries[] = [];
    for (const r of runs) {
      series.push({ name: `frameworks, ${r.fault}`, dashed: r.fault === 'partition', points: r.samples.map((s) => [s.t / 1000, (s.frameworks / setup.frameworks) * 100] as const) });
      series.push({ name: `agents, ${r.fault}`, dashed: r.fault === 'partition', points: r.samples.map((s) => [s.t / 1000, (s.agents / setup.agents) * 100] as const) });
    }
    ctx.out.file('timeline.svg', lineChart({ title: `Connected to the leader after a fault at 0 s (${setup.frameworks} frameworks, ${setup.agents} agents, 3 masters)`, xLabel: 'seconds since the fault', yLabel: '% connected', yMax: 100, series }));
    const figures: Figure[] = runs.flatMap((r) => [
      { what: `${r.fault === 'sigkill' ? 'SIGKILL of the leader' : 'leader partitioned'}: a new leader serving`, ours: secs(r.newLeaderMs), paper: 'n/a (ZooKeeper elects; not reported apart)' },
      { what: `${r.fault === 'sigkill' ? 'SIGKILL of the leader' : 'leader partitioned'}: MTTR (every framework and agent back)`, ours: secs(r.mttrMs), paper: '4-8 s (mean time to recovery, 62 to 4,000 nodes)', headline: true, note: r.fault === 'partition' ? `the cut-off leader notices nothing at once: frameworks wait for two missed heartbeats (${setup.heartbeatSeconds} s each) before looking for the new leader, agents for their pings to stop` : undefined },
    ]);
    figures.push({
      what: `real OS processes (${setup.real.agents} agents, ${setup.real.frameworks} frameworks, 3 masters, fsync): SIGKILL of the leader → everyone back${setup.real.rounds > 1 ? `, median of ${setup.real.rounds}` : ''}`,
      ours: `${secs(real.median_all_back_ms)}${setup.real.rounds > 1 ? ` (rounds ${real.all_back_ms.map((x) => secs(x)).join(', ')})` : ''}; a new leader serving after ${real.new_leader_ms.map((x) => secs(x)).join(', ')}`,
      paper: '4-8 s (mean time to recovery)',
      headline: true,
      note: 'make bench-failover on this machine (benchmarks/README.md); it polls the masters every 20 ms, so it gives the time, not a timeline',
    });
    figures.push(...netnsFigures(netns, noNetns));
    return {
      setup,
      description: `${setup.agents} agents, ${setup.frameworks} frameworks each running tasks of ${setup.taskMs[0] / 1000}-${setup.taskMs[1] / 1000} s, 3 masters with the replicated log; after ${setup.warmupMs / 1000} s the leader is killed (restarted ${setup.restartAfterMs / 1000} s later) or, in a fresh cluster, cut off from every node (healed after ${setup.partitionMs / 1000} s). Heartbeats to frameworks every ${setup.heartbeatSeconds} s. Then the real-process form, \`make bench-failover\` (benchmarks/README.md) with ${setup.real.agents} simulated agents over WebSockets and ${setup.real.frameworks} frameworks: ${setup.real.rounds} SIGKILL(s) of the leading master.`,
      figures,
      plots: [{ file: 'timeline.svg', caption: 'frameworks and agents connected to the leader over time' }],
      summary: { runs: runs.map((r) => ({ fault: r.fault, killed: r.killed, new_leader_s: round(r.newLeaderMs / 1000, 2), mttr_s: round(r.mttrMs / 1000, 2) })), real, ...(netns !== undefined ? { netns } : {}) },
    };
  },
};
