/*
 * filesystem/linux's mount plan (the role of Mesos's `mesos-containerizer
 * launch` with a rootfs): in a new mount namespace of the container's own,
 * the container's root (an overlay: the image's shared rootfs below, the
 * container's own upper dir above), /proc, /sys read-only, a minimal /dev,
 * the sandbox, /tmp and the volumes; then pivot_root into it. Every mount
 * lives and dies with the container's namespace: nothing is mounted on the
 * host, nothing leaks when the agent dies.
 *
 * The plan is a list of operations, each a word and its arguments (the agent
 * builds it, mount-plan.ts, and checks it first):
 *   root <lower> <upper> <work> <target>   the overlay, mounted on target, then proc, sys, dev
 *   root-tmpfs <lower> <target> <KiB>      the same with the writable layer in memory: a tmpfs
 *                                          (size KiB, 0: tmpfs's default) on target holding the
 *                                          overlay's upper and work dirs, the overlay on target/root
 *   bind <src> <dst> ro|rw                 a bind mount (dst inside the root when there is one)
 *   bind? <src> <dst> ro|rw                the same, skipped when src does not exist
 *   node <name> <major> <minor>            a character device in the root's /dev
 *   workdir <path>                         the working directory (inside the root)
 *   user <uid> <gid>                       the ids the command runs as
 *
 * A path made or mounted on inside the root may not pass through a symlink of
 * the image (it could point anywhere on the host), nor through '..'.
 */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct {
  const char *name;
  size_t args;
} OPS[] = {{"root", 4}, {"root-tmpfs", 3}, {"bind", 3}, {"bind?", 3}, {"node", 3}, {"workdir", 1}, {"user", 2}};

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* An absolute path with no '..' component. */
static int clean_path(const char *p) {
  if (p[0] != '/') return 0;
  for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
    if (s[-1] == '/' && (s[2] == '/' || s[2] == 0)) return 0;
  return 1;
}

/* A decimal number up to max. */
static int number(const char *s, unsigned long max, unsigned long *out) {
  if (*s < '0' || *s > '9') return 0;
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*end != 0 || errno != 0 || v > max) return 0;
  *out = v;
  return 1;
}

static int device_name(const char *s) {
  if (*s == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-')) return 0;
  return 1;
}

int check_mount_plan(char **ops, size_t n, char *err, size_t errlen) {
  int has_root = 0;
  for (size_t i = 0; i < n;) {
    const char *op = ops[i];
    size_t k = 0, count = sizeof OPS / sizeof OPS[0];
    while (k < count && strcmp(OPS[k].name, op) != 0) k++;
    if (k == count) return set_err(err, errlen, "mount plan: unknown operation '%s'", op);
    if (n - i - 1 < OPS[k].args) return set_err(err, errlen, "mount plan: '%s' needs %zu arguments", op, OPS[k].args);
    char **a = ops + i + 1;
    unsigned long v;
    if (strncmp(op, "root", 4) == 0) {
      if (has_root) return set_err(err, errlen, "mount plan: a second root");
      has_root = 1;
      /* root: lower, upper, work (overlay options), target; root-tmpfs: lower, target (both in the options), size. */
      int tmpfs = op[4] != 0, paths = tmpfs ? 2 : 4, options = tmpfs ? 2 : 3;
      for (int j = 0; j < paths; j++) {
        if (!clean_path(a[j])) return set_err(err, errlen, "mount plan: root path '%s' is not absolute or has a '..' component", a[j]);
        if (j < options && strpbrk(a[j], ",:") != NULL) return set_err(err, errlen, "mount plan: overlay directory '%s' has ',' or ':'", a[j]);
      }
      if (tmpfs && !number(a[2], 1UL << 40, &v)) return set_err(err, errlen, "mount plan: root tmpfs size '%s' (KiB)", a[2]);
    } else if (strncmp(op, "bind", 4) == 0) {
      if (!clean_path(a[0]) || !clean_path(a[1])) return set_err(err, errlen, "mount plan: bind '%s' -> '%s': paths must be absolute, without '..'", a[0], a[1]);
      if (strcmp(a[2], "ro") != 0 && strcmp(a[2], "rw") != 0) return set_err(err, errlen, "mount plan: bind mode '%s' (ro or rw)", a[2]);
    } else if (strcmp(op, "node") == 0) {
      if (!has_root) return set_err(err, errlen, "mount plan: device %s: no root of its own", a[0]);
      if (!device_name(a[0])) return set_err(err, errlen, "mount plan: device name '%s'", a[0]);
      if (!number(a[1], 0xfff, &v) || !number(a[2], 0xfffff, &v)) return set_err(err, errlen, "mount plan: device %s numbers '%s' '%s'", a[0], a[1], a[2]);
    } else if (strcmp(op, "workdir") == 0) {
      if (!clean_path(a[0])) return set_err(err, errlen, "mount plan: working directory '%s' is not absolute or has a '..' component", a[0]);
    } else if (!number(a[0], 0xfffffffeUL, &v) || !number(a[1], 0xfffffffeUL, &v)) {
      return set_err(err, errlen, "mount plan: user ids '%s' '%s'", a[0], a[1]);
    }
    i += 1 + OPS[k].args;
  }
  return 0;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  dprintf(STDERR_FILENO, "mesos-ts filesystem/linux: failed to prepare the container's filesystem: %s\n", msg);
  _exit(125);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  if (mount(src, dst, type, flags, data) != 0) fail("mount %s %s on %s: %s", type, src, dst, strerror(errno));
}

static char root[4096]; /* the new root while the plan runs; "" without one */

static void overlay(const char *lower, const char *upper, const char *work, const char *target) {
  char data[3 * 4096 + 64];
  if ((size_t)snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work) >= sizeof data) fail("overlay options too long");
  if (strlen(target) >= sizeof root) fail("root %s: too long", target);
  /* Not `volatile` (Linux 5.10+), though without it the overlay's unmount, when the namespace goes,
     syncs the whole upper filesystem: it makes two more inodes a container (work/incompat/volatile),
     and on an ext4 without a journal each new inode scans the recently deleted ones; measured, the
     CPU it cost per task was more than the sync's (bench-launch's image row, 2026-12-07). */
  mnt("overlay", target, "overlay", 0, data);
  strcpy(root, target);
}

