import { describe, test, expect } from '@jest/globals';
import fc from 'fast-check';
import { Resources } from '../resources.js';
import type { Resource, ResourceReservation } from '../resources.js';
import { protocolError } from './helpers.js';

// --- generators ---------------------------------------------------------------

const ROLES = ['*', 'eng', 'eng/backend', 'ads'] as const;

function reservationsFor(role: string, dynamic: boolean): ResourceReservation[] | undefined {
  if (role === '*') return undefined;
  if (role === 'eng/backend') {
    return [
      { type: 'STATIC', role: 'eng' },
      dynamic ? { type: 'DYNAMIC', role: 'eng/backend', principal: 'ops' } : { type: 'DYNAMIC', role: 'eng/backend' },
    ];
  }
  return [dynamic ? { type: 'DYNAMIC', role, principal: 'ops' } : { type: 'STATIC', role }];
}

/** Sorted distinct integers -> coalesced inclusive ranges. */
function toRanges(nums: number[]): { begin: number; end: number }[] {
  const s = [...new Set(nums)].sort((a, b) => a - b);
  const out: { begin: number; end: number }[] = [];
  for (const n of s) {
    const last = out[out.length - 1];
    if (last && n === last.end + 1) last.end = n;
    else out.push({ begin: n, end: n });
  }
  return out;
}

function expand(ranges: { begin: number; end: number }[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let i = r.begin; i <= r.end; i++) out.push(i);
  return out;
}

const meta = fc.record({
  role: fc.constantFrom(...ROLES),
  dynamic: fc.boolean(),
  alloc: fc.option(fc.constantFrom('eng', 'ads'), { nil: undefined }),
});

function withMeta(r: Resource, m: { role: string; dynamic: boolean; alloc: string | undefined }): Resource {
  const res = reservationsFor(m.role, m.dynamic);
  if (res) r.reservations = res;
  if (m.alloc !== undefined) r.allocation_info = { role: m.alloc };
  return r;
}

const scalarResource = fc
  .tuple(fc.constantFrom('cpus', 'mem', 'disk', 'gpus', 'foo'), fc.integer({ min: 0, max: 10_000_000 }), meta)
  .map(([name, milli, m]) => withMeta({ name, type: 'SCALAR', scalar: { value: milli / 1000 } }, m));

const rangesResource = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 40 }), meta)
  .map(([nums, m]) => withMeta({ name: 'ports', type: 'RANGES', ranges: { range: toRanges(nums) } }, m));

const setResource = fc
  .tuple(fc.subarray(['a', 'b', 'c', 'd', 'e']), meta)
  .map(([items, m]) => withMeta({ name: 'disks', type: 'SET', set: { item: items } }, m));

const resourceList = fc.array(fc.oneof(scalarResource, scalarResource, rangesResource, setResource), { maxLength: 8 });
const resources = resourceList.map((l) => Resources.of(l));

const nonScalar = (r: Resource): boolean => r.type !== 'SCALAR';

// --- properties --------------------------------------------------------------

