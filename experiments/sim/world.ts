/**
 * A simulated cluster for an experiment: sim/'s whole cluster (3 real HA
 * masters, real agents on simulated machines, one seed, a virtual clock)
 * with no greedy frameworks of its own, plus the experiment's workload
 * frameworks, each in its own runtime on the simulated network.
 *
 * What it measures comes from the machines, not from anyone's books: the
 * processes running on every agent's simulated machine, priced with the
 * resources of the task each one runs; and from the leading master's
 * `/metrics/snapshot` (frameworks and agents connected), as an operator would.
 *
 * Its masters' allocators are the paper's (Mesos 0.x, `allocateOnRecovery`):
 * freed and declined resources are offered again at once, not at the next
 * allocation batch as Mesos does now, since the experiments reproduce the
 * paper's measurements (ramp-up within T, DRF converging task by task).
 */
import { MemoryTransport, Runtime, createLogger } from 'libprocess-ts';
import { Cluster, type MasterNode } from '../../sim/cluster.js';
import type { Timing } from '../../master/log/types.js';
import { Resources } from '../../protocol/resources.js';
import type { WorkloadFramework } from './framework.js';

export interface WorldOptions {
  readonly seed: number;
  readonly agents: number;
  /** Each agent's, e.g. `cpus:4;mem:15360;disk:1000`. */
  readonly agentResources: string;
  readonly offerTimeoutMs?: number;
  readonly heartbeatSeconds?: number;
  /** The masters' election timing (default: the replicated log's own; HA_MASTER_TIMING is what real masters run). */
  readonly masterTiming?: Partial<Timing>;
}

export interface Usage {
  readonly cpus: number;
  readonly mem: number;
  readonly tasks: number;
}

const silent = createLogger('experiment', 'silent');
const FRAMEWORK_PORT = 7070;

export class World {
  readonly cluster: Cluster;
  readonly frameworks: WorkloadFramework[] = [];
  readonly total: { readonly cpus: number; readonly mem: number };
  readonly #runtimes = new Map<WorkloadFramework, Runtime>();

  constructor(readonly options: WorldOptions) {
    this.cluster = new Cluster(
      {
        seed: options.seed,
        agents: options.agents,
        frameworks: 0,
        agentResources: options.agentResources,
        maxTasksPerFramework: 0,
        mutations: {},
        traceLines: 10,
        taskRunMs: [1, 1],
        offerTimeoutMs: options.offerTimeoutMs ?? 10_000,
        heartbeatSeconds: options.heartbeatSeconds ?? 15,
        allocateOnRecovery: true,
        ...(options.masterTiming !== undefined ? { masterTiming: options.masterTiming } : {}),
      },
      { update: () => {}, restarted: () => {} },
    );
    const r = Resources.parse(options.agentResources);
    this.total = { cpus: r.scalar('cpus') * options.agents, mem: r.scalar('mem') * options.agents };
  }

  get clock(): Cluster['clock'] {
    return this.cluster.clock;
  }

  get masterPids(): string[] {
    return this.cluster.masterPids;
  }

  /** Masters and agents up; resolves once a master leads with every agent active (bounded by `boundMs` of virtual time). */
  async start(boundMs = 120_000): Promise<void> {
    await this.cluster.startAll();
    const until = this.clock.now() + boundMs;
    while (this.clock.now() < until) {
      await this.clock.advance(500);
      const m = await this.metrics();
      if (m !== undefined && m['master/slaves_active'] === this.options.agents) return;
    }
    throw new Error(`the simulated cluster did not have ${this.options.agents} agents active within ${boundMs / 1000} virtual s`);
  }

  /** Starts a framework in a runtime of its own (`<name>:7070` on the simulated network). */
  async add(fw: WorkloadFramework): Promise<void> {
    const host = hostOf(fw);
    const runtime = await new Runtime({ transport: new MemoryTransport(this.cluster.network, host, FRAMEWORK_PORT), clock: this.clock, name: host, logger: silent }).start();
    this.#runtimes.set(fw, runtime);
    this.frameworks.push(fw);
    await fw.start(runtime);
  }

  /** Every node's address on the simulated network: masters, agents and the frameworks' runtimes. */
  addresses(): string[] {
    return [...this.cluster.nodes().map((n) => n.address), ...[...this.#runtimes.keys()].map((f) => `${hostOf(f)}:${FRAMEWORK_PORT}`)];
  }

  /** A framework leaves: its tasks are killed, it unregisters, its runtime stops. */
  async remove(fw: WorkloadFramework): Promise<void> {
    await fw.leave();
    await this.#runtimes.get(fw)?.stop();
    this.#runtimes.delete(fw);
  }

  /** Resources of the processes running on the machines now, per framework (by the task each runs). */
  usage(): Map<string, Usage> {
    const owner = new Map<string, WorkloadFramework>();
    for (const fw of this.frameworks) for (const id of fw.active.keys()) owner.set(id, fw);
    const out = new Map<string, { cpus: number; mem: number; tasks: number }>(this.frameworks.map((f) => [f.name, { cpus: 0, mem: 0, tasks: 0 }]));
    for (const a of this.cluster.agents) {
      for (const p of a.table.running()) {
        const fw = owner.get(p.taskId);
        if (fw === undefined) continue;
        const u = out.get(fw.name)!;
        u.cpus += fw.spec.task.cpus;
        u.mem += fw.spec.task.mem;
        u.tasks++;
      }
    }
    return out;
  }

  /** The leading master's `/metrics/snapshot` (undefined while none leads). */
  async metrics(): Promise<Record<string, number> | undefined> {
    for (const m of this.cluster.leaders()) {
      const r = await snapshot(m);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** One master's `/metrics/snapshot` (undefined when it is down or does not lead). */
  metricsOf(m: MasterNode): Promise<Record<string, number> | undefined> {
    return snapshot(m);
  }

  async stop(): Promise<void> {
    for (const r of this.#runtimes.values()) await r.stop();
    this.#runtimes.clear();
    await this.cluster.stop();
  }
}

const hostOf = (fw: WorkloadFramework): string => fw.name.replace(/[^a-zA-Z0-9-]/g, '-');

async function snapshot(m: MasterNode): Promise<Record<string, number> | undefined> {
  const runtime = m.runtime;
  if (runtime === undefined) return undefined;
  const r = await runtime.handleHttp({ method: 'GET', path: '/metrics/snapshot', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) });
  if (r.status !== 200 || !('body' in r)) return undefined;
  const body = r.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return JSON.parse(body.toString()) as Record<string, number>;
  return body as Record<string, number>;
}
