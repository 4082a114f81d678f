/**
 * What the two launcher processes (the C helper, helper.ts, and the perl fork
 * server, forkserver.ts) share: one long-lived child process that forks the
 * containers' processes, answering over its stdout, one line per event:
 *   S <id> <pid> <starttime>   forked
 *   F <id> <hex message>       the fork failed
 *   X <pid> <wait status>      the process ended and was reaped
 *   E <hex message>            the server refused a request (and exits)
 * Subclasses start the server and encode a launch request. If the server
 * dies, its children keep running; they are then watched through /proc
 * (`onOrphan` decides how their end is learned) and the next launch starts a
 * new server.
 */
import { type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type Clock } from 'libprocess-ts';
import { isAlive } from './proc.js';
import { buildArgv, exitStatus, type LaunchSpec, type LaunchedProcess, type Launcher } from './launcher.js';
import { ContainerizerError, type ExitStatus } from './types.js';

/** Signal numbers → names on Linux (x86_64 / arm64 numbering). */
const SIGNAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/** A raw wait(2) status → the containerizer's ExitStatus. */
export function decodeWaitStatus(status: number): ExitStatus {
  const sig = status & 0x7f;
  if (sig === 0) return exitStatus((status >> 8) & 0xff, null);
  return exitStatus(null, SIGNAMES[sig] ?? `SIG${sig}`);
}

/** What a launcher process execs: the file, its argv (argv[0] kept) and the environment. */
export function execArgv(spec: LaunchSpec): { file: string; argv: string[]; env: Record<string, string> } {
  // The same argv as PosixLauncher, without the sh prelude: the server enters the cgroups itself.
  const { args, env } = buildArgv({ ...spec, cgroupProcs: [] });
  delete env.MESOS_TS_CGROUP_PROCS;
  // Argv commands are exec'ed directly (argv[0] kept, execvp's PATH search).
  if (!spec.command.shell && !spec.wrapper?.length && !spec.rlimits?.length && !spec.mounts) {
    const file = spec.command.value ?? spec.command.arguments?.[0] ?? '';
    return { file, argv: spec.command.arguments?.length ? spec.command.arguments : [file], env };
  }
  return { file: '/bin/sh', argv: ['/bin/sh', ...args], env };
}

/** The request's strings, refused when one holds a NUL (it would cut the field). */
export function requestFields(spec: LaunchSpec, statusPath: string): string[] {
  const { file, argv, env } = execArgv(spec);
  const fields = [
    spec.cwd, spec.stdoutPath, spec.stderrPath,
    spec.uid !== undefined ? String(spec.uid) : '', spec.gid !== undefined ? String(spec.gid) : '',
    (spec.cgroupProcs ?? []).join(':'), statusPath,
    file, String(argv.length), ...argv,
    String(Object.keys(env).length), ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
  ];
  if (fields.some((f) => f.includes('\0'))) throw new ContainerizerError('INVALID_CONFIG', 'Command, arguments, environment and paths may not contain NUL characters');
  return fields;
}

interface Pending {
  resolve: (p: LaunchedProcess) => void;
  reject: (e: Error) => void;
  statusPath?: string;
}

export abstract class ServerLauncher implements Launcher {
  private server: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly exits = new Map<number, { startTime: number; statusPath?: string; done: (s: ExitStatus) => void }>();
  private readonly early = new Map<number, ExitStatus>();
  private corked = false;

  constructor(
    protected readonly clock: Clock,
    /** After the server died: how often its orphaned children are checked for exit. */
    protected readonly pollMs: number,
  ) {}

  /**
   * Starts the server process, its stdin, stdout and stderr piped. Its stderr
   * must be a pipe, not the agent's own: the server may outlive the agent, and
   * holding the agent's stderr open would keep whoever reads the agent's output
   * (a supervisor, `mesos-ts local`, a test) waiting for an end that never comes.
   */
  protected abstract spawnServer(): ChildProcess;
  /** Writes one launch request for `id`. */
  protected abstract sendLaunch(server: ChildProcess, id: number, spec: LaunchSpec): void;
  /** The end of a child whose server died, once /proc shows it gone. */
  protected orphanEnded(_statusPath: string | undefined, why: string): Promise<ExitStatus> {
    return Promise.resolve({ code: null, signal: null, message: `Command exit status unknown: ${why}` });
  }

  /** The server died: its children still run; watch them through /proc. */
  private pollOrphan(pid: number, e: { startTime: number; statusPath?: string; done: (s: ExitStatus) => void }, why: string): void {
    this.clock.timer(this.pollMs, () => {
      void isAlive(pid, e.startTime).then(async (alive) => {
        if (alive) this.pollOrphan(pid, e, why);
        else e.done(await this.orphanEnded(e.statusPath, why));
      });
    });
  }

