/* run = create + start + wait + delete, with the container on this process's stdio.
 * The exit status is the container's (128 + signal when a signal ended it). With
 * --detach it returns after start and leaves the container running. With
 * process.terminal the pty master goes to --console-socket, or (in the foreground only)
 * stays here and is copied to and from this process's stdio (console_proxy.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "args.h"
#include "runtime.h"

char *bundle_path(const char *given);

static volatile sig_atomic_t g_forward_pid;

static void forward(int sig) {
  if (g_forward_pid > 0) kill((pid_t)g_forward_pid, sig);
}

int cmd_run(int argc, char **argv) {
  const char *bundle = NULL, *pid_file = NULL, *console = NULL;
  bool detach = false, keep = false;
  const struct optspec opts[] = {{"bundle", 'b', &bundle, NULL}, {"pid-file", 0, &pid_file, NULL},
                                 {"detach", 'd', NULL, &detach}, {"keep", 0, NULL, &keep},
                                 {"console-socket", 0, &console, NULL}, {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0 || (npos != 1 && fail_kind(ERR_INVALID, "run: a container id is required"))) {
    report_error(NULL);
    return 125;
  }
  char *abs = bundle_path(bundle);
  struct spec s;
  pid_t pid;
  int master = -1;
  struct create_opts o = {.id = pos[0], .bundle = abs, .pid_file = pid_file, .stdio = {0, 1, 2}, .console_socket = console};
  if (!abs || spec_load(abs, &s) < 0) {
    report_error(NULL);
    return 125;
  }
  if (s.terminal && !console && detach) {
    fail_kind(ERR_INVALID, "run: a detached container with process.terminal needs --console-socket");
    report_error(NULL);
    return 125;
  }
  if (s.terminal && !console) o.console_master = &master;
  if (container_create(&o, &s, &pid) < 0) {
    report_error(NULL);
    return 125;
  }
  g_forward_pid = pid;
  struct sigaction sa = {.sa_handler = forward};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  if (container_start(pos[0]) < 0) {
    report_error(NULL);
    container_delete(pos[0], true);
    return 125;
  }
  if (detach) return 0;
  int status;
  if (master >= 0) {
    if (console_proxy(master, pid, &status) < 0) {
      report_error(NULL);
      container_delete(pos[0], true);
      return 125;
    }
  } else {
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        fail_errno("wait");
        report_error(NULL);
        return 125;
      }
    }
  }
  if (!keep && container_delete(pos[0], true) < 0) report_error(NULL);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