/* `path` under the root (the host's / without one), made when missing: every component a directory
   but the last, which is a directory or (kind 'f') an empty file. Refuses '..' and, in a root of the
   container's own, symlinks. */
static void inside(const char *path, char kind, char *out, size_t outlen) {
  size_t len = strlen(root);
  if (len >= outlen) fail("path %s: too long", path);
  memcpy(out, root, len + 1);
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    const char *e = strchrnul(p, '/');
    size_t n = (size_t)(e - p);
    if (n == 0) break;
    int last = *e == 0 || e[strspn(e, "/")] == 0;
    if (n == 1 && p[0] == '.') {
      p = e;
      continue;
    }
    if (n == 2 && p[0] == '.' && p[1] == '.') fail("path %s leaves the root", path);
    if (len + 1 + n >= outlen) fail("path %s: too long", path);
    out[len++] = '/';
    memcpy(out + len, p, n);
    len += n;
    out[len] = 0;
    p = e;
    /* One lstat a component: there and not a symlink is the common case (a stat more only for a symlink
       on the host's side, followed as before). */
    struct stat st;
    if (lstat(out, &st) == 0) {
      if (!S_ISLNK(st.st_mode)) continue;
      if (root[0] != 0) fail("%s is a symlink in the container's root; refusing to create or mount through it", out);
      if (stat(out, &st) == 0) continue;
    }
    if (!last || kind == 'd') {
      if (mkdir(out, 0755) != 0 && !(errno == EEXIST && stat(out, &st) == 0 && S_ISDIR(st.st_mode))) fail("mkdir %s: %s", out, strerror(errno));
    } else {
      int fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) fail("create %s: %s", out, strerror(errno));
      close(fd);
    }
  }
  if (len == 0) memcpy(out, "/", 2);
}

/* dir/name into out, refused when too long. */
static void join_path(char *out, size_t outlen, const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  if (a + 1 + b >= outlen) fail("path %s/%s: too long", dir, name);
  memcpy(out, dir, a);
  out[a] = '/';
  memcpy(out + a + 1, name, b + 1);
}

static void make_node(const char *path, unsigned major_, unsigned minor_) {
  if (mknod(path, S_IFCHR | 0666, makedev(major_, minor_)) != 0) fail("mknod %s: %s", path, strerror(errno));
  if (chmod(path, 0666) != 0) fail("chmod %s: %s", path, strerror(errno));
}

/* The root's own /proc, /sys (read-only) and /dev: a tmpfs with Mesos's character devices made in it
   (no host node bound in), the standard links, its own devpts instance and a shm. */
