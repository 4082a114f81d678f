// Helpers: taking resources out of offers (reservations, allocation roles,
// ports), first fit with attribute constraints, task ids, backoff, detectors.
import { describe, expect, test } from '@jest/globals';
import { Random } from 'libprocess-ts';
import { parseAttributes } from '../../protocol/attributes.js';
import { Resources } from '../../protocol/resources.js';
import type { Offer } from '../../protocol/types.js';
import { Backoff } from '../scheduler/backoff.js';
import { StaticMasterDetector, masterPidText } from '../scheduler/detector.js';
import { TaskIdGenerator, firstFit, sumResources, take } from '../scheduler/helpers.js';

function offer(id: string, resources: string, attributes = '', role = '*'): Offer {
  return {
    id: { value: id },
    framework_id: { value: 'f' },
    agent_id: { value: `a-${id}` },
    hostname: `h-${id}`,
    resources: Resources.parse(resources).allocate(role).toJSON(),
    ...(attributes ? { attributes: parseAttributes(attributes) } : {}),
    allocation_info: { role },
  };
}

describe('take', () => {
  test('scalars come out with the offer entry shape (allocation role, reservations), across entries', () => {
    const available = Resources.parse('cpus(eng):1;cpus:2;mem:256').allocate('eng');
    const got = take(available, 'cpus:2.5;mem:100')!;
    expect(got.scalar('cpus')).toBe(2.5);
    expect(got.allocatedTo('eng').equals(got)).toBe(true);
    expect(got.reserved('eng').scalar('cpus')).toBe(1);
    expect(available.contains(got)).toBe(true);
    expect(take(available, 'cpus:3.5')).toBeUndefined();
  });

  test('ports: named ranges must be there; a count takes the lowest free ones', () => {
    const available = Resources.parse('cpus:1;ports:[31000-31002,32000-32010]');
    expect(take(available, 'ports:[31001-31002]')!.ranges('ports')).toEqual([{ begin: 31001, end: 31002 }]);
    expect(take(available, 'ports:[30000-30000]')).toBeUndefined();
    expect(take(available, 'cpus:0.5', 5)!.ranges('ports')).toEqual([{ begin: 31000, end: 31002 }, { begin: 32000, end: 32001 }]);
    expect(take(available, 'cpus:0.5', 100)).toBeUndefined();
  });
});

describe('firstFit', () => {
  test('places in order on the first offer that fits, honours constraints, and lists what is left', () => {
    const offers = [offer('o1', 'cpus:1;mem:128', 'rack:r1'), offer('o2', 'cpus:4;mem:1024', 'rack:r2'), offer('o3', 'cpus:1;mem:64')];
    const result = firstFit(offers, [
      { resources: 'cpus:0.5;mem:64', command: 'a' },
      { resources: 'cpus:0.5;mem:64', command: 'b' },
      { resources: 'cpus:0.5;mem:64', constraints: [{ name: 'rack', op: 'EQUALS', value: 'r2' }], command: 'c' },
      { resources: 'cpus:8', command: 'd' },
    ], new TaskIdGenerator('job'));
    expect([...result.launches.entries()].map(([id, l]) => [id, l.tasks.map((t) => `${t.task_id.value}:${t.command!.value}`)])).toEqual([
      ['o1', ['job-1:a', 'job-2:b']],
      ['o2', ['job-3:c']],
    ]);
    expect(result.unplaced.map((r) => r.command)).toEqual(['d']);
    expect(result.unused.map((o) => o.id.value)).toEqual(['o3']);
    const task = result.launches.get('o2')!.tasks[0]!;
    expect(task.agent_id.value).toBe('a-o2');
    expect(Resources.of(task.resources!).allocatedTo('*').scalar('mem')).toBe(64);
    expect(sumResources(offers).scalar('cpus')).toBe(6);
  });

  test('accept() sees earlier placements (one per hostname)', () => {
    const offers = [offer('o1', 'cpus:4;mem:1024'), offer('o2', 'cpus:4;mem:1024')];
    const onePerHost = { resources: 'cpus:1', accept: (o: Offer, placed: readonly { offer: Offer }[]) => !placed.some((p) => p.offer.hostname === o.hostname) };
    const result = firstFit(offers, [onePerHost, onePerHost, onePerHost]);
    expect(result.placements.map((p) => p.offer.hostname)).toEqual(['h-o1', 'h-o2']);
    expect(result.unplaced).toHaveLength(1);
  });
});

describe('ids, backoff, detectors', () => {
  test('task ids: a counter, with a seeded suffix when given a Random', () => {
    const plain = new TaskIdGenerator('t');
    expect([plain.next(), plain.next()]).toEqual(['t-1', 't-2']);
    const a = new TaskIdGenerator('t', new Random(3)).next();
    expect(a).toMatch(/^t-1-[0-9a-f]{8}$/);
    expect(new TaskIdGenerator('t', new Random(3)).next()).toBe(a);
  });

  test('backoff doubles from 1 s to 1 min with jitter, replayable from the seed', () => {
    const b = new Backoff(new Random(1));
    const waits = Array.from({ length: 10 }, () => b.next());
    waits.slice(0, 6).forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(Math.min(60_000, 1000 * 2 ** i));
      expect(w).toBeLessThanOrEqual(Math.min(60_000, 2000 * 2 ** i));
    });
    expect(waits.slice(6).every((w) => w === 60_000)).toBe(true);
    const again = new Backoff(new Random(1));
    expect(Array.from({ length: 10 }, () => again.next())).toEqual(waits);
    b.reset();
    expect(b.next()).toBeLessThan(2000);
  });

  test('master addresses and a list tried in turn', async () => {
    expect(masterPidText('10.0.0.1:5050')).toBe('master@10.0.0.1:5050');
    expect(masterPidText('master@h:1')).toBe('master@h:1');
    expect(() => masterPidText('nope')).toThrow(/bad master address "nope"/);
    const d = new StaticMasterDetector('a:1, b:2');
    const first = await d.detect();
    expect(first).toBe('master@a:1');
    expect(await d.detect(first)).toBe('master@b:2');
    expect(await d.detect('master@b:2')).toBe('master@a:1');
    expect(() => new StaticMasterDetector('')).toThrow(/no master given/);
  });
});
