/**
 * The logrotate container logger (Mesos's LogrotateContainerLogger, `--container_logger=logrotate`):
 * a container's stdout and stderr go through a FIFO each to a `mesos-ts-logrotate-logger` process
 * (logger/, C, built by `make build`) that writes the sandbox's `stdout` / `stderr` and has
 * `logrotate` rename them to `stdout.1`, `stdout.2`, ... when they reach their maximum size.
 *
 * The FIFOs live in the container's meta dir, out of the sandbox. The launcher's child opens them
 * as it opens plain files (the open waits for the logger); the loggers run detached, as the task's
 * user, and exit when the container's last writer is gone, so they outlive an agent restart as
 * Mesos's do. The agent holds a write end of each FIFO from the logger's start to the container's
 * end, so a logger never waits for a writer that does not come (a failed launch).
 *
 * Per container, the task's environment may override the flags, as with Mesos's
 * `environment_variable_prefix` (`CONTAINER_LOGGER_`): `CONTAINER_LOGGER_MAX_STDOUT_SIZE`,
 * `CONTAINER_LOGGER_LOGROTATE_STDOUT_OPTIONS`, and the same for stderr.
 */
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from 'libprocess-ts';
import { findBuiltBinary } from '../binaries.js';
import { ContainerizerError } from '../types.js';

export const LOGGER_NAME = 'mesos-ts-logrotate-logger';

export interface LogrotateOptions {
  /** Bytes of the leading stdout file before it is rotated (Mesos's default 10 MB; at least a page). */
  maxStdoutSize: number;
  maxStderrSize: number;
  /** Lines for logrotate's configuration of the file, e.g. `rotate 9` (Mesos's logrotate_stdout_options). */
  stdoutOptions: string;
  stderrOptions: string;
  /** The logrotate program (default `logrotate` on the PATH). */
  logrotatePath: string;
  /** The per-container override prefix (Mesos's default `CONTAINER_LOGGER_`). */
  environmentVariablePrefix: string;
}

export const DEFAULT_LOGROTATE_OPTIONS: LogrotateOptions = {
  maxStdoutSize: 10 * 1024 * 1024,
  maxStderrSize: 10 * 1024 * 1024,
  stdoutOptions: '',
  stderrOptions: '',
  logrotatePath: 'logrotate',
  environmentVariablePrefix: 'CONTAINER_LOGGER_',
};

/** The smallest maximum size (one memory page, as Mesos requires). */
export const MIN_LOG_SIZE = 4096;

/** The logger binary: $MESOS_TS_LOGROTATE_LOGGER, else dist/bin/ of this checkout; undefined when not built. */
export function findLogger(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findBuiltBinary(LOGGER_NAME, env.MESOS_TS_LOGROTATE_LOGGER);
}

/** Why the logger cannot work on this host (its binary, logrotate), or null. */
export function logrotateUnusable(opts: LogrotateOptions, binary = findLogger()): string | null {
  if (!binary) return `the logger ${LOGGER_NAME} is not built (run 'make build', or set MESOS_TS_LOGROTATE_LOGGER to its path)`;
  try {
    execFileSync(opts.logrotatePath, ['--version'], { stdio: 'ignore' });
  } catch (e) {
    return `'${opts.logrotatePath} --version' failed (${(e as Error).message.split('\n')[0]}): install logrotate (Debian's package logrotate, 'make logger-tools') or give --container_logger_logrotate_path`;
  }
  return null;
}

export interface LoggerContainer {
  containerId: string;
  sandbox: string;
  /** The container's meta dir (where the FIFOs go). */
  metaDir: string;
  /** The task's environment (per-container overrides). */
  environment?: Record<string, string>;
  uid?: number;
  gid?: number;
}

