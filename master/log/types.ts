/**
 * The vocabulary of the replicated log: entries, snapshots, the durable
 * state of a replica, and what the consensus core asks its host to do.
 */

/** Where a replica stands. See README.md for the transitions. */
export type Role = 'recovering' | 'follower' | 'candidate' | 'leader';

/** One log entry. `data === null` is the no-op a new leader appends to commit earlier terms. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array | null;
}

/** The application's state as of `index` (inclusive); the log before it is dropped. */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

/**
 * Where a replica is in its life (as Mesos's replica statuses):
 * - `empty`: nothing stored (new, or its disk was wiped); it only answers and asks about recovery;
 * - `starting`: it saw a quorum empty or starting: the log is brand new and is being initialized;
 * - `recovering`: the log exists elsewhere; it catches up as a non-voter;
 * - `voting`: a full member: votes and counts toward quorums.
 */
export type ReplicaStatusKind = 'empty' | 'starting' | 'recovering' | 'voting';

/**
 * What must survive a crash besides the log.
 * - `vote`: the candidate voted for in `term` (or RECOVERED_VOTE: no vote may be cast in `term`).
 * - `status`: only a `voting` replica votes and counts toward a quorum.
 */
export interface HardState {
  readonly term: number;
  readonly vote: string | null;
  readonly status: Exclude<ReplicaStatusKind, 'empty'>;
}

/** A vote placeholder that blocks voting in the term learned during recovery. */
export const RECOVERED_VOTE = '#recovered';

/** What a store holds, as loaded at start. `hardState === null` means an empty (new or wiped) store. */
export interface PersistentState {
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
}

/** A durable write the host must complete (fsync'd) before it sends the messages of the same Ready. */
export type Write =
  | { readonly type: 'hardState'; readonly state: HardState }
  /** Appends entries; any stored entry at or after `entries[0].index` is replaced. */
  | { readonly type: 'append'; readonly entries: readonly Entry[] }
  /** Stores the snapshot and drops entries up to its index (all entries when `discardLog`). */
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot; readonly discardLog: boolean };

export interface RoleState {
  readonly role: Role;
  readonly term: number;
  /** PID text of the leader this replica knows, if any. */
  readonly leader: string | undefined;
  /** A leader is ready once the first entry of its term is committed: its log then holds every committed entry. */
  readonly ready: boolean;
}

export interface Timing {
  /** How often the host calls `tick`. */
  readonly tickMs: number;
  /** Leader heartbeat interval. */
  readonly heartbeatMs: number;
  /** Election timeout, drawn uniformly in [min, max] each time. Followers also refuse votes for `electionMinMs` after hearing from a leader. */
  readonly electionMinMs: number;
  readonly electionMaxMs: number;
  /** A leader steps down when a quorum has not acknowledged it for this long. Must be <= electionMinMs - tickMs. */
  readonly leaseMs: number;
  /** How often a recovering replica asks its peers again. */
  readonly recoverRetryMs: number;
}

export const DEFAULT_TIMING: Timing = {
  tickMs: 10,
  heartbeatMs: 50,
  electionMinMs: 300,
  electionMaxMs: 600,
  leaseMs: 250,
  recoverRetryMs: 200,
};

/** Thrown by `propose` (and rejected by the replica's `append`) when this replica is not the leader. */
export class NotLeaderError extends Error {
  readonly code = 'E_NOT_LEADER';
  constructor(
    readonly self: string,
    readonly leader: string | undefined,
    readonly role: Role,
  ) {
    super(
      leader !== undefined
        ? `replica ${self} is not the leader (it is ${role}); the leader is ${leader}`
        : `replica ${self} is not the leader (it is ${role}) and knows no leader at the moment`,
    );
    this.name = 'NotLeaderError';
  }
}
