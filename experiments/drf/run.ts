/**
 * DRF fairness over time, in the simulator: users arrive and leave (setup.ts);
 * every second, each user's dominant share of the cluster from the processes
 * running on the machines; per phase (a set of users present), the mean over
 * its second half beside the allocation DRF computes directly (reference.ts).
 */
import { Random } from 'libprocess-ts';
import { COLORS, lineChart, type ChartSeries } from '../../benchmarks/offers/plot.js';
import { Resources } from '../../protocol/resources.js';
import { WorkloadFramework } from '../sim/framework.js';
import { World } from '../sim/world.js';
import { mean, round } from '../stats.js';
import type { Context, Experiment, Figure, Result } from '../types.js';
import { dominantShare, drfAllocation } from './reference.js';
import { DRF, type DrfSetup } from './setup.js';

export interface DrfPhase {
  readonly fromMs: number;
  readonly toMs: number;
  readonly users: readonly string[];
  readonly reference: Readonly<Record<string, number>>;
  /** Mean dominant share over the second half of the phase. */
  readonly measured: Readonly<Record<string, number>>;
}

export interface DrfRun {
  readonly samples: readonly { readonly t: number; readonly shares: Readonly<Record<string, number>> }[];
  readonly phases: readonly DrfPhase[];
  readonly tasksFinished: number;
}

export async function runDrf(setup: DrfSetup, tick: (t: number, tasks: number) => void = () => {}): Promise<DrfRun> {
  const world = new World({ seed: setup.seed, agents: setup.agents, agentResources: setup.agentResources });
  const random = new Random(setup.seed);
  const samples: { t: number; shares: Record<string, number> }[] = [];
  const fws = new Map<string, WorkloadFramework>();
  const gone = new Set<string>();
  try {
    await world.start();
    const t0 = world.clock.now();
    for (;;) {
      const t = world.clock.now() - t0;
      if (t >= setup.endMs) break;
      for (const u of setup.users) {
        if (u.arriveMs <= t && t < u.leaveMs && !fws.has(u.name)) {
          const r = random.fork();
          const fw = new WorkloadFramework({ name: u.name, shape: 'elastic', task: { cpus: u.cpus, mem: u.mem }, onePerOffer: true, demand: () => setup.taskMs[0] + r.int(setup.taskMs[1] - setup.taskMs[0] + 1) }, world.masterPids, world.clock);
          fws.set(u.name, fw);
          await world.add(fw);
        }
        const fw = fws.get(u.name);
        if (fw !== undefined && t >= u.leaveMs && !gone.has(u.name)) {
          gone.add(u.name);
          await world.remove(fw);
        }
      }
      await world.clock.advance(1000);
      const shares: Record<string, number> = {};
      for (const [name, use] of world.usage()) shares[name] = dominantShare(use, world.total);
      const now = world.clock.now() - t0;
      samples.push({ t: now, shares });
      tick(now, [...fws.values()].reduce((n, f) => n + f.tasksFinished, 0));
    }
  } finally {
    await world.stop();
  }
  const agent = Resources.parse(setup.agentResources);
  const machines = Array.from({ length: setup.agents }, () => ({ cpus: agent.scalar('cpus'), mem: agent.scalar('mem') }));
  const edges = [...new Set([0, setup.endMs, ...setup.users.flatMap((u) => [u.arriveMs, u.leaveMs]).filter((x) => x <= setup.endMs)])].sort((a, b) => a - b);
  const phases: DrfPhase[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const [fromMs, toMs] = [edges[i]!, edges[i + 1]!];
    const present = setup.users.filter((u) => u.arriveMs <= fromMs && fromMs < u.leaveMs);
    if (present.length === 0) continue;
    const ref = drfAllocation(machines, present);
    const half = samples.filter((s) => s.t > (fromMs + toMs) / 2 && s.t <= toMs);
    phases.push({
      fromMs,
      toMs,
      users: present.map((u) => u.name),
      reference: Object.fromEntries(present.map((u) => [u.name, ref.get(u.name)!.dominantShare])),
      measured: Object.fromEntries(present.map((u) => [u.name, mean(half.map((s) => s.shares[u.name] ?? 0))])),
    });
  }
  return { samples, phases, tasksFinished: [...fws.values()].reduce((n, f) => n + f.tasksFinished, 0) };
}

