/**
 * The interface of the consensus core (core.ts): its configuration, its
 * inputs, and the `Ready` each step returns (what the host sends, writes and
 * reports, and in what order).
 */
import type { Outgoing, Message } from './messages.js';
import { DEFAULT_TIMING, type Entry, type RoleState, type Snapshot, type Timing, type Write } from './types.js';
import type { Random } from 'libprocess-ts';

/** How a log is made up and tuned: one shape for the consensus core and the replica actor that wraps it (replica.ts ReplicaOptions). */
export interface LogConfig {
  /** Every replica of the log (PID texts), this one included (static membership). */
  readonly replicas: readonly string[];
  /** Votes/acknowledgements needed; default a majority. */
  readonly quorum?: number;
  readonly timing?: Partial<Timing>;
  /** Seeded source of election timeouts. */
  readonly random: Random;
  /** Most entries in one append message (default 512). */
  readonly maxEntriesPerMessage?: number;
  /** Most payload bytes in one message (default 1 MiB; a larger entry goes alone, a larger snapshot in chunks of this size). */
  readonly maxBytesPerMessage?: number;
  /** Most append messages with entries in flight to one follower (default 64). */
  readonly maxInflightMessages?: number;
  /** Most payload bytes in flight to one follower (default 8 MiB). */
  readonly maxInflightBytes?: number;
}

export interface CoreConfig extends LogConfig {
  /** This replica's id (its PID text). */
  readonly id: string;
}

/** A configuration checked, its defaults filled in. */
export interface Membership {
  readonly replicas: readonly string[];
  /** The replicas other than this one. */
  readonly peers: readonly string[];
  readonly quorum: number;
  readonly timing: Timing;
}

/** Checks `config` (this replica among the replicas, a quorum above half, timings that keep the lease safe): a clear error naming what is wrong. */
export function membership(config: CoreConfig): Membership {
  const replicas = [...new Set(config.replicas)];
  if (!replicas.includes(config.id)) throw new Error(`replica ${config.id} is not in the list of replicas [${replicas.join(', ')}]`);
  const quorum = config.quorum ?? Math.floor(replicas.length / 2) + 1;
  if (!Number.isInteger(quorum) || quorum <= replicas.length / 2 || quorum > replicas.length) {
    throw new Error(`quorum ${quorum} is not valid for ${replicas.length} replicas: it must be an integer above half of them and at most all of them`);
  }
  const timing = { ...DEFAULT_TIMING, ...config.timing };
  if (!(timing.electionMinMs <= timing.electionMaxMs) || timing.leaseMs + timing.tickMs > timing.electionMinMs || timing.heartbeatMs >= timing.leaseMs) {
    throw new Error(`bad timing ${JSON.stringify(timing)}: need heartbeatMs < leaseMs, leaseMs + tickMs <= electionMinMs <= electionMaxMs`);
  }
  return { replicas, peers: replicas.filter((r) => r !== config.id), quorum, timing };
}

/** Everything one step asks of the host, in the order the host must act on it. */
export interface Ready {
  /**
   * May be sent at once, before `writes` (and earlier Readies' writes) are durable: a
   * leader's appends and snapshots to its followers. Nothing in them depends on this
   * replica's disk: the leader does not count its own copy until it is `persisted`.
   */
  readonly eager: Outgoing[];
  /** Make these durable, in order, after every earlier Ready's writes. */
  readonly writes: Write[];
  /**
   * When `writes` is not empty: the last entry of the log once they are applied. Once
   * they (and every earlier write) are durable, the host steps `{ type: 'persisted', ...persist }`.
   */
  readonly persist: { readonly index: number; readonly term: number } | undefined;
  /** Send these only once `writes` and every earlier Ready's writes are durable. */
  readonly messages: Outgoing[];
  /** A snapshot received from the leader: the application resets its state from it before applying `committed`. */
  readonly snapshot: Snapshot | undefined;
  /** Newly committed entries, in order (no-ops included; their data is null). */
  readonly committed: Entry[];
  /** Set when role, term, leader or readiness changed in this step. */
  readonly role: RoleState | undefined;
}

export type Input =
  | { readonly type: 'message'; readonly from: string; readonly message: Message }
  | { readonly type: 'tick' }
  | { readonly type: 'propose'; readonly data: readonly Uint8Array[] }
  | { readonly type: 'snapshot'; readonly index: number; readonly data: Uint8Array }
  /** The host made durable every write up to the Ready whose `persist` this is. */
  | { readonly type: 'persisted'; readonly index: number; readonly term: number }
  /** The host's connection to `peer` broke (its process died, or the network between them). */
  | { readonly type: 'peerDown'; readonly peer: string }
  /** The application above a leader cannot serve on it (its writes do not commit): give the leadership up, stay electable. */
  | { readonly type: 'resign' };
