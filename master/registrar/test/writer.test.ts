// RegistryWriter: the operations of one turn go out as entries of MAX_OPERATIONS_PER_ENTRY at most, in order; their
// promises settle when the turn's last entry commits, and a failure of any entry fails them all (the master steps down).
import { describe, expect, test } from '@jest/globals';
import { MAX_OPERATIONS_PER_ENTRY, RegistryWriter } from '../registrar.js';
import type { Operation } from '../registry.js';

const op = (i: number): Operation => ({ op: 'weights', weights: { [`r${i}`]: 1 } });

/** A log that takes entries in order and commits (or fails) them when told. */
function log() {
  const entries: { ops: readonly Operation[]; settle: (err?: Error) => void }[] = [];
  const write = (ops: readonly Operation[]): Promise<unknown> =>
    new Promise((resolve, reject) => entries.push({ ops, settle: (err) => (err === undefined ? resolve(undefined) : reject(err)) }));
  let turn: (() => void) | undefined;
  const failures: Error[] = [];
  const writer = new RegistryWriter(write, (fn) => (turn = fn), (err) => failures.push(err));
  return { entries, writer, failures, endTurn: () => turn?.() };
}

describe('RegistryWriter', () => {
  test('a turn of many operations: entries of MAX_OPERATIONS_PER_ENTRY at most, in order; settled when the last commits', async () => {
    const l = log();
    const n = 2 * MAX_OPERATIONS_PER_ENTRY + 7;
    let done = 0;
    for (let i = 0; i < n; i++) void l.writer.add(op(i)).then(() => done++);
    expect(l.entries).toHaveLength(0); // nothing before the end of the turn
    l.endTurn();
    expect(l.entries.map((e) => e.ops.length)).toEqual([MAX_OPERATIONS_PER_ENTRY, MAX_OPERATIONS_PER_ENTRY, 7]);
    expect(l.entries.flatMap((e) => e.ops)).toEqual(Array.from({ length: n }, (_, i) => op(i)));
    expect(l.writer.inFlight).toBe(3);
    l.entries[0]!.settle();
    l.entries[1]!.settle();
    await Promise.resolve();
    expect(done).toBe(0);
    l.entries[2]!.settle();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(n);
    expect(l.writer.inFlight).toBe(0);
    expect(l.failures).toEqual([]);
  });

  test('one entry of the turn failing fails every operation of it, once', async () => {
    const l = log();
    const results: string[] = [];
    for (let i = 0; i < MAX_OPERATIONS_PER_ENTRY + 1; i++) l.writer.add(op(i)).then(() => results.push('ok'), () => results.push('failed'));
    l.endTurn();
    l.entries[1]!.settle(new Error('not the leader'));
    l.entries[0]!.settle(new Error('not the leader either'));
    await new Promise((r) => setImmediate(r));
    expect(new Set(results)).toEqual(new Set(['failed']));
    expect(results).toHaveLength(MAX_OPERATIONS_PER_ENTRY + 1);
    expect(l.failures.map((e) => e.message)).toEqual(['not the leader']);
    expect(l.writer.inFlight).toBe(0);
  });
});
