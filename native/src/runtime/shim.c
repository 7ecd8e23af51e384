/* shim: one per container, conmon-like.
 *   strata-runtime [--root R] shim --bundle B --log F --exit-file F [--pid-file P] [--rm] ID
 * The caller's process forks; the child starts a new session and forks the shim, so the
 * shim belongs to no terminal or app and survives both. The shim is a child subreaper,
 * creates the container (its stdout/stderr are pipes the shim reads), and tells the
 * caller {"shimPid":…,"pid":…} or the error. Then it writes every line to the log as
 * JSON ({"time","stream","log"}), forwards SIGTERM/SIGINT/SIGHUP to the container,
 * reaps every process, and when the container's init exits records exit code, signal
 * and OOM kill to the exit file (written atomically), then deletes the container if
 * --rm. The engine calls `start` when it wants the program to run. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "runtime.h"

char *bundle_path(const char *given);

#define LINE_MAX_BYTES 16384

struct stream {
  const char *name;
  int fd;
  char buf[LINE_MAX_BYTES];
  size_t len;
};

static void log_line(int log_fd, const char *stream, const char *s, size_t n) {
  struct strbuf sb = {0};
  char now[64];
  format_rfc3339(now, sizeof now, now_ns());
  sb_printf(&sb, "{\"time\":\"%s\",\"stream\":\"%s\",\"log\":", now, stream);
  sb_json_string(&sb, s, n);
  sb_puts(&sb, "}\n");
  write_all(log_fd, sb.buf, sb.len);
  free(sb.buf);
}

/* Reads what is there; logs each complete line, or a full buffer as one line. */
static void pump(struct stream *st, int log_fd) {
  ssize_t n = read(st->fd, st->buf + st->len, sizeof st->buf - st->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    if (st->len) log_line(log_fd, st->name, st->buf, st->len);
    st->len = 0;
    close(st->fd);
    st->fd = -1;
    return;
  }
  st->len += (size_t)n;
  size_t start = 0;
  for (size_t i = 0; i < st->len; i++) {
    if (st->buf[i] != '\n') continue;
    log_line(log_fd, st->name, st->buf + start, i + 1 - start);
    start = i + 1;
  }
  if (start == 0 && st->len == sizeof st->buf) {
    log_line(log_fd, st->name, st->buf, st->len);
    start = st->len;
  }
  memmove(st->buf, st->buf + start, st->len - start);
  st->len -= start;
}

static int write_exit_file(const char *file, int status, int oom) {
  char now[64];
  format_rfc3339(now, sizeof now, now_ns());
  struct strbuf sb = {0};
  if (WIFSIGNALED(status))
    sb_printf(&sb, "{\"exitCode\":%d,\"signal\":%d,", 128 + WTERMSIG(status), WTERMSIG(status));
  else
    sb_printf(&sb, "{\"exitCode\":%d,\"signal\":null,", WEXITSTATUS(status));
  sb_printf(&sb, "\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n", oom > 0 ? "true" : "false", now);
  int rc = write_file_atomic(file, sb.buf, sb.len);
  free(sb.buf);
  return rc;
}

/* The shim's main loop; returns once the init is reaped and its output drained. */
static int supervise(pid_t init, struct stream *out, struct stream *err, int sfd, int log_fd) {
  int status = 0;
  bool exited = false;
  for (;;) {
    struct pollfd p[3] = {{.fd = sfd, .events = POLLIN}, {.fd = out->fd, .events = POLLIN}, {.fd = err->fd, .events = POLLIN}};
    if (exited && out->fd < 0 && err->fd < 0) break;
    /* once the init is gone, whatever still holds the pipes gets one second to finish */
    int r = poll(p, 3, exited ? 1000 : -1);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) break;
    if (p[1].revents) pump(out, log_fd);
    if (p[2].revents) pump(err, log_fd);
    if (!(p[0].revents & POLLIN)) continue;
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof si) != sizeof si) continue;
    if (si.ssi_signo != SIGCHLD) {
      kill(init, (int)si.ssi_signo);
      continue;
    }
    for (;;) {
      int st;
      pid_t w = waitpid(-1, &st, WNOHANG);
      if (w <= 0) break;
      if (w == init) status = st, exited = true;
    }
  }
  return status;
}

