// Log verbosity (libprocess's FLAGS_v, toggled by /logging/toggle and
// SET_LOGGING_LEVEL): held for a duration on the injected clock, then back
// to 0; a logger made with it writes debug lines only meanwhile. And the
// router's path handling: empty segments ignored, prefix routes.
import { describe, expect, test } from '@jest/globals';
import { HttpRouter, normalizePath } from '../src/http-router.js';
import { LogVerbosity, createLogger } from '../src/logging.js';
import { VirtualClock } from '../src/virtual-clock.js';

describe('LogVerbosity', () => {
  test('raised for a duration, then reverted by the clock; a later set replaces the earlier', async () => {
    const clock = new VirtualClock();
    const v = new LogVerbosity('info');
    const lines: string[] = [];
    const log = createLogger('c', v, (level, _c, m) => lines.push(`${level} ${m}`));
    log.debug('hidden');
    v.set(1, 1000, clock);
    expect([v.level, v.effective]).toEqual([1, 'debug']);
    log.debug('shown');
    await clock.advance(999);
    expect(v.level).toBe(1);
    await clock.advance(1);
    expect([v.level, v.effective]).toEqual([0, 'info']);
    log.debug('hidden again');
    log.child('sub').info('info stays');
    v.set(3, 1000, clock);
    await clock.advance(500);
    v.set(2, 1000, clock); // the first revert is cancelled
    await clock.advance(600);
    expect(v.level).toBe(2);
    await clock.advance(400);
    expect(v.level).toBe(0);
    expect(lines).toEqual(['debug shown', 'info info stays']);
    expect(() => v.set(-1, 1, clock)).toThrow('level must be a non-negative integer, got -1');
    expect(() => v.set(1.5, 1, clock)).toThrow(RangeError);
    expect(() => v.set(1, Number.NaN, clock)).toThrow('duration must be a finite non-negative time, got NaN ms');
  });
});

describe('HttpRouter paths', () => {
  test('empty segments are ignored; a prefix route serves the paths below it, another does not', async () => {
    expect(normalizePath('//api//v1/')).toBe('/api/v1');
    const router = new HttpRouter(async (_owner, run) => run());
    router.route('m', '/quota', (req) => ({ status: 200, body: `quota ${req.path}` }), { prefix: true });
    router.route('m', '/state', () => ({ status: 200, body: 'state' }));
    router.alias('/api', '/m/state');
    const get = async (path: string): Promise<[number, unknown]> => {
      const r = await router.handle({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) });
      return [r.status, r.status === 200 && 'body' in r ? r.body : undefined];
    };
    expect(await get('//m///state')).toEqual([200, 'state']);
    expect(await get('//api')).toEqual([200, 'state']);
    expect(await get('/m/quota/eng')).toEqual([200, 'quota /m/quota/eng']);
    expect(await get('/m/state/x')).toEqual([404, undefined]);
    expect(await get('/m/nothing')).toEqual([404, undefined]);
  });
});
