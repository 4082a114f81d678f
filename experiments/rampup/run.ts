/**
 * Framework ramp-up, in the simulator (setup.ts): the new framework's share
 * of the cluster every second after it arrives; ramp-up time = from its
 * arrival until it holds its fair share (within one task), and until 90% of
 * it; beside the paper's analysis (at most T for constant run times, about
 * T ln k for exponential ones) and the expectation for this setup (it gets
 * the first k of n slots freed: T k/n constant, T ln(n/(n-k)) exponential).
 */
import { Random, realClock } from 'libprocess-ts';
import { lineChart, type ChartSeries } from '../../benchmarks/offers/plot.js';
import { Resources } from '../../protocol/resources.js';
import { WorkloadFramework } from '../sim/framework.js';
import { World } from '../sim/world.js';
import { round } from '../stats.js';
import type { Context, Experiment, Figure, Result } from '../types.js';
import { RAMPUP, type RampupSetup } from './setup.js';

export interface RampupRun {
  readonly setup: RampupSetup;
  /** ms since the new framework arrived → its share of the cluster's slots, and the old ones' mean. */
  readonly samples: readonly { readonly t: number; readonly share: number; readonly oldShare: number }[];
  readonly fairShare: number;
  /** ms from arrival to 90% of the fair share, and to the fair share within one task (NaN: not within the window). */
  readonly t90Ms: number;
  readonly tFairMs: number;
  /** What the setup predicts for the fair share (see the file's comment). */
  readonly expectedMs: number;
  readonly wallS: number;
  readonly tasksFinished: number;
}

export function slots(setup: RampupSetup): number {
  const r = Resources.parse(setup.agentResources);
  return setup.agents * Math.min(Math.floor(r.scalar('cpus') / setup.task.cpus), Math.floor(r.scalar('mem') / setup.task.mem));
}

/** Expected ramp-up to the fair share k of n slots, when the newcomer gets every slot freed. */
export function expectedRampupMs(setup: RampupSetup): number {
  const n = slots(setup);
  const k = n / (setup.old + 1);
  return setup.durations === 'constant' ? (setup.taskMeanMs * k) / n : setup.taskMeanMs * Math.log(n / (n - k));
}

export async function runRampup(setup: RampupSetup, tick: (t: number, tasks: number) => void = () => {}): Promise<RampupRun> {
  const started = realClock.now();
  const world = new World({ seed: setup.seed, agents: setup.agents, agentResources: setup.agentResources, offerTimeoutMs: 30_000 });
  const random = new Random(setup.seed);
  const n = slots(setup);
  const draw = (r: Random, first: boolean): number => {
    const T = setup.taskMeanMs;
    if (setup.durations === 'exponential') return Math.max(1, Math.round(-Math.log(1 - r.float()) * T));
    return first ? 1 + r.int(T) : T;
  };
  let t0 = 0;
  // The first wave (launched as the cluster fills, in its first 5 s) runs for a residual life: slots then free steadily.
  const demand = (r: Random): (() => number) => () => draw(r, world.clock.now() - t0 < 5_000);
  const all: WorkloadFramework[] = [];
  const samples: { t: number; share: number; oldShare: number }[] = [];
  try {
    await world.start(600_000);
    t0 = world.clock.now();
    for (let i = 1; i <= setup.old; i++) {
      const fw = new WorkloadFramework({ name: `old${i}`, shape: 'elastic', task: setup.task, demand: demand(random.fork()) }, world.masterPids, world.clock);
      all.push(fw);
      await world.add(fw);
    }
    const tasks = (): number => all.reduce((x, f) => x + f.tasksFinished, 0);
    while (world.clock.now() - t0 < setup.arriveMs) {
      await world.clock.advance(1000);
      tick(world.clock.now() - t0, tasks());
    }
    const r = random.fork();
    const fresh = new WorkloadFramework({ name: 'new', shape: 'elastic', task: setup.task, demand: () => draw(r, false) }, world.masterPids, world.clock);
    all.push(fresh);
    const arrived = world.clock.now();
    await world.add(fresh);
    while (world.clock.now() - arrived < setup.measureMs) {
      await world.clock.advance(1000);
      const use = world.usage();
      const count = (name: string): number => use.get(name)?.tasks ?? 0;
      let old = 0;
      for (let i = 1; i <= setup.old; i++) old += count(`old${i}`);
      samples.push({ t: world.clock.now() - arrived, share: count('new') / n, oldShare: old / setup.old / n });
      tick(world.clock.now() - t0, tasks());
    }
  } finally {
    await world.stop();
  }
  const fairShare = 1 / (setup.old + 1);
  const first = (x: number): number => samples.find((s) => s.share >= x)?.t ?? NaN;
  return {
    setup,
    samples,
    fairShare,
    t90Ms: first(0.9 * fairShare),
    tFairMs: first(fairShare - 1 / n - 1e-9),
    expectedMs: expectedRampupMs(setup),
    wallS: (realClock.now() - started) / 1000,
    tasksFinished: all.reduce((x, f) => x + f.tasksFinished, 0),
  };
}