static void root_filesystems(void) {
  char p[4096];
  inside("/proc", 'd', p, sizeof p);
  mnt("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  inside("/sys", 'd', p, sizeof p);
  mnt("sysfs", p, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  char dev[4096];
  inside("/dev", 'd', dev, sizeof dev);
  mnt("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k");
  static const struct {
    const char *name;
    unsigned major_, minor_;
  } NODES[] = {{"full", 1, 7}, {"null", 1, 3}, {"random", 1, 8}, {"tty", 5, 0}, {"urandom", 1, 9}, {"zero", 1, 5}};
  for (size_t i = 0; i < sizeof NODES / sizeof NODES[0]; i++) {
    join_path(p, sizeof p, dev, NODES[i].name);
    make_node(p, NODES[i].major_, NODES[i].minor_);
  }
  static const char *const LINKS[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}};
  for (size_t i = 0; i < sizeof LINKS / sizeof LINKS[0]; i++) {
    join_path(p, sizeof p, dev, LINKS[i][1]);
    if (symlink(LINKS[i][0], p) != 0) fail("symlink %s: %s", p, strerror(errno));
  }
  join_path(p, sizeof p, dev, "pts");
  if (mkdir(p, 0755) != 0) fail("mkdir %s: %s", p, strerror(errno));
  mnt("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  join_path(p, sizeof p, dev, "shm");
  if (mkdir(p, 01777) != 0) fail("mkdir %s: %s", p, strerror(errno));
  mnt("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

struct plan_user apply_mount_plan(char **ops, size_t n) {
  char err[512];
  if (check_mount_plan(ops, n, err, sizeof err) != 0) fail("%s", err);
  struct plan_user user = {0, 0, 0};
  const char *workdir = NULL;
  root[0] = 0;
  if (unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS): %s", strerror(errno));
  mnt("none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
  for (size_t i = 0; i < n;) {
    const char *op = ops[i];
    char **a = ops + i + 1;
    char t[4096];
    if (strcmp(op, "root") == 0) {
      overlay(a[0], a[1], a[2], a[3]);
      root_filesystems();
      i += 5;
    } else if (strcmp(op, "root-tmpfs") == 0) {
      /* The writable layer in a tmpfs of the container's own namespace: no inode of it on the agent's
         disk, nothing to remove when the container ends (the tmpfs goes with the namespace), and its
         pages are charged to the memory cgroup of the process that writes them. No nosuid or nodev:
         the layer holds copied-up files of the image, which keep what they are. */
      char opts[64], upper[4096], work[4096], top[4096];
      if (strcmp(a[2], "0") == 0) strcpy(opts, "mode=755");
      else snprintf(opts, sizeof opts, "mode=755,size=%sk", a[2]);
      mnt("tmpfs", a[1], "tmpfs", 0, opts);
      join_path(upper, sizeof upper, a[1], "upper");
      join_path(work, sizeof work, a[1], "work");
      join_path(top, sizeof top, a[1], "root");
      const char *dirs[] = {upper, work, top};
      for (size_t d = 0; d < 3; d++)
        if (mkdir(dirs[d], 0755) != 0) fail("mkdir %s: %s", dirs[d], strerror(errno));
      overlay(a[0], upper, work, top);
      root_filesystems();
      i += 4;
    } else if (strncmp(op, "bind", 4) == 0) {
      struct stat st;
      if (stat(a[0], &st) != 0) {
        if (op[4] != '?') fail("volume source %s does not exist", a[0]);
      } else {
        inside(a[1], S_ISDIR(st.st_mode) ? 'd' : 'f', t, sizeof t);
        mnt(a[0], t, NULL, MS_BIND | MS_REC, NULL);
        if (strcmp(a[2], "ro") == 0) mnt("none", t, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
      }
      i += 4;
    } else if (strcmp(op, "node") == 0) {
      char devdir[4096];
      join_path(devdir, sizeof devdir, root, "dev");
      join_path(t, sizeof t, devdir, a[0]);
      make_node(t, (unsigned)strtoul(a[1], NULL, 10), (unsigned)strtoul(a[2], NULL, 10));
      i += 4;
    } else if (strcmp(op, "workdir") == 0) {
      workdir = a[0];
      if (root[0] != 0) inside(workdir, 'd', t, sizeof t);
      i += 2;
    } else {
      user = (struct plan_user){1, (uid_t)strtoul(a[0], NULL, 10), (gid_t)strtoul(a[1], NULL, 10)};
      i += 3;
    }
  }
  if (root[0] != 0) {
    if (chdir(root) != 0) fail("chdir %s: %s", root, strerror(errno));
    if (syscall(SYS_pivot_root, ".", ".") != 0) fail("pivot_root into %s: %s", root, strerror(errno));
    if (umount2(".", MNT_DETACH) != 0) fail("detaching the old root: %s", strerror(errno));
    if (chdir("/") != 0) fail("chdir /: %s", strerror(errno));
  }
  if (workdir != NULL && chdir(workdir) != 0) fail("chdir %s: %s", workdir, strerror(errno));
  return user;
}

void drop_to_plan_user(struct plan_user u) {
  if (!u.set) return;
  if (setgroups(0, NULL) != 0) fail("setgroups: %s", strerror(errno));
  if (setgid(u.gid) != 0) fail("setgid %u: %s", (unsigned)u.gid, strerror(errno));
  if (setuid(u.uid) != 0) fail("setuid %u: %s", (unsigned)u.uid, strerror(errno));
}
