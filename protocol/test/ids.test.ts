import { describe, test, expect } from '@jest/globals';
import fc from 'fast-check';
import { IdGenerator, agentId, frameworkId, idError, newMasterId, offerId, uuidBytes, validateExecutorId, validateTaskId } from '../ids.js';
import { ProtocolError } from '../errors.js';

/** A deterministic [0,1) source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ids', () => {
  test('master ids are UUID-shaped and come from the injected random source', () => {
    const id = newMasterId(seeded(1));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newMasterId(seeded(1))).toBe(id);
    expect(newMasterId(seeded(2))).not.toBe(id);
    expect(newMasterId({ next: seeded(1) })).toBe(id);
    expect(uuidBytes(seeded(3)).length).toBe(16);
  });

  test('a bad random source is reported', () => {
    expect(() => newMasterId(() => 1)).toThrow('random source returned 1, expected a number in [0, 1)');
  });

  test('framework, agent and offer ids under the master id', () => {
    expect(frameworkId('M', 0)).toEqual({ value: 'M-0000' });
    expect(frameworkId('M', 12345)).toEqual({ value: 'M-12345' });
    expect(agentId('M', 3)).toEqual({ value: 'M-S3' });
    expect(offerId('M', 17)).toEqual({ value: 'M-O17' });
    const g = new IdGenerator('M');
    expect([g.nextFrameworkId(), g.nextFrameworkId(), g.nextAgentId(), g.nextOfferId(), g.nextOfferId()].map((i) => i.value)).toEqual([
      'M-0000',
      'M-0001',
      'M-S0',
      'M-O0',
      'M-O1',
    ]);
    expect(g.counters()).toEqual({ frameworks: 2, agents: 1, offers: 2 });
    const resumed = new IdGenerator('M', g.counters());
    expect(resumed.nextAgentId().value).toBe('M-S1');
    expect(IdGenerator.create(seeded(9)).masterId).toBe(newMasterId(seeded(9)));
  });

  test('framework-chosen ids', () => {
    expect(idError('web.1')).toBeUndefined();
    expect(idError('')).toBe('must not be empty');
    expect(idError('a/b')).toBe("'a/b' must not contain '/'");
    expect(idError('x'.repeat(256))).toBe('is 256 characters, longer than 255');
    expect(idError('..')).toBe("'..' is not allowed");
    expect(idError('a\nb')).toBe("'a\nb' contains a control character");
    expect(idError(3)).toBe('expected a string, got number');
    expect(() => validateTaskId({ value: 'a/b' })).toThrow(new ProtocolError('E_BAD_ID', "task_id 'a/b' must not contain '/'"));
    expect(() => validateExecutorId({ value: '' })).toThrow('executor_id must not be empty');
    expect(() => validateTaskId(undefined)).toThrow('task_id: missing ({"value": "..."} expected)');
    try {
      validateTaskId({ value: '' });
    } catch (e) {
      expect((e as ProtocolError).code).toBe('E_BAD_ID');
    }
  });

  test('every id without / and control characters, 1..255 long, is accepted', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 255 }), (s) => {
        const ok = !s.includes('/') && !/[\u0000-\u001f\u007f]/.test(s) && s !== '.' && s !== '..';
        expect(idError(s) === undefined).toBe(ok);
      }),
    );
  });
});
