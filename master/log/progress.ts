/**
 * What the leader knows of a follower, and how it sends to it (flow control, as etcd's raft):
 * - `probe`: where the follower's log meets ours is not known: one message with entries (or
 *   the snapshot) at a time, the next one only after a reply dated at or after it; heartbeats
 *   meanwhile carry no entries. A slow follower (a stalled host) thus gets each entry once, not
 *   once per heartbeat or per rejection.
 * - `replicate`: the follower matched: entries stream optimistically, up to a window of
 *   messages and bytes not yet acknowledged.
 */
export interface Progress {
  next: number;
  match: number;
  voter: boolean;
  /** Latest `sentAt` of ours this peer acknowledged in the current term. */
  ackedAt: number;
  /** When we last sent it anything (for heartbeats). */
  lastSentAt: number;
  state: 'probe' | 'replicate';
  /** Probe: when the message with entries (or the snapshot) in flight was sent; undefined when none is. */
  probeSentAt: number | undefined;
  /** Replicate: the last index and the bytes of each message with entries not yet acknowledged. */
  inflight: { last: number; bytes: number }[];
  inflightBytes: number;
  /** Rejections of messages sent before this are stale (answered by the probe that followed them). */
  staleBefore: number;
  /** The snapshot being sent in chunks (its index) and the offset of the next chunk. */
  snapshotIndex: number;
  snapshotOffset: number;
}

/** A follower as a new leader first sees it: probed from `next`; `ackedAt` dates a vote it granted in the campaign (else -Infinity). */
export function newProgress(next: number, ackedAt: number): Progress {
  return {
    next,
    match: 0,
    voter: true,
    ackedAt,
    lastSentAt: -Infinity,
    state: 'probe',
    probeSentAt: undefined,
    inflight: [],
    inflightBytes: 0,
    staleBefore: -Infinity,
    snapshotIndex: 0,
    snapshotOffset: 0,
  };
}

/** Back to probing (a refusal, a snapshot to send): nothing counts as in flight; refusals of what was sent before `now` are stale. */
export function probe(p: Progress, now: number): void {
  p.state = 'probe';
  p.inflight = [];
  p.inflightBytes = 0;
  p.staleBefore = now;
}

/** Whether flow control holds entries back: a probe in flight, or the replicate window full. */
export function paused(p: Progress, maxInflight: number, maxInflightBytes: number): boolean {
  return p.state === 'probe' ? p.probeSentAt !== undefined : p.inflight.length >= maxInflight || p.inflightBytes >= maxInflightBytes;
}

/** The follower holds everything up to `index`: the messages up to it are no longer in flight. */
export function acknowledged(p: Progress, index: number): void {
  if (index > p.match) p.match = index;
  while (p.inflight.length > 0 && p.inflight[0]!.last <= p.match) p.inflightBytes -= p.inflight.shift()!.bytes;
}

/** Entries up to `last` (`bytes` of payload) sent in replicate state: the next message carries what follows. */
export function sentOptimistically(p: Progress, last: number, bytes: number): void {
  p.inflight.push({ last, bytes });
  p.inflightBytes += bytes;
  p.next = last + 1;
}