int cmd_shim(int argc, char **argv) {
  const char *bundle = NULL, *log = NULL, *exit_file = NULL, *pid_file = NULL;
  bool rm = false;
  const struct optspec opts[] = {{"bundle", 'b', &bundle, NULL}, {"log", 0, &log, NULL},        {"exit-file", 0, &exit_file, NULL},
                                 {"pid-file", 0, &pid_file, NULL}, {"rm", 0, NULL, &rm},         {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0 || (npos != 1 && fail_msg("shim: a container id is required")) ||
      (!log && fail_msg("shim: --log is required")) || (!exit_file && fail_msg("shim: --exit-file is required")) ||
      validate_id(pos[0]) < 0) {
    report_error(NULL);
    return 1;
  }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
  if (log[0] != '/') log = xasprintf("%s/%s", cwd, log);
  if (exit_file[0] != '/') exit_file = xasprintf("%s/%s", cwd, exit_file);
  if (pid_file && pid_file[0] != '/') pid_file = xasprintf("%s/%s", cwd, pid_file);
  char *abs = bundle_path(bundle);
  struct spec s;
  if (!abs || spec_load(abs, &s) < 0) {
    report_error(NULL);
    return 1;
  }
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) < 0) return fail_errno("shim: pipe"), report_error(NULL), 1;
  fflush(NULL);
  pid_t a = fork();
  if (a < 0) return fail_errno("shim: fork"), report_error(NULL), 1;
  if (a > 0) {
    /* the caller: one message, then done (the pipe stays open in the container init) */
    close(status_pipe[1]);
    waitpid(a, NULL, 0);
    char msg[sizeof g_err + 64];
    ssize_t n;
    do n = read(status_pipe[0], msg, sizeof msg - 1);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return fail_msg("shim: exited before reporting"), report_error(NULL), 1;
    msg[n] = '\0';
    if (msg[0] == 'E' && n >= 2) return fail_kind(err_kind_from_char(msg[1]), "%s", msg + 2), report_error(NULL), 1;
    printf("%s\n", msg + 1);
    return 0;
  }
  close(status_pipe[0]);
  if (setsid() < 0) _exit(1);
  pid_t b = fork();
  if (b != 0) _exit(b < 0 ? 1 : 0);
  /* the shim */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3; i++) dup2(devnull, i);
  if (chdir("/") < 0) _exit(1);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int out[2], err[2];
  struct stream so = {.name = "stdout"}, se = {.name = "stderr"};
  pid_t init = -1;
  if (sfd < 0 || log_fd < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    fail_errno("shim: set up %s", log);
  } else {
    struct create_opts o = {.id = pos[0], .bundle = abs, .pid_file = pid_file, .stdio = {devnull, out[1], err[1]}};
    if (container_create(&o, &s, &init) < 0) init = -1;
    close(out[1]);
    close(err[1]);
    so.fd = out[0];
    se.fd = err[0];
  }
  char msg[sizeof g_err + 64];
  int n = init > 0 ? snprintf(msg, sizeof msg, "O{\"shimPid\":%d,\"pid\":%d}", getpid(), init) : snprintf(msg, sizeof msg, "E%c%s", err_kind_char(g_err_kind), g_err);
  write_all(status_pipe[1], msg, (size_t)n);
  close(status_pipe[1]);
  if (init <= 0) _exit(1);
  int status = supervise(init, &so, &se, sfd, log_fd);
  int oom = cgroup_oom_killed(&s, pos[0]);
  write_exit_file(exit_file, status, oom);
  if (rm) container_delete(pos[0], true);
  _exit(0);
}
