/**
 * The container logger's flags. Mesos loads its LogrotateContainerLogger as a module
 * (`--container_logger=org_apache_mesos_LogrotateContainerLogger` with module parameters
 * max_stdout_size, logrotate_stdout_options, ...); here it is built in and its parameters are
 * agent flags: `--container_logger=logrotate` (Mesos's module name is accepted too),
 * `--container_logger_logrotate_max_stdout_size` / `_max_stderr_size` (Mesos's Bytes form,
 * default 10MB, at least 4096B), `--container_logger_logrotate_stdout_options` / `_stderr_options`
 * (lines for logrotate's configuration, e.g. `rotate 9`), `--container_logger_logrotate_path`.
 */
import { DEFAULT_LOGROTATE_OPTIONS, MIN_LOG_SIZE, parseSize, type LogrotateOptions } from './containerizer/logger/logrotate.js';

export interface LoggerFlags {
  /** `logrotate`; absent: stdout and stderr are plain sandbox files (Mesos's sandbox logger). */
  readonly container_logger?: 'logrotate';
  readonly container_logger_logrotate_max_stdout_size?: number;
  readonly container_logger_logrotate_max_stderr_size?: number;
  readonly container_logger_logrotate_stdout_options?: string;
  readonly container_logger_logrotate_stderr_options?: string;
  readonly container_logger_logrotate_path?: string;
}

export const LOGGER_FLAG_NAMES = [
  'container_logger',
  'container_logger_logrotate_max_stdout_size',
  'container_logger_logrotate_max_stderr_size',
  'container_logger_logrotate_stdout_options',
  'container_logger_logrotate_stderr_options',
  'container_logger_logrotate_path',
] as const;

type Fail = (flag: string, message: string) => Error;

export function loggerFlags(input: Record<string, unknown>, fail: Fail): LoggerFlags {
  const out: { -readonly [K in keyof LoggerFlags]: LoggerFlags[K] } = {};
  const logger = input.container_logger === undefined ? '' : String(input.container_logger).trim();
  if (logger === 'logrotate' || logger === 'org_apache_mesos_LogrotateContainerLogger') out.container_logger = 'logrotate';
  else if (logger !== '' && logger !== 'sandbox') throw fail('container_logger', `--container_logger=${logger}: expected logrotate (or none, for plain sandbox files)`);
  for (const k of ['container_logger_logrotate_max_stdout_size', 'container_logger_logrotate_max_stderr_size'] as const) {
    if (input[k] === undefined) continue;
    const raw = input[k];
    const n = typeof raw === 'number' ? raw : parseSize(String(raw));
    if (n === undefined || !Number.isSafeInteger(n) || n < MIN_LOG_SIZE) throw fail(k, `--${k}=${String(raw)}: expected a size of at least ${MIN_LOG_SIZE} bytes (one memory page), such as 10MB`);
    out[k] = n;
  }
  for (const k of ['container_logger_logrotate_stdout_options', 'container_logger_logrotate_stderr_options', 'container_logger_logrotate_path'] as const) {
    if (input[k] !== undefined) out[k] = String(input[k]);
  }
  if (out.container_logger_logrotate_path !== undefined && out.container_logger_logrotate_path.trim() === '') throw fail('container_logger_logrotate_path', '--container_logger_logrotate_path: expected the logrotate program');
  const given = LOGGER_FLAG_NAMES.slice(1).find((k) => input[k] !== undefined);
  if (given !== undefined && out.container_logger === undefined) throw fail(given, `--${given} needs --container_logger=logrotate`);
  return out;
}

/** The containerizer's logger options for these flags; undefined for plain sandbox files. */
export function containerLoggerOptions(flags: LoggerFlags): LogrotateOptions | undefined {
  if (flags.container_logger !== 'logrotate') return undefined;
  return {
    ...DEFAULT_LOGROTATE_OPTIONS,
    ...(flags.container_logger_logrotate_max_stdout_size !== undefined ? { maxStdoutSize: flags.container_logger_logrotate_max_stdout_size } : {}),
    ...(flags.container_logger_logrotate_max_stderr_size !== undefined ? { maxStderrSize: flags.container_logger_logrotate_max_stderr_size } : {}),
    ...(flags.container_logger_logrotate_stdout_options !== undefined ? { stdoutOptions: flags.container_logger_logrotate_stdout_options } : {}),
    ...(flags.container_logger_logrotate_stderr_options !== undefined ? { stderrOptions: flags.container_logger_logrotate_stderr_options } : {}),
    ...(flags.container_logger_logrotate_path !== undefined ? { logrotatePath: flags.container_logger_logrotate_path } : {}),
  };
}
