/*
 * mesos-ts-launcher: the agent's launcher process (the role of Mesos's
 * `mesos-containerizer launch`, as one long-lived helper).
 *
 * Why a separate process: fork() copies the caller's page tables, so
 * child_process.spawn from an agent holding hundreds of MB of heap is several
 * times slower than from a small process. This helper is a few hundred KB; it
 * forks and execs each container's main process, reaps it, and reports its
 * exact wait status. It also records that status in a file named by the agent
 * (the container's runtime dir), written by a recorder thread (launches never wait on the
 * disk), *before* it reaps the process: so a task that
 * ends while the agent is down or restarting keeps its real outcome, and the
 * file exists by the time the pid disappears from /proc.
 *
 * The helper runs in its own session (the agent spawns it detached). When the
 * agent goes away (EOF on stdin) it launches nothing more, keeps reaping and
 * recording the children it has, and exits when the last one is gone.
 *
 * Protocol. agent -> helper, on stdin, one frame per launch:
 *   u32 little-endian length, then that many bytes of NUL-terminated fields:
 *   "L", id, cwd, stdout path, stderr path, uid|"", gid|"",
 *   cgroup.procs paths (':'-joined, may be ""), status path|"", file,
 *   argc, argv[0..argc), envc, "K=V"[0..envc), mountc, mount plan[0..mountc)
 *   (filesystem/linux's operations, mounts.c; checked before the fork: a bad
 *   plan is answered F and nothing runs)
 * helper -> agent, on stdout, one line per event:
 *   S <id> <pid> <starttime>   forked (starttime: /proc/<pid>/stat field 22)
 *   F <id> <hex message>       the fork failed (nothing runs)
 *   X <pid> <wait status>      the process ended and was reaped
 *   E <hex message>            a frame the helper could not read (then it exits)
 *
 * In the child, before exec: its own process group, default signal
 * dispositions and mask, stdin /dev/null, stdout/stderr appended to the
 * sandbox files, its pid written to each cgroup.procs (so the command starts
 * inside its cgroups), chdir, the mount plan if any (a mount namespace of
 * its own, the image's root, pivot_root: mounts.c), the resource limits named
 * by MESOS_TS_RLIMITS (removed from the environment), the user's groups
 * (initgroups: its supplementary groups too; a plan's user gets none), setgid,
 * setuid, the environment.
 * Failures exit with Mesos-like codes and a line on the task's stderr:
 * 125 cannot enter a cgroup or prepare the filesystem, 126 cannot set up
 * (files, cwd, ids), 127 cannot execute (`Failed to execute '<file>': <error>`).
 *
 * `mesos-ts-launcher mount <n> <plan: n fields> -- <command...>` carries out a
 * mount plan and execs the command: the plan behind other wrappers
 * (namespaces/pid's unshare must come first) and for the other launchers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mounts.h"

#define MAX_FRAME (64u << 20)

extern char **environ;

struct child {
  pid_t pid;
  char *status_path; /* NULL: no record wanted */
  int recording;     /* handed to the recorder thread, reaped once its record is written */
};

static struct child *children;
static size_t nchildren, capchildren;

static char *out;
static size_t outlen, outcap;
static int out_ok = 1;

