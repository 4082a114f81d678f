/**
 * The replica actor: the consensus core wrapped in a libprocess-ts process.
 * It feeds the core messages and ticks, sends a leader's appends at once,
 * makes every write durable before it sends anything else the core asked for
 * (one fsync in flight at a time, the writes queued meanwhile share the next:
 * group commit), tells the core when writes are durable, and offers the API
 * the registrar uses (through `runtime.dispatch`, or directly from inside the
 * same process).
 */
import { timingSafeEqual } from 'node:crypto';
import { PID, Process, createLogger, type Handlers, type HttpResponse, type Logger, type Timer } from 'libprocess-ts';
import { ConsensusCore, type Input, type LogConfig, type Ready } from './core.js';
import { LOG_SCHEMAS, MESSAGE_NAMES, REPLICA_STATUS_KINDS, wireEntriesError, type LogProtocol, type Message, type Outgoing } from './messages.js';
import { MessageValidator, validated, type OnInvalid } from '../../protocol/messages/validate.js';

/** Every body a replica receives is checked before the consensus core sees it. */
const LOG_MESSAGES = new MessageValidator<LogProtocol>(LOG_SCHEMAS, { enums: { ReplicaStatusKind: REPLICA_STATUS_KINDS } });
import type { LogStorage } from './storage.js';
import { NotLeaderError, type Entry, type Role, type RoleState, type Snapshot, type Write } from './types.js';

/** The replica actor's options: the log's configuration (the core's, one shape: core-types.ts LogConfig) and how it is hosted. */
export interface ReplicaOptions extends LogConfig {
  readonly storage: LogStorage;
  readonly logger?: Logger;
  /**
   * How appends are gathered into one batch (one fsync): the flush of queued
   * appends is handed to this function. Default: at once, behind the events
   * already in the mailbox (deterministic, for tests). A server passes
   * `setImmediate`, so every request read from the sockets in one turn of the
   * event loop joins the batch (group commit).
   */
  readonly batchAppends?: (flush: () => void) => void;
  /**
   * Principals the other replicas authenticate as. Log traffic is taken only
   * from a replica of `replicas` whose connection authenticated as one of
   * them; default: this runtime's own principal (every master of a cluster
   * dials as the cluster's). A runtime without authentication checks the
   * sender's PID alone (its connection still binds it to its address).
   */
  readonly peerPrincipals?: readonly string[];
  /**
   * Serve `POST /<id>/append` to HTTP clients that present this token as
   * `Authorization: Bearer <token>` (a standalone replica: tests, the log
   * benchmark). Without it the route is not served: a master's registry is
   * written only by its registrar.
   */
  readonly appendToken?: string;
  /**
   * When a leader makes a group of writes durable in place (`storage.apply`, i.e. without the
   * thread pool): the function runs it. Default: `batchAppends` when given (a server passes
   * `setImmediate`: the write and its fsync run on a later turn of the event loop, after the
   * appends already sent have left, so they reach the followers while the leader fsyncs), else
   * at once. Followers always write at once: their reply waits for the fsync anyway.
   */
  readonly scheduleSync?: (sync: () => void) => void;
  /**
   * A leader fsyncs on libuv's thread pool (`storage.applyAsync`, when the storage has it)
   * instead of in place: its event loop serves meanwhile, and the appends that arrive gather
   * into the next group while one fsync is in flight. Default true. In place, bench-log
   * measured 2,300-2,800 appends/s with 16 writers against 4,200-4,700 on the thread pool,
   * and the same sequential latency.
   */
  readonly fsyncOnThreadPool?: boolean;
}

export interface ReplicaStatus {
  readonly role: Role;
  readonly term: number;
  /** PID text of the leader, when known. */
  readonly leader?: string;
  readonly commitIndex: number;
  readonly lastIndex: number;
  /** First index still in the log (after the snapshot). */
  readonly firstIndex: number;
  /** False while recovering from a wiped disk. */
  readonly voter: boolean;
  /** A leader whose first entry of its term is committed. */
  readonly ready: boolean;
  /** For a leader: the clock time its lease ends unless a quorum acknowledges it again. */
  readonly leaseExpiresAt?: number;
  /** Counters since this replica started (group commit: appends per batch, per sync, per message). */
  readonly stats: ReplicaStats;
}

