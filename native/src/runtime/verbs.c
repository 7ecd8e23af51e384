/* The lifecycle verbs: create, start, state, kill, delete. Each checks the container's
 * status first: an operation the status does not allow is an error that says so. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "runtime.h"

int load_running(const char *verb, const char *id, struct state *st, struct spec *s); /* pause.c */

static int report(void) {
  report_error(NULL);
  return 1;
}

/* --bundle defaults to the current directory; the state keeps the absolute path. */
char *bundle_path(const char *given);
char *bundle_path(const char *given) {
  char *abs = realpath(given ? given : ".", NULL);
  if (!abs) fail_errno("bundle %s", given ? given : ".");
  return abs;
}

int cmd_create(int argc, char **argv) {
  const char *bundle = NULL, *pid_file = NULL, *console = NULL;
  bool ignored = false;
  const struct optspec opts[] = {{"bundle", 'b', &bundle, NULL},       {"pid-file", 0, &pid_file, NULL},
                                 {"console-socket", 0, &console, NULL}, {"no-pivot", 0, NULL, &ignored},
                                 {"no-new-keyring", 0, NULL, &ignored}, {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0) return report();
  if (npos != 1) return fail_kind(ERR_INVALID, "create: a container id is required"), report();
  char *abs = bundle_path(bundle);
  struct spec s;
  if (!abs || spec_load(abs, &s) < 0) return report();
  struct create_opts o = {.id = pos[0], .bundle = abs, .pid_file = pid_file, .stdio = {0, 1, 2}, .console_socket = console};
  if (container_create(&o, &s, NULL) < 0) return report();
  return 0;
}

int container_start(const char *id) {
  struct state st;
  if (state_load(id, &st) < 0) return -1;
  if (st.status != ST_CREATED) return fail_kind(ERR_CONFLICT, "start: container %s is %s, not created", id, status_name(st.status));
  char *dir = state_dir(id);
  char *fifo = xasprintf("%s/exec.fifo", dir);
  int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  int rc = -1;
  if (fd < 0) {
    if (errno == ENXIO) fail_kind(ERR_CONFLICT, "start: container %s is not waiting", id);
    else fail_errno("start: open %s", fifo);
  } else if (write(fd, "1", 1) != 1) {
    fail_errno("start: write %s", fifo);
  } else {
    unlink(fifo);
    rc = 0;
  }
  if (fd >= 0) close(fd);
  if (rc == 0) {
    struct spec s;
    char *cfg = xasprintf("%s/config.json", dir);
    g_spec_lenient = true;
    st.status = ST_RUNNING;
    if (spec_load_file(cfg, st.bundle, &s) == 0 && hooks_run(&s.poststart, "poststart", &st) < 0)
      fprintf(stderr, "warning: %s\n", g_err); /* the spec: poststart failures are warnings */
    free(cfg);
  }
  free(fifo);
  free(dir);
  return rc;
}

int cmd_start(int argc, char **argv) {
  char *pos[1];
  int npos;
  const struct optspec opts[] = {{NULL, 0, NULL, NULL}};
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0) return report();
  if (npos != 1) return fail_kind(ERR_INVALID, "start: a container id is required"), report();
  return container_start(pos[0]) < 0 ? report() : 0;
}

int cmd_state(int argc, char **argv) {
  char *pos[1];
  int npos;
  const struct optspec opts[] = {{NULL, 0, NULL, NULL}};
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0) return report();
  if (npos != 1) return fail_kind(ERR_INVALID, "state: a container id is required"), report();
  struct state st;
  if (state_load(pos[0], &st) < 0) return report();
  struct spec s;
  if (st.status == ST_RUNNING && load_running("state", pos[0], &st, &s) == 0 && cgroup_frozen(&s, pos[0]) == 1) st.status = ST_PAUSED;
  struct strbuf sb = {0};
  state_json(&sb, &st);
  puts(sb.buf);
  free(sb.buf);
  return 0;
}