static void die(const char *what) {
  fprintf(stderr, "mesos-ts-launcher: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q == NULL) die("out of memory");
  return q;
}

static void emit(const char *s, size_t n) {
  if (!out_ok) return;
  if (outlen + n > outcap) {
    outcap = (outlen + n) * 2;
    out = xrealloc(out, outcap);
  }
  memcpy(out + outlen, s, n);
  outlen += n;
}

static void emitf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emitf(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void emit_hex(const char *s) {
  static const char digits[] = "0123456789abcdef";
  for (; *s; s++) {
    char h[2] = {digits[(unsigned char)*s >> 4], digits[(unsigned char)*s & 15]};
    emit(h, 2);
  }
}

/* Writes what is buffered; once the agent is gone (EPIPE), output is dropped. */
static void flush_out(void) {
  size_t off = 0;
  while (out_ok && off < outlen) {
    ssize_t n = write(STDOUT_FILENO, out + off, outlen - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out_ok = 0;
      break;
    }
    off += (size_t)n;
  }
  outlen = 0;
}

/* Field 22 of /proc/<pid>/stat (after the parenthesised comm, which may hold spaces). */
static unsigned long long start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (p == NULL) return 0;
  p++;
  /* p now points at " <state> <ppid> ..."; starttime is the 20th field after comm. */
  for (int field = 0; field < 19; field++) {
    p = strchr(p + 1, ' ');
    if (p == NULL) return 0;
  }
  return strtoull(p + 1, NULL, 10);
}

static void child_fail(int code, const char *fmt, const char *arg) {
  dprintf(STDERR_FILENO, fmt, arg, strerror(errno));
  _exit(code);
}

/* MESOS_TS_RLIMITS=NAME:soft:hard,... ("inf": unlimited): set as root, before the ids drop, so a
   hard limit may also be raised; the variable is taken out of the task's environment. */
static const struct { const char *name; int resource; } RLIMITS[] = {
  {"AS", RLIMIT_AS}, {"CORE", RLIMIT_CORE}, {"CPU", RLIMIT_CPU}, {"DATA", RLIMIT_DATA},
  {"FSIZE", RLIMIT_FSIZE}, {"LOCKS", RLIMIT_LOCKS}, {"MEMLOCK", RLIMIT_MEMLOCK},
  {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE}, {"NOFILE", RLIMIT_NOFILE},
  {"NPROC", RLIMIT_NPROC}, {"RSS", RLIMIT_RSS}, {"RTPRIO", RLIMIT_RTPRIO},
  {"RTTIME", RLIMIT_RTTIME}, {"SIGPENDING", RLIMIT_SIGPENDING}, {"STACK", RLIMIT_STACK},
};

static rlim_t rlimit_value(const char *s) {
  return strcmp(s, "inf") == 0 ? RLIM_INFINITY : (rlim_t)strtoull(s, NULL, 10);
}

static void apply_rlimits(char **envp) {
  static const char key[] = "MESOS_TS_RLIMITS=";
  char **e = envp;
  while (*e != NULL && strncmp(*e, key, sizeof key - 1) != 0) e++;
  if (*e == NULL) return;
  char *list = strdup(*e + sizeof key - 1), *save = NULL;
  for (char **m = e; *m != NULL; m++) m[0] = m[1];
  for (char *item = strtok_r(list, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
    char *soft = strchr(item, ':'), *hard = soft ? strchr(soft + 1, ':') : NULL;
    if (hard == NULL) { errno = EINVAL; child_fail(126, "mesos-ts: bad rlimit %s: %s\n", item); }
    *soft++ = 0;
    *hard++ = 0;
    size_t i = 0;
    while (i < sizeof RLIMITS / sizeof RLIMITS[0] && strcmp(RLIMITS[i].name, item) != 0) i++;
    if (i == sizeof RLIMITS / sizeof RLIMITS[0]) { errno = EINVAL; child_fail(126, "mesos-ts: unknown rlimit %s: %s\n", item); }
    struct rlimit rl = {rlimit_value(soft), rlimit_value(hard)};
    if (setrlimit(RLIMITS[i].resource, &rl) != 0) child_fail(126, "mesos-ts: setrlimit RLIMIT_%s: %s\n", item);
  }
}

static int open_append(const char *path) {
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
}

/* In the forked child: set up, then exec. Never returns. */
static void run_child(char **f, char **argv, char **envp, char **plan, size_t nplan) {
  const char *cwd = f[2], *outp = f[3], *errp = f[4], *uid = f[5], *gid = f[6], *procs = f[7], *file = f[9];
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setpgid(0, 0);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) _exit(126);
  int e = open_append(errp);
  if (e < 0 || dup2(e, STDERR_FILENO) < 0) _exit(126);
  int o = open_append(outp);
  if (o < 0) child_fail(126, "mesos-ts: cannot open %s: %s\n", outp);
  if (dup2(o, STDOUT_FILENO) < 0) _exit(126);
  if (*procs) {
    char *list = strdup(procs), *save = NULL;
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d", (int)getpid());
    for (char *p = strtok_r(list, ":", &save); p != NULL; p = strtok_r(NULL, ":", &save)) {
      int cg = open(p, O_WRONLY | O_CLOEXEC);
      if (cg < 0 || write(cg, pid, (size_t)n) != n) child_fail(125, "mesos-ts: failed to enter cgroup %s: %s\n", p);
      close(cg);
    }
  }
  if (chdir(cwd) != 0) child_fail(126, "mesos-ts: chdir %s: %s\n", cwd);
  struct plan_user pu = {0, 0, 0};
  if (nplan > 0) pu = apply_mount_plan(plan, nplan);
  apply_rlimits(envp);
  drop_to_plan_user(pu);
  if (*gid) {
    gid_t g = (gid_t)strtoul(gid, NULL, 10);
    /* With a user: the user's supplementary groups from the group database too (as su and Mesos's
       launcher do), looked up here, in the child, so the helper's own loop never waits on NSS. */
    struct passwd *pw = NULL;
    if (*uid) {
      errno = 0;
      pw = getpwuid((uid_t)strtoul(uid, NULL, 10));
      if (pw == NULL) child_fail(126, "mesos-ts: user id %s: %s\n", uid);
    }
    if (pw != NULL ? initgroups(pw->pw_name, g) != 0 : setgroups(1, &g) != 0) child_fail(126, "mesos-ts: setgroups for gid %s: %s\n", gid);
    if (setgid(g) != 0) child_fail(126, "mesos-ts: setgid %s: %s\n", gid);
  }
  if (*uid) {
    if (setuid((uid_t)strtoul(uid, NULL, 10)) != 0) child_fail(126, "mesos-ts: setuid %s: %s\n", uid);
  }
  environ = envp; /* execvp searches the task's own PATH */
  execvp(file, argv);
  child_fail(127, "Failed to execute '%s': %s\n", file);
}

static void add_child(pid_t pid, const char *status_path) {
  if (nchildren == capchildren) {
    capchildren = capchildren ? capchildren * 2 : 64;
    children = xrealloc(children, capchildren * sizeof *children);
  }
  children[nchildren].pid = pid;
  children[nchildren].status_path = *status_path ? strdup(status_path) : NULL;
  children[nchildren].recording = 0;
  nchildren++;
}

/* One launch frame: fields are NUL-terminated strings in [p, end). */
static int launch(char *p, char *end) {
  enum { FIXED = 10 };
  if (end == p || end[-1] != 0) return -1;
  char *f[FIXED];
  size_t nf = 0;
  char *q = p;
  while (nf < FIXED && q < end) {
    f[nf++] = q;
    q = memchr(q, 0, (size_t)(end - q));
    if (q == NULL) return -1;
    q++;
  }
  if (nf < FIXED || strcmp(f[0], "L") != 0) return -1;
  char *rest = q;
  /* argc, argv..., envc, env..., mountc, mount plan... */
  size_t counts[3];
  char **vecs[3] = {NULL, NULL, NULL};
  for (int k = 0; k < 3; k++) {
    if (rest >= end) return -1;
    char *num = rest;
    rest = memchr(rest, 0, (size_t)(end - rest));
    if (rest == NULL) return -1;
    rest++;
    counts[k] = strtoul(num, NULL, 10);
    if (counts[k] > (size_t)(end - rest)) return -1;
    vecs[k] = calloc(counts[k] + 1, sizeof(char *));
    if (vecs[k] == NULL) die("out of memory");
    for (size_t i = 0; i < counts[k]; i++) {
      if (rest >= end) return -1;
      vecs[k][i] = rest;
      rest = memchr(rest, 0, (size_t)(end - rest));
      if (rest == NULL) return -1;
      rest++;
    }
  }
  if (counts[0] == 0) return -1;
  char msg[512];
  pid_t pid = -1;
  if (check_mount_plan(vecs[2], counts[2], msg, sizeof msg) == 0) {
    pid = fork();
    if (pid == 0) run_child(f, vecs[0], vecs[1], vecs[2], counts[2]);
    if (pid < 0) snprintf(msg, sizeof msg, "fork failed: %s", strerror(errno));
  }
  if (pid < 0) {
    emitf("F %s ", f[1]);
    emit_hex(msg);
    emit("\n", 1);
  } else {
    /* The child makes its own group too; doing it here as well means the group exists before the
       agent hears of the pid (it may signal the group at once), whichever of the two runs first. */
    setpgid(pid, pid);
    add_child(pid, f[8]);
    emitf("S %s %d %llu\n", f[1], (int)pid, start_time(pid));
  }
  for (int k = 0; k < 3; k++) free(vecs[k]);
  return 0;
}

/* The status record: written (to a temporary name, then renamed) before the process is reaped, so it exists once
   the pid is gone. Not fsync'ed: it must outlive the agent, never the machine (no container survives a reboot, and
   the agent drops an earlier boot's runtime dir: checkpoint.ts). */
static void record(const char *path, pid_t pid, int status) {
  char tmp[4096], body[128];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) return;
  int n = snprintf(body, sizeof body, "{\"pid\":%d,\"waitStatus\":%d}\n", (int)pid, status);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "mesos-ts-launcher: cannot record the exit of %d in %s: %s\n", (int)pid, path, strerror(errno));
    return;
  }
  int ok = write(fd, body, (size_t)n) == n;
  close(fd);
  if (!ok || rename(tmp, path) != 0) {
    fprintf(stderr, "mesos-ts-launcher: cannot record the exit of %d in %s: %s\n", (int)pid, path, strerror(errno));
    unlink(tmp);
  }
}

