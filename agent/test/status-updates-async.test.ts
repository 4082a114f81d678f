/**
 * The status update manager with asynchronous checkpoint writes (a host that
 * gives `run`, fsync on): an update goes to the master only once its record
 * is on disk, in order, the records of every stream of one turn share one
 * append and one fsync of the agent's journal, and a restart rebuilds the
 * stream from the journal.
 */
import { describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusUpdate } from '../../protocol/messages/common.js';
import type { TaskState } from '../../protocol/task-states.js';
import { readRecords } from '../checkpoint.js';
import { nodeDisk } from '../disk.js';
import { StatusUpdateManager, type JournalRecord, type StreamPlace } from '../status-updates.js';
import { tempDir } from './helpers.js';

const update = (state: TaskState, n: number, task = 't'): StatusUpdate => ({
  framework_id: { value: 'F' },
  status: { task_id: { value: task }, state },
  timestamp: n,
  uuid: new Uint8Array(16).fill(n),
});

/** A host whose `forward` records what was on disk at the moment of sending. */
function host() {
  const sent: { state: TaskState; onDisk: string[] }[] = [];
  let path = '';
  const h = {
    sent,
    setPath: (p: string) => (path = p),
    forward: (u: StatusUpdate) => {
      const onDisk = readRecords(path)
        .records.map((r) => r as JournalRecord)
        .filter((rec) => rec.task_id === u.status.task_id.value)
        .map((rec) => (rec.type === 'UPDATE' ? `UPDATE ${rec.update.status.state}` : `ACK ${rec.uuid[0]}`));
      sent.push({ state: u.status.state, onDisk });
    },
    delay: () => ({ cancel: () => {} }),
    errors: [] as Error[],
    run: (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        h.errors.push(e as Error);
      }
    },
  };
  return h;
}