int signal_from_name(const char *name) {
  static const struct {
    const char *name;
    int sig;
  } sigs[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
              {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
              {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
              {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
              {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
              {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},   {"PWR", SIGPWR},   {"SYS", SIGSYS}};
  if (name[0] == '-') name++;
  char *end;
  long n = strtol(name, &end, 10);
  if (*name && !*end) return n > 0 && n < 65 ? (int)n : -1;
  if (strncmp(name, "SIG", 3) == 0) name += 3;
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (strcmp(name, sigs[i].name) == 0) return sigs[i].sig;
  return -1;
}

/* pidfd_send_signal cannot hit a process that reused the pid after we checked it. */
static int signal_init(const struct state *st, int sig) {
  int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pfd < 0) return kill(st->pid, sig);
  int rc = proc_alive(st->pid, st->pid_start) ? (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) : (errno = ESRCH, -1);
  close(pfd);
  return rc;
}

int cmd_kill(int argc, char **argv) {
  bool all = false;
  const struct optspec opts[] = {{"all", 'a', NULL, &all}, {NULL, 0, NULL, NULL}};
  char *pos[2];
  int npos;
  if (parse_args(argc, argv, opts, pos, 2, &npos) < 0) return report();
  if (npos < 1) return fail_kind(ERR_INVALID, "kill: a container id is required"), report();
  int sig = npos == 2 ? signal_from_name(pos[1]) : SIGTERM;
  if (sig < 0) return fail_kind(ERR_INVALID, "kill: unknown signal %s", pos[1]), report();
  struct state st;
  if (state_load(pos[0], &st) < 0) return report();
  if (st.status != ST_CREATED && st.status != ST_RUNNING)
    return fail_kind(ERR_CONFLICT, "kill: container %s is %s", pos[0], status_name(st.status)), report();
  if (all) {
    char *cfg = xasprintf("%s/%s/config.json", g_root, pos[0]);
    struct spec s;
    g_spec_lenient = true;
    if (spec_load_file(cfg, st.bundle, &s) < 0) return report();
    cgroup_kill_all(&s, pos[0], sig);
  }
  if (signal_init(&st, sig) < 0 && !(all && errno == ESRCH)) {
    /* it exited between the status check and the signal */
    if (errno == ESRCH) return fail_kind(ERR_CONFLICT, "kill: container %s is stopped", pos[0]), report();
    return fail_errno("kill %d", st.pid), report();
  }
  return 0;
}

/* Polls the pidfd until the process has exited (it may not be our child). */
static void wait_gone(const struct state *st, int timeout_ms) {
  int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pfd < 0) return;
  if (proc_alive(st->pid, st->pid_start)) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
    }
  }
  close(pfd);
}

int container_delete(const char *id, bool force) {
  struct state st;
  if (state_load(id, &st) < 0) {
    char *dir = state_dir(id);
    /* a create that died half-way leaves a directory without state: force removes it */
    if (force && access(dir, F_OK) == 0) container_remove_state(id), free(dir);
    else return free(dir), -1;
    return 0;
  }
  if (st.status != ST_STOPPED && !force)
    return fail_kind(ERR_CONFLICT, "delete: container %s is %s: stop it first or use --force", id, status_name(st.status));
  char *cfg = xasprintf("%s/%s/config.json", g_root, id);
  struct spec s;
  g_spec_lenient = true;
  int loaded = spec_load_file(cfg, st.bundle, &s);
  free(cfg);
  if (st.status != ST_STOPPED) {
    signal_init(&st, SIGKILL);
    wait_gone(&st, 10000);
  }
  int rc = 0;
  if (loaded == 0) {
    cgroup_kill_all(&s, id, SIGKILL); /* what outlived the init, without a pid namespace */
    rc = cgroup_destroy(&s, id);
  }
  container_remove_state(id);
  st.status = ST_STOPPED;
  if (loaded == 0 && hooks_run(&s.poststop, "poststop", &st) < 0) fprintf(stderr, "warning: %s\n", g_err);
  return rc;
}

int cmd_delete(int argc, char **argv) {
  bool force = false;
  const struct optspec opts[] = {{"force", 'f', NULL, &force}, {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0) return report();
  if (npos != 1) return fail_kind(ERR_INVALID, "delete: a container id is required"), report();
  return container_delete(pos[0], force) < 0 ? report() : 0;
}
