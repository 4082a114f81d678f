/**
 * The logging level requests of Mesos, checked: `/logging/toggle?level=&duration=`
 * (libprocess's Logging process) and the operator API's SET_LOGGING_LEVEL
 * (master.proto and agent.proto: `level` is glog's verbosity, a uint32;
 * `duration` a DurationInfo). Pure: the caller sets its runtime's
 * verbosity (libprocess-ts `LogVerbosity`) with what comes out.
 */
import { DURATION_EXAMPLES, parseDurationMs } from './durations.js';

/** A level to hold for a while, then revert from. */
export interface LevelRequest {
  readonly level: number;
  readonly durationMs: number;
}

/** Milliseconds in a duration as Mesos writes them (`10secs`, `500ms`, `2mins`); an Error naming the text otherwise. */
export function parseMesosDuration(text: string): number | Error {
  const ms = parseDurationMs(text);
  return ms ?? new Error(`Failed to parse duration '${text}': expected a number and a unit, e.g. ${DURATION_EXAMPLES}`);
}

/**
 * `/logging/toggle` query: both absent is a read (undefined); one without
 * the other, a level that is not a non-negative integer or a duration that
 * does not parse, an Error whose message is the 400's text.
 */
export function toggleRequest(level: string | null, duration: string | null): LevelRequest | undefined | Error {
  if (level === null && duration === null) return undefined;
  if (duration === null) return new Error("Expecting 'duration=value' in query");
  if (level === null) return new Error("Expecting 'level=value' in query");
  if (!/^\d+$/.test(level.trim())) return new Error(`Invalid level '${level}': expected a non-negative integer`);
  const ms = parseMesosDuration(duration);
  if (ms instanceof Error) return ms;
  return { level: Number(level.trim()), durationMs: ms };
}

/** SET_LOGGING_LEVEL's body (`set_logging_level: {level, duration: {nanoseconds}}`), checked field by field. */
export function setLoggingLevelRequest(body: unknown): LevelRequest | Error {
  if (body === null || typeof body !== 'object') return new Error("Expecting 'set_logging_level' to be present");
  const { level, duration } = body as { level?: unknown; duration?: { nanoseconds?: unknown } };
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 0xffffffff) return new Error(`set_logging_level.level: expected a uint32, got ${JSON.stringify(level)}`);
  const ns = typeof duration?.nanoseconds === 'string' && /^-?\d+$/.test(duration.nanoseconds) ? Number(duration.nanoseconds) : duration?.nanoseconds;
  if (typeof ns !== 'number' || !Number.isSafeInteger(ns) || ns < 0) return new Error(`set_logging_level.duration.nanoseconds: expected a non-negative int64, got ${JSON.stringify(duration?.nanoseconds)}`);
  return { level, durationMs: ns / 1e6 };
}
