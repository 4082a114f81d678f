/**
 * A fork server: one small long-lived perl process (perl-base is Essential on
 * Debian) that forks and execs the containers' processes for the agent.
 *
 * Why: child_process.spawn forks the whole Node process (tens of MB of page
 * tables) on the event loop, ~1.5 ms per task; forking a 5 MB perl costs a
 * fraction of that and happens outside the event loop. The children are the
 * same as with PosixLauncher: their own process group, in their cgroups
 * before exec, stdout/stderr appended to the sandbox files, uid/gid set.
 * The server reaps them and reports the raw wait status, so exit codes and
 * signals are exact. If the agent dies, the server sees EOF and exits,
 * leaving the containers running (they are recovered by pid + start time).
 *
 * Protocol, one line per message:
 *   agent → server  L <id> <hex of NUL-separated fields>
 *                   fields: cwd, stdout, stderr, uid|'', gid|'', cgroup procs (':'-joined),
 *                   file, argc, argv..., envc, 'K=V'...
 *   server → agent  S <id> <pid> <starttime>     forked
 *                   F <id> <hex message>         fork failed
 *                   X <pid> <wait status>        reaped
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { realClock, type Clock } from 'libprocess-ts';
import { isAlive } from './proc.js';
import { exitStatus, buildArgv, type LaunchSpec, type LaunchedProcess, type Launcher } from './launcher.js';
import { ContainerizerError, type ExitStatus } from './types.js';

const SERVER = String.raw`
use strict; use warnings; use POSIX qw(:sys_wait_h);
$| = 1;
sub reap { while ((my $pid = waitpid(-1, WNOHANG)) > 0) { print "X $pid $?\n"; } }
$SIG{CHLD} = sub { reap(); };
$SIG{PIPE} = 'IGNORE';
my $buf = '';
while (1) {
  my $n = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $n) { next if $!{EINTR}; last; }
  last if $n == 0;
  while ((my $i = index($buf, "\n")) >= 0) {
    my $line = substr($buf, 0, $i + 1, ''); chomp $line;
    my (undef, $id, $hex) = split / /, $line, 3;
    my @f = split /\0/, pack('H*', $hex), -1;
    my ($cwd, $out, $err, $uid, $gid, $procs, $file) = splice(@f, 0, 7);
    my $argc = shift @f; my @argv = splice(@f, 0, $argc);
    my $envc = shift @f; my @env = splice(@f, 0, $envc);
    my $pid = fork();
    if (!defined $pid) { print "F $id ", unpack('H*', "fork failed: $!"), "\n"; next; }
    if ($pid == 0) {
      $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
      POSIX::setpgid(0, 0);
      open(STDIN, '<', '/dev/null');
      open(STDOUT, '>>', $out) or POSIX::_exit(126);
      open(STDERR, '>>', $err) or POSIX::_exit(126);
      for my $p (grep { length } split /:/, $procs) {
        if (open(my $fh, '>', $p)) { print $fh "$$"; if (!close($fh)) { print STDERR "mesos-ts: failed to enter cgroup $p: $!\n"; POSIX::_exit(125); } }
        else { print STDERR "mesos-ts: failed to enter cgroup $p: $!\n"; POSIX::_exit(125); }
      }
      chdir($cwd) or do { print STDERR "mesos-ts: chdir $cwd: $!\n"; POSIX::_exit(126); };
      if (length $gid) { $) = "$gid $gid"; POSIX::setgid($gid) or do { print STDERR "mesos-ts: setgid $gid: $!\n"; POSIX::_exit(126); }; }
      if (length $uid) { POSIX::setuid($uid) or do { print STDERR "mesos-ts: setuid $uid: $!\n"; POSIX::_exit(126); }; }
      %ENV = map { my ($k, $v) = split /=/, $_, 2; ($k, $v) } @env;
      { no warnings 'exec'; exec { $file } @argv; }
      print STDERR "Failed to execute '$file': $!\n";
      POSIX::_exit(127);
    }
    # The child makes its own group too; doing it here as well means the group exists before the
    # agent hears of the pid (it may kill the group at once), whichever of the two runs first.
    POSIX::setpgid($pid, $pid);
    my $start = 0;
    if (open(my $st, '<', "/proc/$pid/stat")) { my $l = <$st>; close $st; if (defined $l && $l =~ /\)\s+(.*)$/) { my @s = split ' ', $1; $start = $s[19] // 0; } }
    print "S $id $pid $start\n";
  }
}
exit 0;
`;

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** Signal numbers → names on Linux (x86_64 / arm64 numbering). */
const SIGNAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

