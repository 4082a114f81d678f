/**
 * The interface of the consensus core (core.ts): its configuration, its
 * inputs, and the `Ready` each step returns (what the host sends, writes and
 * reports, and in what order).
 */
import type { Outgoing, Message } from './messages.js';
import type { Entry, RoleState, Snapshot, Timing, Write } from './types.js';
import type { Random } from 'libprocess-ts';

export interface CoreConfig {
  /** This replica's id (its PID text). */
  readonly id: string;
  /** Every replica of the log, this one included (static membership). */
  readonly replicas: readonly string[];
  /** Votes/acknowledgements needed; default a majority. */
  readonly quorum?: number;
  readonly timing?: Partial<Timing>;
  /** Election timeouts are drawn from it. */
  readonly random: Random;
  /** Most entries in one append message (default 512). */
  readonly maxEntriesPerMessage?: number;
  /** Most payload bytes in one append message (default 1 MiB; a larger entry goes alone). */
  readonly maxBytesPerMessage?: number;
  /** Most append messages with entries in flight to one follower (default 64). */
  readonly maxInflightMessages?: number;
  /** Most payload bytes in flight to one follower (default 8 MiB). */
  readonly maxInflightBytes?: number;
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
