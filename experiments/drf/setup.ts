/**
 * DRF fairness over time: users with different demand vectors arrive and
 * leave; each wants as many tasks as it can get (tasks of 5-15 s, relaunched
 * without end), one task per offer so the allocator's DRF decides each
 * task's worth. Agents and the first two users are the DRF paper's example
 * (9 CPUs and 18 GB; user A's tasks <1 CPU, 4 GB>, user B's <3 CPUs, 1 GB>),
 * the cluster being N such machines; C is identical to A.
 */
export interface DrfUser {
  readonly name: string;
  readonly cpus: number;
  readonly mem: number;
  readonly arriveMs: number;
  readonly leaveMs: number;
}

export interface DrfSetup {
  readonly seed: number;
  readonly agents: number;
  readonly agentResources: string;
  readonly taskMs: readonly [number, number];
  readonly users: readonly DrfUser[];
  readonly endMs: number;
}

const users = (scale: number): DrfUser[] => [
  { name: 'A', cpus: 1, mem: 4096, arriveMs: 0, leaveMs: 300_000 * scale },
  { name: 'B', cpus: 3, mem: 1024, arriveMs: 60_000 * scale, leaveMs: 240_000 * scale },
  { name: 'C', cpus: 1, mem: 4096, arriveMs: 120_000 * scale, leaveMs: 360_000 * scale },
];

export const DRF: { readonly quick: DrfSetup; readonly full: DrfSetup } = {
  quick: { seed: 1, agents: 10, agentResources: 'cpus:9;mem:18432;disk:10000', taskMs: [5_000, 15_000], users: users(1), endMs: 360_000 },
  full: { seed: 1, agents: 100, agentResources: 'cpus:9;mem:18432;disk:10000', taskMs: [5_000, 15_000], users: users(2), endMs: 720_000 },
};
