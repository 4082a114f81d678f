/**
 * The messages replicas exchange. Every body is plain msgpack-able data.
 * `term` is the sender's current term in every message except the pre-vote
 * pair, where it is the term the sender would campaign in.
 */
import type { MessageSchemas } from '../../protocol/messages/schemas.js';
import type { Entry, ReplicaStatusKind } from './types.js';

/** Wire form of an entry: [index, term, data] (data null for a no-op). */
export type WireEntry = [number, number, Uint8Array | null];

export interface PreVote { readonly term: number; readonly lastIndex: number; readonly lastTerm: number }
export interface PreVoteReply { readonly term: number; readonly granted: boolean; readonly currentTerm: number }
/** `transfer`: the candidate campaigns because its leader handed the leadership over (`log.timeoutNow`): voters that heard that leader recently grant it anyway. */
export interface Vote { readonly term: number; readonly lastIndex: number; readonly lastTerm: number; readonly transfer?: boolean }
export interface VoteReply { readonly term: number; readonly granted: boolean }
export interface Append {
  readonly term: number;
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: WireEntry[];
  readonly commit: number;
  /** The leader's clock when it sent this; echoed back, it dates the leader's lease. */
  readonly sentAt: number;
}
export interface AppendReply {
  readonly term: number;
  readonly success: boolean;
  /** On success, the last index known to match the leader; on failure, where the leader should retry from. */
  readonly index: number;
  readonly sentAt: number;
  /** False while the sender recovers from a wiped disk: the leader must not count it. */
  readonly voter: boolean;
}
export interface InstallSnapshot {
  readonly term: number;
  readonly index: number;
  readonly snapTerm: number;
  readonly data: Uint8Array;
  readonly sentAt: number;
  /**
   * A snapshot larger than one message (the transport refuses frames over 16 MiB; a registry
   * of 10k agents is tens of MB) travels in chunks: `data` is the bytes at `offset` of the
   * `total`. Both absent: `data` is the whole snapshot.
   */
  readonly offset?: number;
  readonly total?: number;
}
/** A chunk of a snapshot arrived: send the chunk at `next` (the bytes received so far, 0 to start again). */
export interface SnapshotReply {
  readonly term: number;
  readonly index: number;
  readonly next: number;
  readonly sentAt: number;
  readonly voter: boolean;
}
/** The leader stepped down and hands its leadership to the receiver (caught up with it): campaign now, without a pre-vote. */
export interface TimeoutNow { readonly term: number }
export interface Recover { readonly nonce: number }
export type RecoverStatus = ReplicaStatusKind;
export interface RecoverReply {
  readonly nonce: number;
  readonly status: RecoverStatus;
  readonly term: number;
  readonly commit: number;
  readonly lastIndex: number;
}

/** The replica protocol (message name -> body), as libprocess-ts protocols are declared. */
export type LogProtocol = {
  'log.preVote': PreVote;
  'log.preVoteReply': PreVoteReply;
  'log.vote': Vote;
  'log.voteReply': VoteReply;
  'log.append': Append;
  'log.appendReply': AppendReply;
  'log.installSnapshot': InstallSnapshot;
  'log.snapshotReply': SnapshotReply;
  'log.recover': Recover;
  'log.recoverReply': RecoverReply;
  'log.timeoutNow': TimeoutNow;
};

export type MessageName = keyof LogProtocol;
export const MESSAGE_NAMES: readonly MessageName[] = [
  'log.preVote', 'log.preVoteReply', 'log.vote', 'log.voteReply', 'log.append',
  'log.appendReply', 'log.installSnapshot', 'log.snapshotReply', 'log.recover', 'log.recoverReply', 'log.timeoutNow',
];

/**
 * The schema of every body (protocol/messages/check.ts notation), checked
 * before the core sees a message: terms and indices are integers >= 0 (a
 * string, NaN or msgpack BigInt term would otherwise be compared and
 * persisted), `entries` are checked by `wireEntriesError`.
 */
export const LOG_SCHEMAS: MessageSchemas<LogProtocol> = {
  'log.preVote': { term: 'uint64!', lastIndex: 'uint64!', lastTerm: 'uint64!' },
  'log.preVoteReply': { term: 'uint64!', granted: 'bool!', currentTerm: 'uint64!' },
  'log.vote': { term: 'uint64!', lastIndex: 'uint64!', lastTerm: 'uint64!', transfer: 'bool' },
  'log.voteReply': { term: 'uint64!', granted: 'bool!' },
  'log.append': { term: 'uint64!', prevIndex: 'uint64!', prevTerm: 'uint64!', entries: 'any[]!', commit: 'uint64!', sentAt: 'double!' },
  'log.appendReply': { term: 'uint64!', success: 'bool!', index: 'uint64!', sentAt: 'double!', voter: 'bool!' },
  'log.installSnapshot': { term: 'uint64!', index: 'uint64!', snapTerm: 'uint64!', data: 'bytes!', sentAt: 'double!', offset: 'uint64', total: 'uint64' },
  'log.snapshotReply': { term: 'uint64!', index: 'uint64!', next: 'uint64!', sentAt: 'double!', voter: 'bool!' },
  'log.recover': { nonce: 'uint64!' },
  'log.recoverReply': { nonce: 'uint64!', status: 'ReplicaStatusKind!', term: 'uint64!', commit: 'uint64!', lastIndex: 'uint64!' },
  'log.timeoutNow': { term: 'uint64!' },
};
export const REPLICA_STATUS_KINDS = ['empty', 'starting', 'recovering', 'voting'] as const satisfies readonly ReplicaStatusKind[];

/** Why `entries` of a `log.append` are not wire entries ([index, term, bytes or null], integers >= 0), or undefined. */
export function wireEntriesError(entries: readonly unknown[]): string | undefined {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!Array.isArray(e) || e.length !== 3) return `log.append.entries[${i}]: expected [index, term, data]`;
    if (!Number.isSafeInteger(e[0]) || (e[0] as number) < 0) return `log.append.entries[${i}][0]: expected an index >= 0`;
    if (!Number.isSafeInteger(e[1]) || (e[1] as number) < 0) return `log.append.entries[${i}][1]: expected a term >= 0`;
    if (e[2] !== null && !(e[2] instanceof Uint8Array)) return `log.append.entries[${i}][2]: expected bytes or null`;
  }
  return undefined;
}

/** A message with its name, as the core consumes and produces them. */
export type Message = { [N in MessageName]: { readonly name: N; readonly body: LogProtocol[N] } }[MessageName];

export interface Outgoing {
  readonly to: string;
  readonly message: Message;
}

export function toWire(e: Entry): WireEntry {
  return [e.index, e.term, e.data];
}

export function fromWire(w: WireEntry): Entry {
  const data = w[2];
  return { index: w[0], term: w[1], data: data === null || data === undefined ? null : data instanceof Uint8Array ? data : new Uint8Array(data as ArrayLike<number>) };
}
