import { describe, expect, test } from '@jest/globals';
import { formatDuration, parseDurationMs } from '../durations.js';
import { parseMesosDuration } from '../logging.js';

describe('durations as Mesos writes them', () => {
  test('long and short units', () => {
    expect(['500ms', '15secs', '15s', '2mins', '1m', '1hrs', '1h', '1days', '1weeks', '1.5secs', ' 3 secs '].map(parseDurationMs))
      .toEqual([500, 15_000, 15_000, 120_000, 60_000, 3_600_000, 3_600_000, 86_400_000, 604_800_000, 1500, 3000]);
    expect(parseDurationMs('1000ns')).toBeCloseTo(0.001);
  });

  test('anything else is not a duration', () => {
    for (const bad of ['', '15', 'secs', '-1secs', '1 fortnight', '1e3ms', '15SECS']) expect([bad, parseDurationMs(bad)]).toEqual([bad, undefined]);
    expect(parseMesosDuration('soon')).toBeInstanceOf(Error);
  });

  test('formatted with the largest whole unit, and read back the same', () => {
    for (const ms of [0, 1, 999, 1000, 1500, 60_000, 90_000, 3_600_000, 86_400_000, 7 * 86_400_000]) expect(parseDurationMs(formatDuration(ms))).toBe(ms);
    expect([formatDuration(1000), formatDuration(120_000), formatDuration(1500)]).toEqual(['1secs', '2mins', '1500ms']);
  });
});