export function decodeWaitStatus(status: number): ExitStatus {
  const sig = status & 0x7f;
  if (sig === 0) return exitStatus((status >> 8) & 0xff, null);
  return exitStatus(null, SIGNAMES[sig] ?? `SIG${sig}`);
}

interface Pending {
  resolve: (p: LaunchedProcess) => void;
  reject: (e: Error) => void;
}

export class ForkServerLauncher implements Launcher {
  private server: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly exits = new Map<number, { startTime: number; done: (s: ExitStatus) => void }>();
  private readonly early = new Map<number, ExitStatus>();

  constructor(
    private readonly clock: Clock = realClock,
    private readonly perl = 'perl',
    /** After the server died: how often its orphaned children are checked for exit. */
    private readonly pollMs = 200,
  ) {}

  /** The server died: its children still run; watch them through /proc (their status is lost). */
  private pollOrphan(pid: number, startTime: number, done: (s: ExitStatus) => void, why: string): void {
    this.clock.timer(this.pollMs, () => {
      void isAlive(pid, startTime).then((alive) => {
        if (alive) this.pollOrphan(pid, startTime, done, why);
        else done({ code: null, signal: null, message: `Command exit status unknown: ${why}` });
      });
    });
  }

  private start(): ChildProcess {
    if (this.server) return this.server;
    const server = spawn(this.perl, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.server = server;
    const rl = createInterface({ input: server.stdout! });
    rl.on('line', (line) => this.onLine(line));
    server.stdin!.on('error', () => {});
    server.once('exit', (code, signal) => {
      if (this.server === server) this.server = undefined;
      const why = `the fork server exited (${signal ?? `status ${code}`})`;
      for (const p of this.pending.values()) p.reject(new ContainerizerError('LAUNCH_FAILED', `Failed to launch the container's process: ${why}`));
      this.pending.clear();
      for (const [pid, e] of this.exits) this.pollOrphan(pid, e.startTime, e.done, why);
      this.exits.clear();
    });
    server.unref();
    this.server = server;
    this.updateRef();
    return server;
  }

  /** Keeps Node alive only while a launch or an exit is awaited (like a ChildProcess would). */
  private updateRef(): void {
    const out = this.server?.stdout as unknown as { ref?: () => void; unref?: () => void } | undefined;
    if (this.pending.size + this.exits.size > 0) out?.ref?.();
    else out?.unref?.();
  }

  private onLine(line: string): void {
    this.dispatch(line);
    this.updateRef();
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
        } else this.exits.set(pid, { startTime, done: resolve });
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
    }
  }

  launch(spec: LaunchSpec): Promise<LaunchedProcess> {
    // The same argv as PosixLauncher, without the sh prelude: the server enters the cgroups itself.
    const { args, env } = buildArgv({ ...spec, cgroupProcs: [] });
    const argv = ['/bin/sh', ...args];
    let file = '/bin/sh';
    let execArgv = argv;
    // Argv commands are exec'ed directly (argv[0] kept, execvp's PATH search).
    if (!spec.command.shell && !spec.wrapper?.length) {
      file = spec.command.value ?? spec.command.arguments?.[0] ?? '';
      execArgv = spec.command.arguments?.length ? spec.command.arguments : [file];
    }
    delete env.MESOS_TS_CGROUP_PROCS;
    const fields = [
      spec.cwd, spec.stdoutPath, spec.stderrPath,
      spec.uid !== undefined ? String(spec.uid) : '', spec.gid !== undefined ? String(spec.gid) : '',
      (spec.cgroupProcs ?? []).join(':'),
      file, String(execArgv.length), ...execArgv,
      String(Object.keys(env).length), ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ];
    if (fields.some((f) => f.includes('\0'))) return Promise.reject(new ContainerizerError('INVALID_CONFIG', 'Command, arguments and environment may not contain NUL characters'));
    const server = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      server.stdin!.write(`L ${id} ${hex(fields.join('\0'))}\n`);
      this.updateRef();
    });
  }

  /** The server's pid while it runs. */
  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  /** Stops the server (containers keep running). */
  close(): void {
    this.server?.stdin?.end();
  }
}