export const drf: Experiment = {
  name: 'drf',
  title: 'DRF fairness over time',
  where: 'simulator (real masters, agents and SDK frameworks on a virtual clock)',
  async run(ctx: Context): Promise<Result> {
    const setup = ctx.quick ? DRF.quick : DRF.full;
    ctx.progress.total = setup.endMs;
    ctx.progress.phase('users arriving and leaving', setup.endMs);
    const run = await runDrf(setup, (t, tasks) => ctx.progress.update(t, tasks));
    for (const s of run.samples) ctx.out.raw({ t: s.t, ...s.shares });
    for (const p of run.phases) ctx.out.raw({ type: 'phase', ...p });
    ctx.out.flush();
    const series: ChartSeries[] = [];
    const color = (i: number): string => COLORS[i % COLORS.length]!;
    setup.users.forEach((u, i) => series.push({ name: `${u.name} <${u.cpus} CPU, ${u.mem / 1024} GB>`, color: color(i), points: run.samples.map((s) => [s.t / 1000, (s.shares[u.name] ?? 0) * 100] as const) }));
    setup.users.forEach((u, i) => {
      const pts: [number, number][] = [];
      for (const p of run.phases) {
        const r = p.reference[u.name];
        pts.push([p.fromMs / 1000, r === undefined ? NaN : r * 100], [p.toMs / 1000, r === undefined ? NaN : r * 100], [p.toMs / 1000, NaN]);
      }
      series.push({ name: `${u.name}, DRF computed`, dashed: true, color: color(i), points: pts });
    });
    ctx.out.file('shares.svg', lineChart({ title: `Dominant shares over time, ${setup.agents} agents (${setup.agentResources.replace(/;disk:\d+/, '')}): measured (solid), DRF computed (dashed)`, xLabel: 'time (s)', yLabel: 'dominant share (%)', yMax: 100, series }));
    const figures: Figure[] = run.phases.map((p) => ({
      what: `${p.fromMs / 1000}-${p.toMs / 1000} s, users ${p.users.join(', ')}: dominant shares`,
      ours: p.users.map((u) => `${u} ${(p.measured[u]! * 100).toFixed(1)}%`).join(', '),
      paper: `DRF: ${p.users.map((u) => `${u} ${(p.reference[u]! * 100).toFixed(1)}%`).join(', ')}${p.users.join('') === 'AB' ? ' (the DRF paper: 2/3 each)' : ''}`,
      headline: p.users.join('') === 'AB',
    }));
    const worst = Math.max(...run.phases.flatMap((p) => p.users.map((u) => Math.abs(p.measured[u]! - p.reference[u]!))));
    return {
      setup,
      description: `${setup.agents} agents of ${setup.agentResources.replace(/;disk:\d+/, '')}, 3 masters; users ${setup.users.map((u) => `${u.name} <${u.cpus} CPU, ${u.mem / 1024} GB> from ${u.arriveMs / 1000} s to ${u.leaveMs / 1000} s`).join('; ')}; tasks of ${setup.taskMs[0] / 1000}-${setup.taskMs[1] / 1000} s, one per offer, relaunched without end. Measured: mean dominant share over the second half of each phase.`,
      figures: [...figures, { what: 'largest gap, measured vs computed', ours: `${(worst * 100).toFixed(1)} points`, paper: '0 (DRF computed on the same machines)', headline: true }],
      plots: [{ file: 'shares.svg', caption: 'dominant shares over time, measured and computed' }],
      summary: { phases: run.phases.map((p) => ({ ...p, measured: Object.fromEntries(Object.entries(p.measured).map(([k, v]) => [k, round(v, 4)])) })), worst_gap: round(worst, 4), tasks_finished: run.tasksFinished },
    };
  },
};