export interface ReplicaStats {
  /** Entries appended through `append`. */
  readonly appends: number;
  /** Batches of appends proposed (one per flush). */
  readonly batches: number;
  /** Groups of writes made durable (one fsync each, or one in-place apply). */
  readonly syncs: number;
  /** `log.append` messages with entries sent to followers. */
  readonly appendMessages: number;
}

/** What a subscriber hears; every callback runs inside the replica process. */
export interface ReplicaListener {
  /** Newly committed entries in order (no-ops are left out; indices may skip them). */
  committed?(entries: readonly Entry[]): void;
  /** The leader sent a snapshot: reset the application's state from it (entries after it follow through `committed`). */
  snapshot?(snapshot: Snapshot): void;
  /** This replica leads `term` and its log holds every committed entry. */
  elected?(term: number): void;
  /** This replica stopped leading `term`. */
  demoted?(term: number): void;
  /** Any change of role, term or known leader. */
  role?(state: RoleState): void;
}

/** Rejection of appends when leadership was lost before they committed: they may or may not be committed later. */
export class AppendOutcomeUnknownError extends Error {
  readonly code = 'E_OUTCOME_UNKNOWN';
  constructor(message: string) {
    super(message);
    this.name = 'AppendOutcomeUnknownError';
  }
}

interface Pending {
  readonly term: number;
  readonly resolve: (v: { index: number; term: number }) => void;
  readonly reject: (err: Error) => void;
}

/** Writes made durable by one fsync, and the messages that wait for them. */
interface SyncGroup {
  readonly writes: Write[];
  persist: { readonly index: number; readonly term: number } | undefined;
  readonly messages: Outgoing[];
  inFlight: boolean;
}

/** A linearizable read waiting for a quorum to confirm this leader (its lease had run out). */
interface WaitingRead {
  readonly at: number;
  readonly resolve: (v: ReadPoint) => void;
  readonly reject: (err: Error) => void;
}

/** Where a linearizable read stands: the application's state is current once it has applied every committed entry up to `index`. */
export interface ReadPoint {
  readonly index: number;
  readonly term: number;
  /** `lease`: served at once under the leader's lease; `quorum`: after a quorum acknowledged this leader since the read arrived. */
  readonly servedBy: 'lease' | 'quorum';
}

/** Rejection of a linearizable read on a replica that cannot serve one now (not a ready leader, or it lost the leadership meanwhile). */
export class ReadUnavailableError extends Error {
  readonly code = 'E_READ_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ReadUnavailableError';
  }
}

interface Queued {
  readonly data: Uint8Array;
  readonly resolve: (v: { index: number; term: number }) => void;
  readonly reject: (err: Error) => void;
}

/** A follower writes a group of at most this many bytes of entries in place; a larger one on the thread pool. */
const FOLLOWER_IN_PLACE_BYTES = 256 * 1024;

function groupBytes(writes: readonly Write[]): number {
  let bytes = 0;
  for (const w of writes) {
    if (w.type === 'append') for (const e of w.entries) bytes += e.data?.length ?? 0;
    else if (w.type === 'snapshot') bytes += w.snapshot.data.length;
  }
  return bytes;
}

export class ReplicaProcess extends Process<LogProtocol> {
  readonly #options: ReplicaOptions;
  readonly #logger: Logger;
  #core: ConsensusCore | undefined;
  #tickTimer: Timer | undefined;
  readonly #pids = new Map<string, PID<LogProtocol>>();
  /** Peers this replica is linked to: `exited` tells the core when the connection breaks (see ConsensusCore.peerDown). */
  readonly #linked = new Set<string>();
  readonly #listeners = new Set<ReplicaListener>();
  readonly #pending = new Map<number, Pending>();
  #queue: Queued[] = [];
  #flushScheduled = false;
  #state: RoleState = { role: 'recovering', term: 0, leader: undefined, ready: false };
  #readies: Ready[] = [];
  #outputScheduled = false;
  /** Writes not yet durable, in order; the first group may be in flight. */
  #groups: SyncGroup[] = [];
  readonly #stats = { appends: 0, batches: 0, syncs: 0, appendMessages: 0 };
  /** Reads waiting for a quorum's acknowledgement. */
  #reads: WaitingRead[] = [];
  /** Run once the Readies queued now have been delivered to the listeners. */
  #afterOutput: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  /** True while #output hands Readies to the listeners (a read asked meanwhile waits for the rest of them). */
  #delivering = false;
  #failed: Error | undefined;
  readonly #replicaSet: ReadonlySet<string>;
  /** Log messages refused: not from a replica, or not from an authenticated one. */
  refused = 0;