describe('status updates checkpointed off the event loop', () => {
  test('each update is sent only after its record, and the ACK of the one before, are on disk; a restart resends the rest', async () => {
    const dir = tempDir('agent-sum-async-');
    const path = join(dir, 'meta', 'updates.journal');
    const at: StreamPlace = { journal: path, container: 'c1' };
    const h = host();
    h.setPath(path);
    // Every append the manager makes, with whether it was fsync'ed.
    const appends: { records: number; fsync: boolean }[] = [];
    const disk = { ...nodeDisk, append: (p: string, line: string, fsync: boolean) => (appends.push({ records: line.split('\n').length - 1, fsync }), nodeDisk.append(p, line, fsync)) };
    const sum = new StatusUpdateManager(h, { retryMinMs: 10_000, retryMaxMs: 600_000, fsync: true, disk });
    sum.resume();

    expect(sum.update(update('TASK_STARTING', 1), at)).toBe(true);
    expect(sum.update(update('TASK_RUNNING', 2), at)).toBe(true);
    expect(sum.update(update('TASK_RUNNING', 2), at)).toBe(false); // duplicate
    // Another task's update in the same turn joins the same commit.
    expect(sum.update(update('TASK_STARTING', 9, 'u'), { journal: path, container: 'c2' })).toBe(true);
    expect(h.sent).toEqual([]); // not before the record is fsync'ed
    await sum.flushed();
    // Group commit: the three records of the same turn (and the COMMIT) went to disk in one append and one fsync; the
    // heads are sent then.
    expect(appends).toEqual([{ records: 4, fsync: true }]);
    expect(h.sent).toEqual([
      { state: 'TASK_STARTING', onDisk: ['UPDATE TASK_STARTING', 'UPDATE TASK_RUNNING'] },
      { state: 'TASK_STARTING', onDisk: ['UPDATE TASK_STARTING'] },
    ]);
    h.sent.splice(1);

    // The ack of the head sends the next one (already on disk) once the ACK record is on disk too: a crash cannot
    // then lose the ACK after the next update went out (the older update would be resent after the newer).
    expect(sum.acknowledge('F', 't', new Uint8Array(16).fill(1)).update?.status.state).toBe('TASK_STARTING');
    expect(h.sent.map((s) => s.state)).toEqual(['TASK_STARTING']);
    await sum.flushed();
    expect(h.sent.map((s) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(h.sent[1]!.onDisk).toEqual(['UPDATE TASK_STARTING', 'UPDATE TASK_RUNNING', 'ACK 1']);

    // A new update while the head is in flight waits for the head's ack.
    sum.update(update('TASK_FINISHED', 3), at);
    await sum.flushed();
    expect(h.sent).toHaveLength(2);

    // A restart (a new manager on the same journal) resends what was not acknowledged, in order.
    const h2 = host();
    h2.setPath(path);
    const again = new StatusUpdateManager(h2, { retryMinMs: 10_000, retryMaxMs: 600_000, fsync: true });
    again.recoverJournal(path);
    const s = again.recover('F', 't', at)!;
    expect(s.pending.map((u) => u.status.state)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    again.resume();
    expect(h2.sent.map((x) => x.state)).toEqual(['TASK_RUNNING']);
    again.acknowledge('F', 't', new Uint8Array(16).fill(2));
    await again.flushed();
    expect(h2.sent.map((x) => x.state)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(again.acknowledge('F', 't', new Uint8Array(16).fill(3)).ended).toBe(true);
    expect(h.errors).toEqual([]);
    expect(h2.errors).toEqual([]);
  });

  test('a failed append to the journal is an error naming the file, and no update of that commit is sent', async () => {
    const dir = tempDir('agent-sum-async-');
    // A directory sits at the journal's path.
    const blocked = join(dir, 'blocked');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(blocked, { recursive: true });
    const h = host();
    h.setPath(blocked);
    const sum = new StatusUpdateManager(h, { retryMinMs: 10_000, retryMaxMs: 600_000, fsync: true });
    sum.resume();
    sum.update(update('TASK_RUNNING', 1), { journal: blocked, container: 'c1' });
    await sum.flushed();
    expect(h.sent).toEqual([]);
    expect(h.errors.map((e) => e.message)).toEqual([expect.stringContaining(`${blocked}: could not append 1 record(s): EISDIR`)]);
    rmSync(dir, { recursive: true, force: true });
  });
  test('after(): the next update waits for what is written elsewhere too (a container.json beside TASK_STARTING), fsync\'ed at the same time', async () => {
    const dir = tempDir('agent-sum-after-');
    const path = join(dir, 'updates.journal');
    const at: StreamPlace = { journal: path, container: 'c1' };
    const h = host();
    h.setPath(path);
    // The append's own promise: once it has resolved (the record fsync'ed), only the other write holds the update.
    let appended: Promise<void> | undefined;
    const disk = { ...nodeDisk, append: (p: string, line: string, fsync: boolean) => (appended = nodeDisk.append(p, line, fsync)) };
    const sum = new StatusUpdateManager(h, { retryMinMs: 10_000, retryMaxMs: 600_000, fsync: true, disk });
    sum.resume();
    let ready!: () => void;
    sum.after('F', 't', at, new Promise<void>((r) => (ready = r)));
    sum.update(update('TASK_STARTING', 1), at);
    const writes = sum.flushed();
    // The record reaches the disk on its own; the update is still held for the other write.
    await new Promise((r) => setImmediate(r));
    await appended;
    await new Promise((r) => setImmediate(r));
    expect(readRecords(path).records.map((r) => (r as JournalRecord).type)).toEqual(['UPDATE', 'COMMIT']);
    expect(h.sent).toEqual([]);
    ready();
    await writes;
    expect(h.sent.map((s) => s.state)).toEqual(['TASK_STARTING']);
    // Used once: the stream's next commit does not wait for it again.
    sum.acknowledge('F', 't', new Uint8Array(16).fill(1));
    sum.update(update('TASK_RUNNING', 2), at);
    await sum.flushed();
    expect(h.sent.map((s) => s.state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    rmSync(dir, { recursive: true, force: true });
  });
});
