import { describe, test, expect } from '@jest/globals';
import { attributesToString, matchesAttributes, matchesConstraint, parseAttributes } from '../attributes.js';
import { ProtocolError } from '../errors.js';

describe('--attributes', () => {
  test('parses TEXT, SCALAR, RANGES and SET', () => {
    const attrs = parseAttributes('rack:r1;zone:a;level:3;ids:[1-4];tags:{a,b};ratio:0.5');
    expect(attrs).toEqual([
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'zone', type: 'TEXT', text: { value: 'a' } },
      { name: 'level', type: 'SCALAR', scalar: { value: 3 } },
      { name: 'ids', type: 'RANGES', ranges: { range: [{ begin: 1, end: 4 }] } },
      { name: 'tags', type: 'SET', set: { item: ['a', 'b'] } },
      { name: 'ratio', type: 'SCALAR', scalar: { value: 0.5 } },
    ]);
    expect(attributesToString(attrs)).toBe('rack:r1;zone:a;level:3;ids:[1-4];tags:{a,b};ratio:0.5');
    expect(parseAttributes(' os : ubuntu-22.04 ;; ')).toEqual([{ name: 'os', type: 'TEXT', text: { value: 'ubuntu-22.04' } }]);
    expect(parseAttributes('p:[1-2,3-5,9]')[0]!.ranges!.range).toEqual([
      { begin: 1, end: 5 },
      { begin: 9, end: 9 },
    ]);
  });

  const bad: [string, string, string][] = [
    ['missing colon', 'rack', "bad attribute 'rack': expected name:value (missing ':')"],
    ['empty name', ':x', "bad attribute ':x': attribute name must not be empty"],
    ['bad name', 'ra ck:x', "bad attribute 'ra ck:x': attribute name 'ra ck' may only contain letters, digits, '_', '.', '-' and '/'"],
    ['empty value', 'rack:', "bad attribute 'rack:': attribute value must not be empty"],
    ['bad text', 'rack:r 1', "bad attribute 'rack:r 1': text value 'r 1' may only contain letters, digits, '_', '.', '-' and '/'"],
    ['bad range', 'ids:[a-4]', "bad attribute 'ids:[a-4]': range 'a-4' is not of the form begin-end with non-negative integers"],
    ['negative range', 'ids:[-1-4]', "bad attribute 'ids:[-1-4]': range '-1-4' is not of the form begin-end with non-negative integers"],
    ['begin > end', 'ids:[5-4]', "bad attribute 'ids:[5-4]': range 5-4 has begin > end"],
    ['overlapping ranges', 'ids:[1-4,3-6]', "bad attribute 'ids:[1-4,3-6]': ranges overlap: 1-4 and 3-6"],
    ['unclosed set', 'tags:{a,b', "bad attribute 'tags:{a,b': set must end with '}'"],
    ['duplicate set item', 'tags:{a,a}', "bad attribute 'tags:{a,a}': duplicate set item 'a'"],
    ['duplicate name', 'rack:a;rack:b', "bad attribute 'rack:b': duplicate attribute 'rack'"],
  ];
  for (const [kind, text, message] of bad) {
    test(`invalid: ${kind}`, () => {
      let err: unknown;
      try {
        parseAttributes(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe('E_BAD_ATTRIBUTES');
      expect((err as ProtocolError).message).toBe(message);
    });
  }

  test('constraints', () => {
    const attrs = parseAttributes('rack:r1;level:3;ids:[1-4];tags:{a,b}');
    expect(matchesConstraint(attrs, { name: 'rack', op: 'EXISTS' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'zone', op: 'EXISTS' })).toBe(false);
    expect(matchesConstraint(attrs, { name: 'rack', op: 'EQUALS', value: 'r1' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'level', op: 'EQUALS', value: 3 })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'level', op: 'EQUALS', value: '3.0' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'rack', op: 'IN', values: ['r2', 'r1'] })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'rack', op: 'LIKE', pattern: 'r[0-9]' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'rack', op: 'LIKE', pattern: 'r' })).toBe(false);
    expect(matchesConstraint(attrs, { name: 'rack', op: 'UNLIKE', pattern: 'r2' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'zone', op: 'UNLIKE', pattern: 'x' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'ids', op: 'CONTAINS', value: 4 })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'ids', op: 'CONTAINS', value: 5 })).toBe(false);
    expect(matchesConstraint(attrs, { name: 'tags', op: 'CONTAINS', value: 'b' })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'level', op: 'GREATER_THAN', value: 2 })).toBe(true);
    expect(matchesConstraint(attrs, { name: 'level', op: 'LESS_THAN', value: 2 })).toBe(false);
    expect(matchesAttributes(attrs, [{ name: 'rack', op: 'EQUALS', value: 'r1' }, { name: 'tags', op: 'CONTAINS', value: 'a' }])).toBe(true);
    expect(matchesAttributes(undefined, [{ name: 'rack', op: 'EXISTS' }])).toBe(false);
    expect(matchesAttributes(undefined, [])).toBe(true);
  });
});
