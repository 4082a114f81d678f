/**
 * Drives frameworks through a job trace on a simulated cluster, one virtual
 * second at a time: jobs are submitted when they arrive, services told how
 * many instances they want, gangs' holds checked; after every second the
 * machines are sampled (resources of the processes running, per framework).
 * Ends when the trace is over and every job has finished, or at `untilMs`.
 */
import type { Job, WorkloadFramework } from './framework.js';
import type { Usage, World } from './world.js';

export interface Driven {
  readonly framework: WorkloadFramework;
  readonly jobs: readonly Job[];
  /** Services: instances wanted at `t` ms into the run. */
  readonly wanted?: (t: number) => number;
}

export interface Sample {
  /** ms since the trace started. */
  readonly t: number;
  readonly usage: ReadonlyMap<string, Usage>;
  /** Per framework: work waiting for resources (tasks or instances). */
  readonly backlog: ReadonlyMap<string, number>;
  /** Per service: instances wanted. */
  readonly wanted: ReadonlyMap<string, number>;
}

export interface DriveOptions {
  readonly traceMs: number;
  /** Hard stop, ms since the trace started. */
  readonly untilMs: number;
  readonly stepMs?: number;
  readonly onSample: (s: Sample) => void;
}

/** Starts the frameworks, waits (bounded) until each is subscribed, then runs the trace; resolves with the ms it ran. */
export async function drive(world: World, driven: readonly Driven[], o: DriveOptions): Promise<number> {
  for (const d of driven) await world.add(d.framework);
  const bound = world.clock.now() + 60_000;
  while (!driven.every((d) => d.framework.driver?.connected === true)) {
    if (world.clock.now() > bound) throw new Error(`frameworks not subscribed within 60 virtual s: ${driven.filter((d) => d.framework.driver?.connected !== true).map((d) => d.framework.name).join(', ')}`);
    await world.clock.advance(100);
  }
  const step = o.stepMs ?? 1000;
  const t0 = world.clock.now();
  for (const d of driven) d.framework.origin = t0;
  const next = driven.map(() => 0);
  const jobsLeft = (): number => driven.reduce((n, d) => n + d.jobs.length - d.framework.done.length, 0);
  for (;;) {
    const t = world.clock.now() - t0;
    if (t >= o.untilMs || (t >= o.traceMs && jobsLeft() === 0)) return t;
    const wanted = new Map<string, number>();
    driven.forEach((d, i) => {
      while (next[i]! < d.jobs.length && d.jobs[next[i]!]!.arriveMs <= t) d.framework.submit(d.jobs[next[i]!++]!);
      if (d.wanted !== undefined) {
        const w = t < o.traceMs ? d.wanted(t) : 0;
        d.framework.setWanted(w);
        wanted.set(d.framework.name, w);
      }
      d.framework.tick();
    });
    await world.clock.advance(step);
    o.onSample({ t: world.clock.now() - t0, usage: world.usage(), backlog: new Map(driven.map((d) => [d.framework.name, d.framework.backlog()])), wanted });
  }
}
