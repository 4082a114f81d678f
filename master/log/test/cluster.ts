/** A log cluster in one Node process: replicas in runtimes on a SimulatedNetwork, in virtual time. */
import { MemoryTransport, Random, Runtime, createLogger, type AuthOptions } from 'libprocess-ts';
import { SimulatedNetwork, VirtualClock } from 'libprocess-ts/testing';
import { ReplicaProcess, type ReplicaStatus } from '../replica.js';
import { MemoryStorage } from '../storage.js';
import type { Entry, Snapshot, Timing } from '../types.js';

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
  readonly pid: string;
  readonly storage: MemoryStorage;
  runtime: Runtime | undefined;
  replica: ReplicaProcess | undefined;
  /** Events heard by the listener of the current incarnation. */
  readonly events: string[];
  readonly snapshots: Snapshot[];
  readonly committed: Entry[];
  /** Leaders seen by this replica's listener: [term, leader]. */
  readonly leaders: [number, string][];
}

const quiet = createLogger('test', 'silent');

export class Cluster {
  readonly clock = new VirtualClock();
  readonly net: SimulatedNetwork;
  readonly nodes: ClusterNode[] = [];
  readonly random: Random;
  /** How the replicas' runtimes authenticate (set before starting them); default: not at all. */
  auth: AuthOptions | undefined;
  /** Most payload bytes per message (set before starting them); default: the replica's. */
  maxBytesPerMessage: number | undefined;

  constructor(
    n: number,
    readonly seed = 1,
    readonly timing: Partial<Timing> = {},
    latencyMs: [number, number] = [1, 5],
    faults: { loss?: number; duplicate?: number; reorder?: number } = {},
  ) {
    this.net = new SimulatedNetwork({ clock: this.clock, seed, latencyMs, ...faults });
    this.random = new Random(seed);
    for (let i = 0; i < n; i++) {
      const host = `m${i}`;
      const port = 5050;
      this.nodes.push({ host, port, pid: `log@${host}:${port}`, storage: new MemoryStorage(), runtime: undefined, replica: undefined, events: [], snapshots: [], committed: [], leaders: [] });
    }
  }

  get pids(): string[] {
    return this.nodes.map((n) => n.pid);
  }

  address(i: number): string {
    return `${this.nodes[i]!.host}:${this.nodes[i]!.port}`;
  }

  async startAll(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.start(i);
  }

  async start(i: number): Promise<void> {
    const node = this.nodes[i]!;
    const runtime = await new Runtime({ transport: new MemoryTransport(this.net, node.host, node.port, this.auth), clock: this.clock, name: node.host, logger: quiet }).start();
    const replica = new ReplicaProcess({
      storage: node.storage,
      replicas: this.pids,
      random: this.random.fork(),
      timing: this.timing,
      logger: quiet,
      ...(this.maxBytesPerMessage !== undefined ? { maxBytesPerMessage: this.maxBytesPerMessage } : {}),
    });
    node.runtime = runtime;
    node.replica = replica;
    node.events.length = 0;
    node.committed.length = 0;
    runtime.spawn(replica, 'log');
    await this.clock.settle();
    replica.subscribe({
      elected: (t) => node.events.push(`elected ${t}`),
      demoted: (t) => node.events.push(`demoted ${t}`),
      snapshot: (s) => node.snapshots.push(s),
      committed: (es) => node.committed.push(...es),
      role: (s) => {
        if (s.role === 'leader') node.leaders.push([s.term, node.pid]);
      },
    });
  }

  /** Kills the replica's whole runtime (as SIGKILL of its process would). */
  async stop(i: number): Promise<void> {
    const node = this.nodes[i]!;
    await node.runtime?.stop();
    node.runtime = undefined;
    node.replica = undefined;
  }

  async stopAll(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.stop(i);
  }

  alive(i: number): boolean {
    return this.nodes[i]!.replica !== undefined;
  }

  status(i: number): ReplicaStatus {
    return this.nodes[i]!.replica!.status();
  }

  /** Indices of live replicas that are leaders. */
  leaders(): number[] {
    return this.nodes.map((_, i) => i).filter((i) => this.alive(i) && this.status(i).role === 'leader');
  }

  /** Advances time until exactly one ready leader exists; returns its index and how long it took. */
  async awaitLeader(maxMs = 5000, except?: number): Promise<{ leader: number; ms: number }> {
    const start = this.clock.now();
    for (;;) {
      const ready = this.leaders().filter((i) => i !== except && this.status(i).ready);
      if (ready.length === 1) return { leader: ready[0]!, ms: this.clock.now() - start };
      if (this.clock.now() - start >= maxMs) throw new Error(`no single ready leader after ${maxMs} ms: ${this.describe()}`);
      await this.clock.advance(10);
    }
  }

  append(i: number, data: Uint8Array): Promise<{ index: number; term: number }> {
    const node = this.nodes[i]!;
    return node.runtime!.dispatch(node.replica!, 'append', data);
  }

  /** Appends and advances time until it settles; returns the result (or throws the rejection). */
  async appendAndWait(i: number, data: Uint8Array, maxMs = 2000): Promise<{ index: number; term: number }> {
    let outcome: { ok: { index: number; term: number } } | { err: unknown } | undefined;
    this.append(i, data).then((ok) => (outcome = { ok }), (err) => (outcome = { err }));
    const start = this.clock.now();
    while (outcome === undefined && this.clock.now() - start < maxMs) await this.clock.advance(5);
    if (outcome === undefined) throw new Error(`append on ${this.nodes[i]!.pid} did not settle in ${maxMs} ms`);
    if ('err' in outcome) throw outcome.err;
    return outcome.ok;
  }

  /** The committed data of a replica, as text (snapshot data first when there is one). */
  committedText(i: number): string[] {
    const { snapshot, entries } = this.nodes[i]!.replica!.read();
    const out = snapshot !== null ? [`snap:${new TextDecoder().decode(snapshot.data)}`] : [];
    for (const e of entries) out.push(new TextDecoder().decode(e.data!));
    return out;
  }

  describe(): string {
    return this.nodes
      .map((n, i) => {
        if (!this.alive(i)) return `${n.host}:down`;
        const s = this.status(i);
        return `${n.host}:${s.role}@${s.term}${s.voter ? '' : '(non-voter)'} commit ${s.commitIndex} last ${s.lastIndex} leader ${s.leader ?? '-'}`;
      })
      .join('; ');
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
