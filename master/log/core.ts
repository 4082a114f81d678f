/**
 * The consensus core of the replicated log: Raft with pre-vote, a leader
 * lease (check-quorum), snapshots, and a RECOVERING state for a replica whose
 * disk was wiped. It is a pure state machine: no I/O, no clock, no timers.
 * Inputs (a message, a tick, a proposal, a snapshot, "these writes are
 * durable") go in with the current time; out comes a `Ready` telling the host
 * what it may send at once, what to write durably, what to send once the
 * writes are durable, what became committed, and whether the role, term or
 * leader changed.
 *
 * Pipelined fsync: a leader's appends to its followers do not wait for its
 * own disk (they are `eager`); the leader counts its own copy toward a commit
 * only once the host reports the write durable (`persisted`), so a commit
 * still needs a quorum of durable copies.
 */
import type { Random } from 'libprocess-ts';
import { membership, type CoreConfig, type Input, type Ready } from './core-types.js';
import {
  fromWire,
  type Append,
  type AppendReply,
  type InstallSnapshot,
  type SnapshotReply,
  type Message,
  type PreVote,
  type PreVoteReply,
  type RecoverReply,
  type TimeoutNow,
  type Vote,
  type VoteReply,
} from './messages.js';
import { acknowledged, newProgress, probe, type Progress } from './progress.js';
import { decideRecovery, type Learning, type RecoverRound } from './recovery.js';
import { MemoryLog } from './memory-log.js';
import { nextAppend, quorumValue, type SendLimits } from './next-append.js';
import { Outbox } from './outbox.js';
import { gatherChunk, type IncomingSnapshot } from './snapshot-chunks.js';
import {
  NotLeaderError,
  RECOVERED_VOTE,
  type Entry,
  type HardState,
  type PersistentState,
  type Role,
  type RoleState,
  type Snapshot,
  type Timing,
  type ReplicaStatusKind,
} from './types.js';

export type { CoreConfig, Input, LogConfig, Ready } from './core-types.js';

export class ConsensusCore {
  readonly id: string;
  readonly replicas: readonly string[];
  readonly peers: readonly string[];
  readonly quorum: number;
  readonly timing: Timing;
  readonly #random: Random;
  /** Of one message, and in flight to one follower (next-append.ts). */
  readonly #limits: SendLimits;

  // durable
  #term = 0;
  #vote: string | null = null;
  #status: ReplicaStatusKind = 'empty';
  /** The snapshot and the entries after it (memory-log.ts). */
  readonly #log: MemoryLog;
  /** The last index known durable in this replica's store (a leader counts its own copy up to here). */
  #durable = 0;

  // volatile
  #role: Role = 'follower';
  #leader: string | undefined;
  #commit = 0;
  #electionDeadline = 0;
  #lastLeaderContact = -Infinity;
  /** When this replica last granted a vote: it backs no other candidate for electionMinMs (so the winner's lease holds). */
  #lastVoteGrantedAt = -Infinity;
  #preVotes: Set<string> | null = null;
  #votes: Set<string> | null = null;
  #campaignStartedAt = 0;
  /** When this replica last became leader: a lease that ran out during a slow campaign does not depose it before its first round of appends had leaseMs to be acknowledged. */
  #leaderSince = 0;
  /** When the last tick came: a gap of more than half a lease means this replica's host was stalled. */
  #lastTickAt: number | undefined;
  /** The lease base for which a stalled leader was given its one grace (see tick). */
  #graceBase: number | undefined;
  /** When a tick first found the lease run out (the step-down waits for the next tick). */
  #expirySeenAt: number | undefined;
  /** When a tick first found the election deadline passed (the campaign waits for the next tick). */
  #deadlineSeenAt: number | undefined;
  #progress = new Map<string, Progress>();
  #termStartIndex = 0;
  #recoverRound: RecoverRound | null = null;
  #learning: Learning | null = null;
  #nextNonce = 1;
  /** A snapshot arriving in chunks (follower). */
  #incoming: IncomingSnapshot | null = null;

  // output being built
  readonly #out: Outbox;