  private start(): ChildProcess {
    if (this.server) return this.server;
    const server = this.spawnServer();
    this.server = server;
    const rl = createInterface({ input: server.stdout! });
    rl.on('line', (line) => {
      this.dispatch(line);
      this.updateRef();
    });
    server.stdin!.on('error', () => {});
    relayLines(server.stderr, process.stderr);
    const gone = (why: string): void => {
      if (this.server !== server) return;
      this.server = undefined;
      for (const p of this.pending.values()) p.reject(new ContainerizerError('LAUNCH_FAILED', `Failed to launch the container's process: ${why}`));
      this.pending.clear();
      for (const [pid, e] of this.exits) this.pollOrphan(pid, e, why);
      this.exits.clear();
    };
    server.once('error', (e) => gone(`the launcher process failed: ${e.message}`));
    server.once('exit', (code, signal) => gone(`the launcher process exited (${signal ?? `status ${code}`})`));
    server.unref();
    this.updateRef();
    return server;
  }

  /** Keeps Node alive only while a launch or an exit is awaited (like a ChildProcess would). */
  private updateRef(): void {
    const out = this.server?.stdout as unknown as { ref?: () => void; unref?: () => void } | undefined;
    if (this.pending.size + this.exits.size > 0) out?.ref?.();
    else out?.unref?.();
  }

  private dispatch(line: string): void {
    const [kind, a, b, c] = line.split(' ');
    if (kind === 'S') {
      const p = this.pending.get(Number(a));
      this.pending.delete(Number(a));
      const pid = Number(b);
      const startTime = Number(c);
      const exited = new Promise<ExitStatus>((resolve) => {
        const early = this.early.get(pid);
        if (early) {
          this.early.delete(pid);
          resolve(early);
        } else this.exits.set(pid, { startTime, ...(p?.statusPath ? { statusPath: p.statusPath } : {}), done: resolve });
      });
      p?.resolve({ pid, startTime, exited });
    } else if (kind === 'F') {
      const p = this.pending.get(Number(a));
      this.pending.delete(Number(a));
      p?.reject(new ContainerizerError('LAUNCH_FAILED', `Failed to launch the container's process: ${Buffer.from(b ?? '', 'hex').toString()}`));
    } else if (kind === 'X') {
      const pid = Number(a);
      const s = decodeWaitStatus(Number(b));
      const e = this.exits.get(pid);
      if (e) {
        this.exits.delete(pid);
        e.done(s);
      } else this.early.set(pid, s);
    } else if (kind === 'E') {
      const why = Buffer.from(a ?? '', 'hex').toString();
      for (const p of this.pending.values()) p.reject(new ContainerizerError('LAUNCH_FAILED', `The launcher process refused a request: ${why}`));
      this.pending.clear();
    }
  }

  launch(spec: LaunchSpec): Promise<LaunchedProcess> {
    let server: ChildProcess;
    try {
      server = this.start();
    } catch (e) {
      return Promise.reject(new ContainerizerError('LAUNCH_FAILED', `Failed to start the launcher process: ${(e as Error).message}`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(spec.statusPath ? { statusPath: spec.statusPath } : {}) });
      try {
        // The launches of one tick go to the server in one write.
        if (!this.corked) {
          this.corked = true;
          server.stdin!.cork();
          process.nextTick(() => {
            this.corked = false;
            server.stdin!.uncork();
          });
        }
        this.sendLaunch(server, id, spec);
      } catch (e) {
        this.pending.delete(id);
        reject(e as Error);
      }
      this.updateRef();
    });
  }

  /** The server's pid while it runs. */
  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  /**
   * The agent is done with this launcher (it stops): the server launches
   * nothing more and is no longer listened to; the running containers are
   * not affected (the C helper keeps reaping and recording them, then exits).
   */
  close(): void {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.removeAllListeners('exit');
    server.removeAllListeners('error');
    server.on('error', () => {});
    server.stdout?.destroy();
    server.stderr?.destroy();
    server.stdin?.end();
    for (const p of this.pending.values()) p.reject(new ContainerizerError('LAUNCH_FAILED', 'Failed to launch the container\'s process: the launcher was closed'));
    this.pending.clear();
    this.exits.clear();
    this.early.clear();
  }
}

/**
 * The server's diagnostics, written into the agent's stderr as they come. The
 * stream never keeps the agent's event loop alive, and once the agent is gone
 * the server's writes fail quietly (it ignores SIGPIPE).
 */
function relayLines(from: Readable | null, to: Writable): void {
  if (!from) return;
  from.on('data', (chunk: Buffer) => to.write(chunk));
  from.on('error', () => {});
  (from as unknown as { unref?: () => void }).unref?.();
}
