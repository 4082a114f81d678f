/**
 * Durations as Mesos writes them in flags and queries (`15secs`, `500ms`,
 * `2mins`; also the short `15s`, `1m`, `1h`, `1d`, `1w`). One parser for the
 * CLI's flags, the agent's flags and `/logging/toggle`; each caller wraps the
 * error in its own (naming its flag or query field).
 */

const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6, nsecs: 1e-6, nanosecs: 1e-6, us: 1e-3, usecs: 1e-3, ms: 1, msecs: 1,
  s: 1000, sec: 1000, secs: 1000, m: 60_000, min: 60_000, mins: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

/** What a duration looks like, for error messages. */
export const DURATION_EXAMPLES = '500ms, 15secs, 2mins, 1hrs, 1days or 1weeks';

/** Milliseconds in `text`, or undefined if it is not a number followed by a known unit. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

/** Mesos's text for a duration in milliseconds: the largest whole unit (`5secs`, `2mins`, `1500ms`). */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}days`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}hrs`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}mins`;
  if (ms % 1000 === 0) return `${ms / 1000}secs`;
  return `${ms}ms`;
}
