/*
 * mesos-ts-logrotate-logger: the container logger behind --container_logger=logrotate (the role
 * of Mesos's mesos-logrotate-logger). One runs for each of a container's stdout and stderr.
 *
 * It opens the FIFO the container's process writes to (named by --fifo; the open waits for the
 * writer), writes `<log_filename>.logrotate.conf`, drops to --user if given, then copies what it
 * reads to the leading log file (--log_filename, opened for append). Before a write that would
 * take the file past --max_size bytes it closes the file and runs
 * `<logrotate_path> --state <log_filename>.logrotate.state <conf>`, which renames stdout to
 * stdout.1 (and so on, as --logrotate_options say), then writes on to a new leading file. A
 * failed logrotate is ignored: the leading file keeps growing, the pipe is drained (a stuck
 * logger would block the task). It exits when every writer has closed the FIFO.
 *
 * The configuration, as Mesos writes it:
 *   <log_filename> {
 *   <logrotate_options>
 *   size <max_size - one read buffer>
 *   }
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *fifo, *log_filename, *options = "", *logrotate_path = "logrotate", *user;
static unsigned long long max_size = 10ull << 20;

static void fail(const char *what, const char *arg) {
  fprintf(stderr, "mesos-ts-logrotate-logger: %s%s\n", what, arg ? arg : "");
  exit(1);
}

static void fail_errno(const char *what, const char *arg) {
  fprintf(stderr, "mesos-ts-logrotate-logger: %s %s: %s\n", what, arg, strerror(errno));
  exit(1);
}

static const char *value(const char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

static void rotate(const char *conf, const char *state) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    execlp(logrotate_path, logrotate_path, "--state", state, conf, (char *)NULL);
    fprintf(stderr, "mesos-ts-logrotate-logger: cannot run %s: %s\n", logrotate_path, strerror(errno));
    _exit(127);
  }
  if (pid > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *v;
    if ((v = value(argv[i], "--fifo"))) fifo = v;
    else if ((v = value(argv[i], "--log_filename"))) log_filename = v;
    else if ((v = value(argv[i], "--logrotate_options"))) options = v;
    else if ((v = value(argv[i], "--logrotate_path"))) logrotate_path = v;
    else if ((v = value(argv[i], "--user"))) user = v;
    else if ((v = value(argv[i], "--max_size"))) {
      char *end;
      max_size = strtoull(v, &end, 10);
      if (*v == 0 || *end != 0) fail("--max_size must be a number of bytes, got ", v);
    } else fail("unknown option ", argv[i]);
  }
  if (!fifo || !log_filename || log_filename[0] != '/') fail("--fifo and an absolute --log_filename are required", NULL);
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (max_size < page) fail("--max_size must be at least one memory page", NULL);
  signal(SIGPIPE, SIG_IGN);

  int in = open(fifo, O_RDONLY | O_CLOEXEC); /* waits for the container's process to open it */
  if (in < 0) fail_errno("cannot open", fifo);

  char conf[4096], state[4096];
  if (snprintf(conf, sizeof conf, "%s.logrotate.conf", log_filename) >= (int)sizeof conf) fail("--log_filename is too long", NULL);
  snprintf(state, sizeof state, "%s.logrotate.state", log_filename);

  if (user) {
    unsigned uid, gid;
    if (sscanf(user, "%u:%u", &uid, &gid) != 2) fail("--user must be uid:gid, got ", user);
    gid_t g = gid;
    if (setgroups(1, &g) != 0 || setgid(g) != 0 || setuid(uid) != 0) fail_errno("cannot switch to", user);
  }
  /* logrotate refuses a configuration that others may write. */
  int c = open(conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (c < 0) fail_errno("cannot write", conf);
  dprintf(c, "%s {\n%s\nsize %llu\n}\n", log_filename, options, max_size - page);
  close(c);

  char *buf = malloc(page);
  if (!buf) fail("out of memory", NULL);
  int leading = -1;
  unsigned long long written = 0;
  for (;;) {
    ssize_t n = read(in, buf, page);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (written + (unsigned long long)n > max_size) {
      if (leading >= 0) close(leading);
      leading = -1;
      rotate(conf, state);
      written = 0;
    }
    if (leading < 0) {
      leading = open(log_filename, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (leading < 0) fail_errno("cannot open", log_filename);
    }
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(leading, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        fprintf(stderr, "mesos-ts-logrotate-logger: write %s: %s\n", log_filename, strerror(errno));
        break;
      }
      off += w;
    }
    written += (unsigned long long)n;
  }
  return 0;
}
