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

const stderrSink: LogSink = (level, component, message) => {
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${message}\n`);
};

/** The level from LIBPROCESS_LOG_LEVEL, else `fallback`. An unknown value is reported once and ignored. */
export function levelFromEnv(fallback: LogLevel = 'info'): LogLevel {
  const value = process.env['LIBPROCESS_LOG_LEVEL'];
  if (value === undefined || value === '') return fallback;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  process.stderr.write(`LIBPROCESS_LOG_LEVEL=${value} is not one of ${LOG_LEVELS.join(', ')}; using ${fallback}\n`);
  return fallback;
}

export function createLogger(component: string, level: LogLevel = levelFromEnv(), sink: LogSink = stderrSink): Logger {
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