const label = (s: RampupSetup): string => `${s.agents >= 1000 ? `${s.agents / 1000}k` : s.agents} agents, ${s.durations}`;
const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'not within the window');

export const rampup: Experiment = {
  name: 'rampup',
  title: 'Framework ramp-up and elasticity',
  where: 'simulator (real masters, agents and SDK frameworks on a virtual clock)',
  async run(ctx: Context): Promise<Result> {
    const setups = ctx.quick ? RAMPUP.quick : RAMPUP.full;
    // Work: virtual ms weighted by agents (the simulation's cost grows with them).
    const work = (s: RampupSetup): number => (s.arriveMs + s.measureMs) * (s.agents / 1000);
    ctx.progress.total = setups.reduce((x, s) => x + work(s), 0);
    const runs: RampupRun[] = [];
    for (const s of setups) {
      ctx.progress.phase(label(s), s.arriveMs + s.measureMs);
      const run = await runRampup(s, (t, tasks) => ctx.progress.update(t, tasks));
      runs.push(run);
      for (const x of run.samples) ctx.out.raw({ agents: s.agents, durations: s.durations, ...x });
      ctx.out.flush();
    }
    const series: ChartSeries[] = runs.map((r) => ({ name: label(r.setup), points: r.samples.map((x) => [x.t / 1000, x.share * 100] as const) }));
    series.push({ name: 'fair share', dashed: true, points: [[0, 100 / (setups[0]!.old + 1)], [setups[0]!.measureMs / 1000, 100 / (setups[0]!.old + 1)]] });
    ctx.out.file('rampup.svg', lineChart({ title: `A new framework's share after it arrives (${setups[0]!.old} others hold the cluster; tasks of mean ${setups[0]!.taskMeanMs / 1000} s)`, xLabel: 'seconds since it arrived', yLabel: '% of the cluster', series }));
    const figures: Figure[] = runs.map((r) => ({
      what: `${label(r.setup)}: ramp-up to the fair share (${(r.fairShare * 100).toFixed(0)}%)`,
      ours: `${secs(r.tFairMs)} (90% of it: ${secs(r.t90Ms)}); expected for this setup ${secs(r.expectedMs)}`,
      paper: r.setup.durations === 'constant' ? `at most T = ${r.setup.taskMeanMs / 1000} s` : `about T ln k = ${((r.setup.taskMeanMs / 1000) * Math.log(slots(r.setup) * r.fairShare)).toFixed(0)} s (k = ${slots(r.setup) * r.fairShare} slots)`,
      headline: true,
      note: `the paper's bounds are for a framework waiting for k particular slots; here any freed slot will do, so the expectation is the time for k of the n slots to free. ${r.wallS.toFixed(0)} s of wall time for ${(r.setup.arriveMs + r.setup.measureMs) / 1000} virtual s, ${r.tasksFinished} tasks finished`,
    }));
    return {
      setup: setups,
      description: `${setups.map(label).join('; ')}: agents of ${setups[0]!.agentResources.replace(/;disk:\d+/, '')}, tasks of ${setups[0]!.task.cpus} CPU / ${setups[0]!.task.mem / 1024} GB (${slots(setups[0]!) / setups[0]!.agents} per agent), 3 masters. ${setups[0]!.old} elastic frameworks with endless demand fill the cluster; a new one arrives after ${setups[0]!.arriveMs / 1000} s. The expectation: the newcomer gets every slot freed until it has its fair share k of the n slots, so T·k/n for constant run times (the first wave's residual lives uniform) and T·ln(n/(n−k)) for exponential ones, plus the allocation interval (1 s).`,
      figures,
      plots: [{ file: 'rampup.svg', caption: 'the new framework\'s share of the cluster after it arrives' }],
      summary: { runs: runs.map((r) => ({ agents: r.setup.agents, durations: r.setup.durations, fair_share: r.fairShare, t90_s: round(r.t90Ms / 1000, 2), t_fair_s: round(r.tFairMs / 1000, 2), expected_s: round(r.expectedMs / 1000, 2), wall_s: round(r.wallS), tasks_finished: r.tasksFinished })) },
    };
  },
};
