/**
 * The program filesystem/linux puts in front of a container's command: a
 * short perl script (perl-base is Essential on Debian; the fork server uses it
 * too; no modules, so it starts in a few ms) that, in a new mount namespace of its own, mounts the container's root
 * (an overlay: the shared image rootfs below, the container's own upper dir
 * above), the sandbox at /mnt/mesos/sandbox, /proc, a minimal /dev, /sys
 * read-only, /tmp and the volumes, then pivot_root's into it, drops to the
 * task's user and execs the command. Every mount lives and dies with the
 * container's namespace: nothing is mounted on the host, nothing leaks when
 * the agent dies.
 *
 * A path the script creates or mounts on inside the root may not pass
 * through a symlink of the image (it could point anywhere on the host).
 */

export interface MountPlan {
  /** The container's root: an overlay of `lower` (read-only) under `upper`; absent: no new root (volumes only). */
  root?: { lower: string; upper: string; work: string; target: string };
  /** Binds, in order: host source, destination inside the root (absolute), read-only. */
  binds: { source: string; target: string; readOnly: boolean; optional?: boolean }[];
  /** Working directory inside the root. */
  workdir?: string;
  uid?: number;
  gid?: number;
  /** Character devices made in the root's /dev (with `root`): its name there, major, minor. */
  devices?: { name: string; major: number; minor: number }[];
}

/** Linux syscall numbers: unshare, mount, umount2, pivot_root, setgroups, setgid, setuid, mknodat. */
const SYSCALLS: Record<string, number[]> = {
  x64: [272, 165, 166, 155, 116, 106, 105, 259],
  arm64: [97, 40, 39, 41, 159, 144, 146, 33],
};

export function mountHelperSupported(arch: string = process.arch): string | null {
  return SYSCALLS[arch] ? null : `filesystem/linux knows the syscall numbers of x64 and arm64 only, not ${arch}`;
}

