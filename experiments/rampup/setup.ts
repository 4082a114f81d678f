/**
 * Framework ramp-up (Mesos paper §5.2, "ramp-up time"): `old` elastic
 * frameworks with endless demand fill the cluster; after `arriveMs` a new one
 * arrives and takes what the others release as their tasks end (DRF offers it
 * everything freed until it has its fair share). Task run times are constant
 * (T) or exponential (mean T); the first wave's are drawn as the residual life
 * of tasks already running (uniform in [0, T] or exponential), so slots free
 * steadily from the start.
 */
export interface RampupSetup {
  readonly seed: number;
  readonly agents: number;
  readonly agentResources: string;
  readonly task: { readonly cpus: number; readonly mem: number };
  /** Frameworks already running. */
  readonly old: number;
  readonly taskMeanMs: number;
  readonly durations: 'constant' | 'exponential';
  /** When the new framework arrives (ms after the old ones started). */
  readonly arriveMs: number;
  /** Measured for at most this long after it arrived. */
  readonly measureMs: number;
}

const base = { seed: 1, agentResources: 'cpus:4;mem:8192;disk:10000', task: { cpus: 1, mem: 2048 }, old: 3, taskMeanMs: 30_000, arriveMs: 45_000, measureMs: 60_000 } as const;

export const RAMPUP: { readonly quick: readonly RampupSetup[]; readonly full: readonly RampupSetup[] } = {
  quick: [
    { ...base, agents: 1000, durations: 'constant' },
    { ...base, agents: 1000, durations: 'exponential' },
  ],
  full: [
    { ...base, agents: 1000, durations: 'constant' },
    { ...base, agents: 1000, durations: 'exponential' },
    { ...base, agents: 10_000, durations: 'constant' },
    { ...base, agents: 10_000, durations: 'exponential' },
  ],
};
