import type { Clock, Timer } from './clock.js';

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger for a sub-component, same sink and level. */
  child(component: string): Logger;
}

export type LogSink = (level: Exclude<LogLevel, 'silent'>, component: string, message: string) => void;

/** Lines to stderr with a time, the level and the component. */
export const stderrSink: LogSink = (level, component, message) => {
  process.stderr.write(logLine(level, component, message));
};

/** One log line as every sink writes it. */
export function logLine(level: Exclude<LogLevel, 'silent'>, component: string, message: string): string {
  return `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${message}\n`;
}

/** The level from LIBPROCESS_LOG_LEVEL, else `fallback`. An unknown value is reported once and ignored. */
export function levelFromEnv(fallback: LogLevel = 'info'): LogLevel {
  const value = process.env['LIBPROCESS_LOG_LEVEL'];
  if (value === undefined || value === '') return fallback;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  process.stderr.write(`LIBPROCESS_LOG_LEVEL=${value} is not one of ${LOG_LEVELS.join(', ')}; using ${fallback}\n`);
  return fallback;
}

/**
 * The verbosity of a runtime's logs, in glog's terms (libprocess's `FLAGS_v`):
 * 0 logs at the base level; 1 and above add the debug lines. `set(v, ms)`
 * raises it for a while, then it reverts to 0, as libprocess's Logging
 * process does for `/logging/toggle` and the operator API's
 * SET_LOGGING_LEVEL. A logger made with it (`createLogger(name, verbosity)`)
 * reads it at every line.
 */
export class LogVerbosity {
  #level = 0;
  #revert: Timer | undefined;

  constructor(readonly base: LogLevel = levelFromEnv()) {}

  /** glog's verbosity now (0: the base level). */
  get level(): number {
    return this.#level;
  }

  /** The least severe level written now. */
  get effective(): LogLevel {
    return this.#level > 0 ? 'debug' : this.base;
  }

  /**
   * Sets the verbosity for `durationMs` (through `clock`), then back to 0.
   * A later `set` replaces the earlier one and its revert. `level` must be a
   * non-negative integer (a RangeError says what was wrong otherwise).
   */
  set(level: number, durationMs: number, clock: Clock): void {
    if (!Number.isInteger(level) || level < 0) throw new RangeError(`level must be a non-negative integer, got ${String(level)}`);
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) throw new RangeError(`duration must be a finite non-negative time, got ${String(durationMs)} ms`);
    this.#revert?.cancel();
    this.#revert = undefined;
    this.#level = level;
    if (level !== 0) {
      this.#revert = clock.timer(durationMs, () => {
        this.#revert = undefined;
        this.#level = 0;
      });
    }
  }
}

export function createLogger(component: string, level: LogLevel | LogVerbosity = levelFromEnv(), sink: LogSink = stderrSink): Logger {
  if (level instanceof LogVerbosity) {
    const at = (l: Exclude<LogLevel, 'silent'>) => (m: string) => {
      if (LOG_LEVELS.indexOf(l) >= LOG_LEVELS.indexOf(level.effective)) sink(l, component, m);
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (sub) => createLogger(`${component}/${sub}`, level, sink) };
  }
  const min = LOG_LEVELS.indexOf(level);
  const at = (l: Exclude<LogLevel, 'silent'>) => (LOG_LEVELS.indexOf(l) >= min ? (m: string) => sink(l, component, m) : () => {});
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub) => createLogger(`${component}/${sub}`, level, sink),
  };
}
