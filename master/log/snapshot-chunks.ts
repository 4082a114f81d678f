/**
 * A follower gathering a snapshot that arrives in chunks (one larger than a
 * message): in order, each chunk at the offset where the last one ended; a
 * chunk at offset 0, or of another snapshot, starts again.
 */
import type { InstallSnapshot } from './messages.js';

export interface IncomingSnapshot {
  readonly index: number;
  readonly term: number;
  readonly total: number;
  readonly parts: Uint8Array[];
  length: number;
}

/**
 * Takes the chunk `m` (which has `total`) into `incoming`. Returns the assembly to keep
 * (null: none), and either the whole snapshot's `data` or `next`, the offset to ask for.
 */
export function gatherChunk(incoming: IncomingSnapshot | null, m: InstallSnapshot): { incoming: IncomingSnapshot | null; data?: Uint8Array; next: number } {
  const offset = m.offset ?? 0;
  let inc = incoming;
  if (inc === null || inc.index !== m.index || inc.term !== m.snapTerm || inc.total !== m.total || offset === 0) {
    inc = offset === 0 && m.total !== undefined && Number.isSafeInteger(m.total) && m.total >= 0 ? { index: m.index, term: m.snapTerm, total: m.total, parts: [], length: 0 } : null;
  }
  if (inc !== null && offset === inc.length && inc.length + m.data.length <= inc.total) {
    inc.parts.push(m.data);
    inc.length += m.data.length;
  }
  if (inc === null || inc.length < inc.total) return { incoming: inc, next: inc?.length ?? 0 };
  const data = new Uint8Array(inc.total);
  let at = 0;
  for (const part of inc.parts) {
    data.set(part, at);
    at += part.length;
  }
  return { incoming: null, data, next: inc.total };
}