  constructor(options: ReplicaOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger ?? createLogger('log');
    this.#replicaSet = new Set(options.replicas);
  }

  protected handlers(): Handlers<LogProtocol> {
    const table: Record<string, (body: unknown, from: PID) => void> = {};
    for (const name of MESSAGE_NAMES) {
      table[name] = (body, from) => {
        const why = name === 'log.append' ? wireEntriesError((body as LogProtocol['log.append']).entries) : undefined;
        if (why !== undefined) {
          this.#invalid.count(name);
          this.#invalid.warn(`refused '${name}' from ${from}: ${why}`);
          return;
        }
        this.#step({ type: 'message', from: from.toString(), message: { name, body } as Message });
      };
    }
    // Only replicas may speak; what they say is checked against the schema before the core sees it.
    const checked = validated<LogProtocol, PID>(table as unknown as Handlers<LogProtocol>, LOG_MESSAGES, this.#invalid) as unknown as Record<string, (body: unknown, from: PID) => void>;
    const guarded: Record<string, (body: unknown, from: PID) => void> = {};
    for (const name of MESSAGE_NAMES) {
      const handler = checked[name]!;
      guarded[name] = (body, from) => {
        if (this.#fromReplica(name, from)) handler(body, from);
      };
    }
    return guarded as unknown as Handlers<LogProtocol>;
  }


  /** Log traffic only from the other replicas, authenticated as a replica principal when this runtime authenticates. */
  #fromReplica(name: string, from: PID): boolean {
    const text = from.toString();
    let why: string | undefined;
    if (!this.#replicaSet.has(text)) why = 'not a replica of this log';
    else if (this.runtime.principal !== undefined) {
      const principal = this.principalOf(from);
      const allowed = this.#options.peerPrincipals ?? [this.runtime.principal];
      if (principal === undefined || !allowed.includes(principal)) why = `its connection authenticated as ${principal === undefined ? 'nobody' : `'${principal}'`}, not as a replica`;
    }
    if (why === undefined) return true;
    this.refused++;
    if (this.refused <= 10 || (this.refused & (this.refused - 1)) === 0) this.#logger.warn(`log: refused '${name}' from ${text}: ${why} (${this.refused} refused so far)`);
    return false;
  }

  /** Messages refused because their body did not match the protocol (a bad term never reaches the core or the disk). */
  invalidMessages = 0;
  readonly #invalid: OnInvalid<PID> = {
    count: () => this.invalidMessages++,
    warn: (message) => this.#logger.warn(message),
  };

  override initialize(): void {
    const self = this.pid.toString();
    const o = this.#options;
    const state = o.storage.load();
    this.#core = new ConsensusCore(
      { ...o, id: self },
      state,
      this.clock.now(),
    );
    const core = this.#core;
    this.#state = { role: core.role, term: core.term, leader: core.leader, ready: core.ready };
    this.#logger.info(
      `replica ${self} starts as ${core.role} at term ${core.term} (log ${core.firstIndex}..${core.lastIndex}` +
        `${state.snapshot ? `, snapshot at ${state.snapshot.index}` : ''}${state.hardState === null ? ', empty store: asking peers' : ''})`,
    );
    this.#handle(core.takeReady());
    for (const peer of core.peers) this.#watch(peer);
    this.#serveHttp();
    const loop = () => {
      this.#step({ type: 'tick' });
      this.#tickTimer = this.delay(core.timing.tickMs, loop);
    };
    this.#tickTimer = this.delay(core.timing.tickMs, loop);
  }

  /** A peer's runtime became unreachable (a SIGKILL closes its sockets at once): the core may campaign early. */
  override exited(pid: PID): void {
    const peer = pid.toString();
    if (!this.#linked.delete(peer)) return;
    this.#step({ type: 'peerDown', peer });
  }

  /** Links to a peer (again, once it is heard from after a break). */
  #watch(peer: string): void {
    if (this.#linked.has(peer) || !this.#requireCore().peers.includes(peer)) return;
    this.#linked.add(peer);
    this.link(this.#pid(peer));
  }

  override finalize(): void {
    this.#tickTimer?.cancel();
    const err = new AppendOutcomeUnknownError(`replica ${this.pid} terminated before the append committed`);
    for (const q of this.#queue) q.reject(err);
    this.#queue = [];
    this.#groups = [];
    this.#rejectPending(err);
    this.#rejectReads(new ReadUnavailableError(`replica ${this.pid} terminated`));
    try {
      this.#options.storage.close();
    } catch (e) {
      this.#logger.warn(`closing storage: ${(e as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- API

  /**
   * Appends an entry through the leader; resolves with its place once it is
   * committed (durable on a quorum). Rejects with NotLeaderError (naming the
   * leader when known) on a non-leader, and with AppendOutcomeUnknownError
   * when leadership is lost before the entry committed.
   * Appends queued in the same turn go out as one batch (one fsync).
   */
  append(data: Uint8Array): Promise<{ index: number; term: number }> {
    const core = this.#requireCore();
    if (core.role !== 'leader') return Promise.reject(new NotLeaderError(core.id, core.leader, core.role));
    return new Promise((resolve, reject) => {
      this.#queue.push({ data, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        const flush = this.defer(() => this.#flush());
        const batch = this.#options.batchAppends;
        if (batch !== undefined) batch(flush);
        else flush();
      }
    });
  }

  /**
   * A linearizable read without a round of the log: resolves with the commit index once the
   * listeners have heard every entry up to it. On a ready leader inside its lease it resolves
   * at once (`servedBy: 'lease'`); when the lease has run out (a stalled host) it waits for a
   * quorum to acknowledge a heartbeat sent after the read arrived (`'quorum'`, at most about
   * a heartbeat later). Rejects with NotLeaderError on a non-leader, ReadUnavailableError on a
   * leader not ready yet or one that loses the leadership (or gets no quorum) meanwhile.
   */
  linearizableRead(): Promise<ReadPoint> {
    const core = this.#requireCore();
    if (core.role !== 'leader') return Promise.reject(new NotLeaderError(core.id, core.leader, core.role));
    const now = this.clock.now();
    const point = core.readPoint(now);
    if (point === undefined) return Promise.reject(new ReadUnavailableError(`replica ${core.id} leads term ${core.term} but is not ready (the first entry of its term is not committed yet)`));
    return new Promise((resolve, reject) => {
      if (now < point.leaseExpiresAt) this.#whenDelivered(() => resolve({ index: point.index, term: point.term, servedBy: 'lease' }));
      else this.#reads.push({ at: now, resolve, reject });
    });
  }

  /** Subscribes to commits and leadership events; returns the function that unsubscribes. */
  subscribe(listener: ReplicaListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Shorthand for `subscribe({ committed })`. */
  onCommit(fn: (entries: readonly Entry[]) => void): () => void {
    return this.subscribe({ committed: fn });
  }

  /** The application's state as of committed `index`: the log before it is dropped (and far-behind replicas get this snapshot). */
  snapshot(index: number, data: Uint8Array): void {
    this.#step({ type: 'snapshot', index, data });
  }

  /**
   * Gives up the leadership if this replica leads (the master above it cannot serve, or stops):
   * it hands the leadership to the most caught-up voter, which campaigns at once (core.ts
   * `resign`); it stays a voter.
   */
  resign(): void {
    this.#step({ type: 'resign' });
  }

  /**
   * `resign`, then resolves once what it sends (the hand-over) has left for the transport, after
   * the writes queued before it are durable: a master stopping gracefully waits for this before
   * it stops its runtime, so its peers elect at once rather than after an election timeout.
   */
  handOver(): Promise<void> {
    this.resign();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  /** Resolves the `handOver` waiters once nothing is queued to output or to make durable (or the storage failed). */
  #checkIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    if (this.#failed === undefined && (this.#readies.length > 0 || this.#outputScheduled || this.#groups.length > 0)) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** The role, term and leader (its PID text) alone: what a standby master asks at every message it answers (`status` builds much more). */
  leadership(): { readonly role: ReplicaStatus['role']; readonly term: number; readonly leader: string | undefined } {
    const core = this.#requireCore();
    return { role: core.role, term: core.term, leader: core.leader };
  }

  status(): ReplicaStatus {
    const core = this.#requireCore();
    const lease = core.leaseExpiresAt(this.clock.now());
    return {
      role: core.role,
      term: core.term,
      ...(core.leader !== undefined ? { leader: core.leader } : {}),
      commitIndex: core.commitIndex,
      lastIndex: core.lastIndex,
      firstIndex: core.firstIndex,
      voter: core.voter,
      ready: core.ready,
      ...(lease !== undefined ? { leaseExpiresAt: lease } : {}),
      stats: { ...this.#stats },
    };
  }

  /** What a new leader (or any replica) rebuilds its state from: the snapshot and the committed entries after it (no-ops left out). */
  read(): { snapshot: Snapshot | null; entries: Entry[] } {
    const core = this.#requireCore();
    return { snapshot: core.snapshotState, entries: core.entries(core.firstIndex, core.commitIndex).filter((e) => e.data !== null) };
  }

  // ---------------------------------------------------------------- HTTP

  /**
   * `GET /<id>/status`: the status as JSON. `POST /<id>/append`: appends the
   * body; 200 {index, term} once committed, 307 to the leader's same route
   * when this replica does not lead, 503 when no leader is known or the
   * outcome is unknown; served only with `appendToken`, which the client
   * presents as `Authorization: Bearer <token>` (401 otherwise).
   */
  #serveHttp(): void {
    this.route('/status', () => ({ status: 200, body: this.status() }));
    this.route('/read', async (): Promise<HttpResponse> => {
      try {
        return { status: 200, body: await this.linearizableRead() };
      } catch (err) {
        if (err instanceof NotLeaderError && err.leader !== undefined) {
          const leader = PID.parse(err.leader);
          return { status: 307, headers: { location: `http://${leader.address}/${leader.id}/read` }, body: `${err.message}\n` };
        }
        return { status: 503, body: `${(err as Error).message}\n` };
      }
    });
    const token = this.#options.appendToken;
    if (token === undefined) return;
    this.route('/append', async (req): Promise<HttpResponse> => {
      if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: 'POST the entry as the request body\n' };
      if (!bearerMatches(req.headers['authorization'], token)) {
        return { status: 401, headers: { 'www-authenticate': 'Bearer realm="log"' }, body: 'POST /append needs Authorization: Bearer <the replica\'s append token>\n' };
      }
      try {
        return { status: 200, body: await this.append(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength)) };
      } catch (err) {
        if (err instanceof NotLeaderError && err.leader !== undefined) {
          const leader = PID.parse(err.leader);
          return { status: 307, headers: { location: `http://${leader.address}/${leader.id}/append` }, body: `${err.message}\n` };
        }
        return { status: 503, body: `${(err as Error).message}\n` };
      }
    });
  }

  // ---------------------------------------------------------------- internals

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const core = this.#requireCore();
    let placed: { index: number; term: number }[];
    try {
      placed = core.propose(batch.map((q) => q.data), this.clock.now());
    } catch (err) {
      for (const q of batch) q.reject(err as Error);
      return;
    }
    placed.forEach((p, i) => this.#pending.set(p.index, { term: p.term, resolve: batch[i]!.resolve, reject: batch[i]!.reject }));
    this.#stats.appends += placed.length;
    this.#stats.batches++;
    this.#handle(core.takeReady());
  }

  #step(input: Input): void {
    if (this.#failed !== undefined) return;
    const core = this.#requireCore();
    if (input.type === 'message' && !this.#linked.has(input.from)) this.#watch(input.from);
    let ready: Ready;
    try {
      ready = core.step(input, this.clock.now());
    } catch (err) {
      if (err instanceof NotLeaderError) throw err;
      this.#logger.error(`replica ${this.pid}: ${(err as Error).message}`);
      throw err;
    }
    this.#handle(ready);
    if (this.#reads.length > 0 && input.type === 'message') this.#serveReads(); // an acknowledgement may confirm them
  }

  /**
   * Queues a Ready; the queue is flushed by an event placed behind the events
   * already in the mailbox, so a burst of messages (one frame from the leader,
   * many appends) costs one durable write (one fsync) before anything is sent.
   */
  #handle(ready: Ready): void {
    if (ready.writes.length === 0 && ready.eager.length === 0 && ready.messages.length === 0 && ready.committed.length === 0 && ready.snapshot === undefined && ready.role === undefined) return;
    this.#readies.push(ready);
    if (!this.#outputScheduled) {
      this.#outputScheduled = true;
      this.defer(() => this.#output())();
    }
  }

  #output(): void {
    this.#outputScheduled = false;
    const readies = this.#readies;
    this.#readies = [];
    if (this.#failed !== undefined) return;
    this.#delivering = true;
    for (const ready of readies) {
      // A leader's appends leave before its own write is durable (the core counts its copy only once persisted).
      this.#sendAll(ready.eager);
      const last = this.#groups[this.#groups.length - 1];
      if (ready.writes.length > 0) {
        if (last !== undefined && !last.inFlight) {
          last.writes.push(...ready.writes);
          last.persist = ready.persist;
          last.messages.push(...ready.messages);
        } else {
          this.#groups.push({ writes: [...ready.writes], persist: ready.persist, messages: [...ready.messages], inFlight: false });
        }
      } else if (last !== undefined) {
        last.messages.push(...ready.messages); // they may speak of writes not yet durable
      } else {
        this.#sendAll(ready.messages);
      }
      this.#deliver(ready);
    }
    this.#delivering = false;
    this.#startSync();
    this.#serveReads();
    const after = this.#afterOutput;
    this.#afterOutput = [];
    for (const fn of after) fn();
    this.#checkIdle();
  }

  /** Runs `fn` once the Readies queued so far have reached the listeners. */
  #whenDelivered(fn: () => void): void {
    if (this.#readies.length === 0 && !this.#delivering) fn();
    else this.#afterOutput.push(fn);
  }

  /** Serves the reads a quorum has confirmed since they arrived; rejects them when leadership is gone or takes too long. */
  #serveReads(): void {
    if (this.#reads.length === 0) return;
    const core = this.#requireCore();
    const now = this.clock.now();
    const point = core.readPoint(now);
    if (point === undefined) {
      this.#rejectReads(new ReadUnavailableError(`replica ${this.pid} stopped leading before a quorum confirmed the read`));
      return;
    }
    const waiting: WaitingRead[] = [];
    for (const r of this.#reads) {
      if (point.ackedAt >= r.at) this.#whenDelivered(() => r.resolve({ index: point.index, term: point.term, servedBy: 'quorum' }));
      else if (now - r.at > core.timing.electionMaxMs) r.reject(new ReadUnavailableError(`replica ${this.pid}: no quorum acknowledged this leader within ${core.timing.electionMaxMs} ms of the read`));
      else waiting.push(r);
    }
    this.#reads = waiting;
  }

  #rejectReads(err: Error): void {
    const reads = this.#reads;
    this.#reads = [];
    for (const r of reads) r.reject(err);
  }

  /** Makes the first group durable unless a sync is in flight: asynchronously when the storage can, else at once. */
  #startSync(): void {
    const group = this.#groups[0];
    if (group === undefined || group.inFlight || this.#failed !== undefined) return;
    group.inFlight = true;
    const storage = this.#options.storage;
    // A leader's fsync runs beside its event loop (it serves appends and replies meanwhile); a
    // follower's reply waits for its fsync anyway, so it writes small groups in place at once (no
    // thread hand-offs), and large ones (megabytes of registry) on the thread pool, so that its
    // loop keeps answering heartbeats meanwhile.
    const leading = this.#requireCore().role === 'leader';
    const offLoop = leading || groupBytes(group.writes) > FOLLOWER_IN_PLACE_BYTES;
    if (offLoop && storage.applyAsync !== undefined && this.#options.fsyncOnThreadPool !== false) {
      const done = this.defer((err: Error | undefined) => this.#synced(group, err));
      try {
        storage.applyAsync(group.writes, (err) => done(err));
      } catch (err) {
        this.#synced(group, err as Error);
      }
      return;
    }
    const sync = (): void => {
      if (this.#failed !== undefined || this.#groups[0] !== group) return;
      try {
        storage.apply(group.writes);
      } catch (err) {
        this.#synced(group, err as Error);
        return;
      }
      this.#synced(group, undefined);
    };
    const schedule = this.#options.scheduleSync ?? this.#options.batchAppends;
    if (offLoop && schedule !== undefined) schedule(this.defer(sync));
    else sync();
  }

  #synced(group: SyncGroup, err: Error | undefined): void {
    if (this.#failed !== undefined || this.#groups[0] !== group) return;
    if (err !== undefined) {
      // Fail-stop: never send what is not durable.
      this.#failed = err;
      this.#logger.error(`replica ${this.pid}: storage failed, terminating: ${err.message}`);
      this.terminate();
      this.#checkIdle();
      return;
    }
    this.#groups.shift();
    this.#stats.syncs++;
    if (group.persist !== undefined) this.#step({ type: 'persisted', index: group.persist.index, term: group.persist.term });
    this.#sendAll(group.messages);
    this.#startSync();
    this.#checkIdle();
  }

  #sendAll(messages: readonly Outgoing[]): void {
    for (const { to, message } of messages) {
      if (message.name === 'log.append' && message.body.entries.length > 0) this.#stats.appendMessages++;
      this.send(this.#pid(to), message.name, message.body as never);
    }
  }

  #pid(text: string): PID<LogProtocol> {
    let pid = this.#pids.get(text);
    if (pid === undefined) {
      pid = PID.parse<LogProtocol>(text);
      this.#pids.set(text, pid);
    }
    return pid;
  }

  /** What the application hears of a Ready: at once, since a commit does not wait for this replica's own disk. */
  #deliver(ready: Ready): void {
    if (ready.snapshot !== undefined) {
      const s = ready.snapshot;
      this.#emit((l) => l.snapshot?.(s));
    }
    if (ready.committed.length > 0) {
      const data = ready.committed.filter((e) => e.data !== null);
      for (const e of ready.committed) {
        const p = this.#pending.get(e.index);
        if (p === undefined) continue;
        this.#pending.delete(e.index);
        if (p.term === e.term) p.resolve({ index: e.index, term: e.term });
        else p.reject(new AppendOutcomeUnknownError(`entry ${e.index} of term ${p.term} was replaced by one of term ${e.term}`));
      }
      if (data.length > 0) this.#emit((l) => l.committed?.(data));
    }
    if (ready.role !== undefined) this.#roleChanged(ready.role);
  }

  #roleChanged(next: RoleState): void {
    const prev = this.#state;
    this.#state = next;
    if (prev.role !== next.role || prev.term !== next.term) {
      this.#logger.info(`replica ${this.pid}: ${prev.role}@${prev.term} -> ${next.role}@${next.term}${next.leader ? ` (leader ${next.leader})` : ''}`);
    }
    const wasLeading = prev.role === 'leader';
    const leading = next.role === 'leader' && next.term === prev.term;
    if (wasLeading && !leading) {
      this.#rejectPending(new AppendOutcomeUnknownError(`replica ${this.pid} lost the leadership of term ${prev.term} before the append committed${next.leader ? `; the leader is ${next.leader}` : ''}`));
      if (prev.ready) this.#emit((l) => l.demoted?.(prev.term));
    }
    if (next.ready && !(prev.ready && prev.term === next.term)) this.#emit((l) => l.elected?.(next.term));
    this.#emit((l) => l.role?.(next));
  }

  #rejectPending(err: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }

  #emit(fn: (l: ReplicaListener) => void): void {
    for (const l of [...this.#listeners]) {
      try {
        fn(l);
      } catch (err) {
        this.#logger.error(`replica ${this.pid}: a listener threw: ${(err as Error).message}`);
      }
    }
  }

  #requireCore(): ConsensusCore {
    if (this.#core === undefined) throw new Error('the replica is not initialized yet');
    return this.#core;
  }
}

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
