import type { Clock } from './clock.js';
import { FrameError, decodeFrame, encodeFrame } from './codec.js';
import type { Envelope } from './message.js';
import { Random } from './random.js';
import type { Address, Transport, TransportEvents } from './transport.js';

export interface SimulatedNetworkOptions {
  /** Drives delivery: give the VirtualClock of the test. */
  readonly clock: Clock;
  /** Seed of the network's random choices (latency, loss, duplication, reordering). */
  readonly seed?: number;
  /** One-way latency in ms: a fixed number or a [min, max] range drawn uniformly. Default 0. */
  readonly latencyMs?: number | readonly [number, number];
  /** Probability that a message is lost. */
  readonly loss?: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate?: number;
  /** Probability that a message ignores FIFO order (delivered after an extra random delay up to the max latency + 1 ms). */
  readonly reorder?: number;
  /** Encode and decode every batch with the WebSocket codec, as the real wire would (default true). */
  readonly serialize?: boolean;
}

interface Counters {
  messages_sent: number;
  messages_delivered: number;
  messages_lost: number;
  messages_duplicated: number;
  messages_dropped_partition: number;
  connections_opened: number;
  connections_broken: number;
}

/**
 * A network of runtimes inside one Node process, with the faults of a real
 * one: latency, loss, duplication, reordering and partitions, all drawn from
 * one seeded source and timed by the given clock, so a run replays exactly.
 *
 * Connections are logical: one exists between two runtimes once a message or
 * a `connect` has gone between them. A partition (`cut`, `isolate`) or a
 * stopped runtime breaks it, and both ends get `peerDown`, as a socket reset
 * would give; messages across a partition are dropped.
 */
export class SimulatedNetwork {
  readonly clock: Clock;
  readonly random: Random;
  readonly #latency: readonly [number, number];
  readonly #loss: number;
  readonly #duplicate: number;
  readonly #reorder: number;
  readonly #serialize: boolean;
  readonly #nodes = new Map<string, MemoryTransport>();
  readonly #connections = new Set<string>();
  readonly #cuts = new Set<string>();
  readonly #isolated = new Set<string>();
  /** Last scheduled delivery time per directed pair, for FIFO. */
  readonly #lastAt = new Map<string, number>();
  #nextPort = 5050;
  readonly counters: Counters = {
    messages_sent: 0,
    messages_delivered: 0,
    messages_lost: 0,
    messages_duplicated: 0,
    messages_dropped_partition: 0,
    connections_opened: 0,
    connections_broken: 0,
  };

  constructor(options: SimulatedNetworkOptions) {
    this.clock = options.clock;
    this.random = new Random(options.seed ?? 1);
    const l = options.latencyMs ?? 0;
    this.#latency = typeof l === 'number' ? [l, l] : [l[0], l[1]];
    this.#loss = options.loss ?? 0;
    this.#duplicate = options.duplicate ?? 0;
    this.#reorder = options.reorder ?? 0;
    this.#serialize = options.serialize ?? true;
  }

