import type { Clock } from './clock.js';
import { FrameError, decodeFrame, encodeFrame } from './codec.js';
import type { Envelope } from './message.js';
import { PeerAuth, type AuthOptions } from './auth.js';
import { Random } from './random.js';
import { wireCopy } from './wire-copy.js';
import type { Address, Transport, TransportEvents } from './transport.js';

export interface SimulatedNetworkOptions {
  /** Drives delivery: give the VirtualClock of the test. */
  readonly clock: Clock;
  /** Seed of the network's random choices (latency, loss, duplication, reordering). */
  readonly seed?: number;
  /** One-way latency in ms: a fixed number or a [min, max] range drawn uniformly. Default 0. */
  readonly latencyMs?: number | readonly [number, number];
  /**
   * Probability that a message is lost. As on TCP, a loss is never silent: the connection it was written into
   * breaks (both ends get `peerDown`, as from a reset), and the rest of its batch and whatever was still in
   * flight on it are lost with it; the next message opens a new connection.
   */
  readonly loss?: number;
  /** Probability that a message is delivered twice. */
  readonly duplicate?: number;
  /** Probability that a message ignores FIFO order (delivered after an extra random delay up to the max latency + 1 ms). */
  readonly reorder?: number;
  /** Encode and decode every batch with the WebSocket codec, as the real wire would (default true). */
  readonly serialize?: boolean;
  /** Told of every message sent, delivered, lost, duplicated or dropped by a partition (a simulation's trace). */
  readonly observer?: NetworkObserver;
  /**
   * Two runtimes of one host talk over loopback (as an agent and the executors it launched): their messages are
   * never lost, duplicated or reordered, and partitions (`isolate`, `cut`, `cutOneWay`) do not come between them.
   * Off by default (tests often put every runtime on the host `sim`).
   */
  readonly loopback?: boolean;
}

/** What happened to a message on the network. */
export type NetworkEventKind = 'deliver' | 'lose' | 'duplicate' | 'drop';
export type NetworkObserver = (kind: NetworkEventKind, from: string, to: string, envelope: Envelope) => void;

/** Fault rates of a network, settable while it runs. */
export interface NetworkFaults {
  readonly loss?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly latencyMs?: number | readonly [number, number];
}

interface Counters {
  messages_sent: number;
  messages_delivered: number;
  messages_lost: number;
  messages_duplicated: number;
  messages_dropped_partition: number;
  connections_opened: number;
  connections_broken: number;
  /** Dials refused: the dialer's principal or secret was not accepted, or an acceptor could not prove it. */
  auth_failures: number;
  /** Dials claiming the address of a live connection under another principal. */
  hijacks_refused: number;
}

/** How a runtime on the network authenticates, and (for an attacker in tests) what address it claims. */
export interface MemoryTransportOptions {
  /** Its identity and the principals it accepts (the same rules as the WebSocket handshake). */
  readonly auth?: AuthOptions;
  /**
   * Claim this address instead of getting a fresh one, as a raw WebSocket
   * client can name any address in its upgrade: the transport can dial and
   * send as `address`, but is not reachable at it (tests play attackers).
   */
  readonly claim?: string;
}

/** One logical connection between two addresses. */
interface Link {
  /** The transport at each end, by address. */
  readonly ends: Map<string, MemoryTransport>;
  /** The principal it authenticated as (the dialer's), undefined when unauthenticated. */
  readonly principal: string | undefined;
}

/**
 * A network of runtimes inside one Node process, with the faults of a real
 * one: latency, loss, duplication, reordering and partitions, all drawn from
 * one seeded source and timed by the given clock, so a run replays exactly.
 *
 * Connections are logical: one exists between two runtimes once a message or
 * a `connect` has gone between them. A partition (`cut`, `isolate`), a lost
 * message (TCP never loses one silently) or a stopped runtime breaks it, and
 * both ends get `peerDown`, as a socket reset would give; messages across a
 * partition are dropped.
 */
