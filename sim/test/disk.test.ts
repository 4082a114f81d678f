// The simulated disk's promises: what was synced survives a crash, what was not may be lost or torn (never
// invented), an atomic rewrite leaves the old or the new content, a write in flight at the crash never completes.
import { describe, expect, test } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { VirtualClock } from 'libprocess-ts/testing';
import { SimDisk } from '../disk.js';

function disk(seed: number, ignoreFsync = false): { d: SimDisk; clock: VirtualClock } {
  const clock = new VirtualClock();
  return { d: new SimDisk({ clock, random: new Random(seed), ignoreFsync }), clock };
}

describe('SimDisk', () => {
  test('synced appends survive a crash; unsynced ones are kept, cut short or lost, never more', () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 200; seed++) {
      const { d } = disk(seed);
      d.mkdirp('/w/t');
      d.appendSync('/w/t/u', 'one\n', true, false);
      d.appendSync('/w/t/u', 'two\n', false, false);
      d.crash();
      const text = d.read('/w/t/u')!;
      expect(text.startsWith('one\n')).toBe(true);
      expect('one\ntwo\n'.startsWith(text)).toBe(true);
      outcomes.add(text === 'one\n' ? 'lost' : text === 'one\ntwo\n' ? 'kept' : 'torn');
    }
    expect(outcomes).toEqual(new Set(['lost', 'kept', 'torn']));
  });

  test('an atomic rewrite without fsync leaves the old or the new content; with fsync the new', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const { d } = disk(seed);
      d.writeAtomicSync('/w/f', 'old', true);
      d.writeAtomicSync('/w/f', 'new', false);
      d.writeAtomicSync('/w/g', 'kept', true);
      d.crash();
      seen.add(d.read('/w/f')!);
      expect(d.read('/w/g')).toBe('kept');
    }
    expect(seen).toEqual(new Set(['old', 'new']));
  });

  test('an asynchronous append resolves after its latency, once durable; a crash before then: it never resolves', async () => {
    const { d, clock } = disk(3);
    d.mkdirp('/w');
    let done = false;
    void d.append('/w/a', 'x\n', true).then(() => (done = true));
    expect(done).toBe(false);
    await clock.advance(5);
    expect(done).toBe(true);
    let late = false;
    void d.append('/w/a', 'y\n', true).then(() => (late = true));
    d.crash();
    await clock.advance(5);
    expect(late).toBe(false);
    expect(d.read('/w/a')!.startsWith('x\n')).toBe(true);
    await expect(d.append('/w/missing/a', 'z\n', true)).rejects.toThrow(/ENOENT/);
  });

  test('with fsync ignored (the skipFsync mutation) nothing is durable; a wipe loses everything', () => {
    const { d } = disk(1, true);
    d.writeAtomicSync('/w/f', 'v', true);
    d.mkdirp('/w/t');
    d.appendSync('/w/t/u', 'one\n', true, false);
    let lost = 0;
    for (let i = 0; i < 20 && lost === 0; i++) {
      d.crash();
      if (d.read('/w/f') === undefined || d.read('/w/t/u') === undefined) lost++;
      d.writeAtomicSync('/w/f', 'v', true);
      d.appendSync('/w/t/u', 'one\n', true, false);
    }
    expect(lost).toBeGreaterThan(0);
    d.wipe();
    expect(d.read('/w/f')).toBeUndefined();
    expect(d.listDirs('/w')).toEqual([]);
  });

  test('directories: listDirs, rename of a tree, remove', () => {
    const { d } = disk(1);
    d.writeAtomicSync('/w/a/b/f', '1', true);
    d.writeAtomicSync('/w/a/c/g', '2', true);
    expect(d.listDirs('/w/a')).toEqual(['b', 'c']);
    expect(d.rename('/w/a/b', '/w/trash/1')).toBe(true);
    expect(d.read('/w/trash/1/f')).toBe('1');
    expect(d.listDirs('/w/a')).toEqual(['c']);
    expect(d.rename('/w/nope', '/w/x')).toBe(false);
    d.remove('/w/a');
    expect(d.read('/w/a/c/g')).toBeUndefined();
  });
});
