/**
 * The launcher starts a container's main process and reports how it ended.
 *
 * Every process is started with `detached: true`, so it leads its own process
 * group (pgid == pid) and the whole group can be signalled. When the
 * container has cgroups, the process first runs a tiny /bin/sh prelude that
 * writes its own pid into each cgroup's `cgroup.procs` and then `exec`s the
 * command: the command, and everything it forks, starts inside the cgroups
 * (what Mesos's LinuxLauncher does with clone + a sync pipe).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mountWrapper, type MountPlan } from './mount-plan.js';
import { readStat } from './proc.js';
import { prlimitArgs, type RLimit } from './rlimits.js';
import { ContainerizerError, type CommandSpec, type ExitStatus } from './types.js';

export interface LaunchSpec {
  command: CommandSpec;
  /** The complete environment of the process. */
  env: Record<string, string>;
  cwd: string;
  stdoutPath: string;
  stderrPath: string;
  uid?: number;
  gid?: number;
  /** `cgroup.procs` files the process writes itself into before exec. */
  cgroupProcs?: string[];
  /** argv prefix from isolators, e.g. ['unshare', '--pid', '--fork', ...]. */
  wrapper?: string[];
  /**
   * filesystem/linux's mounts, carried out innermost (after the wrappers) by
   * mesos-ts-launcher: in its forked child when it launches and there is no
   * wrapper, else as the last wrapper (`mesos-ts-launcher mount ... --`).
   */
  mounts?: MountPlan;
  /**
   * Where a launcher that outlives the agent records the process's wait status
   * at exit (exit-record.ts); launchers that cannot (spawn, the fork server) ignore it.
   */
  statusPath?: string;
  /** Resource limits set before exec (posix/rlimits). */
  rlimits?: RLimit[];
}

export interface LaunchedProcess {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot). */
  startTime: number;
  /** Resolves once, when the process has exited and been reaped. */
  exited: Promise<ExitStatus>;
}

export interface Launcher {
  launch(spec: LaunchSpec): Promise<LaunchedProcess>;
}

/** glibc's strsignal() texts, which Mesos puts in 'Command terminated with signal ...'. */
const SIGNAL_TEXT: Record<string, string> = {
  SIGHUP: 'Hangup', SIGINT: 'Interrupt', SIGQUIT: 'Quit', SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap', SIGABRT: 'Aborted', SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception', SIGKILL: 'Killed', SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault', SIGUSR2: 'User defined signal 2', SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock', SIGTERM: 'Terminated', SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited', SIGCONT: 'Continued', SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped', SIGTTIN: 'Stopped (tty input)', SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition', SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded', SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired', SIGWINCH: 'Window changed', SIGIO: 'I/O possible',
  SIGPWR: 'Power failure', SIGSYS: 'Bad system call',
};

export function signalText(signal: string): string {
  return SIGNAL_TEXT[signal] ?? `Unknown signal ${signal}`;
}

/** Mesos's WSTRINGIFY, prefixed with 'Command' as the command executor does. */
export function exitStatus(code: number | null, signal: string | null): ExitStatus {
  if (signal !== null) return { code: null, signal, message: `Command terminated with signal ${signalText(signal)}` };
  return { code, signal: null, message: `Command exited with status ${code ?? 'unknown'}` };
}

const ENTER_CGROUPS =
  'IFS=:; for f in $MESOS_TS_CGROUP_PROCS; do ' +
  'echo $$ > "$f" || { echo "mesos-ts: failed to enter cgroup $f" >&2; exit 125; }; done; ' +
  'unset MESOS_TS_CGROUP_PROCS; unset IFS; ';

/** The argv and environment actually spawned for a spec. */
export function buildArgv(spec: LaunchSpec): { file: string; args: string[]; env: Record<string, string> } {
  const c = spec.command;
  let argv: string[];
  if (c.shell) {
    if (!c.value) throw new ContainerizerError('INVALID_CONFIG', 'A shell command needs a non-empty value');
    argv = ['/bin/sh', '-c', c.value];
  } else {
    const exe = c.value ?? c.arguments?.[0];
    if (!exe) throw new ContainerizerError('INVALID_CONFIG', 'A non-shell command needs a value (the executable) or arguments');
    // argv[0] comes from /bin/sh's exec (the executable's name), as `arguments[0]` cannot be passed through sh.
    argv = [exe, ...(c.arguments ?? []).slice(1)];
  }
  // Limits through util-linux prlimit, outermost, so the isolators' wrappers run under them too
  // (the launcher helper sets them itself: helper.ts takes them out of the spec).
  argv = [...(spec.rlimits?.length ? prlimitArgs(spec.rlimits) : []), ...(spec.wrapper ?? []), ...(spec.mounts ? mountWrapper(spec.mounts) : []), ...argv];
  const env = { ...spec.env };
  const procs = spec.cgroupProcs ?? [];
  if (procs.length > 0) {
    env.MESOS_TS_CGROUP_PROCS = procs.join(':');
    return { file: '/bin/sh', args: ['-c', `${ENTER_CGROUPS}exec "$@"`, 'mesos-ts-launch', ...argv], env };
  }
  if (c.shell && !spec.wrapper?.length && !spec.rlimits?.length && !spec.mounts) return { file: '/bin/sh', args: ['-c', c.value!], env };
  // Through sh's exec so that a missing executable is exit 127 with sh's message, as in a shell.
  return { file: '/bin/sh', args: ['-c', 'exec "$@"', 'mesos-ts-launch', ...argv], env };
}

/** Starts processes as process-group leaders with stdout/stderr appended to files. */
export class PosixLauncher implements Launcher {
  async launch(spec: LaunchSpec): Promise<LaunchedProcess> {
    const { file, args, env } = buildArgv(spec);
    const out = openSync(spec.stdoutPath, 'a');
    let err: number;
    try {
      err = openSync(spec.stderrPath, 'a');
    } catch (e) {
      closeSync(out);
      throw e;
    }
    try {
      const child = spawn(file, args, {
        cwd: spec.cwd,
        env,
        detached: true,
        stdio: ['ignore', out, err],
        ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
        ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
      });
      const exited = new Promise<ExitStatus>((resolve) => {
        child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', (e) => {
          try {
            writeSync(err, `Failed to launch ${file}: ${e.message}\n`);
          } catch {
            /* the stderr file is best effort here */
          }
          reject(new ContainerizerError('LAUNCH_FAILED', `Failed to launch the container's process: ${e.message}`));
        });
      });
      const pid = child.pid!;
      const st = await readStat(pid);
      // If it already exited and was reaped, there is no start time to read: 0 marks "unknown".
      return { pid, startTime: st?.startTime ?? 0, exited };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }
}

export interface UserIds {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Looks a user up through NSS (`getent passwd`); a clear error for an unknown one. */
export function resolveUser(name: string): Promise<UserIds> {
  return new Promise((resolve, reject) => {
    if (!name || name.includes(':') || name.includes('\n')) {
      reject(new ContainerizerError('UNKNOWN_USER', `Invalid user name ${JSON.stringify(name)}`));
      return;
    }
    execFile('getent', ['passwd', name], { encoding: 'utf8' }, (error, stdout) => {
      const line = stdout?.split('\n').find((l) => l.length > 0);
      const f = line?.split(':');
      if (error || !f || f.length < 7) {
        reject(new ContainerizerError('UNKNOWN_USER', `Failed to get user information for '${name}': no such user on this host`));
        return;
      }
      resolve({ name, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! });
    });
  });
}