function sizeOverride(env: Record<string, string>, key: string, fallback: number): number {
  const v = env[key];
  if (v === undefined) return fallback;
  const n = parseSize(v);
  if (n === undefined || n < MIN_LOG_SIZE) throw new ContainerizerError('INVALID_CONFIG', `${key}=${v}: expected a size of at least ${MIN_LOG_SIZE} bytes, such as 10MB or 65536B`);
  return n;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Mesos's Bytes text (`10MB`, `4096B`, a bare number) → bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const n = Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'B').toUpperCase()]!);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** How long a logger has to reach its FIFO before the launch fails. */
const LOGGER_START_MS = 10_000;

export class LogrotateLogger {
  /** Per container: the agent's own write end of each FIFO, held until the container is gone. */
  private readonly held = new Map<string, number[]>();

  constructor(
    private readonly binary: string,
    readonly options: LogrotateOptions,
    private readonly clock: Clock,
    private readonly warn: (m: string) => void,
  ) {}

  /**
   * Starts the container's two loggers and returns the FIFOs its process writes to, once each
   * logger reads its own: the agent then holds a write end of each until release(), so a logger
   * never waits for a writer that does not come (a failed launch), and sees EOF only when the
   * container's last writer and the agent's are closed.
   */
  async prepare(c: LoggerContainer): Promise<{ stdoutPath: string; stderrPath: string }> {
    const env = c.environment ?? {};
    const p = this.options.environmentVariablePrefix;
    const streams = [
      { name: 'stdout', max: sizeOverride(env, `${p}MAX_STDOUT_SIZE`, this.options.maxStdoutSize), opts: env[`${p}LOGROTATE_STDOUT_OPTIONS`] ?? this.options.stdoutOptions },
      { name: 'stderr', max: sizeOverride(env, `${p}MAX_STDERR_SIZE`, this.options.maxStderrSize), opts: env[`${p}LOGROTATE_STDERR_OPTIONS`] ?? this.options.stderrOptions },
    ];
    const fds: number[] = [];
    this.held.set(c.containerId, fds);
    const paths: string[] = [];
    try {
      for (const s of streams) {
        const fifo = join(c.metaDir, `${s.name}.fifo`);
        try {
          execFileSync('mkfifo', ['-m', '600', fifo], { stdio: ['ignore', 'ignore', 'pipe'] });
        } catch (e) {
          const why = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim();
          if (!/File exists/.test(why)) throw new ContainerizerError('LAUNCH_FAILED', `Cannot make the ${s.name} FIFO ${fifo}: ${why}`);
        }
        paths.push(fifo);
        const args = [
          `--fifo=${fifo}`,
          `--log_filename=${join(c.sandbox, s.name)}`,
          `--max_size=${s.max}`,
          `--logrotate_options=${s.opts}`,
          `--logrotate_path=${this.options.logrotatePath}`,
          ...(c.uid !== undefined ? [`--user=${c.uid}:${c.gid ?? c.uid}`] : []),
        ];
        const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
        let ended: string | undefined;
        child.once('error', (e) => (ended = e.message));
        child.once('exit', (code, signal) => {
          ended = `exited with ${signal ?? `status ${code}`}`;
          if (code !== 0) this.warn(`container ${c.containerId}: the ${s.name} logger ${ended}`);
        });
        child.unref();
        fds.push(await this.writeEnd(fifo, s.name, () => ended));
      }
    } catch (e) {
      this.release(c.containerId);
      throw e;
    }
    return { stdoutPath: paths[0]!, stderrPath: paths[1]! };
  }

  /** A write end of the FIFO, once its logger reads it (a non-blocking open fails with ENXIO until then). */
  private async writeEnd(fifo: string, name: string, ended: () => string | undefined): Promise<number> {
    const deadline = this.clock.now() + LOGGER_START_MS;
    for (;;) {
      try {
        return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw new ContainerizerError('LAUNCH_FAILED', `Cannot open the ${name} FIFO ${fifo}: ${(e as Error).message}`);
      }
      const why = ended();
      if (why !== undefined) throw new ContainerizerError('LAUNCH_FAILED', `The ${name} logger (${LOGGER_NAME}) ${why} before it read ${fifo}`);
      if (this.clock.now() > deadline) throw new ContainerizerError('LAUNCH_FAILED', `The ${name} logger (${LOGGER_NAME}) did not open ${fifo} within ${LOGGER_START_MS / 1000} s`);
      await new Promise<void>((r) => this.clock.timer(2, r));
    }
  }

  /** The container is gone, or its launch failed: the agent's write ends close, so its loggers end once the container's writers have. */
  release(containerId: string): void {
    for (const fd of this.held.get(containerId) ?? []) closeSync(fd);
    this.held.delete(containerId);
  }
}
