/**
 * ISO 8601 as Chronos schedules use it: durations `PnYnMnWnDTnHnMnS`, UTC
 * date-times with a zone (`2026-11-22T10:00:00Z`, `...+02:00`), and repeating
 * intervals `R[n]/<start>/<period>` (n occurrences; no n: forever; an empty
 * start: from when the schedule is read). Every error names what was wrong.
 */

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export interface RepeatingSchedule {
  /** Occurrences in all (undefined: unbounded). */
  repetitions: number | undefined;
  /** First occurrence, ms since the epoch. */
  startMs: number;
  period: Duration;
  /** The text it was parsed from. */
  text: string;
}

export class Iso8601Error extends Error {
  override readonly name = 'Iso8601Error';
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/** Parses `PnYnMnWnDTnHnMnS` (a fraction only on the seconds, `.` or `,`). */
export function parseDuration(text: string): Duration {
  const where = `duration ${JSON.stringify(text)}`;
  if (!text.startsWith('P')) throw new Iso8601Error(`${where}: must start with 'P' (e.g. PT1M, P1D, P1Y2M3DT4H5M6S)`);
  if (text === 'P') throw new Iso8601Error(`${where}: has no components after 'P'`);
  if (text.endsWith('T')) throw new Iso8601Error(`${where}: 'T' must be followed by hours (H), minutes (M) or seconds (S)`);
  const m = DURATION.exec(text);
  if (m === null) {
    const bad = /[^0-9PYMWDTHS.,]/.exec(text);
    if (bad) throw new Iso8601Error(`${where}: unexpected character '${bad[0]}' at ${bad.index}`);
    if (/\d[.,]\d+[YMWDH]/.test(text)) throw new Iso8601Error(`${where}: a fraction is only allowed on the seconds`);
    if (/P[^T]*[HS]/.test(text)) throw new Iso8601Error(`${where}: hours, minutes and seconds need 'T' before them (PT1H, not P1H)`);
    throw new Iso8601Error(`${where}: components must be a number then Y, M, W, D, then T and H, M, S, each at most once and in that order`);
  }
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]!.replace(',', '.')));
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

export function formatDuration(d: Duration): string {
  const date = `${d.years ? `${d.years}Y` : ''}${d.months ? `${d.months}M` : ''}${d.weeks ? `${d.weeks}W` : ''}${d.days ? `${d.days}D` : ''}`;
  const time = `${d.hours ? `${d.hours}H` : ''}${d.minutes ? `${d.minutes}M` : ''}${d.seconds ? `${d.seconds}S` : ''}`;
  return date === '' && time === '' ? 'PT0S' : `P${date}${time ? `T${time}` : ''}`;
}

function isZero(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.weeks === 0 && d.days === 0 && d.hours === 0 && d.minutes === 0 && d.seconds === 0;
}

