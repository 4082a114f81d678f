/**
 * A replica that does not vote yet (its store was empty or lost records)
 * decides from its peers' `log.recoverReply` whether the log is new (it starts
 * it with them) or exists (it learns, as a non-voter, before it votes). See
 * README "A wiped replica never votes with an empty memory".
 */
import type { RecoverReply, RecoverStatus } from './messages.js';
import type { ReplicaStatusKind } from './types.js';

/** One round of `log.recover` questions (a new nonce each round). */
export interface RecoverRound {
  nonce: number;
  startedAt: number;
  replies: Map<string, RecoverReply>;
}

/** Recovery after a wiped disk: the term learned and the commit index to reach before voting. */
export interface Learning {
  readonly floorTerm: number;
  readonly targetCommit: number;
  heardLeader: boolean;
}

export interface RecoveryDecision {
  /** EMPTY becomes STARTING (durably). */
  readonly start: boolean;
  /** STARTING (perhaps just now) becomes VOTING. */
  readonly vote: boolean;
  /** The log exists: learn it as a non-voter, from this term, up to this commit index. */
  readonly learn: { readonly floorTerm: number; readonly targetCommit: number } | undefined;
}

/**
 * - empty, with a quorum empty or starting (itself included) and no reply showing that the log
 *   has a history (a term above 0 or an entry): the log is new: it becomes starting;
 * - starting, with a quorum starting or voting (itself included), and no history: it becomes voting;
 * - otherwise, with a quorum of *other* voting replicas: the log exists; it learns the highest term
 *   they know and the highest commit index, and catches up as a non-voter before it votes.
 * Starting a new log waits for every peer's reply or the end of the round (`roundOver`), so a
 * reply showing history is not missed.
 */
export function decideRecovery(status: ReplicaStatusKind, term: number, quorum: number, peers: number, round: RecoverRound, roundOver: boolean): RecoveryDecision {
  const replies = [...round.replies.values()];
  const everyone = roundOver || replies.length === peers;
  const count = (...s: RecoverStatus[]): number => replies.filter((r) => s.includes(r.status)).length;
  // A replica that has taken part in an election or holds entries proves the log exists: never start it anew.
  const history = replies.some((r) => r.status === 'recovering' || (r.status === 'voting' && (r.term > 0 || r.lastIndex > 0)));
  const start = everyone && !history && status === 'empty' && count('empty', 'starting') + 1 >= quorum;
  const vote = everyone && !history && (status === 'starting' || start) && count('starting', 'voting') + 1 >= quorum;
  if (vote) return { start, vote, learn: undefined };
  const voting = replies.filter((r) => r.status === 'voting');
  if (voting.length < quorum) return { start, vote, learn: undefined };
  return { start, vote, learn: { floorTerm: Math.max(term, ...replies.map((r) => r.term)), targetCommit: Math.max(...voting.map((r) => r.commit)) } };
}