const SCRIPT = String.raw`
my ($NR_UNSHARE, $NR_MOUNT, $NR_UMOUNT2, $NR_PIVOT, $NR_SETGROUPS, $NR_SETGID, $NR_SETUID, $NR_MKNODAT) = map { $_ + 0 } splice(@ARGV, 0, 8);
my ($RDONLY, $NOSUID, $NODEV, $NOEXEC, $REMOUNT, $BIND, $REC, $PRIVATE) = (1, 2, 4, 8, 32, 4096, 16384, 262144);
sub fail { print STDERR "mesos-ts filesystem/linux: failed to prepare the container's filesystem: $_[0]\n"; exit 125; }
sub mnt {
  my ($src, $dst, $type, $flags, $data) = @_;
  my $r = defined $data ? syscall($NR_MOUNT, $src, $dst, $type, $flags, $data) : syscall($NR_MOUNT, $src, $dst, $type, $flags, 0);
  $r == 0 or fail("mount $type $src on $dst: $!");
}
my $root = '';
sub inside {
  my ($path, $kind) = @_;
  my $cur = $root;
  my @parts = grep { length && $_ ne '.' } split m{/}, $path;
  for my $i (0 .. $#parts) {
    fail("path $path leaves the root") if $parts[$i] eq '..';
    $cur .= "/$parts[$i]";
    fail("$cur is a symlink in the container's root; refusing to create or mount through it") if $root ne '' && -l $cur;
    next if -e $cur;
    if ($i < $#parts || $kind eq 'dir') { mkdir($cur, 0755) or -d $cur or fail("mkdir $cur: $!"); }
    else { open(my $fh, '>', $cur) or fail("create $cur: $!"); close($fh); }
  }
  return $cur eq '' ? '/' : $cur;
}
syscall($NR_UNSHARE, 0x20000) == 0 or fail("unshare(CLONE_NEWNS): $!");
mnt('none', '/', 'none', $REC | $PRIVATE);
my ($workdir, $uid, $gid);
while (@ARGV) {
  my $op = shift @ARGV;
  last if $op eq '--';
  if ($op eq 'root') {
    my ($lower, $upper, $work, $target) = splice(@ARGV, 0, 4);
    mnt('overlay', $target, 'overlay', 0, "lowerdir=$lower,upperdir=$upper,workdir=$work");
    $root = $target;
    my $proc = inside('/proc', 'dir');
    mnt('proc', $proc, 'proc', $NOSUID | $NODEV | $NOEXEC);
    my $sys = inside('/sys', 'dir');
    mnt('sysfs', $sys, 'sysfs', $RDONLY | $NOSUID | $NODEV | $NOEXEC);
    my $dev = inside('/dev', 'dir');
    mnt('tmpfs', $dev, 'tmpfs', $NOSUID | $NOEXEC, 'mode=755,size=65536k');
    # Character devices made in the tmpfs (major, minor), as Mesos does: no host node is bound in.
    my %nodes = (null => [1, 3], zero => [1, 5], full => [1, 7], random => [1, 8], urandom => [1, 9], tty => [5, 0]);
    for my $n (sort keys %nodes) {
      my ($maj, $min) = @{$nodes{$n}};
      my $path = "$dev/$n";
      syscall($NR_MKNODAT, -100, $path, 0020666, ($maj << 8) | $min) == 0 or fail("mknod $path: $!");
      chmod(0666, $path);
    }
    symlink('/proc/self/fd', "$dev/fd"); symlink('/proc/self/fd/0', "$dev/stdin");
    symlink('/proc/self/fd/1', "$dev/stdout"); symlink('/proc/self/fd/2', "$dev/stderr");
    mkdir("$dev/pts", 0755); mnt('devpts', "$dev/pts", 'devpts', $NOSUID | $NOEXEC, 'newinstance,ptmxmode=0666,mode=0620');
    symlink('pts/ptmx', "$dev/ptmx");
    mkdir("$dev/shm", 01777); mnt('tmpfs', "$dev/shm", 'tmpfs', $NOSUID | $NODEV, 'mode=1777');
  } elsif ($op eq 'bind' || $op eq 'bind?') {
    my ($src, $dst, $mode) = splice(@ARGV, 0, 3);
    if (!-e $src) { next if $op eq 'bind?'; fail("volume source $src does not exist"); }
    my $t = inside($dst, -d $src ? 'dir' : 'file');
    mnt($src, $t, 'none', $BIND | $REC);
    mnt('none', $t, 'none', $BIND | $REMOUNT | $RDONLY) if $mode eq 'ro';
  } elsif ($op eq 'node') {
    my ($name, $maj, $min) = splice(@ARGV, 0, 3);
    fail("device $name: no root of its own") if $root eq '';
    fail("device name $name") if $name !~ m{^[A-Za-z0-9_.-]+$} || $name eq '..' || $name eq '.';
    my $path = "$root/dev/$name";
    # The kernel's dev_t: minor's low byte, major's 12 bits, then minor's upper bits.
    my $devno = ($min & 0xff) | (($maj & 0xfff) << 8) | (($min & ~0xff) << 12);
    syscall($NR_MKNODAT, -100, $path, 0020666, $devno) == 0 or fail("mknod $path: $!");
    chmod(0666, $path);
  } elsif ($op eq 'workdir') {
    $workdir = shift @ARGV;
    inside($workdir, 'dir') if $root ne '';
  } elsif ($op eq 'user') {
    ($uid, $gid) = splice(@ARGV, 0, 2);
  } else { fail("unknown operation $op"); }
}
if ($root ne '') {
  chdir($root) or fail("chdir $root: $!");
  my ($new, $old) = ('.', '.');
  syscall($NR_PIVOT, $new, $old) == 0 or fail("pivot_root into $root: $!");
  my $top = '.';
  syscall($NR_UMOUNT2, $top, 2) == 0 or fail("detaching the old root: $!");
  chdir('/') or fail("chdir /: $!");
}
if (defined $workdir) { chdir($workdir) or fail("chdir $workdir: $!"); }
if (defined $uid) {
  syscall($NR_SETGROUPS, 0, 0) == 0 or fail("setgroups: $!");
  syscall($NR_SETGID, $gid + 0) == 0 or fail("setgid $gid: $!");
  syscall($NR_SETUID, $uid + 0) == 0 or fail("setuid $uid: $!");
}
@ARGV or fail('no command to run');
exec { $ARGV[0] } @ARGV;
print STDERR "Failed to execute '$ARGV[0]': $!\n";
exit 127;
`;

/** The argv prefix that runs a command inside the plan's mounts. */
export function mountWrapper(plan: MountPlan, arch: string = process.arch): string[] {
  const nr = SYSCALLS[arch];
  if (!nr) throw new Error(mountHelperSupported(arch)!);
  const args: string[] = ['perl', '-e', SCRIPT, ...nr.map(String)];
  if (plan.root) args.push('root', plan.root.lower, plan.root.upper, plan.root.work, plan.root.target);
  for (const b of plan.binds) args.push(b.optional ? 'bind?' : 'bind', b.source, b.target, b.readOnly ? 'ro' : 'rw');
  if (plan.root) for (const d of plan.devices ?? []) args.push('node', d.name, String(d.major), String(d.minor));
  if (plan.workdir !== undefined) args.push('workdir', plan.workdir);
  if (plan.uid !== undefined) args.push('user', String(plan.uid), String(plan.gid ?? plan.uid));
  args.push('--');
  return args;
}