export class SimulatedNetwork {
  readonly clock: Clock;
  readonly random: Random;
  #latency: readonly [number, number];
  #loss: number;
  #duplicate: number;
  #reorder: number;
  readonly #serialize: boolean;
  readonly #observer: NetworkObserver | undefined;
  readonly #loopback: boolean;
  /** Directed cuts `a>b`: messages from a to b are lost, the other way goes through. */
  readonly #oneWay = new Map<string, 'silent' | 'reset'>();
  readonly #nodes = new Map<string, MemoryTransport>();
  readonly #connections = new Map<string, Link>();
  /** address → the keys of its connections (so a node leaving or isolated does not scan every connection). */
  readonly #connectionsOf = new Map<string, Set<string>>();
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
    auth_failures: 0,
    hijacks_refused: 0,
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
    this.#observer = options.observer;
    this.#loopback = options.loopback ?? false;
  }

  /** Whether a and b (`host:port`) talk over loopback (see `loopback`). */
  #local(a: string, b: string): boolean {
    return this.#loopback && a.slice(0, a.lastIndexOf(':')) === b.slice(0, b.lastIndexOf(':'));
  }

  /** Changes fault rates from now on (messages already scheduled keep theirs). */
  setFaults(faults: NetworkFaults): void {
    if (faults.loss !== undefined) this.#loss = faults.loss;
    if (faults.duplicate !== undefined) this.#duplicate = faults.duplicate;
    if (faults.reorder !== undefined) this.#reorder = faults.reorder;
    if (faults.latencyMs !== undefined) {
      const l = faults.latencyMs;
      this.#latency = typeof l === 'number' ? [l, l] : [l[0], l[1]];
    }
  }

  /**
   * An asymmetric partition: what `from` sends `to` is lost; the other way goes through.
   * `silent` (the default): the connection stays up, as with a pulled cable before anyone's timeouts notice
   * (messages lost this way are gone for good, so cut both ways for a partition that outlasts the timeouts).
   * `reset`: the connection a lost message went into breaks (both ends get peerDown), as a TCP connection dies
   * when its packets one way stop (here at once rather than after a retransmission timeout); what `to` sends
   * `from` goes through, on a connection it opens if need be, until `from` sends again. Never a message lost
   * on a connection that then carries on, which TCP does not do.
   */
  cutOneWay(from: string, to: string, mode: 'silent' | 'reset' = 'silent'): void {
    this.#oneWay.set(`${from}>${to}`, mode);
  }

  /** A transport on this network; its address is `<host>:<port>` with a fresh port. */
  transport(host = 'sim', options: MemoryTransportOptions = {}): MemoryTransport {
    if (options.claim !== undefined) {
      const i = options.claim.lastIndexOf(':');
      return new MemoryTransport(this, options.claim.slice(0, i), Number(options.claim.slice(i + 1)), options.auth, true);
    }
    return new MemoryTransport(this, host, this.#nextPort++, options.auth, false);
  }

  /** Cuts the link between two runtimes (addresses `host:port`), both ways. */
  cut(a: string, b: string): void {
    if (this.#local(a, b)) return;
    this.#cuts.add(pairKey(a, b));
    this.#break(a, b);
  }

  /** Cuts a runtime off from every other. */
  isolate(a: string): void {
    this.#isolated.add(a);
    for (const key of [...(this.#connectionsOf.get(a) ?? [])]) {
      const [x, y] = key.split('|') as [string, string];
      if ((x === a || y === a) && !this.#local(x, y)) this.#break(x, y);
    }
  }

  /** Removes every partition. Connections are made again on the next message. */
  heal(): void {
    this.#cuts.clear();
    this.#isolated.clear();
    this.#oneWay.clear();
  }

  /** Whether a message can currently go from a to b. */
  reachable(a: string, b: string): boolean {
    return this.#nodes.has(a) && this.#nodes.has(b) && (this.#local(a, b) || (!this.#isolated.has(a) && !this.#isolated.has(b) && !this.#cuts.has(pairKey(a, b))));
  }

  // ---- used by MemoryTransport ----

  /** @internal */
  _attach(node: MemoryTransport): void {
    if (!node.impostor) this.#nodes.set(node.address, node);
  }

  /** @internal */
  _detach(node: MemoryTransport): void {
    if (this.#nodes.get(node.address) === node) this.#nodes.delete(node.address);
    for (const key of [...(this.#connectionsOf.get(node.address) ?? [])]) {
      const link = this.#connections.get(key)!;
      if (link.ends.get(node.address) === node) {
        const [x, y] = key.split('|') as [string, string];
        this.#break(x, y);
      }
    }
  }

  /**
   * @internal Makes sure a connection from `node` to `to` exists; false (and
   * peerDown soon) when it cannot: unreachable, refused by authentication, or
   * claiming the address of a live connection under another principal.
   */
  _connect(node: MemoryTransport, to: string): boolean {
    const from = node.address;
    const key = pairKey(from, to);
    const link = this.#connections.get(key);
    if (link !== undefined && link.ends.get(from) === node) return true;
    const acceptor = this.#nodes.get(to);
    const reachable = acceptor !== undefined && (node.impostor || this.#nodes.get(from) === node) && (this.#local(from, to) || (!this.#isolated.has(from) && !this.#isolated.has(to) && !this.#cuts.has(key)));
    const refuse = (): false => {
      // As a failed dial: reported asynchronously.
      this.clock.timer(this.#latency[1], () => node._peerDown(to));
      return false;
    };
    if (!reachable) return refuse();
    if (from === to) {
      // Only an impostor dials its own address: it would pass for a local sender there.
      this.counters.auth_failures++;
      acceptor._badInput('auth_failure', from, "a connection claims the acceptor's own address; refused");
      return refuse();
    }
    const principal = this.#authenticate(node, acceptor);
    if (principal === false) {
      this.counters.auth_failures++;
      acceptor._badInput('auth_failure', from, `a connection from ${from} did not authenticate${node.auth ? ` (as '${node.auth.dialAs(to).principal}')` : ''}; refused`);
      return refuse();
    }
    if (link !== undefined) {
      // Another transport claims `from` while a connection from it is live: only the same principal replaces it.
      if (link.principal !== principal) {
        this.counters.hijacks_refused++;
        acceptor._badInput('hijack_refused', from, `a second connection claims ${from}, live under principal ${link.principal ?? '(unauthenticated)'}, as ${principal ?? '(unauthenticated)'}; refused`);
        return refuse();
      }
      this.#break(from, to);
    }
    this.#connections.set(key, { ends: new Map([[from, node], [to, acceptor]]), principal });
    for (const end of [from, to]) {
      let keys = this.#connectionsOf.get(end);
      if (keys === undefined) this.#connectionsOf.set(end, (keys = new Set()));
      keys.add(key);
    }
    this.counters.connections_opened++;
    node._connected(to, principal);
    acceptor._connected(from, principal);
    return true;
  }

  /** The principal a dial from `dialer` authenticates as at `acceptor`, undefined (unauthenticated but allowed), or false (refused). */
  #authenticate(dialer: MemoryTransport, acceptor: MemoryTransport): string | undefined | false {
    const theirs = acceptor.auth;
    const identity = dialer.auth?.dialAs(acceptor.address);
    if (theirs === undefined) {
      // The acceptor proves nothing: a dialer that requires authentication refuses the connection.
      return dialer.auth?.required === true ? false : undefined;
    }
    if (identity === undefined) return theirs.required ? false : undefined;
    if (theirs.secretOf(identity.principal) !== identity.secret) return false;
    theirs.learn(dialer.address, identity.principal);
    return identity.principal;
  }

  /** @internal */
  _send(node: MemoryTransport, to: string, batch: Envelope[]): void {
    const from = node.address;
    this.counters.messages_sent += batch.length;
    if (!this._connect(node, to)) {
      this.counters.messages_dropped_partition += batch.length;
      if (this.#observer !== undefined) for (const e of batch) this.#observer('drop', from, to, e);
      return;
    }
    const link = this.#connections.get(pairKey(from, to))!;
    // The batch goes through the wire encoding as one frame, as the WebSocket transport sends it.
    const copies = this.#serialize ? roundTrip(batch) : batch;
    if (this.#local(from, to)) {
      for (const message of copies) this.#schedule(link, from, to, message, false);
      return;
    }
    const oneWay = this.#oneWay.size > 0 ? this.#oneWay.get(`${from}>${to}`) : undefined;
    for (let i = 0; i < batch.length; i++) {
      const envelope = batch[i]!;
      if (oneWay === 'silent') {
        this.counters.messages_lost++;
        this.#observer?.('lose', from, to, envelope);
        continue;
      }
      if (oneWay === 'reset' || this.random.chance(this.#loss)) {
        // The connection resets: this message and the rest of the batch are lost, what is in flight is dropped.
        for (let j = i; j < batch.length; j++) {
          this.counters.messages_lost++;
          this.#observer?.('lose', from, to, batch[j]!);
        }
        this.#break(from, to);
        return;
      }
      this.#schedule(link, from, to, copies[i]!);
      if (this.random.chance(this.#duplicate)) {
        this.counters.messages_duplicated++;
        this.#observer?.('duplicate', from, to, envelope);
        this.#schedule(link, from, to, this.#serialize ? roundTrip([envelope])[0]! : envelope); // its own copy
      }
    }
  }

  /** Delivers `message` (already through the wire encoding) after the link's latency. */
  #schedule(link: Link, from: string, to: string, message: Envelope, reorder = true): void {
    const [min, max] = this.#latency;
    const directed = `${from}>${to}`;
    let at = this.clock.now() + min + (max > min ? this.random.int(max - min + 1) : 0);
    if (reorder && this.random.chance(this.#reorder)) at += this.random.int(max + 2);
    else at = Math.max(at, this.#lastAt.get(directed) ?? 0);
    this.#lastAt.set(directed, Math.max(at, this.#lastAt.get(directed) ?? 0));
    this.clock.timer(at - this.clock.now(), () => {
      // Only on the connection it was sent on: a broken or replaced one delivers nothing more.
      if (this.#connections.get(pairKey(from, to)) !== link) {
        this.counters.messages_dropped_partition++;
        this.#observer?.('drop', from, to, message);
        return;
      }
      const node = link.ends.get(to);
      if (node === undefined) return;
      this.counters.messages_delivered++;
      this.#observer?.('deliver', from, to, message);
      node._deliver([message], from);
    });
  }

  #break(a: string, b: string): void {
    const key = pairKey(a, b);
    const link = this.#connections.get(key);
    if (link === undefined) return;
    this.#connections.delete(key);
    for (const end of [a, b]) {
      const keys = this.#connectionsOf.get(end);
      keys?.delete(key);
      if (keys?.size === 0) this.#connectionsOf.delete(end);
    }
    this.counters.connections_broken++;
    this.#lastAt.delete(`${a}>${b}`);
    this.#lastAt.delete(`${b}>${a}`);
    const na = link.ends.get(a);
    const nb = link.ends.get(b);
    this.clock.timer(0, () => {
      na?._peerDown(b);
      nb?._peerDown(a);
    });
  }
}

/** The Transport of one runtime on a SimulatedNetwork. It serves no HTTP: call `runtime.handleHttp` directly. */
export class MemoryTransport implements Transport {
  readonly address: string;
  readonly auth: PeerAuth | undefined;
  #events: TransportEvents | undefined;
  readonly #queues = new Map<string, Envelope[]>();
  #flushScheduled = false;
  #stopped = false;

  constructor(
    readonly network: SimulatedNetwork,
    readonly host: string,
    readonly port: number,
    auth?: AuthOptions,
    /** Claims an address it does not own (an attacker in tests): can dial, cannot be dialed. */
    readonly impostor = false,
  ) {
    this.address = `${host}:${port}`;
    this.auth = auth === undefined ? undefined : new PeerAuth(auth);
  }

  get principal(): string | undefined {
    return this.auth?.principal;
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
    if (!this.#stopped) this.network._connect(this, peer);
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

  /** @internal */
  _connected(peer: string, principal: string | undefined): void {
    this.#events?.connected(peer, principal);
  }

  /** @internal */
  _badInput(kind: 'auth_failure' | 'hijack_refused', peer: string, detail: string): void {
    this.#events?.badInput(kind, peer, detail);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    for (const [peer, batch] of this.#queues) this.network._send(this, peer, batch);
    this.#queues.clear();
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * What the wire would do to a batch: for plain data the same copy built directly (wire-copy.ts: about a fifth of
 * the cost, the same result), otherwise encoded and decoded as one frame (class instances, Maps and functions do
 * not survive as they were).
 */
function roundTrip(batch: readonly Envelope[]): Envelope[] {
  return wireCopy(batch) ?? throughBytes(batch);
}

function throughBytes(batch: readonly Envelope[]): Envelope[] {
  const decoded = decodeFrame(encodeFrame(batch).slice());
  if (decoded instanceof FrameError || decoded.length !== batch.length) throw new Error(`message '${batch.map((e) => e.name).join("', '")}' does not survive the wire encoding`);
  return decoded;
}