describe('Resources arithmetic (properties)', () => {
  test('add then subtract gives back the start (ranges and sets disjoint from it)', () => {
    fc.assert(
      fc.property(resources, resources, (a, b0) => {
        const b = b0.subtract(a.filter(nonScalar));
        expect(a.add(b).subtract(b).equals(a)).toBe(true);
      }),
    );
  });

  test('add is commutative and associative', () => {
    fc.assert(
      fc.property(resources, resources, resources, (a, b, c) => {
        expect(a.add(b).equals(b.add(a))).toBe(true);
        expect(a.add(b).add(c).equals(a.add(b.add(c)))).toBe(true);
      }),
    );
  });

  test('contains is consistent with subtract', () => {
    fc.assert(
      fc.property(resources, resources, (a, b) => {
        expect(a.contains(b)).toBe(a.subtract(b).add(b).equals(a));
        expect(a.add(b).contains(b)).toBe(true);
        expect(a.add(b).contains(a)).toBe(true);
        expect(a.contains(a.subtract(b))).toBe(true);
        expect(a.contains(Resources.empty())).toBe(true);
      }),
    );
  });

  test('contains holds for every part that was added', () => {
    fc.assert(
      fc.property(resources, (a) => {
        for (const r of a.toJSON()) expect(a.contains(Resources.of([r]))).toBe(true);
      }),
    );
  });

  test('subtract never goes negative', () => {
    fc.assert(
      fc.property(resources, resources, (a, b) => {
        const d = a.subtract(b);
        for (const q of d.quantities().values()) expect(q).toBeGreaterThan(0);
        for (const r of d.toJSON()) if (r.scalar) expect(r.scalar.value).toBeGreaterThan(0);
      }),
    );
  });

  test('text round-trip: parse(toString(x)) equals x', () => {
    fc.assert(
      fc.property(resources, (a) => {
        expect(Resources.parse(a.toString()).equals(a)).toBe(true);
      }),
    );
  });

  test('JSON round-trip: fromJSON(toJSON(x)) equals x, through JSON text too', () => {
    fc.assert(
      fc.property(resources, (a) => {
        expect(Resources.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).equals(a)).toBe(true);
        expect(Resources.parse(JSON.stringify(a)).equals(a)).toBe(true);
      }),
    );
  });

  test('scalar sums are exact in thousandths', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 30 }), (millis) => {
        let acc = Resources.empty();
        for (const m of millis) acc = acc.add(Resources.parse(`cpus:${m / 1000}`));
        const total = millis.reduce((x, y) => x + y, 0);
        expect(acc.milli('cpus')).toBe(total);
        expect(acc.scalar('cpus')).toBe(total / 1000);
        let back = acc;
        for (const m of millis) back = back.subtract(Resources.parse(`cpus:${m / 1000}`));
        expect(back.isEmpty()).toBe(true);
      }),
    );
  });

  test('ranges merge and split like sets of integers', () => {
    const nums = fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 60 });
    fc.assert(
      fc.property(nums, nums, (xs, ys) => {
        const A = new Set(xs);
        const B = new Set(ys);
        const ra = Resources.of([{ name: 'ports', type: 'RANGES', ranges: { range: toRanges(xs) } }]);
        const rb = Resources.of([{ name: 'ports', type: 'RANGES', ranges: { range: toRanges(ys) } }]);
        const union = [...new Set([...A, ...B])].sort((x, y) => x - y);
        const diff = [...A].filter((x) => !B.has(x)).sort((x, y) => x - y);
        expect(expand(ra.add(rb).ranges('ports'))).toEqual(union);
        expect(expand(ra.subtract(rb).ranges('ports'))).toEqual(diff);
        expect(ra.contains(rb)).toBe([...B].every((x) => A.has(x)));
        expect(ra.add(rb).ranges('ports')).toEqual(toRanges(union));
        expect(ra.quantities().get('ports') ?? 0).toBe(A.size * 1000);
      }),
    );
  });
});

// --- examples ----------------------------------------------------------------

