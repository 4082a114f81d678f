/**
 * The agent's status-update journal (update-journal.ts) and the command
 * tasks' records in it (command-checkpoint.ts): a torn last record is
 * dropped with a log line and cut off, a crash between an append and its
 * fsync (on the simulated disk) loses nothing that was sent, many tasks'
 * streams come back after a restart, compaction keeps the file small and
 * the live streams whole.
 */
import { describe, expect, test } from '@jest/globals';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from 'libprocess-ts';
import { VirtualClock } from 'libprocess-ts/testing';
import type { StatusUpdate } from '../../protocol/messages/common.js';
import type { TaskState } from '../../protocol/task-states.js';
import { CheckpointError, readRecords, recordLine } from '../checkpoint.js';
import { addJournaledCommands, commandKey, commandRecord, doneRecord } from '../command-checkpoint.js';
import { nodeDisk, type AgentDisk } from '../disk.js';
import type { RecoveredAgentState } from '../recovery.js';
import { StatusUpdateManager, type StatusUpdateHost, type StreamPlace } from '../status-updates.js';
import { SimDisk } from '../../sim/disk.js';
import { tempDir } from './helpers.js';

const uuid = (task: number, n: number): Uint8Array => {
  const u = new Uint8Array(16);
  u[0] = n;
  u[1] = task & 0xff;
  u[2] = task >> 8;
  return u;
};

const update = (task: number, state: TaskState, n: number): StatusUpdate => ({
  framework_id: { value: 'F' },
  status: { task_id: { value: `t${task}` }, state },
  timestamp: n,
  uuid: uuid(task, n),
});

interface TestHost extends StatusUpdateHost {
  readonly sent: StatusUpdate[];
  readonly logs: string[];
  readonly errors: Error[];
}

/** A host that records what is sent and logged; asynchronous (group commit) unless `sync`. */
function host(sync = false): TestHost {
  const h: TestHost = {
    sent: [],
    logs: [],
    errors: [],
    forward: (u) => void h.sent.push(u),
    delay: () => ({ cancel: () => {} }),
    log: (m) => void h.logs.push(m),
  };
  if (!sync) {
    h.run = (fn) => {
      try {
        fn();
      } catch (e) {
        h.errors.push(e as Error);
      }
    };
  }
  return h;
}

const manager = (h: StatusUpdateHost, disk: AgentDisk, more: { compactAtBytes?: number; beforeCompaction?: () => Promise<void> } = {}): StatusUpdateManager =>
  new StatusUpdateManager(h, { retryMinMs: 10_000, retryMaxMs: 600_000, fsync: true, disk, ...more });

const place = (journal: string, task: number): StreamPlace => ({ journal, container: `c${task}` });

