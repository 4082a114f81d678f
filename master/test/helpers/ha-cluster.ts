// Three (or N) masters with high availability in one Node process: each a
// runtime with its replica of the log (memory storage) and a leader-gated
// master, plus scripted agents and schedulers, on a simulated network in
// virtual time.
import { MemoryTransport, PID, Process, Runtime, createLogger, type AuthOptions, type Handlers, type HttpResponse } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import type { FromNonLeader } from '../../../protocol/messages/leader.js';
import type { FrameworkInfo } from '../../../protocol/types.js';
import type { MasterFlags } from '../../flags.js';
import { HaMaster } from '../../leader.js';
import { MemoryStorage } from '../../log/storage.js';
import type { MasterProtocol } from '../../master.js';
import { TestAgent, TestScheduler, type TestAgentOptions } from './peers.js';

const quiet = createLogger('ha-test', 'silent');

export interface HaNode {
  readonly host: string;
  readonly address: string;
  readonly storage: MemoryStorage;
  runtime: Runtime | undefined;
  ha: HaMaster | undefined;
}

/** Records the not_leader answers a process gets. */
export class Prober extends Process<FromNonLeader> {
  readonly answers: FromNonLeader['not_leader'][] = [];
  protected handlers(): Handlers<FromNonLeader> {
    return { not_leader: (b) => void this.answers.push(b) };
  }
  ask(master: string): void {
    this.send(PID.parse<MasterProtocol>(master), 'pong', {});
  }
}

export class HaCluster {
  readonly clock = new VirtualClock();
  readonly network: SimulatedNetwork;
  readonly nodes: HaNode[] = [];
  readonly #runtimes: Runtime[] = [];
  #peers = 0;

  constructor(n = 3, readonly seed = 1, readonly options: { flags?: Partial<MasterFlags>; reregisterTimeoutMs?: number; snapshotEvery?: number; recoverySliceRecords?: number; auth?: AuthOptions } = {}) {
    this.network = new SimulatedNetwork({ clock: this.clock, seed, latencyMs: [1, 3] });
    for (let i = 0; i < n; i++) this.nodes.push({ host: `m${i + 1}`, address: `m${i + 1}:5050`, storage: new MemoryStorage(), runtime: undefined, ha: undefined });
  }

  get replicas(): string[] {
    return this.nodes.map((n) => `log@${n.address}`);
  }

  masterPid(i: number): PID<MasterProtocol> {
    return PID.parse<MasterProtocol>(`master@${this.nodes[i]!.address}`);
  }

  async startAll(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.start(i);
  }

  async start(i: number): Promise<void> {
    const node = this.nodes[i]!;
    const runtime = await new Runtime({ transport: new MemoryTransport(this.network, node.host, 5050, this.options.auth), clock: this.clock, name: node.host, logger: quiet }).start();
    node.runtime = runtime;
    node.ha = new HaMaster(runtime, {
      storage: node.storage,
      replicas: this.replicas,
      seed: this.seed * 100 + i,
      logger: quiet,
      ...(this.options.flags ? { flags: this.options.flags } : {}),
      ...(this.options.reregisterTimeoutMs ? { reregisterTimeoutMs: this.options.reregisterTimeoutMs } : {}),
      ...(this.options.snapshotEvery ? { snapshotEvery: this.options.snapshotEvery } : {}),
      ...(this.options.recoverySliceRecords ? { recoverySliceRecords: this.options.recoverySliceRecords } : {}),
    });
    await this.clock.settle();
  }

  /** Kills a master's runtime, as SIGKILL of its OS process would. */
  async kill(i: number): Promise<void> {
    const node = this.nodes[i]!;
    await node.runtime?.stop();
    node.runtime = undefined;
    node.ha = undefined;
  }

  /** Indices of the masters serving as leader now. */
  leaders(): number[] {
    return this.nodes.flatMap((n, i) => (n.ha?.leading ? [i] : []));
  }

  /** Advances time until exactly one master leads; returns it. */
  async awaitLeader(limitMs = 5000, except?: number): Promise<number> {
    for (let t = 0; t <= limitMs; t += 20) {
      const l = this.leaders().filter((i) => i !== except);
      if (l.length === 1 && this.leaders().length === 1) return l[0]!;
      await this.clock.advance(20);
    }
    throw new Error(`no single leader within ${limitMs} ms (leading: ${this.leaders().join(', ') || 'none'})`);
  }

  /** Advances virtual time in small steps until `check` holds. */
  async until(check: () => boolean, limitMs = 10_000): Promise<void> {
    for (let t = 0; t <= limitMs; t += 10) {
      if (check()) return;
      await this.clock.advance(10);
    }
    throw new Error(`condition not met within ${limitMs} ms of virtual time`);
  }

  async http(i: number, path: string): Promise<HttpResponse> {
    return this.nodes[i]!.runtime!.handleHttp({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) } as never);
  }

  /** A runtime on the network; with `auth` it authenticates as that principal. */
  async runtime(name: string, auth?: AuthOptions): Promise<Runtime> {
    const r = await new Runtime({ transport: new MemoryTransport(this.network, name, 6000, auth), clock: this.clock, name, logger: quiet }).start();
    this.#runtimes.push(r);
    return r;
  }

  async agent(master: number, options: TestAgentOptions): Promise<TestAgent> {
    const r = await this.runtime(`agent${++this.#peers}`);
    const agent = new TestAgent(this.masterPid(master), options);
    r.spawn(agent, 'slave(1)');
    await this.clock.settle();
    return agent;
  }

  async scheduler(master: number, info: Partial<FrameworkInfo> = {}, auth?: AuthOptions): Promise<TestScheduler> {
    const r = await this.runtime(`scheduler${++this.#peers}`, auth);
    const scheduler = new TestScheduler(this.masterPid(master), { user: 'tester', name: 'ha', ...info });
    r.spawn(scheduler, 'scheduler');
    scheduler.subscribe();
    await this.clock.settle();
    return scheduler;
  }

  async stop(): Promise<void> {
    for (const r of this.#runtimes.reverse()) await r.stop();
    for (const n of this.nodes) await n.runtime?.stop();
  }
}

/** Points a scripted peer at another master (what the real agent and driver do on their own after `not_leader` or a broken link). */
export function retarget(peer: TestAgent | TestScheduler, master: PID<MasterProtocol>): void {
  (peer as unknown as { master: PID<MasterProtocol> }).master = master;
}