  /** A transport on this network; its address is `<host>:<port>` with a fresh port. */
  transport(host = 'sim'): MemoryTransport {
    return new MemoryTransport(this, host, this.#nextPort++);
  }

  /** Cuts the link between two runtimes (addresses `host:port`), both ways. */
  cut(a: string, b: string): void {
    this.#cuts.add(pairKey(a, b));
    this.#break(a, b);
  }

  /** Cuts a runtime off from every other. */
  isolate(a: string): void {
    this.#isolated.add(a);
    for (const key of [...this.#connections]) {
      const [x, y] = key.split('|') as [string, string];
      if (x === a || y === a) this.#break(x, y);
    }
  }

  /** Removes every partition. Connections are made again on the next message. */
  heal(): void {
    this.#cuts.clear();
    this.#isolated.clear();
  }

  /** Whether a message can currently go from a to b. */
  reachable(a: string, b: string): boolean {
    return this.#nodes.has(a) && this.#nodes.has(b) && !this.#isolated.has(a) && !this.#isolated.has(b) && !this.#cuts.has(pairKey(a, b));
  }

  // ---- used by MemoryTransport ----

  /** @internal */
  _attach(node: MemoryTransport): void {
    this.#nodes.set(node.address, node);
  }

  /** @internal */
  _detach(node: MemoryTransport): void {
    this.#nodes.delete(node.address);
    for (const key of [...this.#connections]) {
      const [x, y] = key.split('|') as [string, string];
      if (x === node.address || y === node.address) this.#break(x, y);
    }
  }

  /** @internal Makes sure a connection from `from` to `to` exists; false (and peerDown soon) when it cannot. */
  _connect(from: string, to: string): boolean {
    const key = pairKey(from, to);
    if (this.#connections.has(key)) return true;
    if (!this.reachable(from, to)) {
      // As a failed dial: reported asynchronously.
      this.clock.timer(this.#latency[1], () => this.#nodes.get(from)?._peerDown(to));
      return false;
    }
    this.#connections.add(key);
    this.counters.connections_opened++;
    return true;
  }

  /** @internal */
  _send(from: string, to: string, batch: Envelope[]): void {
    this.counters.messages_sent += batch.length;
    if (!this._connect(from, to)) {
      this.counters.messages_dropped_partition += batch.length;
      return;
    }
    for (const envelope of batch) {
      if (this.random.chance(this.#loss)) {
        this.counters.messages_lost++;
        continue;
      }
      this.#schedule(from, to, envelope);
      if (this.random.chance(this.#duplicate)) {
        this.counters.messages_duplicated++;
        this.#schedule(from, to, envelope);
      }
    }
  }

  #schedule(from: string, to: string, envelope: Envelope): void {
    const [min, max] = this.#latency;
    const directed = `${from}>${to}`;
    let at = this.clock.now() + min + (max > min ? this.random.int(max - min + 1) : 0);
    if (this.random.chance(this.#reorder)) at += this.random.int(max + 2);
    else at = Math.max(at, this.#lastAt.get(directed) ?? 0);
    this.#lastAt.set(directed, Math.max(at, this.#lastAt.get(directed) ?? 0));
    const message = this.#serialize ? roundTrip(envelope) : envelope;
    this.clock.timer(at - this.clock.now(), () => {
      if (!this.#connections.has(pairKey(from, to))) {
        this.counters.messages_dropped_partition++;
        return;
      }
      const node = this.#nodes.get(to);
      if (node === undefined) return;
      this.counters.messages_delivered++;
      node._deliver([message], from);
    });
  }

  #break(a: string, b: string): void {
    if (!this.#connections.delete(pairKey(a, b))) return;
    this.counters.connections_broken++;
    this.#lastAt.delete(`${a}>${b}`);
    this.#lastAt.delete(`${b}>${a}`);
    const na = this.#nodes.get(a);
    const nb = this.#nodes.get(b);
    this.clock.timer(0, () => {
      na?._peerDown(b);
      nb?._peerDown(a);
    });
  }
}

/** The Transport of one runtime on a SimulatedNetwork. It serves no HTTP: call `runtime.handleHttp` directly. */
export class MemoryTransport implements Transport {
  readonly address: string;
  #events: TransportEvents | undefined;
  readonly #queues = new Map<string, Envelope[]>();
  #flushScheduled = false;
  #stopped = false;

  constructor(
    readonly network: SimulatedNetwork,
    readonly host: string,
    readonly port: number,
  ) {
    this.address = `${host}:${port}`;
  }

  async start(events: TransportEvents): Promise<Address> {
    this.#events = events;
    this.network._attach(this);
    return { host: this.host, port: this.port };
  }

  send(peer: string, message: Envelope): void {
    if (this.#stopped) return;
    let queue = this.#queues.get(peer);
    if (queue === undefined) this.#queues.set(peer, (queue = []));
    queue.push(message);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  connect(peer: string): void {
    if (!this.#stopped) this.network._connect(this.address, peer);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#flush();
    this.#stopped = true;
    this.network._detach(this);
    this.#events = undefined;
  }

  metrics(): Record<string, number> {
    return {};
  }

  /** @internal */
  _deliver(messages: Envelope[], from: string): void {
    this.#events?.deliver(messages, from);
  }

  /** @internal */
  _peerDown(peer: string): void {
    this.#events?.peerDown(peer);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    for (const [peer, batch] of this.#queues) this.network._send(this.address, peer, batch);
    this.#queues.clear();
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** What the wire would do to a message: encode and decode it (class instances, Maps and functions do not survive). */
function roundTrip(envelope: Envelope): Envelope {
  const decoded = decodeFrame(encodeFrame([envelope]).slice());
  if (decoded instanceof FrameError || decoded.length !== 1) throw new Error(`message '${envelope.name}' does not survive the wire encoding`);
  return decoded[0]!;
}