describe('the status-update journal', () => {
  test('a torn last record is dropped with a log line and cut off the file; what follows reads back', () => {
    const dir = tempDir('agent-journal-torn-');
    const path = join(dir, 'updates.journal');
    const h = host(true);
    const sum = manager(h, nodeDisk);
    sum.update(update(1, 'TASK_RUNNING', 1), place(path, 1));
    const whole = statSync(path).size;
    appendFileSync(path, '1234abcd {"framework_id":"F","ta'); // a crash in the middle of the next append

    const h2 = host(true);
    const again = manager(h2, nodeDisk);
    again.recoverJournal(path);
    expect(h2.logs).toEqual([expect.stringMatching(/updates\.journal: dropped a torn tail after the last commit \(\d+ bytes after byte \d+, from an unfinished last line: a crash in the middle of an append\)/)]);
    expect(statSync(path).size).toBe(whole);
    expect(again.recover('F', 't1', place(path, 1))!.pending.map((u) => u.status.state)).toEqual(['TASK_RUNNING']);
    again.acknowledge('F', 't1', uuid(1, 1));
    expect(readRecords(path)).toMatchObject({ torn: false, records: [{ type: 'UPDATE' }, { type: 'COMMIT' }, { type: 'ACK' }, { type: 'COMMIT' }] });

    // The last commit's bytes with a page of zeros inside (pages written out of order), then more of its records:
    // all of it after the last COMMIT is a crash's tail, dropped.
    const committed = statSync(path).size;
    const ack = recordLine({ framework_id: 'F', task_id: 't1', container_id: 'c1', type: 'ACK', uuid: uuid(1, 1) });
    appendFileSync(path, ack.slice(0, 20) + '\0'.repeat(100) + ack.slice(120 - 100) + ack);
    const h3 = host(true);
    manager(h3, nodeDisk).recoverJournal(path);
    expect(h3.logs).toEqual([expect.stringMatching(/dropped a torn tail after the last commit \(\d+ bytes after byte \d+, from line 5 fails its checksum: a crash/)]);
    expect(statSync(path).size).toBe(committed);

    // A bad line before the last COMMIT is not a crash's: an error naming the journal and the line, not skipped.
    appendFileSync(path, '00000000 {"type":"ACK"}\n' + ack + recordLine({ type: 'COMMIT' }));
    expect(() => manager(host(true), nodeDisk).recoverJournal(path)).toThrow(CheckpointError);
    expect(() => manager(host(true), nodeDisk).recoverJournal(path)).toThrow(/updates\.journal: line 5 fails its checksum \(before the last commit/);
  });

  test('a crash between the append and its fsync (simulated disk): nothing was sent, recovery drops what was torn and resends what survived', async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const clock = new VirtualClock();
      const disk = new SimDisk({ clock, random: new Random(seed), latencyMs: [5, 5] });
      const path = '/w/meta/updates.journal';
      const h = host();
      const sum = manager(h, disk);
      sum.resume();
      // One durable update first, then a turn of three tasks' updates whose commit the crash interrupts.
      sum.update(update(0, 'TASK_RUNNING', 1), place(path, 0));
      await clock.advance(10);
      expect(h.sent.map((u) => u.status.task_id.value)).toEqual(['t0']);
      for (let t = 1; t <= 3; t++) sum.update(update(t, 'TASK_FINISHED', 2), place(path, t));
      await clock.advance(1); // the append is in the page cache, its fsync not done
      disk.crash();
      expect(h.sent.map((u) => u.status.task_id.value)).toEqual(['t0']); // none of the three went out

      const h2 = host();
      const again = manager(h2, disk);
      again.recoverJournal(path); // never throws: at worst a torn tail, dropped
      const survived = [1, 2, 3].filter((t) => again.recover('F', `t${t}`, place(path, t)) !== undefined);
      expect(again.recover('F', 't0', place(path, 0))!.pending.map((u) => u.status.state)).toEqual(['TASK_RUNNING']);
      // What survived is a prefix of the turn (an append is cut, never reordered).
      expect(survived).toEqual([1, 2, 3].slice(0, survived.length));
      outcomes.add(h2.logs.length > 0 ? 'torn' : survived.length === 0 ? 'lost' : survived.length === 3 ? 'kept' : 'prefix');
      again.resume();
      expect(h2.sent.map((u) => u.status.task_id.value).sort()).toEqual(['t0', ...survived.map((t) => `t${t}`)].sort());
      expect(h2.errors).toEqual([]);
    }
    expect(outcomes.has('torn')).toBe(true);
    expect(outcomes.has('lost')).toBe(true);
  });

  test('500 tasks: one turn is one append; after a restart every stream is back with what was not acknowledged', async () => {
    const dir = tempDir('agent-journal-many-');
    const path = join(dir, 'meta', 'updates.journal');
    const appends: number[] = [];
    const disk: AgentDisk = { ...nodeDisk, append: (p, line, fsync) => (appends.push(line.split('\n').length - 1), nodeDisk.append(p, line, fsync)) };
    const h = host();
    const sum = manager(h, disk);
    sum.resume();
    const N = 500;
    for (let t = 0; t < N; t++) {
      sum.update(update(t, 'TASK_STARTING', 1), place(path, t));
      sum.update(update(t, 'TASK_RUNNING', 2), place(path, t));
    }
    await sum.flushed();
    expect(appends).toEqual([2 * N + 1]); // and its COMMIT
    expect(h.sent).toHaveLength(N);
    // Task t: STARTING acknowledged for every task; the even ones go on to FINISHED, acknowledged for every 4th.
    for (let t = 0; t < N; t++) sum.acknowledge('F', `t${t}`, uuid(t, 1));
    await sum.flushed();
    for (let t = 0; t < N; t += 2) {
      sum.acknowledge('F', `t${t}`, uuid(t, 2));
      sum.update(update(t, 'TASK_FINISHED', 3), place(path, t));
    }
    await sum.flushed();
    for (let t = 0; t < N; t += 4) expect(sum.acknowledge('F', `t${t}`, uuid(t, 3)).ended).toBe(true);
    await sum.flushed();
    expect(appends.length).toBeLessThanOrEqual(6);

    const h2 = host();
    const again = manager(h2, nodeDisk);
    again.recoverJournal(path);
    for (let t = 0; t < N; t++) {
      const s = again.recover('F', `t${t}`, place(path, t))!;
      const expected = t % 4 === 0 ? [] : t % 2 === 0 ? ['TASK_FINISHED'] : ['TASK_RUNNING'];
      expect(s.pending.map((u) => u.status.state)).toEqual(expected);
      expect(s.terminated).toBe(t % 4 === 0);
    }
    expect(again.streams.size).toBe(N - N / 4);
    expect(h2.logs).toEqual([]);
  });

  test('compaction: the file stays small while tasks come and go, after the discards are made durable; live streams survive it whole', async () => {
    const dir = tempDir('agent-journal-compact-');
    const path = join(dir, 'updates.journal');
    const events: string[] = [];
    const h = host();
    const sum = manager(h, nodeDisk, {
      compactAtBytes: 8_000,
      beforeCompaction: async () => void events.push(`sync at ${statSync(path).size}`),
    });
    sum.resume();
    // Three tasks that stay: RUNNING acknowledged, FINISHED pending.
    for (const t of [9001, 9002, 9003]) {
      sum.update(update(t, 'TASK_RUNNING', 1), place(path, t));
      await sum.flushed();
      sum.acknowledge('F', `t${t}`, uuid(t, 1));
      sum.update(update(t, 'TASK_FINISHED', 2), place(path, t));
    }
    await sum.flushed();
    let largest = 0;
    for (let t = 0; t < 300; t++) {
      sum.update(update(t, 'TASK_RUNNING', 1), place(path, t));
      await sum.flushed();
      sum.acknowledge('F', `t${t}`, uuid(t, 1));
      sum.update(update(t, 'TASK_FINISHED', 2), place(path, t));
      await sum.flushed();
      sum.acknowledge('F', `t${t}`, uuid(t, 2));
      await sum.flushed();
      largest = Math.max(largest, statSync(path).size);
    }
    const journal = sum.journal(path);
    expect(journal.counters.compactions).toBeGreaterThan(3);
    expect(events).toHaveLength(journal.counters.compactions);
    // Never much past the threshold (300 tasks wrote ~100 KB of records).
    expect(largest).toBeLessThan(8_000 + 2_000);
    expect(journal.sizes.liveStreams).toBe(3);

    const again = manager(host(), nodeDisk);
    again.recoverJournal(path);
    for (const t of [9001, 9002, 9003]) {
      const s = again.recover('F', `t${t}`, place(path, t))!;
      expect(s.pending.map((u) => u.status.state)).toEqual(['TASK_FINISHED']);
      expect([...s.acknowledged]).toEqual([Buffer.from(uuid(t, 1)).toString('hex')]);
    }
    expect(again.recover('F', 't5', place(path, 5))).toBeUndefined();
    expect(again.streams.size).toBe(3);
    expect(readFileSync(path, 'utf8').split('\n').length - 1).toBeLessThan(60);
  });

  test("a command task's COMMAND record: recovered as an executor until its DONE; a bad one is an error naming the journal", () => {
    const dir = tempDir('agent-journal-command-');
    const path = join(dir, 'updates.journal');
    const sum = manager(host(true), nodeDisk);
    const journal = sum.journal(path);
    const task = { name: 't1', task_id: { value: 't1' }, agent_id: { value: 'A' }, resources: [], command: { value: 'true' } };
    const executor = { executor_id: { value: 't1' }, framework_id: { value: 'F' }, command: { value: 'true' }, resources: [] };
    journal.append(commandKey('F', 't1', 'c1'), recordLine(commandRecord('F', executor, { containerId: 'c1', directory: '/sandbox/1' }, task)));
    sum.update(update(1, 'TASK_RUNNING', 1), place(path, 1));
    journal.append(commandKey('F', 't2', 'c2'), recordLine(commandRecord('F', { ...executor, executor_id: { value: 't2' } }, { containerId: 'c2', directory: '/sandbox/2' }, { ...task, task_id: { value: 't2' } })));
    journal.append(commandKey('F', 't2', 'c2'), recordLine(doneRecord('F', 't2', 'c2')));
    journal.append(commandKey('G', 't3', 'c3'), recordLine(commandRecord('G', { ...executor, executor_id: { value: 't3' } }, { containerId: 'c3', directory: '/sandbox/3' }, { ...task, task_id: { value: 't3' } })));

    const state = (): RecoveredAgentState => ({ agentId: 'A', info: { hostname: 'h' } as RecoveredAgentState['info'], frameworks: [{ id: 'F', info: { name: 'f', user: 'u' } as never, executors: [] }] });
    const again = manager(host(true), nodeDisk);
    const s = state();
    const warnings: string[] = [];
    const added = addJournaledCommands(s, again.recoverJournal(path), path, (m) => void warnings.push(m));
    expect(added.map((e) => [e.info.executor_id.value, e.run.containerId, e.tasks[0]!.info.task_id.value, e.journaled])).toEqual([['t1', 'c1', 't1', true]]);
    expect(s.frameworks[0]!.executors).toEqual(added);
    expect(warnings).toEqual([expect.stringContaining('task t3 of framework G has no framework checkpoint')]);
    // Its updates come back beside it, the COMMAND record skipped by the stream.
    expect(again.recover('F', 't1', place(path, 1))!.pending.map((u) => u.status.state)).toEqual(['TASK_RUNNING']);

    appendFileSync(path, recordLine({ framework_id: 'F', task_id: 't4', container_id: 'c4', type: 'COMMAND', executor, run: { containerId: 'other', directory: '/s' }, task: { ...task, task_id: { value: 't4' } } }));
    expect(() => addJournaledCommands(state(), manager(host(true), nodeDisk).recoverJournal(path), path, () => {})).toThrow(/updates\.journal: a COMMAND record of task t4: 'run' must name the record's container/);
  });
});