describe('Resources examples', () => {
  const agent = Resources.parse('cpus:4;mem:1024;disk:20000;ports:[31000-32000];gpus:1;cpus(analytics):2;disks:{a,b}');

  test('0.1 + 0.2 is exactly 0.3', () => {
    const s = Resources.parse('cpus:0.1').add(Resources.parse('cpus:0.2'));
    expect(s.scalar('cpus')).toBe(0.3);
    expect(s.milli('cpus')).toBe(300);
    expect(s.equals(Resources.parse('cpus:0.3'))).toBe(true);
    expect(s.toJSON()).toEqual([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.3 } }]);
  });

  test('values are rounded to three decimals', () => {
    expect(Resources.parse('cpus:0.12345').milli('cpus')).toBe(123);
    expect(Resources.parse('cpus:0.0004').isEmpty()).toBe(true);
  });

  test('parse and toString', () => {
    expect(agent.toString()).toBe('cpus:4;mem:1024;disk:20000;ports:[31000-32000];gpus:1;cpus(analytics):2;disks:{a,b}');
    expect(agent.scalar('cpus')).toBe(6);
    expect(agent.names()).toEqual(['cpus', 'mem', 'disk', 'ports', 'gpus', 'disks']);
    expect(agent.ranges('ports')).toEqual([{ begin: 31000, end: 32000 }]);
    expect(agent.items('disks')).toEqual(['a', 'b']);
    expect(Resources.parse(' cpus : 2 ; ; mem:3 ').toString()).toBe('cpus:2;mem:3');
    expect(Resources.parse('ports:[1-3, 4-6, 10]').toString()).toBe('ports:[1-6,10-10]');
    expect(Resources.parse('cpus:1;cpus:2').toString()).toBe('cpus:3');
    expect(Resources.parse('').isEmpty()).toBe(true);
  });

  test('default role reserves items without a role; (*) stays unreserved', () => {
    const r = Resources.parse('cpus:2;mem(*):5', 'eng');
    expect(r.toString()).toBe('cpus(eng):2;mem:5');
    expect(r.toJSON()[0]!.reservations).toEqual([{ type: 'STATIC', role: 'eng' }]);
  });

  test('refined and dynamic reservations and allocation in text', () => {
    const r = Resources.parse('cpus(eng,eng/backend@ops)<eng/backend>:2');
    expect(r.toJSON()).toEqual([
      {
        name: 'cpus',
        type: 'SCALAR',
        scalar: { value: 2 },
        reservations: [
          { type: 'STATIC', role: 'eng' },
          { type: 'DYNAMIC', role: 'eng/backend', principal: 'ops' },
        ],
        allocation_info: { role: 'eng/backend' },
      },
    ]);
    expect(r.toString()).toBe('cpus(eng,eng/backend@ops)<eng/backend>:2');
  });

  test('resources combine only with the same reservations and allocation', () => {
    const a = Resources.parse('cpus:1;cpus(eng):1;cpus(eng@p):1;cpus<eng>:1');
    expect(a.size).toBe(4);
    expect(a.scalar('cpus')).toBe(4);
    expect(a.contains(Resources.parse('cpus:2'))).toBe(false);
    expect(a.subtract(Resources.parse('cpus(eng):5')).toString()).toBe('cpus:1;cpus(eng@p):1;cpus<eng>:1');
  });

  test('subtract removes what it can and ranges split', () => {
    const d = agent.subtract(Resources.parse('cpus:10;ports:[31100-31199];disks:{b,c}'));
    expect(d.toString()).toBe('mem:1024;disk:20000;ports:[31000-31099,31200-32000];gpus:1;cpus(analytics):2;disks:{a}');
  });

  test('roles: reserved, unreserved, allocatableTo, reservationRole', () => {
    const r = Resources.parse('cpus:1;cpus(eng):2;cpus(eng,eng/backend@ops):4;cpus(ads):8');
    expect(r.unreserved().scalar('cpus')).toBe(1);
    expect(r.reserved().scalar('cpus')).toBe(14);
    expect(r.reserved('eng').scalar('cpus')).toBe(2);
    expect(r.reserved('eng/backend').scalar('cpus')).toBe(4);
    expect(r.allocatableTo('eng/backend').scalar('cpus')).toBe(7);
    expect(r.allocatableTo('eng/backend/db').scalar('cpus')).toBe(7);
    expect(r.allocatableTo('eng').scalar('cpus')).toBe(3);
    expect(r.allocatableTo('engineering').scalar('cpus')).toBe(1);
    expect(r.allocatableTo('ads').scalar('cpus')).toBe(9);
    const [u, e, b] = r.toJSON();
    expect(Resources.reservationRole(u!)).toBe('*');
    expect(r.reservationRole(e!)).toBe('eng');
    expect(Resources.reservationRole(b!)).toBe('eng/backend');
  });

  test('allocate, unallocate, allocatedTo', () => {
    const a = agent.allocate('eng');
    expect(a.toJSON().every((r) => r.allocation_info?.role === 'eng')).toBe(true);
    expect(a.equals(agent)).toBe(false);
    expect(agent.contains(a)).toBe(false);
    expect(a.unallocate().equals(agent)).toBe(true);
    expect(a.allocatedTo('eng').equals(a)).toBe(true);
    expect(a.allocatedTo('ads').isEmpty()).toBe(true);
  });

  test('flatten drops reservations or sets them to one role, combining', () => {
    const r = Resources.parse('cpus:1;cpus(eng):2;cpus(eng,eng/backend@ops):4');
    expect(r.flatten().toString()).toBe('cpus:7');
    expect(r.flatten('ads').toString()).toBe('cpus(ads):7');
    expect(r.flatten('*').toString()).toBe('cpus:7');
  });

  test('push and pop reservations (RESERVE / UNRESERVE)', () => {
    const r = Resources.parse('cpus:2;mem:10');
    const reserved = r.pushReservation({ role: 'eng', principal: 'ops' });
    expect(reserved.toString()).toBe('cpus(eng@ops):2;mem(eng@ops):10');
    expect(reserved.popReservation().equals(r)).toBe(true);
    expect(() => Resources.parse('cpus(eng):1').pushReservation({ role: 'ads' })).toThrow(
      "refined reservation role 'ads' is not a subrole of 'eng'",
    );
  });

  test('filter, named, scalars, quantities', () => {
    expect(agent.filter((r) => r.name === 'mem').toString()).toBe('mem:1024');
    expect(agent.named('cpus').scalar('cpus')).toBe(6);
    expect(agent.scalars().names()).toEqual(['cpus', 'mem', 'disk', 'gpus']);
    expect(Object.fromEntries(agent.quantities())).toEqual({
      cpus: 6000,
      mem: 1024000,
      disk: 20000000,
      ports: 1001000,
      gpus: 1000,
      disks: 2000,
    });
  });

  test('JSON: legacy role / reservation fields are converted', () => {
    const r = Resources.fromJSON([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 2 }, role: 'eng', reservation: { principal: 'ops' } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 3 }, role: '*' },
    ]);
    expect(r.toString()).toBe('cpus(eng):1;mem(eng@ops):2;disk:3');
  });

  test('JSON: numeric strings, Infinity rejected, null is unset', () => {
    expect(Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: '1.5' }, reservations: null }]).toString()).toBe('cpus:1.5');
    expect(() => Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: 'Infinity' } }])).toThrow(
      '[0].scalar.value: scalar value must be finite, got Infinity',
    );
  });

  test('the value is immutable: arithmetic returns new values, toJSON copies', () => {
    const a = Resources.parse('cpus:1;ports:[1-5]');
    const j = a.toJSON();
    j[1]!.ranges!.range[0]!.end = 100;
    a.add(Resources.parse('cpus:1'));
    expect(a.toString()).toBe('cpus:1;ports:[1-5]');
  });
});

