import { describe, test, expect } from '@jest/globals';
import { Resources, type Resource } from '../resources.js';

describe('Resources.json(): one frozen JSON form, read back without parsing', () => {
  test('is made once, equals toJSONWithCopies(), and Resources.of gives back the very object', () => {
    const r = Resources.parse('cpus:2;mem:1024;ports:[31000-31010]').allocate('*');
    const json = r.json();
    expect(r.json()).toBe(json);
    expect(json).toEqual(r.toJSONWithCopies());
    expect(Resources.of(json)).toBe(r);
  });

  test('is frozen through and through: a caller cannot change what others share', () => {
    const json = Resources.parse('cpus:2;ports:[1-5]').json();
    expect(Object.isFrozen(json)).toBe(true);
    expect(Object.isFrozen(json[0])).toBe(true);
    expect(() => {
      (json[0] as Resource).scalar!.value = 9;
    }).toThrow(TypeError);
    expect(() => (json as Resource[]).push(json[0]!)).toThrow(TypeError);
    const ports = json.find((r) => r.name === 'ports')!;
    expect(Object.isFrozen(ports.ranges!.range[0])).toBe(true);
    const reserved = Resources.parse('cpus(eng):1;x:{a,b}').allocate('eng').json();
    for (const r of reserved) for (const part of [r, r.reservations, r.reservations?.[0], r.allocation_info, r.set, r.set?.item, r.scalar]) if (part !== undefined) expect(Object.isFrozen(part)).toBe(true);
  });

  test('an equal array that json() did not make is parsed and checked as any other', () => {
    const r = Resources.parse('cpus:2;mem:1024');
    const copy = structuredClone(r.json()) as Resource[];
    const back = Resources.of(copy);
    expect(back).not.toBe(r);
    expect(back.equals(r)).toBe(true);
    copy[0]!.scalar!.value = -1;
    expect(() => Resources.of(copy)).toThrow(/negative|cpus/);
  });

  test('keeps the copies of a shared resource, as toJSONWithCopies does', () => {
    const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 10 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }], disk: { persistence: { id: 'v1', principal: 'p' }, volume: { container_path: 'data', mode: 'RW' } }, shared: {} } as Resource;
    const two = Resources.of([volume, volume]);
    expect(two.json()).toHaveLength(2);
    expect(Resources.of(two.json())).toBe(two);
  });
});
