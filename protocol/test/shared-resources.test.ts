import { describe, test, expect } from '@jest/globals';
import { Resources } from '../resources.js';
import type { Resource } from '../resources.js';

/** A shared persistent volume of role `eng` (1024 MB), or a plain (unshared) one when `shared` is false. */
function volume(id: string, shared = true, mb = 1024): Resource {
  return {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: mb },
    reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
    disk: { persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    ...(shared ? { shared: {} } : {}),
  };
}

const one = (r: Resource): Resources => Resources.of([r]);
const cpus = Resources.parse('cpus:2;mem:512');

describe('shared resources: copies, as Mesos counts them', () => {
  test('adding a shared volume to itself counts copies; the amount is not summed', () => {
    const two = one(volume('v1')).add(one(volume('v1')));
    expect(two.count(volume('v1'))).toBe(2);
    expect(two.scalar('disk')).toBe(1024);
    expect(two.toJSON()).toEqual([volume('v1')]);
  });

  test('a list naming one shared volume twice holds two copies', () => {
    expect(Resources.of([volume('v1'), volume('v1')]).count(volume('v1'))).toBe(2);
  });

  test('an unshared volume sums like any scalar and counts once', () => {
    const two = one(volume('v1', false)).add(one(volume('v1', false)));
    expect(two.scalar('disk')).toBe(2048);
    expect(two.count(volume('v1', false, 2048))).toBe(1);
    expect(two.count(volume('v1', false))).toBe(0);
  });

  test('subtracting takes copies away one by one, and never below none', () => {
    const three = Resources.of([volume('v1'), volume('v1'), volume('v1')]);
    const two = three.subtract(one(volume('v1')));
    expect(two.count(volume('v1'))).toBe(2);
    expect(two.subtract(Resources.of([volume('v1'), volume('v1')])).isEmpty()).toBe(true);
    expect(one(volume('v1')).subtract(Resources.of([volume('v1'), volume('v1')])).isEmpty()).toBe(true);
  });

  test('contains compares copies, and the volume must be the same one', () => {
    const two = Resources.of([volume('v1'), volume('v1')]);
    expect(two.contains(one(volume('v1')))).toBe(true);
    expect(two.contains(Resources.of([volume('v1'), volume('v1')]))).toBe(true);
    expect(one(volume('v1')).contains(two)).toBe(false);
    expect(two.contains(one(volume('v2')))).toBe(false);
    expect(two.contains(one(volume('v1', true, 512)))).toBe(false);
    // A shared volume and an unshared one of the same id are different resources.
    expect(two.contains(one(volume('v1', false)))).toBe(false);
  });

  test('equality counts copies', () => {
    expect(one(volume('v1')).equals(one(volume('v1')))).toBe(true);
    expect(one(volume('v1')).equals(Resources.of([volume('v1'), volume('v1')]))).toBe(false);
  });

  test('shared() and nonShared() split a bag, keeping copies', () => {
    const bag = cpus.add(Resources.of([volume('v1'), volume('v1'), volume('v2', false)]));
    expect(bag.hasShared()).toBe(true);
    expect(bag.shared().count(volume('v1'))).toBe(2);
    expect(bag.shared().size).toBe(1);
    expect(bag.nonShared().equals(cpus.add(one(volume('v2', false))))).toBe(true);
    expect(cpus.hasShared()).toBe(false);
    expect(cpus.shared().isEmpty()).toBe(true);
  });

  test('copies survive allocation and unallocation', () => {
    const two = Resources.of([volume('v1'), volume('v1')]);
    const allocated = two.allocate('eng');
    expect(allocated.count({ ...volume('v1'), allocation_info: { role: 'eng' } })).toBe(2);
    expect(allocated.unallocate().equals(two)).toBe(true);
  });

  test('the master\'s sum over tasks: two tasks on one shared volume use two copies, the volume is one 1024 MB', () => {
    // What agent.totalUsed() does with each task's resources.
    const task = cpus.add(one(volume('v1')));
    const used = task.add(task);
    expect(used.count(volume('v1'))).toBe(2);
    expect(used.scalar('disk')).toBe(1024);
    expect(used.scalar('cpus')).toBe(4);
    // One task ends: the volume is still in use once.
    expect(used.subtract(task).count(volume('v1'))).toBe(1);
  });
});