/** `startMs` plus `k` times `d`: years and months on the UTC calendar (the day clamped to the month's end), the rest as fixed lengths. */
export function addDuration(startMs: number, d: Duration, k = 1): number {
  let t = startMs;
  const months = k * (d.years * 12 + d.months);
  if (months !== 0) {
    const s = new Date(startMs);
    const total = s.getUTCFullYear() * 12 + s.getUTCMonth() + months;
    const year = Math.floor(total / 12);
    const month = total - year * 12;
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    t = Date.UTC(year, month, Math.min(s.getUTCDate(), lastDay), s.getUTCHours(), s.getUTCMinutes(), s.getUTCSeconds(), s.getUTCMilliseconds());
  }
  const fixedMs = ((d.weeks * 7 + d.days) * 86_400 + d.hours * 3600 + d.minutes * 60 + d.seconds) * 1000;
  return t + Math.round(k * fixedMs);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A date-time with a zone: `2026-11-22T10:00:00Z`, `2026-11-22T10:00Z`, `2026-11-22T11:00:00.5+01:00`. */
export function parseDateTime(text: string): number {
  const where = `date-time ${JSON.stringify(text)}`;
  const m = DATE_TIME.exec(text);
  if (m === null) {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}([.,]\d+)?)?$/.test(text)) throw new Iso8601Error(`${where}: needs a time zone ('Z' or an offset such as +02:00)`);
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Iso8601Error(`${where}: needs a time (e.g. ${text}T00:00:00Z)`);
    throw new Iso8601Error(`${where}: expected YYYY-MM-DDThh:mm[:ss[.fff]] and Z or ±hh:mm`);
  }
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  if (month! < 1 || month! > 12) throw new Iso8601Error(`${where}: month ${month} is not 01-12`);
  const lastDay = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! < 1 || day! > lastDay) throw new Iso8601Error(`${where}: day ${day} is not in 01-${lastDay} for ${m[1]}-${m[2]}`);
  if (hour! > 23) throw new Iso8601Error(`${where}: hour ${hour} is not 00-23`);
  if (minute! > 59) throw new Iso8601Error(`${where}: minute ${minute} is not 00-59`);
  if (second > 59) throw new Iso8601Error(`${where}: second ${second} is not 00-59`);
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(m[8]!)!;
    const [h, mm] = [Number(z[2]), Number(z[3])];
    if (h > 23 || mm > 59) throw new Iso8601Error(`${where}: offset ${m[8]} is out of range`);
    offsetMin = (z[1] === '-' ? -1 : 1) * (h * 60 + mm);
  }
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second, ms) - offsetMin * 60_000;
}

/** `R[n]/<start>/<period>`; an empty start means `nowMs`. */
export function parseRepeating(text: string, nowMs: number): RepeatingSchedule {
  const where = `schedule ${JSON.stringify(text)}`;
  const parts = text.split('/');
  if (parts.length !== 3) throw new Iso8601Error(`${where}: expected R[n]/<start>/<period>, e.g. R/2026-11-22T10:00:00Z/PT1M (got ${parts.length} part(s) separated by '/')`);
  const [r, start, period] = parts as [string, string, string];
  const rm = /^R(\d*)$/.exec(r);
  if (rm === null) throw new Iso8601Error(`${where}: must start with R or Rn (n occurrences), got ${JSON.stringify(r)}`);
  const repetitions = rm[1] === '' ? undefined : Number(rm[1]);
  if (repetitions !== undefined && !Number.isSafeInteger(repetitions)) throw new Iso8601Error(`${where}: repetition count ${rm[1]} is too large`);
  let startMs: number;
  let p: Duration;
  try {
    startMs = start === '' ? nowMs : parseDateTime(start);
    p = parseDuration(period);
  } catch (e) {
    throw new Iso8601Error(`${where}: ${(e as Error).message}`);
  }
  if (isZero(p)) throw new Iso8601Error(`${where}: the period must be longer than zero`);
  return { repetitions, startMs, period: p, text };
}

/** The first occurrence of a schedule at or after `fromMs` (its index from 0 and time), or undefined when there is none left. */
export function nextOccurrence(s: RepeatingSchedule, fromMs: number): { index: number; atMs: number } | undefined {
  if (s.repetitions === 0) return undefined;
  // Estimate the index from the period's nominal length, then walk (bounded) to the exact one.
  const nominal = addDuration(0, { ...s.period, years: 0, months: 0 }) + (s.period.years * 12 + s.period.months) * 30.436875 * 86_400_000;
  let k = Math.max(0, Math.floor((fromMs - s.startMs) / nominal) - 2);
  while (k > 0 && addDuration(s.startMs, s.period, k - 1) >= fromMs) k--;
  for (let guard = 0; guard < 100; guard++) {
    if (s.repetitions !== undefined && k >= s.repetitions) return undefined;
    const at = addDuration(s.startMs, s.period, k);
    if (at >= fromMs) return { index: k, atMs: at };
    k++;
  }
  throw new Error(`schedule ${s.text}: no occurrence found near ${new Date(fromMs).toISOString()}`);
}
