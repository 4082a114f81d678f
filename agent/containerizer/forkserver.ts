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
 *                   status path (unused here), file, argc, argv..., envc, 'K=V'...
 *   server → agent  S <id> <pid> <starttime>     forked
 *                   F <id> <hex message>         fork failed
 *                   X <pid> <wait status>        reaped
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { realClock, type Clock } from 'libprocess-ts';
import type { LaunchSpec } from './launcher.js';
import { requestFields, ServerLauncher } from './server-launcher.js';

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
    my ($cwd, $out, $err, $uid, $gid, $procs, undef, $file) = splice(@f, 0, 8);
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

export class ForkServerLauncher extends ServerLauncher {
  constructor(
    clock: Clock = realClock,
    private readonly perl = 'perl',
    pollMs = 200,
  ) {
    super(clock, pollMs);
  }

  protected spawnServer(): ChildProcess {
    return spawn(this.perl, ['-e', SERVER], { stdio: 'pipe' });
  }

  protected sendLaunch(server: ChildProcess, id: number, spec: LaunchSpec): void {
    // The perl server keeps no exit records: its status path field is sent empty.
    server.stdin!.write(`L ${id} ${hex(requestFields(spec, '').join('\0'))}\n`);
  }
}