  constructor(config: CoreConfig, state: PersistentState, now: number) {
    this.id = config.id;
    ({ replicas: this.replicas, peers: this.peers, quorum: this.quorum, timing: this.timing } = membership(config));
    this.#random = config.random;
    this.#limits = { maxEntries: config.maxEntriesPerMessage ?? 512, maxBytes: config.maxBytesPerMessage ?? 1024 * 1024, maxInflight: config.maxInflightMessages ?? 64, maxInflightBytes: config.maxInflightBytes ?? 8 * 1024 * 1024 };

    this.#log = new MemoryLog(state.snapshot, state.entries);
    if (state.snapshot !== null) this.#commit = state.snapshot.index;
    this.#durable = this.lastIndex;
    const hs = state.hardState;
    if (hs === null) {
      this.#role = 'recovering';
      this.#status = 'empty';
    } else {
      this.#term = hs.term;
      this.#vote = hs.vote;
      this.#status = hs.status;
      this.#role = hs.status === 'voting' ? 'follower' : 'recovering';
    }
    this.#resetElectionDeadline(now);
    this.#out = new Outbox(this.#roleState());
    if (this.#role === 'recovering') this.#startRecoverRound(now);
  }

  // ---------------------------------------------------------------- queries

  get role(): Role {
    return this.#role;
  }
  get term(): number {
    return this.#term;
  }
  get leader(): string | undefined {
    return this.#leader;
  }
  get commitIndex(): number {
    return this.#commit;
  }
  get lastIndex(): number {
    return this.#log.lastIndex;
  }
  get lastTerm(): number {
    return this.#log.lastTerm;
  }
  get firstIndex(): number {
    return this.#log.firstIndex;
  }
  get snapshotState(): Snapshot | null {
    return this.#log.snapshot;
  }
  get voter(): boolean {
    return this.#status === 'voting';
  }
  get status(): ReplicaStatusKind {
    return this.#status;
  }
  /** True for a leader whose first entry of its term is committed (its log holds every committed entry). */
  get ready(): boolean {
    return this.#role === 'leader' && this.#commit >= this.#termStartIndex;
  }

  /** The term of the entry at `index`, or undefined when it is not known (compacted away or beyond the log). */
  termAt(index: number): number | undefined {
    return this.#log.termAt(index);
  }

  /** The entry at `index` if it is in the (uncompacted) log. */
  entry(index: number): Entry | undefined {
    return this.#log.entry(index);
  }

  /** Entries from `from` to `to` inclusive that are still in the log. */
  entries(from: number, to: number): Entry[] {
    return this.#log.entries(from, to);
  }

  /**
   * What a linearizable read needs on a ready leader (its log holds every committed entry):
   * the commit index and term, the time of the latest acknowledgement of a quorum (`ackedAt`,
   * our own clock) and the end of the lease. Undefined on anyone else. A read is linearizable
   * at `index` when `now < leaseExpiresAt` (no other leader can exist: see README, the clock
   * assumption), or once `ackedAt` is at or after the moment the read arrived (a quorum
   * confirmed this leader since: Raft's ReadIndex).
   */
  readPoint(now: number): { index: number; term: number; ackedAt: number; leaseExpiresAt: number } | undefined {
    if (!this.ready) return undefined;
    const base = this.#leaseBase(now);
    return { index: this.#commit, term: this.#term, ackedAt: base, leaseExpiresAt: base + this.timing.leaseMs };
  }

  /** Until when a leader may consider itself the only leader (its lease), or undefined when not leader. */
  leaseExpiresAt(now: number): number | undefined {
    if (this.#role !== 'leader') return undefined;
    return this.#leaseBase(now) + this.timing.leaseMs;
  }

  // ---------------------------------------------------------------- inputs

  /** One input in, one Ready out. */
  step(input: Input, now: number): Ready {
    switch (input.type) {
      case 'message':
        this.receive(input.from, input.message, now);
        break;
      case 'tick':
        this.tick(now);
        break;
      case 'propose':
        this.propose(input.data, now);
        break;
      case 'snapshot':
        this.compact(input.index, input.data);
        break;
      case 'persisted':
        this.persisted(input.index, input.term);
        break;
      case 'peerDown':
        this.peerDown(input.peer, now);
        break;
      case 'resign':
        this.resign(now);
        break;
    }
    return this.takeReady();
  }

  /** Collects the output of the inputs since the last call. */
  takeReady(): Ready {
    return this.#out.take({ index: this.lastIndex, term: this.lastTerm }, this.#roleState());
  }

  tick(now: number): void {
    const stalled = this.#lastTickAt !== undefined && now - this.#lastTickAt > this.timing.leaseMs / 2;
    this.#lastTickAt = now;
    switch (this.#role) {
      case 'recovering':
        if (this.#learning === null && (this.#recoverRound === null || now - this.#recoverRound.startedAt >= this.timing.recoverRetryMs)) {
          // The round is over: decide with what came back, then ask again if still undecided.
          if (this.#recoverRound !== null) this.#decideRecovery(now, true);
          if (this.#role === 'recovering' && this.#learning === null) this.#startRecoverRound(now);
        }
        else if (this.#learning !== null && !this.#learning.heardLeader && now >= this.#electionDeadline) {
          // Nobody leads us: maybe peers changed, ask again.
          this.#learning = null;
          this.#startRecoverRound(now);
        }
        break;
      case 'follower':
      case 'candidate':
        if (now < this.#electionDeadline) {
          this.#deadlineSeenAt = undefined;
        } else if (this.#deadlineSeenAt === undefined) {
          // As for the lease: timers run before sockets are read, so the leader's heartbeats may be
          // waiting unread behind a long event (a registry snapshot). Campaign on the next tick if
          // nothing came meanwhile (any append resets the deadline).
          this.#deadlineSeenAt = now;
        } else {
          this.#deadlineSeenAt = undefined;
          this.#startPreVote(now);
        }
        break;
      case 'leader':
        if (now - this.#leaseBase(now) >= this.timing.leaseMs && now - this.#leaderSince >= this.timing.leaseMs) {
          // This host was stalled (a long event, a busy CPU): the acknowledgements may be waiting
          // unread. One grace per lease base: heartbeat now and judge a lease later. A leader cut off
          // gets no new acknowledgement, so it steps down at the next expiry; its term can still
          // be superseded meanwhile (a higher term deposes it at once).
          const base = this.#leaseBase(now);
          if (stalled && this.#graceBase !== base) {
            this.#graceBase = base;
            this.#leaderSince = now;
            this.#expirySeenAt = undefined;
            for (const peer of this.peers) this.#sendAppend(peer, now, true);
            break;
          }
          // A host runs its timers before it reads its sockets: acknowledgements that arrived during
          // a busy stretch are read only after this tick. Judge on the next tick (a read of the
          // sockets lies between two ticks): a leader that is cut off steps down a tick later.
          if (this.#expirySeenAt === undefined) {
            this.#expirySeenAt = now;
            for (const peer of this.peers) this.#sendAppend(peer, now, true);
            break;
          }
          this.#stepDown(now);
          break;
        }
        this.#expirySeenAt = undefined;
        for (const peer of this.peers) {
          const p = this.#progress.get(peer)!;
          if (now - p.lastSentAt >= this.timing.heartbeatMs) this.#sendAppend(peer, now, true);
        }
        break;
    }
  }

  /** Appends entries as leader; returns where they went. Throws NotLeaderError when not the leader. */
  propose(data: readonly Uint8Array[], now: number): { index: number; term: number }[] {
    if (this.#role !== 'leader') throw new NotLeaderError(this.id, this.#leader, this.#role);
    if (data.length === 0) return [];
    let index = this.lastIndex;
    const entries = data.map((d) => ({ index: ++index, term: this.#term, data: d }) satisfies Entry);
    this.#appendLocal(entries);
    for (const peer of this.peers) this.#sendAppend(peer, now, false);
    this.#maybeCommit();
    return entries.map((e) => ({ index: e.index, term: e.term }));
  }

  /**
   * The host made the writes of the Ready whose `persist` was (index, term) durable, and
   * every write before them. When the entry is still there (the same index and term mean
   * the same prefix), everything up to it is durable here.
   */
  persisted(index: number, term: number): void {
    if (index <= this.#durable || this.termAt(index) !== term) return;
    this.#durable = index;
    this.#maybeCommit();
  }

  /**
   * The connection to `peer` broke. When it is the leader this follower knows (a leader that
   * died closes its connections at once), campaign as soon as the lease rules allow rather
   * than at the end of a full election timeout: `electionMinMs` after the leader was last
   * heard (no earlier than any replica would grant a (pre-)vote, so the old leader's lease
   * is respected exactly as before), plus a margin and a random spread so that the followers,
   * which all saw the link break, do not split the vote.
   */
  peerDown(peer: string, _now: number): void {
    if (this.#role !== 'follower' || this.#leader !== peer || !this.voter) return;
    const { electionMinMs, electionMaxMs, tickMs } = this.timing;
    const spread = Math.max(tickMs, Math.floor((electionMaxMs - electionMinMs) / 5));
    const earliest = this.#lastLeaderContact + electionMinMs + 2 * tickMs + this.#random.range(0, spread);
    if (earliest < this.#electionDeadline) this.#electionDeadline = earliest;
  }

  /**
   * A leader gives up its term's leadership: it becomes a follower of no one (pending appends
   * are the host's to fail) and stops heartbeating; it votes and may be elected again. It hands
   * the leadership over (as Raft's leadership transfer): the voter that holds the most of its log
   * (the one heard last among equals) gets `log.timeoutNow` and campaigns at once, and the others
   * grant that vote although they heard a leader recently, if its log is as up to date as theirs
   * (the usual rule: a failed hand-over leaves the election to the timeout). The lease needs no
   * wait: this replica stopped leading before it asked. Anyone else: nothing.
   */
  resign(now: number): void {
    if (this.#role !== 'leader') return;
    let target: string | undefined;
    let best: Progress | undefined;
    for (const [peer, p] of this.#progress) {
      if (p.voter && (best === undefined || p.match > best.match || (p.match === best.match && p.ackedAt > best.ackedAt))) {
        target = peer;
        best = p;
      }
    }
    const term = this.#term;
    this.#stepDown(now);
    if (target !== undefined) this.#send(target, { name: 'log.timeoutNow', body: { term } });
  }

  /** The last index known durable in this replica's store. */
  get durableIndex(): number {
    return this.#durable;
  }

  /** The application's snapshot at `index` (committed): the log up to it is dropped. */
  compact(index: number, data: Uint8Array): void {
    if (index > this.#commit) throw new Error(`cannot snapshot at ${index}: only entries up to ${this.#commit} are committed`);
    if (this.#log.snapshot !== null && index <= this.#log.snapshotIndex) return;
    const term = this.termAt(index);
    if (term === undefined) throw new Error(`cannot snapshot at ${index}: the entry is not in the log (first ${this.firstIndex}, last ${this.lastIndex})`);
    const snapshot: Snapshot = { index, term, data };
    this.#log.install(snapshot, true);
    this.#out.write({ type: 'snapshot', snapshot, discardLog: false });
  }

  receive(from: string, message: Message, now: number): void {
    if (!this.replicas.includes(from)) return; // not one of us
    // An empty replica knows nothing yet: it only takes part in recovery.
    if ((this.#status === 'empty' || this.#status === 'starting') && message.name !== 'log.recover' && message.name !== 'log.recoverReply') return;
    switch (message.name) {
      case 'log.preVote':
        return this.#onPreVote(from, message.body, now);
      case 'log.preVoteReply':
        return this.#onPreVoteReply(from, message.body, now);
      case 'log.vote':
        return this.#onVote(from, message.body, now);
      case 'log.voteReply':
        return this.#onVoteReply(from, message.body, now);
      case 'log.append':
        return this.#onAppend(from, message.body, now);
      case 'log.appendReply':
        return this.#onAppendReply(from, message.body, now);
      case 'log.installSnapshot':
        return this.#onInstallSnapshot(from, message.body, now);
      case 'log.snapshotReply':
        return this.#onSnapshotReply(from, message.body, now);
      case 'log.recover':
        return this.#send(from, {
          name: 'log.recoverReply',
          body: { nonce: message.body.nonce, status: this.#status, term: this.#term, commit: this.#commit, lastIndex: this.lastIndex },
        });
      case 'log.recoverReply':
        return this.#onRecoverReply(from, message.body, now);
      case 'log.timeoutNow':
        return this.#onTimeoutNow(from, message.body, now);
    }
  }

  // ---------------------------------------------------------------- recovery


  #startRecoverRound(now: number): void {
    this.#recoverRound = { nonce: this.#nextNonce++, startedAt: now, replies: new Map() };
    for (const peer of this.peers) this.#send(peer, { name: 'log.recover', body: { nonce: this.#recoverRound.nonce } });
    if (this.peers.length === 0) this.#decideRecovery(now); // a single-replica log decides alone
  }

  #onRecoverReply(from: string, reply: RecoverReply, now: number): void {
    const round = this.#recoverRound;
    if (this.#role !== 'recovering' || this.#learning !== null || round === null || reply.nonce !== round.nonce) return;
    round.replies.set(from, reply);
    this.#decideRecovery(now);
  }

  /** A replica that is not voting decides from its peers' replies (recovery.ts). */
  #decideRecovery(now: number, roundOver = false): void {
    const d = decideRecovery(this.#status, this.#term, this.quorum, this.peers.length, this.#recoverRound!, roundOver);
    if (d.start) {
      this.#status = 'starting';
      this.#setHardState(0, null);
    }
    if (d.vote) {
      this.#recoverRound = null;
      this.#becomeVoter();
      this.#resetElectionDeadline(now);
      return;
    }
    if (d.learn !== undefined) {
      const { floorTerm, targetCommit } = d.learn;
      this.#status = 'recovering';
      // No vote in the learned term or below: a vote cast there before the wipe is forgotten.
      this.#setHardState(floorTerm, floorTerm === this.#term && this.#vote !== null ? this.#vote : RECOVERED_VOTE);
      this.#recoverRound = null;
      this.#learning = { floorTerm, targetCommit, heardLeader: false };
      this.#resetElectionDeadline(now);
      this.#maybeFinishLearning();
    }
  }

  #maybeFinishLearning(): void {
    const l = this.#learning;
    if (l === null || !l.heardLeader || this.#commit < l.targetCommit || this.#term < l.floorTerm) return;
    this.#learning = null;
    this.#becomeVoter();
  }

  #becomeVoter(): void {
    this.#status = 'voting';
    this.#role = 'follower';
    this.#setHardState(this.#term, this.#vote);
  }

  // ---------------------------------------------------------------- elections

  #startPreVote(now: number): void {
    if (!this.voter) return;
    this.#resetElectionDeadline(now);
    this.#leader = undefined;
    this.#votes = null;
    this.#preVotes = new Set([this.id]);
    this.#campaignStartedAt = now;
    for (const peer of this.peers) this.#send(peer, { name: 'log.preVote', body: { term: this.#term + 1, lastIndex: this.lastIndex, lastTerm: this.lastTerm } });
    if (this.#preVotes.size >= this.quorum) this.#startElection(now);
  }

  /** Our leader handed its leadership over to us (it stepped down: see resign): campaign now, without a pre-vote. */
  #onTimeoutNow(from: string, m: TimeoutNow, now: number): void {
    if (m.term !== this.#term || this.#leader !== from || this.#role !== 'follower' || !this.voter) return;
    this.#campaignStartedAt = now;
    this.#startElection(now, true);
  }

  #startElection(now: number, transfer = false): void {
    this.#preVotes = null;
    this.#role = 'candidate';
    this.#leader = undefined;
    this.#setHardState(this.#term + 1, this.id);
    this.#votes = new Set([this.id]);
    this.#resetElectionDeadline(now);
    for (const peer of this.peers) this.#send(peer, { name: 'log.vote', body: { term: this.#term, lastIndex: this.lastIndex, lastTerm: this.lastTerm, ...(transfer ? { transfer } : {}) } });
    if (this.#votes.size >= this.quorum) this.#becomeLeader(now);
  }

  /** Whether we heard from a live leader (or just elected one) too recently to help anyone replace it. */
  #leaderRecentlyHeard(now: number): boolean {
    if (this.#role === 'leader') return true;
    if (now - this.#lastVoteGrantedAt < this.timing.electionMinMs) return true;
    return this.#leader !== undefined && now - this.#lastLeaderContact < this.timing.electionMinMs;
  }

  #upToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }

  #onPreVote(from: string, m: PreVote, now: number): void {
    const granted =
      this.voter && m.term > this.#term && !this.#leaderRecentlyHeard(now) && this.#upToDate(m.lastIndex, m.lastTerm) && !this.#outranks(from, m, now);
    // Having backed a pre-candidate, give it a heartbeat interval to win before campaigning too: two
    // followers that each grant the other's pre-vote just before starting their own split the vote.
    if (granted && this.#role === 'follower') {
      this.#electionDeadline = Math.max(this.#electionDeadline, now + 2 * this.timing.heartbeatMs);
      this.#preVotes = null; // and stand down from a pre-vote of its own
    }
    this.#send(from, { name: 'log.preVoteReply', body: { term: m.term, granted, currentTerm: this.#term } });
  }

  /**
   * Two followers that start campaigning within a round trip of each other (both saw the
   * leader's connection break) would grant each other's pre-votes and split the vote. While
   * this replica campaigns for the same term, it refuses a pre-vote to a peer with a greater id
   * whose log is no more up to date than its own, for a heartbeat interval: whoever could grant
   * that peer would grant this replica too, so one of the two still wins. (Pre-votes change no
   * state: this is liveness only.)
   */
  #outranks(from: string, m: PreVote, now: number): boolean {
    // Only at the start of a campaign (a collision happens within a round trip): a replica that cannot win (its
    // messages are lost) then stops standing in the way of one that can.
    if (this.#preVotes === null || now - this.#campaignStartedAt >= this.timing.heartbeatMs) return false;
    if (m.term !== this.#term + 1 || from <= this.id) return false;
    return m.lastTerm < this.lastTerm || (m.lastTerm === this.lastTerm && m.lastIndex <= this.lastIndex);
  }

  #onPreVoteReply(from: string, m: PreVoteReply, now: number): void {
    if (m.currentTerm > this.#term && !m.granted) {
      this.#becomeFollower(m.currentTerm, undefined, now);
      return;
    }
    if (this.#preVotes === null || m.term !== this.#term + 1 || !m.granted) return;
    this.#preVotes.add(from);
    if (this.#preVotes.size >= this.quorum) this.#startElection(now);
  }

  #onVote(from: string, m: Vote, now: number): void {
    // A live leader: ignore (check-quorum), unless it handed its leadership to this candidate (it stopped leading first).
    if (m.term > this.#term && this.#leaderRecentlyHeard(now) && (m.transfer !== true || this.#role === 'leader')) return;
    if (m.term > this.#term) this.#becomeFollower(m.term, undefined, now);
    const granted =
      m.term === this.#term &&
      this.voter &&
      (this.#vote === null || this.#vote === from) &&
      this.#upToDate(m.lastIndex, m.lastTerm);
    if (granted) {
      if (this.#vote !== from) this.#setHardState(this.#term, from);
      this.#lastVoteGrantedAt = now;
      this.#resetElectionDeadline(now);
    }
    this.#send(from, { name: 'log.voteReply', body: { term: this.#term, granted } });
  }

  #onVoteReply(from: string, m: VoteReply, now: number): void {
    if (m.term > this.#term) {
      this.#becomeFollower(m.term, undefined, now);
      return;
    }
    if (this.#role !== 'candidate' || m.term !== this.#term || !m.granted || this.#votes === null) return;
    this.#votes.add(from);
    if (this.#votes.size >= this.quorum) this.#becomeLeader(now);
  }

  #becomeLeader(now: number): void {
    const voters = this.#votes ?? new Set<string>();
    this.#role = 'leader';
    this.#leader = this.id;
    this.#leaderSince = now;
    this.#expirySeenAt = undefined;
    this.#votes = null;
    this.#preVotes = null;
    this.#progress.clear();
    // A vote granted in this campaign is an acknowledgement dated no earlier than its start.
    for (const peer of this.peers) this.#progress.set(peer, newProgress(this.lastIndex + 1, voters.has(peer) ? this.#campaignStartedAt : -Infinity));
    this.#termStartIndex = this.lastIndex + 1;
    this.#appendLocal([{ index: this.#termStartIndex, term: this.#term, data: null }]);
    for (const peer of this.peers) this.#sendAppend(peer, now, true);
    this.#maybeCommit();
  }

  #stepDown(now: number): void {
    this.#expirySeenAt = undefined;
    this.#role = 'follower';
    this.#leader = undefined;
    this.#progress.clear();
    this.#resetElectionDeadline(now);
  }

  #becomeFollower(term: number, leader: string | undefined, now: number): void {
    if (term > this.#term) this.#setHardState(term, null);
    if (this.#role !== 'recovering') this.#role = 'follower';
    this.#leader = leader;
    this.#votes = null;
    this.#preVotes = null;
    this.#progress.clear();
    this.#resetElectionDeadline(now);
  }

  // ---------------------------------------------------------------- replication

  #onAppend(from: string, m: Append, now: number): void {
    if (m.term < this.#term || (this.#role === 'recovering' && this.#learning === null)) {
      // Stale leader (or we do not know yet what we are): tell it our term.
      this.#send(from, { name: 'log.appendReply', body: { term: this.#term, success: false, index: 0, sentAt: m.sentAt, voter: this.voter } });
      return;
    }
    this.#acceptLeader(from, m.term, now);
    const reply = (success: boolean, index: number) =>
      this.#send(from, { name: 'log.appendReply', body: { term: this.#term, success, index, sentAt: m.sentAt, voter: this.voter } });

    if (m.prevIndex > this.lastIndex) return reply(false, this.lastIndex + 1);
    const snapIndex = this.#log.snapshotIndex;
    if (m.prevIndex >= snapIndex) {
      const t = this.termAt(m.prevIndex);
      if (t !== m.prevTerm) {
        // Back off past the whole conflicting term, but never below what is committed.
        let hint = m.prevIndex;
        while (hint - 1 > Math.max(this.#commit, snapIndex) && this.termAt(hint - 1) === t) hint--;
        return reply(false, Math.max(hint, this.#commit + 1));
      }
    }
    // Entries at or below our snapshot are committed and identical: skip them.
    const incoming = m.entries.map(fromWire).filter((e) => e.index > snapIndex);
    let firstNew = -1;
    for (let i = 0; i < incoming.length; i++) {
      const e = incoming[i]!;
      const mine = this.termAt(e.index);
      if (mine === undefined || mine !== e.term) {
        firstNew = i;
        break;
      }
    }
    if (firstNew >= 0) {
      const toAppend = incoming.slice(firstNew);
      if (toAppend[0]!.index <= this.#commit) throw new Error(`leader ${from} would overwrite committed entry ${toAppend[0]!.index} (commit ${this.#commit})`);
      this.#appendLocal(toAppend);
    }
    const lastNew = m.prevIndex + m.entries.length;
    this.#advanceCommit(Math.min(m.commit, lastNew));
    reply(true, Math.max(lastNew, snapIndex));
    this.#maybeFinishLearning();
  }

  #onInstallSnapshot(from: string, m: InstallSnapshot, now: number): void {
    if (m.term < this.#term || (this.#role === 'recovering' && this.#learning === null)) {
      this.#send(from, { name: 'log.appendReply', body: { term: this.#term, success: false, index: 0, sentAt: m.sentAt, voter: this.voter } });
      return;
    }
    this.#acceptLeader(from, m.term, now);
    let data = m.data;
    if (m.total !== undefined && m.index > this.#commit) {
      // A chunk: gather in order; reply where to go on until the snapshot is whole.
      const gathered = gatherChunk(this.#incoming, m);
      this.#incoming = gathered.incoming;
      if (gathered.data === undefined) {
        this.#send(from, { name: 'log.snapshotReply', body: { term: this.#term, index: m.index, next: gathered.next, sentAt: m.sentAt, voter: this.voter } });
        return;
      }
      data = gathered.data;
    }
    if (m.index > this.#commit) {
      const snapshot: Snapshot = { index: m.index, term: m.snapTerm, data };
      const keep = this.termAt(m.index) === m.snapTerm;
      this.#log.install(snapshot, keep);
      if (!keep) this.#durable = Math.min(this.#durable, m.index);
      this.#commit = m.index;
      this.#out.installed(snapshot); // what was committed before is superseded by it
      this.#out.write({ type: 'snapshot', snapshot, discardLog: !keep });
    }
    this.#send(from, { name: 'log.appendReply', body: { term: this.#term, success: true, index: Math.max(m.index, this.#log.snapshotIndex), sentAt: m.sentAt, voter: this.voter } });
    this.#maybeFinishLearning();
  }

  /** A follower took a chunk of our snapshot: send the next one (it says from where). */
  #onSnapshotReply(from: string, m: SnapshotReply, now: number): void {
    if (m.term > this.#term) {
      this.#becomeFollower(m.term, undefined, now);
      return;
    }
    if (this.#role !== 'leader' || m.term !== this.#term) return;
    const p = this.#progress.get(from);
    if (p === undefined) return;
    p.voter = m.voter;
    if (m.voter && m.sentAt > p.ackedAt) p.ackedAt = m.sentAt;
    if (p.probeSentAt !== undefined && m.sentAt >= p.probeSentAt) p.probeSentAt = undefined;
    const snap = this.#log.snapshot;
    if (snap === null || m.index !== snap.index) return; // about an older snapshot: the next probe sends the current one
    p.snapshotIndex = snap.index;
    p.snapshotOffset = Math.max(0, Math.min(m.next, snap.data.length));
    this.#sendAppend(from, now, false);
  }

  #acceptLeader(from: string, term: number, now: number): void {
    if (term > this.#term || this.#role === 'candidate' || this.#role === 'leader') this.#becomeFollower(term, from, now);
    this.#leader = from;
    this.#lastLeaderContact = now;
    this.#preVotes = null;
    if (this.#learning !== null) this.#learning.heardLeader = true;
    this.#resetElectionDeadline(now);
  }

  #onAppendReply(from: string, m: AppendReply, now: number): void {
    if (m.term > this.#term) {
      this.#becomeFollower(m.term, undefined, now);
      return;
    }
    if (this.#role !== 'leader' || m.term !== this.#term) return;
    const p = this.#progress.get(from);
    if (p === undefined) return;
    p.voter = m.voter;
    if (m.voter && m.sentAt > p.ackedAt) p.ackedAt = m.sentAt;
    // A reply to the probe, or to anything sent after it (then the probe was handled first or lost): the probe is over.
    // (A refusal without a hint, from a replica that cannot take entries yet, is not an answer: the probe waits.)
    const answered = p.probeSentAt !== undefined && m.sentAt >= p.probeSentAt && (m.success || m.index > 0);
    if (answered) p.probeSentAt = undefined;
    if (m.success) {
      acknowledged(p, m.index);
      if (p.state === 'probe' && answered) {
        p.state = 'replicate';
        p.next = p.match + 1;
      }
      if (p.next <= p.match) p.next = p.match + 1;
      this.#maybeCommit();
      if (p.next <= this.lastIndex) this.#sendAppend(from, now, false);
    } else if (m.index > 0) {
      if (m.sentAt < p.staleBefore) return; // refused before the probe that followed: that probe answers for it
      // A non-voter may have lost its disk: what it matched before is gone.
      if (!m.voter && m.index <= p.match) p.match = m.index - 1;
      // Probe again from the follower's hint (never below what it matched).
      probe(p, now);
      p.probeSentAt = undefined;
      p.next = Math.max(p.match + 1, Math.min(m.index, this.lastIndex + 1));
      this.#sendAppend(from, now, true);
    }
  }

  /**
   * Sends `peer` what it misses from its `next`, a snapshot when its `next` was compacted away,
   * or (with `force`) at least a heartbeat: an append without entries when flow control holds
   * the entries back (see Progress).
   */
  #sendAppend(peer: string, now: number, force: boolean): void {
    const message = nextAppend(this.#progress.get(peer)!, this.#log, this.#limits, { term: this.#term, commit: this.#commit }, now, force);
    if (message !== undefined) this.#send(peer, message);
  }

  #maybeCommit(): void {
    if (this.#role !== 'leader') return;
    // Our own copy counts once it is durable (the host reports it), like a follower's acknowledgement.
    const matches = [Math.min(this.#durable, this.lastIndex)];
    for (const p of this.#progress.values()) if (p.voter) matches.push(p.match);
    const n = quorumValue(matches, this.quorum);
    if (n !== undefined && n > this.#commit && this.termAt(n) === this.#term) this.#advanceCommit(n);
  }

  #advanceCommit(to: number): void {
    if (to <= this.#commit) return;
    const from = this.#commit + 1;
    this.#commit = to;
    for (const e of this.entries(from, to)) this.#out.committed(e);
  }

  /** The time of the quorum-th most recent acknowledgement (ours counts as now). */
  #leaseBase(now: number): number {
    const acks = [now];
    for (const p of this.#progress.values()) if (p.voter) acks.push(p.ackedAt);
    return quorumValue(acks, this.quorum) ?? -Infinity;
  }

  // ---------------------------------------------------------------- helpers

  #appendLocal(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    this.#log.append(entries);
    if (first <= this.#durable) this.#durable = first - 1; // a replaced suffix is not durable until written again
    this.#out.write({ type: 'append', entries });
  }

  #setHardState(term: number, vote: string | null): void {
    this.#term = term;
    this.#vote = vote;
    if (this.#status === 'empty') throw new Error('an empty replica has no state to write');
    const state: HardState = { term, vote, status: this.#status };
    this.#out.write({ type: 'hardState', state });
  }

  #resetElectionDeadline(now: number): void {
    this.#deadlineSeenAt = undefined;
    const { electionMinMs, electionMaxMs } = this.timing;
    this.#electionDeadline = now + this.#random.range(electionMinMs, electionMaxMs);
  }

  #send(to: string, message: Message): void {
    // A leader's appends and snapshots go out before its own writes are durable (pipelined fsync).
    this.#out.send(to, message, this.#role === 'leader' && (message.name === 'log.append' || message.name === 'log.installSnapshot'));
  }

  #roleState(): RoleState {
    return { role: this.#role, term: this.#term, leader: this.#leader, ready: this.ready };
  }
}
