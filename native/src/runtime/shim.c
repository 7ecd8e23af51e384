/* shim: one per container, conmon-like.
 *   strata-runtime [--root R] shim --bundle B --log F --exit-file F [--pid-file P] [--stdin] [--rm] [--start] ID
 * The caller's process forks; the child starts a new session and forks the shim, so the
 * shim belongs to no terminal or app and survives both. The shim is a child subreaper,
 * creates the container (its stdout/stderr are pipes the shim reads), and tells the
 * caller {"shimPid":…,"pid":…,"pidStartTime":"…","shimStartTime":"…"} or the error.
 * Then it writes every line to the log as JSON ({"time","stream","log"}, log.c), forwards
 * SIGTERM/SIGINT/SIGHUP to the container, reaps every process, and when the container's
 * init exits records exit code, signal and OOM kill to the exit file (written
 * atomically), then deletes the container if --rm. The engine calls `start` when it wants the program to run, or gives --start when
 * nothing has to happen in between: the shim starts it before it reports (one process
 * fewer on every start).
 * With process.terminal the container's stdio is a pty whose master the shim keeps for
 * the container's life: its output is logged as "stdout", and clients reach it on the
 * attach socket <root>/<id>/attach.sock (attach.c), named to the caller as
 * "attachSocket". The exit code goes to the attach clients too, once it is recorded.
 * --stdin without a terminal (`run -i`): the container's stdin is a pipe whose write end the
 * shim keeps, served on the same attach socket (input in, stdout and stderr out as they are
 * logged); without --stdin (and no terminal) it is /dev/null, as docker gives it. */
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

/* Reads what is there into the log, and to the attach clients when there are any; at the
 * end, the rest as a last line. */
static void pump(struct shim_stream *st, int log_fd, struct attach *clients) {
  char buf[LOG_LINE_MAX];
  ssize_t n = read(st->fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    log_flush(&st->log, log_fd);
    close(st->fd);
    st->fd = -1;
    return;
  }
  log_feed(&st->log, log_fd, buf, (size_t)n);
  if (clients) attach_output(clients, st->frame, buf, (size_t)n);
}

static int write_exit_file(const char *file, int status, int oom, int64_t memory_peak) {
  char now[64];
  format_rfc3339(now, sizeof now, now_ns());
  struct strbuf sb = {0};
  if (WIFSIGNALED(status))
    sb_printf(&sb, "{\"exitCode\":%d,\"signal\":%d,", 128 + WTERMSIG(status), WTERMSIG(status));
  else
    sb_printf(&sb, "{\"exitCode\":%d,\"signal\":null,", WEXITSTATUS(status));
  if (memory_peak >= 0) sb_printf(&sb, "\"memoryPeak\":%lld,", (long long)memory_peak);
  sb_printf(&sb, "\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n", oom > 0 ? "true" : "false", now);
  int rc = write_file_atomic(file, sb.buf, sb.len);
  free(sb.buf);
  return rc;
}

/* The shim's main loop; returns once the child is reaped and its output drained. */
int shim_supervise(pid_t child, struct shim_stream *out, struct shim_stream *err, struct attach *tty, int sfd, int log_fd) {
  int status = 0;
  bool exited = false;
  struct shim_stream none = {.fd = -1};
  if (!out) out = &none;
  if (!err) err = &none;
  for (;;) {
    /* output held for a first client (attach_hold_output) stays in its pipes meanwhile */
    int hold = tty ? attach_hold_ms(tty) : -1;
    struct pollfd p[3 + ATTACH_POLLFDS] = {{.fd = sfd, .events = POLLIN}, {.fd = hold >= 0 ? -1 : out->fd, .events = POLLIN}, {.fd = hold >= 0 ? -1 : err->fd, .events = POLLIN}};
    int np = 3 + (tty ? attach_fill(tty, p + 3) : 0);
    if (exited && out->fd < 0 && err->fd < 0 && (!tty || attach_output_done(tty))) break;
    /* once the child is gone, whatever still holds its output gets one second to finish;
     * held output is read when its hold ends */
    int r = poll(p, (nfds_t)np, hold >= 0 ? hold : exited ? 1000 : -1);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0 && hold >= 0) continue;
    if (r == 0) break;
    if (p[1].revents) pump(out, log_fd, tty);
    if (p[2].revents) pump(err, log_fd, tty);
    if (tty) attach_handle(tty, p + 3);
    if (!(p[0].revents & POLLIN)) continue;
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof si) != sizeof si) continue;
    if (si.ssi_signo != SIGCHLD) {
      if (!exited) kill(child, (int)si.ssi_signo);
      continue;
    }
    for (;;) {
      int st;
      pid_t w = waitpid(-1, &st, WNOHANG);
      if (w <= 0) break;
      if (w == child) status = st, exited = true;
    }
  }
  return status;
}

