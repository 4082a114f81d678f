// The ISO 8601 grammar the cron example schedules with: durations, date-times
// with zones, repeating intervals, calendar arithmetic, and the errors.
import { describe, expect, test } from '@jest/globals';
import { addDuration, formatDuration, nextOccurrence, parseDateTime, parseDuration, parseRepeating } from '../cron/iso8601.js';

const T = (s: string): number => Date.parse(s);

describe('parseDuration', () => {
  test('every component, in order, and fractions of a second', () => {
    expect(parseDuration('P1Y2M3W4DT5H6M7S')).toEqual({ years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 });
    expect(parseDuration('PT1M')).toEqual({ years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 1, seconds: 0 });
    expect(parseDuration('P1M').months).toBe(1);
    expect(parseDuration('PT1M').minutes).toBe(1);
    expect(parseDuration('PT0.5S').seconds).toBe(0.5);
    expect(parseDuration('PT1,25S').seconds).toBe(1.25);
    expect(parseDuration('P10D').days).toBe(10);
    expect(formatDuration(parseDuration('P1DT12H'))).toBe('P1DT12H');
  });

  test.each([
    ['', "must start with 'P'"],
    ['1M', "must start with 'P'"],
    ['P', "no components after 'P'"],
    ['PT', "'T' must be followed by"],
    ['P1DT', "'T' must be followed by"],
    ['P1H', "need 'T' before them"],
    ['PT1X', "unexpected character 'X' at 3"],
    ['P1.5D', 'fraction is only allowed on the seconds'],
    ['PT1S2M', 'in that order'],
    ['P1M1Y', 'in that order'],
    ['P-1D', "unexpected character '-'"],
    ['PM', 'in that order'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('parseDateTime', () => {
  test('UTC, offsets, optional seconds and fractions', () => {
    expect(parseDateTime('2026-11-22T10:00:00Z')).toBe(T('2026-11-22T10:00:00Z'));
    expect(parseDateTime('2026-11-22T10:00Z')).toBe(T('2026-11-22T10:00:00Z'));
    expect(parseDateTime('2026-11-22T11:30:00+01:30')).toBe(T('2026-11-22T10:00:00Z'));
    expect(parseDateTime('2026-11-22T05:00:00-0500')).toBe(T('2026-11-22T10:00:00Z'));
    expect(parseDateTime('2026-11-22T10:00:00.250Z')).toBe(T('2026-11-22T10:00:00.250Z'));
  });

  test.each([
    ['2026-11-22T10:00:00', 'needs a time zone'],
    ['2026-11-22', 'needs a time'],
    ['2026-13-01T00:00:00Z', 'month 13 is not 01-12'],
    ['2026-02-29T00:00:00Z', 'day 29 is not in 01-28 for 2026-02'],
    ['2026-11-22T24:00:00Z', 'hour 24 is not 00-23'],
    ['2026-11-22T10:60:00Z', 'minute 60'],
    ['2026-11-22T10:00:61Z', 'second 61'],
    ['tomorrow', 'expected YYYY-MM-DDThh:mm'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseDateTime(text)).toThrow(message);
  });
});

describe('repeating schedules', () => {
  const now = T('2026-11-22T09:00:00Z');
  test('R/<start>/<period>, Rn, an empty start means now', () => {
    const s = parseRepeating('R/2026-11-22T10:00:00Z/PT1M', now);
    expect(s).toMatchObject({ repetitions: undefined, startMs: T('2026-11-22T10:00:00Z') });
    expect(parseRepeating('R5/2026-11-22T10:00:00Z/P1D', now).repetitions).toBe(5);
    expect(parseRepeating('R//PT10S', now).startMs).toBe(now);
  });

  test.each([
    ['2026-11-22T10:00:00Z/PT1M', 'expected R[n]/<start>/<period>'],
    ['X/2026-11-22T10:00:00Z/PT1M', 'must start with R or Rn'],
    ['R-1/2026-11-22T10:00:00Z/PT1M', 'must start with R or Rn'],
    ['R/2026-11-22T10:00:00/PT1M', 'needs a time zone'],
    ['R/2026-11-22T10:00:00Z/1M', "must start with 'P'"],
    ['R/2026-11-22T10:00:00Z/PT0S', 'longer than zero'],
    ['R/2026-11-22T10:00:00Z/PT1M/x', 'got 4 part(s)'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseRepeating(text, now)).toThrow(message);
  });

  test('next occurrences: before the start, between, exactly on one, after the last', () => {
    const s = parseRepeating('R3/2026-11-22T10:00:00Z/PT1M', now);
    expect(nextOccurrence(s, now)).toEqual({ index: 0, atMs: T('2026-11-22T10:00:00Z') });
    expect(nextOccurrence(s, T('2026-11-22T10:00:00Z'))).toEqual({ index: 0, atMs: T('2026-11-22T10:00:00Z') });
    expect(nextOccurrence(s, T('2026-11-22T10:00:00.001Z'))).toEqual({ index: 1, atMs: T('2026-11-22T10:01:00Z') });
    expect(nextOccurrence(s, T('2026-11-22T10:01:30Z'))).toEqual({ index: 2, atMs: T('2026-11-22T10:02:00Z') });
    expect(nextOccurrence(s, T('2026-11-22T10:02:00.001Z'))).toBeUndefined();
    expect(nextOccurrence(parseRepeating('R0/2026-11-22T10:00:00Z/PT1M', now), now)).toBeUndefined();
    // Far from the start: found directly, not by walking every minute.
    const forever = parseRepeating('R/2026-01-01T00:00:00Z/PT1M', now);
    expect(nextOccurrence(forever, T('2030-06-01T12:00:30Z'))?.atMs).toBe(T('2030-06-01T12:01:00Z'));
  });

  test('months and years follow the calendar (the day clamped to the end of the month)', () => {
    expect(addDuration(T('2026-01-31T10:00:00Z'), parseDuration('P1M'))).toBe(T('2026-02-28T10:00:00Z'));
    expect(addDuration(T('2026-01-31T10:00:00Z'), parseDuration('P1M'), 2)).toBe(T('2026-03-31T10:00:00Z'));
    expect(addDuration(T('2028-02-29T00:00:00Z'), parseDuration('P1Y'))).toBe(T('2029-02-28T00:00:00Z'));
    expect(addDuration(T('2026-11-22T10:00:00Z'), parseDuration('P1Y2M3DT4H5M6S'))).toBe(T('2028-01-25T14:05:06Z'));
    expect(addDuration(T('2026-11-22T10:00:00Z'), parseDuration('P2W'))).toBe(T('2026-12-06T10:00:00Z'));
    const monthly = parseRepeating('R/2026-01-31T00:00:00Z/P1M', now);
    expect(nextOccurrence(monthly, T('2027-04-15T00:00:00Z'))).toEqual({ index: 15, atMs: T('2027-04-30T00:00:00Z') });
    expect(nextOccurrence(monthly, T('2026-02-28T00:00:01Z'))).toEqual({ index: 2, atMs: T('2026-03-31T00:00:00Z') });
  });
});