/*
 * The exit records are written by one recorder thread, so that the loop, which launches, never waits on the
 * filesystem: the loop hands over each ended child (still unreaped, so its pid stays ours), the
 * recorder writes its record and marks the job done (an eventfd wakes the loop), and only then does
 * the loop reap the child and answer X. The recorder never allocates; the loop owns the job list's memory.
 * A forked child never touches the job list (it only sets up and execs).
 */
enum { QUEUED, WRITING, DONE };
struct job {
  pid_t pid;
  int status;
  char *path;
  int state;
};
static struct job *jobs;
static size_t njobs, capjobs;
static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cv = PTHREAD_COND_INITIALIZER;
static int done_fd = -1;

static void *recorder(void *arg) {
  (void)arg;
  for (;;) {
    struct job j;
    pthread_mutex_lock(&jobs_mu);
    for (;;) {
      size_t i = 0;
      while (i < njobs && jobs[i].state != QUEUED) i++;
      if (i < njobs) {
        jobs[i].state = WRITING;
        j = jobs[i];
        break;
      }
      pthread_cond_wait(&jobs_cv, &jobs_mu);
    }
    pthread_mutex_unlock(&jobs_mu);
    record(j.path, j.pid, j.status);
    pthread_mutex_lock(&jobs_mu);
    for (size_t i = 0; i < njobs; i++)
      if (jobs[i].pid == j.pid) jobs[i].state = DONE;
    pthread_mutex_unlock(&jobs_mu);
    uint64_t one = 1;
    while (write(done_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
  return NULL;
}

/* Reaps child i (its record, if any, is written), answers X and forgets it. */
static void finish(size_t i, int status) {
  struct child *c = &children[i];
  int raw = status;
  while (waitpid(c->pid, &raw, 0) < 0 && errno == EINTR) {
  }
  emitf("X %d %d\n", (int)c->pid, raw);
  free(c->status_path);
  children[i] = children[--nchildren];
}

/* Hands every ended child to the recorder (or reaps it at once when it wants no record). */
static void reap(void) {
  for (size_t i = 0; i < nchildren;) {
    struct child *c = &children[i];
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (c->recording || waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid != c->pid) {
      i++;
      continue;
    }
    int status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
    if (c->status_path == NULL) {
      finish(i, status);
      continue;
    }
    c->recording = 1;
    pthread_mutex_lock(&jobs_mu);
    if (njobs == capjobs) {
      capjobs = capjobs ? capjobs * 2 : 64;
      jobs = xrealloc(jobs, capjobs * sizeof *jobs);
    }
    jobs[njobs++] = (struct job){.pid = c->pid, .status = status, .path = c->status_path, .state = QUEUED};
    pthread_cond_signal(&jobs_cv);
    pthread_mutex_unlock(&jobs_mu);
    i++;
  }
}

/* Reaps the children whose records the recorder has written. */
static void recorded(void) {
  uint64_t n;
  while (read(done_fd, &n, sizeof n) < 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&jobs_mu);
  size_t kept = 0;
  for (size_t k = 0; k < njobs; k++) {
    if (jobs[k].state != DONE) {
      jobs[kept++] = jobs[k];
      continue;
    }
    for (size_t i = 0; i < nchildren; i++) {
      if (children[i].pid == jobs[k].pid) {
        finish(i, jobs[k].status);
        break;
      }
    }
  }
  njobs = kept;
  pthread_mutex_unlock(&jobs_mu);
}

/* `mesos-ts-launcher mount <n> <n plan fields> -- <command...>`: the plan, then exec. */
static int mount_then_exec(int argc, char **argv) {
  char *end;
  unsigned long n = argc > 2 ? strtoul(argv[2], &end, 10) : 0;
  if (argc < 4 || *end != 0 || n > (unsigned long)(argc - 4) || strcmp(argv[3 + n], "--") != 0 || argc - 4 - (int)n < 1) {
    fprintf(stderr, "usage: mesos-ts-launcher mount <n> <n mount plan fields> -- <command> [args...]\n");
    return 125;
  }
  char err[512];
  if (check_mount_plan(argv + 3, n, err, sizeof err) != 0) {
    fprintf(stderr, "mesos-ts filesystem/linux: failed to prepare the container's filesystem: %s\n", err);
    return 125;
  }
  struct plan_user u = apply_mount_plan(argv + 3, n);
  drop_to_plan_user(u);
  char **cmd = argv + 4 + n;
  execvp(cmd[0], cmd);
  fprintf(stderr, "Failed to execute '%s': %s\n", cmd[0], strerror(errno));
  return 127;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "mount") == 0) return mount_then_exec(argc, argv);
  if (argc > 1) {
    fprintf(stderr, "usage: mesos-ts-launcher (frames on stdin), or mesos-ts-launcher mount <n> <fields...> -- <command...>\n");
    return 2;
  }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) != 0) die("sigprocmask");
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  signal(SIGPIPE, SIG_IGN);
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);
  fcntl(STDOUT_FILENO, F_SETFD, FD_CLOEXEC);
  done_fd = eventfd(0, EFD_CLOEXEC);
  if (done_fd < 0) die("eventfd");
  pthread_t rec;
  /* The recorder starts with SIGCHLD blocked (inherited), so the signal stays for the signalfd. */
  if ((errno = pthread_create(&rec, NULL, recorder, NULL)) != 0) die("pthread_create");

  size_t cap = 1 << 16, len = 0;
  char *buf = xrealloc(NULL, cap);
  int eof = 0;
  while (!eof || nchildren > 0) {
    struct pollfd fds[3] = {{.fd = sfd, .events = POLLIN}, {.fd = eof ? -1 : STDIN_FILENO, .events = POLLIN}, {.fd = done_fd, .events = POLLIN}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
      }
      reap();
    }
    if (fds[2].revents) recorded();
    if (!eof && fds[1].revents) {
      if (cap - len < 4096) buf = xrealloc(buf, cap *= 2);
      ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
      if (n < 0 && errno != EINTR && errno != EAGAIN) die("read");
      if (n == 0) eof = 1;
      if (n > 0) len += (size_t)n;
      size_t off = 0;
      while (len - off >= 4) {
        uint32_t flen = (uint32_t)(unsigned char)buf[off] | (uint32_t)(unsigned char)buf[off + 1] << 8 |
                        (uint32_t)(unsigned char)buf[off + 2] << 16 | (uint32_t)(unsigned char)buf[off + 3] << 24;
        if (flen > MAX_FRAME) {
          emit("E ", 2);
          emit_hex("malformed frame");
          emit("\n", 1);
          flush_out();
          exit(2);
        }
        if (len - off - 4 < flen) {
          if (flen + 4 > cap) buf = xrealloc(buf, cap = flen + 4 + 4096);
          break;
        }
        if (launch(buf + off + 4, buf + off + 4 + flen) != 0) {
          emit("E ", 2);
          emit_hex("malformed launch frame");
          emit("\n", 1);
          flush_out();
          exit(2);
        }
        off += 4 + flen;
      }
      memmove(buf, buf + off, len - off);
      len -= off;
      /* Children that ended while we were launching are reaped at the next poll (signalfd is level-triggered). */
    }
    flush_out();
  }
  return 0;
}
