/**
 * The master's log in a file (Mesos --log_dir): every line the master's
 * logger writes to stderr also goes to `<log_dir>/mesos-master.INFO`
 * (glog's name for the INFO log), which the operator API serves as the
 * virtual path `/master/log` (LIST_FILES, READ_FILE; files.ts).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { logLine, type Logger, type LogSink } from 'libprocess-ts';

/** The file name of the master's log under --log_dir. */
export const MASTER_LOG_FILE = 'mesos-master.INFO';

export interface LogFile {
  readonly path: string;
  readonly sink: LogSink;
  close(): void;
}

/** Opens (appending; creates the directory) the log file under `dir`; throws naming --log_dir when it cannot. */
export function openLogFile(dir: string, name: string): LogFile {
  const path = join(dir, name);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(path, 'a', 0o640);
  } catch (err) {
    throw new Error(`--log_dir=${dir}: cannot write ${path}: ${(err as Error).message}`);
  }
  let open = true;
  return {
    path,
    // Synchronous appends: a line is in the file when the call returns (what a reader of /master/log sees), and nothing is lost at exit.
    sink: (level, component, message) => {
      if (open) writeSync(fd, logLine(level, component, message));
    },
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** A logger that writes every line to both `a` and `b` (the console's and the file's). */
export function teeLogger(a: Logger, b: Logger): Logger {
  return {
    debug: (m) => (a.debug(m), b.debug(m)),
    info: (m) => (a.info(m), b.info(m)),
    warn: (m) => (a.warn(m), b.warn(m)),
    error: (m) => (a.error(m), b.error(m)),
    child: (c) => teeLogger(a.child(c), b.child(c)),
  };
}
