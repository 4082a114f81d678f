/**
 * What a leader sends a follower next, from what it knows of it (progress.ts):
 * its snapshot (whole, or the next chunk) when the follower's `next` was
 * compacted away, else the entries from its `next` within the message limits
 * and the flow-control window, or (forced) a heartbeat without entries. The
 * follower's progress records what went out.
 */
import type { MemoryLog } from './memory-log.js';
import { toWire, type Message } from './messages.js';
import { paused, probe, sentOptimistically, type Progress } from './progress.js';
import type { Entry } from './types.js';

/** The limits of one message and of what may be in flight to one follower (core-types.ts LogConfig). */
export interface SendLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxInflight: number;
  readonly maxInflightBytes: number;
}

/** The leader's term and commit index, carried by every append. */
export interface LeaderPoint {
  readonly term: number;
  readonly commit: number;
}

/** The message for a follower with progress `p`, if any (`force`: at least a heartbeat). */
export function nextAppend(p: Progress, log: MemoryLog, limits: SendLimits, leader: LeaderPoint, now: number, force: boolean): Message | undefined {
  const snap = log.snapshot;
  const needsSnapshot = snap !== null && p.next <= snap.index;
  const held = paused(p, limits.maxInflight, limits.maxInflightBytes);
  if (!held && needsSnapshot) {
    probe(p, now);
    p.probeSentAt = now;
    p.lastSentAt = now;
    const total = snap.data.length;
    if (total <= limits.maxBytes) return { name: 'log.installSnapshot', body: { term: leader.term, index: snap.index, snapTerm: snap.term, data: snap.data, sentAt: now } };
    // Larger than a message: chunk after chunk, each one after the follower took the one before.
    if (p.snapshotIndex !== snap.index) {
      p.snapshotIndex = snap.index;
      p.snapshotOffset = 0;
    }
    const offset = p.snapshotOffset < total ? p.snapshotOffset : 0;
    const data = snap.data.subarray(offset, Math.min(total, offset + limits.maxBytes));
    return { name: 'log.installSnapshot', body: { term: leader.term, index: snap.index, snapTerm: snap.term, data, sentAt: now, offset, total } };
  }
  const entries: Entry[] = [];
  let bytes = 0;
  if (!held) {
    for (let i = p.next; i <= log.lastIndex && entries.length < limits.maxEntries; i++) {
      const e = log.entry(i)!;
      const size = e.data?.length ?? 0;
      if (entries.length > 0 && bytes + size > limits.maxBytes) break;
      bytes += size;
      entries.push(e);
    }
  }
  if (entries.length === 0 && !force) return undefined;
  // A heartbeat held back behind a snapshot in flight checks the snapshot's index.
  const prevIndex = needsSnapshot ? snap.index : p.next - 1;
  p.lastSentAt = now;
  if (entries.length > 0) {
    if (p.state === 'probe') {
      p.probeSentAt = now;
      p.staleBefore = now; // refusals of what was sent before this probe are answered by it
    } else {
      // Optimistic: the next append carries what follows. A loss shows up as a rejection with a hint.
      sentOptimistically(p, entries[entries.length - 1]!.index, bytes);
    }
  }
  return { name: 'log.append', body: { term: leader.term, prevIndex, prevTerm: log.termAt(prevIndex) ?? 0, entries: entries.map(toWire), commit: leader.commit, sentAt: now } };
}

/** The quorum-th largest of `values` (what a quorum has reached), or undefined with fewer values than the quorum. */
export function quorumValue(values: number[], quorum: number): number | undefined {
  if (values.length < quorum) return undefined;
  values.sort((a, b) => b - a);
  return values[quorum - 1];
}