// --- invalid input: one test per kind, with the error text ----------------------

const errorOf = protocolError;

describe('invalid resources', () => {
  const cases: [string, string, string][] = [
    ['negative', 'cpus:4;mem:-1', "bad resource 'mem:-1': negative scalar value -1"],
    ['NaN', 'cpus:NaN', "bad resource 'cpus:NaN': scalar value must be a finite number, got 'NaN'"],
    ['infinite', 'cpus:inf', "bad resource 'cpus:inf': scalar value must be a finite number, got 'inf'"],
    ['overlapping ranges', 'ports:[1-5,3-8]', "bad resource 'ports:[1-5,3-8]': ranges overlap: 1-5 and 3-8"],
    ['range begin > end', 'ports:[9-3]', "bad resource 'ports:[9-3]': range 9-3 has begin > end"],
    ['negative range', 'ports:[-3-5]', "bad resource 'ports:[-3-5]': range '-3-5' has a negative bound"],
    ['malformed range', 'ports:[a-b]', "bad resource 'ports:[a-b]': range 'a-b' is not of the form begin-end"],
    ['unclosed range', 'ports:[1-2', "bad resource 'ports:[1-2': ranges must end with ']'"],
    [
      'unknown resource type',
      'cpus:abc',
      "bad resource 'cpus:abc': unknown resource type: value 'abc' is not a scalar (4, 0.5), ranges ([a-b,c-d]) or a set ({a,b})",
    ],
    ['wrong type for a known name', 'cpus:[1-2]', "bad resource 'cpus:[1-2]': resource 'cpus' must be SCALAR, not RANGES"],
    ['mixed types for one name', 'foo:1;foo:{a}', "bad resource 'foo:{a}': resource 'foo' was already given as SCALAR, not SET"],
    ['bad role name', 'cpus(-eng):1', "bad resource 'cpus(-eng):1': bad role name: role '-eng' has a component starting with '-'"],
    ['role with a space', 'cpus(a b):1', "bad resource 'cpus(a b):1': bad role name: role 'a b' contains the invalid character \" \""],
    ['role with ..', 'cpus(eng/..):1', "bad resource 'cpus(eng/..):1': bad role name: role 'eng/..' must not have a '..' component"],
    ['empty role', 'cpus():1', "bad resource 'cpus():1': bad role name: role name must not be empty"],
    [
      'refinement not to a subrole',
      'cpus(eng,ads):1',
      "bad resource 'cpus(eng,ads):1': refined reservation role 'ads' is not a subrole of 'eng'",
    ],
    ['duplicate set item', 'disks:{a,a}', "bad resource 'disks:{a,a}': duplicate set item 'a'"],
    ['empty set item', 'disks:{a,,b}', "bad resource 'disks:{a,,b}': set item must not be empty"],
    [
      'missing colon',
      'cpus4',
      "bad resource 'cpus4': expected name[(role)]:value, e.g. cpus:4, cpus(role):2, ports:[31000-32000], disks:{a,b}",
    ],
    ['too large', 'mem:1e300', "bad resource 'mem:1e300': scalar value 1e+300 is too large"],
  ];
  for (const [kind, text, message] of cases) {
    test(kind, () => {
      const e = errorOf(() => Resources.parse(text));
      expect(e.code).toBe('E_BAD_RESOURCES');
      expect(e.message).toBe(message);
    });
  }

  test('bad default role', () => {
    const e = errorOf(() => Resources.parse('cpus:1', 'a//b'));
    expect(e.message).toBe("bad default role: role 'a//b' must not contain '//'");
  });

  test('bad JSON text', () => {
    const e = errorOf(() => Resources.parse('[{"name":'));
    expect(e.code).toBe('E_BAD_JSON');
    expect(e.message).toMatch(/^resources text starts with '\[' but is not valid JSON: /);
  });

  const jsonCases: [string, unknown, string, string][] = [
    ['not an array', { name: 'cpus' }, 'E_BAD_JSON', '<root>: expected an array of Resource, got an object'],
    ['not an object', [1], 'E_BAD_JSON', '[0]: expected a Resource object, got number 1'],
    ['missing name', [{ type: 'SCALAR', scalar: { value: 1 } }], 'E_BAD_JSON', '[0].name: expected a string, got nothing'],
    ['missing type', [{ name: 'cpus', scalar: { value: 1 } }], 'E_BAD_JSON', '[0].type: missing resource type'],
    ['numeric enum', [{ name: 'cpus', type: 0, scalar: { value: 1 } }], 'E_BAD_JSON', '[0].type: expected an enum name string, got number 0'],
    [
      'unknown type',
      [{ name: 'x', type: 'TEXT', text: { value: 'a' } }],
      'E_BAD_RESOURCES',
      "[0].type: unknown resource type 'TEXT' (expected SCALAR, RANGES or SET)",
    ],
    [
      'scalar not a number',
      [{ name: 'mem', type: 'SCALAR', scalar: { value: 1 } }, { name: 'cpus', type: 'SCALAR', scalar: { value: 'x' } }],
      'E_BAD_JSON',
      '[1].scalar.value: expected a number, got the string "x"',
    ],
    ['negative', [{ name: 'cpus', type: 'SCALAR', scalar: { value: -2 } }], 'E_BAD_RESOURCES', '[0].scalar.value: negative scalar value -2'],
    ['NaN', [{ name: 'cpus', type: 'SCALAR', scalar: { value: 'NaN' } }], 'E_BAD_RESOURCES', '[0].scalar.value: scalar value must be a number, got NaN'],
    ['missing scalar', [{ name: 'cpus', type: 'SCALAR' }], 'E_BAD_JSON', '[0].scalar: SCALAR resource needs a scalar object, got nothing'],
    [
      'overlapping ranges',
      [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 10, end: 20 }, { begin: 1, end: 10 }] } }],
      'E_BAD_RESOURCES',
      '[0].ranges.range: ranges overlap: 1-10 and 10-20',
    ],
    [
      'fractional range bound',
      [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1.5, end: 20 }] } }],
      'E_BAD_RESOURCES',
      '[0].ranges.range[0].begin: range bound must be a non-negative integer, got 1.5',
    ],
    [
      'bad role',
      [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'a/' }] }],
      'E_BAD_RESOURCES',
      "[0].reservations[0].role: bad role name: role 'a/' must not end with '/'",
    ],
    [
      'reservation to *',
      [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: '*' }] }],
      'E_BAD_RESOURCES',
      "[0].reservations[0].role: cannot reserve to the default role '*'",
    ],
    [
      'bad reservation type',
      [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'FOREVER', role: 'a' }] }],
      'E_BAD_JSON',
      '[0].reservations[0].type: expected one of STATIC, DYNAMIC, got the string "FOREVER"',
    ],
    [
      'wrong type for a known name',
      [{ name: 'ports', type: 'SCALAR', scalar: { value: 1 } }],
      'E_BAD_RESOURCES',
      "[0].type: resource 'ports' must be RANGES, not SCALAR",
    ],
  ];
  for (const [kind, json, code, message] of jsonCases) {
    test(`JSON: ${kind}`, () => {
      const e = errorOf(() => Resources.fromJSON(json));
      expect(e.code).toBe(code);
      expect(e.message).toBe(message);
    });
  }

  test('of() reports shape problems as E_BAD_RESOURCES', () => {
    const e = errorOf(() => Resources.of([{ name: 'cpus', type: 'SCALAR' } as Resource]));
    expect(e.code).toBe('E_BAD_RESOURCES');
    expect(e.message).toBe('[0].scalar: SCALAR resource needs a scalar object, got nothing');
  });

  test('fromJSON with a path prefix', () => {
    const e = errorOf(() => Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }], 'task_infos[0].resources'));
    expect(e.message).toBe('task_infos[0].resources[0].scalar.value: negative scalar value -1');
  });
});
