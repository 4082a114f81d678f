/**
 * The macrobenchmark's setup (Mesos paper §6.1): four frameworks of different
 * shapes, one job trace, run once sharing the cluster (offers + DRF) and once
 * with each framework on a static quarter of it (a cluster of its own).
 *
 * Job sizes are given per agent of a quarter (`tasksPerAgent`), so the same
 * mix scales with the cluster: each framework's mean demand is about 70% of a
 * quarter, in bursts (Poisson arrivals), and the web farm's load swings from
 * a third of a quarter to more than a whole one.
 */
import type { Shape, TaskShape } from '../sim/framework.js';

export interface JobMix {
  /** Mean time between two arrivals (exponential), ms. */
  readonly meanGapMs: number;
  /** Tasks of a job per agent of a quarter, drawn uniformly in [min, max] (at least 1). */
  readonly tasksPerAgent: readonly [number, number];
  /** A task's run time, drawn uniformly in [min, max], ms. */
  readonly taskMs: readonly [number, number];
}

export interface Load {
  /** Instances wanted per agent of a quarter: from min to max and back, a cosine over `periodMs`. */
  readonly minPerAgent: number;
  readonly maxPerAgent: number;
  readonly periodMs: number;
}

export interface SharingFramework {
  readonly name: string;
  readonly kind: string;
  readonly shape: Shape;
  readonly task: TaskShape;
  readonly jobs?: JobMix;
  readonly load?: Load;
}

export interface SharingSetup {
  readonly seed: number;
  /** The whole cluster (a multiple of 4: each static quarter gets a fourth). */
  readonly agents: number;
  readonly agentResources: string;
  /** Jobs arrive during this long; utilization is averaged over it. */
  readonly traceMs: number;
  /** After the trace, at most this long for the jobs left to finish. */
  readonly drainMs: number;
  readonly frameworks: readonly SharingFramework[];
}

const frameworks: readonly SharingFramework[] = [
  { name: 'batch', kind: 'short CPU-bound tasks (Hadoop-like)', shape: 'elastic', task: { cpus: 1, mem: 1024 }, jobs: { meanGapMs: 18_000, tasksPerAgent: [2, 8], taskMs: [5_000, 15_000] } },
  { name: 'iterative', kind: 'long tasks holding memory (Spark-like)', shape: 'elastic', task: { cpus: 1, mem: 6144 }, jobs: { meanGapMs: 26_000, tasksPerAgent: [0.5, 1.5], taskMs: [30_000, 60_000] } },
  { name: 'gang', kind: 'all N tasks at once (MPI-like)', shape: 'gang', task: { cpus: 2, mem: 2048 }, jobs: { meanGapMs: 36_000, tasksPerAgent: [0.5, 2], taskMs: [20_000, 60_000] } },
  { name: 'webfarm', kind: 'elastic web farm, varying load', shape: 'service', task: { cpus: 1, mem: 2048 }, load: { minPerAgent: 1.2, maxPerAgent: 5.2, periodMs: 200_000 } },
];

/** Agents like the paper's EC2 nodes (4 cores, 15 GB). */
const AGENT = 'cpus:4;mem:15360;disk:10000';

export const SHARING: { readonly quick: SharingSetup; readonly full: SharingSetup } = {
  quick: { seed: 1, agents: 16, agentResources: AGENT, traceMs: 400_000, drainMs: 400_000, frameworks },
  // The paper's cluster: 96 nodes.
  full: { seed: 1, agents: 96, agentResources: AGENT, traceMs: 1_800_000, drainMs: 1_200_000, frameworks: frameworks.map((f) => (f.load ? { ...f, load: { ...f.load, periodMs: 600_000 } } : f)) },
};
