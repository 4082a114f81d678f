/**
 * The job trace of the macrobenchmark, drawn from the setup's seed (pure): the
 * same jobs, at the same times, with the same task run times, for the shared
 * and the partitioned run.
 */
import { Random } from 'libprocess-ts';
import type { Job } from '../sim/framework.js';
import type { Load, SharingSetup } from './setup.js';

export type Trace = ReadonlyMap<string, readonly Job[]>;

export function makeTrace(setup: SharingSetup): Trace {
  const root = new Random(setup.seed);
  const quarter = setup.agents / 4;
  const out = new Map<string, Job[]>();
  for (const f of setup.frameworks) {
    const r = root.fork();
    const jobs: Job[] = [];
    if (f.jobs !== undefined) {
      const m = f.jobs;
      let t = 0;
      for (let i = 1; ; i++) {
        t += -Math.log(1 - r.float()) * m.meanGapMs;
        if (t >= setup.traceMs) break;
        const perAgent = m.tasksPerAgent[0] + r.float() * (m.tasksPerAgent[1] - m.tasksPerAgent[0]);
        const n = Math.max(1, Math.round(perAgent * quarter));
        const taskMs = Array.from({ length: n }, () => m.taskMs[0] + r.int(m.taskMs[1] - m.taskMs[0] + 1));
        jobs.push({ id: `${f.name}-job${i}`, arriveMs: Math.round(t), taskMs });
      }
    }
    out.set(f.name, jobs);
  }
  return out;
}

/** Instances a web farm wants at `t` (ms into the trace), for a quarter of `quarterAgents`. */
export function wantedAt(load: Load, quarterAgents: number, t: number): number {
  const x = (1 - Math.cos((2 * Math.PI * t) / load.periodMs)) / 2;
  return Math.round((load.minPerAgent + (load.maxPerAgent - load.minPerAgent) * x) * quarterAgents);
}