int cmd_shim(int argc, char **argv) {
  const char *bundle = NULL, *log = NULL, *exit_file = NULL, *pid_file = NULL;
  bool rm = false, open_stdin = false, start_now = false;
  const struct optspec opts[] = {{"bundle", 'b', &bundle, NULL},   {"log", 0, &log, NULL},   {"exit-file", 0, &exit_file, NULL},
                                 {"pid-file", 0, &pid_file, NULL}, {"rm", 0, NULL, &rm},     {"stdin", 0, NULL, &open_stdin},
                                 {"start", 0, NULL, &start_now},   {NULL, 0, NULL, NULL}};
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
    char msg[8192]; /* one write: an error, or the JSON with the attach socket path */
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
  int sfd = holder_setup();
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int out[2], err[2], in[2] = {-1, -1}, master = -1;
  struct shim_stream so = {.fd = -1, .frame = 'D', .log.name = "stdout"}, se = {.fd = -1, .frame = 'E', .log.name = "stderr"};
  bool pipe_stdin = open_stdin && !s.terminal; /* a terminal is its own stdin */
  struct attach *tty = NULL;
  char *sock = NULL;
  pid_t init = -1;
  uint64_t init_start = 0;
  if (sfd < 0 || log_fd < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || (pipe_stdin && pipe2(in, O_CLOEXEC) < 0)) {
    fail_errno("shim: set up %s", log);
  } else {
    /* a terminal: the master stays here, served on the attach socket (attach.c) */
    struct create_opts o = {.id = pos[0], .bundle = abs, .pid_file = pid_file,
                            .stdio = {pipe_stdin ? in[0] : STDIN_FILENO /* /dev/null (holder_setup) */, out[1], err[1]},
                            .console_master = s.terminal ? &master : NULL};
    if (container_create(&o, &s, &init) < 0) init = -1;
    /* read now, while the init waits to start: a program as short as `true` may be gone by the report */
    if (init > 0) init_start = proc_start_time(init);
    close(out[1]);
    close(err[1]);
    if (pipe_stdin) close(in[0]);
    if (s.terminal) {
      close(out[0]);
      close(err[0]);
    } else {
      so.fd = out[0];
      se.fd = err[0];
    }
    if (init > 0 && (s.terminal || pipe_stdin)) {
      sock = xasprintf("%s/attach.sock", state_dir(pos[0]));
      tty = s.terminal ? attach_open(sock, master, log_fd) : attach_open_stdin(sock, in[1]);
      if (!tty) {
        char saved[sizeof g_err];
        memcpy(saved, g_err, sizeof saved);
        close(s.terminal ? master : in[1]);
        container_delete(pos[0], true);
        memcpy(g_err, saved, sizeof saved);
        init = -1;
      }
    }
    if (init > 0 && start_now && container_start(pos[0]) < 0) {
      char saved[sizeof g_err];
      enum err_kind kind = g_err_kind;
      memcpy(saved, g_err, sizeof saved);
      container_delete(pos[0], true);
      memcpy(g_err, saved, sizeof saved);
      g_err_kind = kind;
      init = -1;
    }
  }
  struct strbuf ok = {0};
  sb_printf(&ok, "O{\"shimPid\":%d,\"pid\":%d", getpid(), init);
  /* /proc/<pid>/stat start times, so the caller need not read them (0: not readable, left out) */
  uint64_t shim_start = proc_start_time(getpid());
  if (init_start) sb_printf(&ok, ",\"pidStartTime\":\"%llu\"", (unsigned long long)init_start);
  if (shim_start) sb_printf(&ok, ",\"shimStartTime\":\"%llu\"", (unsigned long long)shim_start);
  if (tty) sb_puts(&ok, ",\"attachSocket\":"), sb_json_string(&ok, sock, strlen(sock));
  sb_puts(&ok, "}");
  char msg[sizeof g_err + 2];
  int n = snprintf(msg, sizeof msg, "E%c%s", err_kind_char(g_err_kind), g_err);
  if (init > 0) write_all(status_pipe[1], ok.buf, ok.len);
  else write_all(status_pipe[1], msg, (size_t)n);
  close(status_pipe[1]);
  if (init <= 0) _exit(1);
  int status = shim_supervise(init, &so, &se, tty, sfd, log_fd);
  int oom = cgroup_oom_killed(&s, pos[0]);
  write_exit_file(exit_file, status, oom, cgroup_memory_peak(&s, pos[0]));
  if (tty) attach_close(tty, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
  if (rm) container_delete(pos[0], true);
  _exit(0);
}
