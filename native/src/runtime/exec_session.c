/* An exec session with a terminal that nobody takes the master of, or with pipes for stdio:
 *   strata-runtime exec --tty --detach [--attach-socket P] [--exit-file F] [--log F] ID -- ARGS
 *   strata-runtime exec --stdin --detach [--attach-socket P] [--exit-file F] [--log F] ID -- ARGS
 * As the shim does for a container, a helper (double-forked, its own session, so it
 * outlives its caller) starts the process as its child, keeps the pty master and serves
 * it on an attach socket (attach.c: same frames, scrollback, exit code, slow clients
 * dropped), P or <root>/<id>/exec-<helper pid>.sock. It forwards TERM/INT/HUP to the
 * process, records its exit to F like the shim's exit file, appends its output to the log
 * F in the shim's format, and removes the socket when the process has exited. Without a
 * terminal (--stdin) the process's stdin, stdout and stderr are pipes the helper holds: the
 * socket's input goes to stdin ('C' closes it), stdout and stderr go to the log and to the
 * clients ('D', 'E'), as the shim does for a container run with -i alone — read only once a
 * first client has connected (or, nobody come, a few seconds after the start: then to the log
 * alone), so that the caller, who attaches at once, gets the output from its first byte. The caller
 * prints {"pid":…,"helperPid":…,"attachSocket":"…"} once the program runs, or the
 * error and its status (125, 126, 127) as a plain exec would. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "runtime.h"

static char *absolute(const char *path) {
  if (!path || path[0] == '/') return path ? xstrdup(path) : NULL;
  char cwd[4096];
  return xasprintf("%s/%s", getcwd(cwd, sizeof cwd) ? cwd : "", path);
}

static void write_exit(const char *file, int status) {
  char now[64];
  format_rfc3339(now, sizeof now, now_ns());
  struct strbuf sb = {0};
  if (WIFSIGNALED(status)) sb_printf(&sb, "{\"exitCode\":%d,\"signal\":%d,", 128 + WTERMSIG(status), WTERMSIG(status));
  else sb_printf(&sb, "{\"exitCode\":%d,\"signal\":null,", WEXITSTATUS(status));
  sb_printf(&sb, "\"finishedAt\":\"%s\"}\n", now);
  write_file_atomic(file, sb.buf, sb.len);
  free(sb.buf);
}

/* The helper: never returns. report is the pipe to the caller. */
static void helper(struct exec_plan *p, const struct state *st, const char *pid_file, char *sock, const char *exit_file,
                   const char *log, int report) __attribute__((noreturn));
static void helper(struct exec_plan *p, const struct state *st, const char *pid_file, char *sock, const char *exit_file,
                   const char *log, int report) {
  int sfd = holder_setup();
  int log_fd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : -1;
  if (!sock) sock = xasprintf("%s/exec-%d.sock", state_dir(st->id), getpid());
  int status = EXIT_SETUP;
  struct attach *tty = NULL;
  bool pipes = !p->proc->terminal;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  struct shim_stream so = {.fd = -1, .frame = 'D', .log.name = "stdout"}, se = {.fd = -1, .frame = 'E', .log.name = "stderr"};
  if (sfd < 0 || (log && log_fd < 0)) fail_errno("exec: set up %s", log ? log : "signals");
  else if (pipes && (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)) fail_errno("exec: pipes");
  else {
    /* no terminal: the process gets the pipes as the stdio it inherits from us (a detached
     * exec keeps the runtime's stdio); ours go back to /dev/null once it has started */
    if (pipes) dup2(in[0], 0), dup2(out[1], 1), dup2(err[1], 2);
    int started = exec_start(p, st, pid_file, &status);
    if (pipes) {
      int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
      for (int i = 0; i < 3; i++) dup2(devnull, i);
      close(devnull), close(in[0]), close(out[1]), close(err[1]);
      so.fd = out[0], se.fd = err[0];
    }
    if (started == 0 && !(tty = pipes ? attach_open_stdin(sock, in[1]) : attach_open(sock, p->master, log_fd))) {
      kill(p->pid, SIGKILL); /* nobody could reach its terminal or its stdio */
      close(pipes ? in[1] : p->master);
      waitpid(p->pid, NULL, 0);
      status = EXIT_SETUP;
    }
  }
  struct strbuf msg = {0};
  if (tty) {
    sb_printf(&msg, "O{\"pid\":%d,\"helperPid\":%d,\"attachSocket\":", p->pid, getpid());
    sb_json_string(&msg, sock, strlen(sock));
    sb_puts(&msg, "}");
  } else {
    sb_printf(&msg, "E%c", (char)status);
    sb_puts(&msg, g_err);
  }
  write_all(report, msg.buf, msg.len);
  close(report);
  if (!tty) _exit(1);
  /* it runs already and its caller attaches now: what it writes meanwhile waits for that client */
  if (pipes) attach_hold_output(tty);
  int ws = shim_supervise(p->pid, pipes ? &so : NULL, pipes ? &se : NULL, tty, sfd, log_fd);
  if (exit_file) write_exit(exit_file, ws);
  attach_close(tty, WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws));
  _exit(0);
}

int exec_session(struct exec_plan *p, const struct state *st, const char *pid_file, const char *sock, const char *exit_file,
                 const char *log) {
  /* the helper starts at / : every path it is given must not depend on our cwd */
  char *abs_sock = absolute(sock), *abs_exit = absolute(exit_file), *abs_log = absolute(log), *abs_pid = absolute(pid_file);
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) return fail_errno("pipe"), report_error("exec"), EXIT_SETUP;
  fflush(NULL);
  pid_t a = fork();
  if (a < 0) return fail_errno("fork"), report_error("exec"), EXIT_SETUP;
  if (a == 0) {
    close(report[0]);
    if (setsid() < 0) _exit(1);
    pid_t b = fork();
    if (b != 0) _exit(b < 0 ? 1 : 0);
    helper(p, st, abs_pid, abs_sock, abs_exit, abs_log, report[1]);
  }
  close(report[1]);
  waitpid(a, NULL, 0);
  char msg[8192]; /* one write: the error, or the JSON with the socket's path */
  ssize_t n = read_full(report[0], msg, sizeof msg - 1);
  close(report[0]);
  if (n <= 0) return fail_msg("the session helper exited before reporting"), report_error("exec"), EXIT_SETUP;
  msg[n] = '\0';
  if (msg[0] == 'E' && n >= 2) {
    fail_msg("%s", msg + 2);
    report_error("exec");
    return (unsigned char)msg[1];
  }
  printf("%s\n", msg + 1);
  return 0;
}
