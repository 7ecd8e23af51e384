/* exec: one more process in a running container, as `runc exec` does.
 *   strata-runtime [--root R] exec [--process FILE] [--detach] [--pid-file F] [--tty] [--stdin]
 *                  [--console-socket S] [--attach-socket P] [--exit-file F] [--log F] ID [-- ARGS...]
 * The process is the OCI `process` object in FILE, or ARGS run with the container's own
 * config.json process around them (env, user, cwd, capabilities, rlimits, …).
 * With a terminal (--tty, or the file's `terminal`) the child makes its pty in the
 * container and sends the master back; it goes to --console-socket, to our own stdio
 * (attached, console_proxy.c), or to a session helper (--detach, exec_session.c). Without
 * one, --detach --stdin gives the process pipes for its stdio, held by a session helper too.
 *
 * The runtime itself stays in the host's namespaces, so --pid-file and the cgroup files
 * are host paths all along. Order of work:
 *   parent: state (running?) → open the init's namespace files and its cgroup.procs
 *           files → check the init is still the same process (a pid cannot be reused
 *           while its process lives, so what was opened is the init's) → setns pid
 *           (it applies to children) → fork
 *   parent: the child's pid into every cgroup.procs → 'go' (so it runs nothing outside
 *           the container's cgroups)
 *   child:  setns user (when not ours), ipc, uts, net, cgroup, mnt (or, without a mount
 *           namespace of the container's own, chroot to the init's root) → its pty ('T' + name +
 *           master) or setsid (detached) → chdir → rlimits → find the program →
 *           bounding set, ids, caps, no_new_privs → the container's seccomp filter
 *           (compiled by the parent; before the caps when noNewPrivileges is false) → execve
 * A failure in the child comes back over a CLOEXEC SEQPACKET socket as one byte, the exit
 * status to use (125 setup, 126 not executable, 127 not found), and the message; EOF with
 * nothing read means execve succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "exec.h"
#include "runtime.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

/* The order the child joins them: the user namespace first, since it grants the rights
 * over the others; mnt last, since it changes the root later paths resolve against.
 * pid is last in the table because the parent joins it, for the child. */
static const struct {
  const char *file;
  int flag;
} ns_files[N_NS] = {
    {"user", CLONE_NEWUSER},     {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
    {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS},  {"pid", CLONE_NEWPID},
};
#define PID_NS (N_NS - 1)

/* ---- the child ------------------------------------------------------------------- */

static void child_fail(struct exec_plan *p, int status) __attribute__((noreturn));
static void child_fail(struct exec_plan *p, int status) {
  char msg[sizeof g_err + 1];
  size_t n = strlen(g_err);
  msg[0] = (char)status;
  memcpy(msg + 1, g_err, n);
  if (write_all(p->report[1], msg, n + 1) < 0) dprintf(2, "exec: %s\n", g_err);
  _exit(status);
}

/* The program could not be run: 127 when it is not there, 126 when it is but cannot be
 * executed (permissions, a directory, a bad format), as shells report it. */
static void program_fail(struct exec_plan *p, int err) __attribute__((noreturn));
static void program_fail(struct exec_plan *p, int err) {
  /* process_find_exec says "exec X: …"; the parent prefixes "exec: " itself */
  if (strncmp(g_err, "exec ", 5) == 0) memmove(g_err, g_err + 5, strlen(g_err + 5) + 1);
  child_fail(p, err == ENOENT || err == ENOTDIR || err == ELOOP ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
}

static void exec_child(struct exec_plan *p) __attribute__((noreturn));
static void exec_child(struct exec_plan *p) {
  const struct spec *s = p->proc;
  close(p->go[1]);
  close(p->report[0]);
  /* the runtime's handlers, mask and ignored signals are none of the program's business */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  char go;
  if (read_full(p->go[0], &go, 1) != 1) _exit(EXIT_SETUP); /* the parent gave up and says why */
  close(p->go[0]);
  for (size_t i = 0; i < PID_NS; i++) {
    if (p->ns_fd[i] < 0) continue;
    if (setns(p->ns_fd[i], ns_files[i].flag) < 0) {
      fail_errno("setns %s namespace", ns_files[i].file);
      child_fail(p, EXIT_SETUP);
    }
    close(p->ns_fd[i]);
  }
  if (p->root_fd >= 0 && (fchdir(p->root_fd) < 0 || chroot(".") < 0))
    fail_errno("chroot to the container's root"), child_fail(p, EXIT_SETUP);
  if (s->terminal) {
    /* a pty of the container's devpts, in a session of its own; the master to the parent */
    int master;
    char msg[40] = "T";
    if (pty_setup(s, &master, msg + 1, sizeof msg - 1) < 0) child_fail(p, EXIT_SETUP);
    if (send_fd(p->report[1], master, msg, strlen(msg)) < 0) fail_errno("send the terminal"), child_fail(p, EXIT_SETUP);
    close(master);
  } else if (p->detach && setsid() < 0) {
    /* detached: its own session, so the caller's terminal and process group do not reach it */
    fail_errno("setsid"), child_fail(p, EXIT_SETUP);
  }
  if (chdir(s->cwd) < 0) fail_errno("chdir to cwd %s", s->cwd), child_fail(p, EXIT_SETUP);
  if (process_rlimits(s) < 0) child_fail(p, EXIT_SETUP);
  char *exe = process_find_exec(s);
  if (!exe) program_fail(p, errno);
  /* the container's filter, where the init loads it: before the caps go without
   * no_new_privs (it needs CAP_SYS_ADMIN then), else just before execve */
  if (p->seccomp && !s->no_new_privileges && seccomp_apply(p->seccomp) < 0) child_fail(p, EXIT_SETUP);
  /* identity last, in the init's order: the bounding set needs CAP_SETPCAP */
  if (caps_drop_bounding(s) < 0 || process_set_ids(s) < 0 || caps_apply(s) < 0) child_fail(p, EXIT_SETUP);
  if (s->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail_errno("prctl no_new_privs"), child_fail(p, EXIT_SETUP);
  umask(0022);
  /* only stdio goes to the program; the report socket stays open until execve succeeds */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (p->seccomp && s->no_new_privileges && seccomp_apply(p->seccomp) < 0) child_fail(p, EXIT_SETUP);
  execve(exe, s->args, s->env);
  int err = errno;
  fail_errno("%s", exe);
  program_fail(p, err);
}

/* ---- the parent ------------------------------------------------------------------ */

/* Opens the init's /proc/<pid>/ns/ files; a namespace equal to ours is left out (setns into
 * one's own user namespace is refused, and the others would be no-ops). */
static int open_namespaces(struct exec_plan *p, pid_t pid, const char *id) {
  for (size_t i = 0; i < N_NS; i++) {
    char mine[64], theirs[64];
    struct stat a, b;
    p->ns_fd[i] = -1;
    snprintf(mine, sizeof mine, "/proc/self/ns/%s", ns_files[i].file);
    snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", pid, ns_files[i].file);
    if (stat(mine, &a) < 0) continue; /* a kernel without this namespace type */
    int fd = open(theirs, O_RDONLY | O_CLOEXEC);
    /* an exiting process has left its namespaces before /proc shows it as gone */
    if (fd < 0 && errno == ENOENT) return fail_kind(ERR_CONFLICT, "container %s: its init is exiting", id);
    if (fd < 0) return fail_errno("open %s", theirs);
    if (fstat(fd, &b) < 0) {
      fail_errno("stat %s", theirs);
      close(fd);
      return -1;
    }
    if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) close(fd);
    else p->ns_fd[i] = fd;
  }
  return 0;
}

/* A container without a mount namespace of its own is a chroot in ours (rootfs_chroot):
 * the process goes to the init's root too, which no setns would give it. */
static int open_root(struct exec_plan *p, pid_t pid) {
  p->root_fd = -1;
  for (size_t i = 0; i < N_NS; i++)
    if (ns_files[i].flag == CLONE_NEWNS && p->ns_fd[i] >= 0) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/root", pid);
  p->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (p->root_fd < 0) return fail_errno("open %s", path);
  return 0;
}

/* Opened now, written after the fork: the paths are the host's, and they are the init's
 * cgroups as long as the init is the process we checked. */
static int open_cgroups(struct exec_plan *p, pid_t pid) {
  p->cgroup_files = cgroup_procs_files(pid);
  if (!p->cgroup_files) return -1;
  while (p->cgroup_files[p->n_cgroups]) p->n_cgroups++;
  p->cgroup_fd = xcalloc(p->n_cgroups + 1, sizeof *p->cgroup_fd);
  for (size_t i = 0; i < p->n_cgroups; i++) {
    p->cgroup_fd[i] = open(p->cgroup_files[i], O_WRONLY | O_CLOEXEC);
    /* rootless, a container without a cgroup of its own (cgroup_wanted) is in the runtime's
     * cgroups, which are not ours to write: the process stays in the caller's, as the init did */
    if (p->cgroup_fd[i] < 0 && runtime_in_userns() && (errno == EACCES || errno == EPERM || errno == EROFS)) continue;
    if (p->cgroup_fd[i] < 0) return fail_errno("open %s", p->cgroup_files[i]);
  }
  return 0;
}

static int join_cgroups(const struct exec_plan *p, pid_t pid) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  for (size_t i = 0; i < p->n_cgroups; i++)
    if (p->cgroup_fd[i] >= 0 && write(p->cgroup_fd[i], buf, (size_t)n) != n) return fail_errno("join cgroup %s", p->cgroup_files[i]);
  return 0;
}

static int write_pid_file(const char *file, pid_t pid) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  return write_file_atomic(file, buf, (size_t)n);
}

static volatile sig_atomic_t g_child;
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

static void forward(int sig) {
  if (g_child > 0) kill((pid_t)g_child, sig);
}

static pid_t wait_child(pid_t pid, int *status) {
  pid_t r;
  while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR) {
  }
  return r;
}

int exec_start(struct exec_plan *p, const struct state *st, const char *pid_file, int *status) {
  *status = EXIT_SETUP;
  p->master = -1;
  if (open_namespaces(p, st->pid, st->id) < 0 || open_root(p, st->pid) < 0 || open_cgroups(p, st->pid) < 0) return -1;
  if (!proc_alive(st->pid, st->pid_start)) return fail_kind(ERR_CONFLICT, "container %s: its init has exited", st->id);
  /* inherited by the child: the host's /proc/self is still ours to write */
  if (p->proc->has_oom_score_adj) {
    char val[16];
    snprintf(val, sizeof val, "%d", p->proc->oom_score_adj);
    if (write_file_str("/proc/self/oom_score_adj", val) < 0) return -1;
  }
  if (pipe2(p->go, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->report) < 0) return fail_errno("pipe");
  if (p->ns_fd[PID_NS] >= 0 && setns(p->ns_fd[PID_NS], CLONE_NEWPID) < 0) return fail_errno("setns pid namespace");
  /* a signal that comes before the child exists waits, and is forwarded once it does */
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&block, forwarded[i]);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t pid = fork();
  if (pid < 0) {
    /* the kernel refuses new processes in a pid namespace whose init has exited */
    fail_errno(errno == ENOMEM ? "fork into container %s (has it stopped?)" : "fork into container %s", st->id);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return -1;
  }
  if (pid == 0) exec_child(p);
  g_child = pid;
  struct sigaction sa = {.sa_handler = forward};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  close(p->go[0]);
  close(p->report[1]);
  if (join_cgroups(p, pid) < 0 || (write_all(p->go[1], "G", 1) < 0 && fail_errno("start the process"))) {
    kill(pid, SIGKILL);
    wait_child(pid, NULL);
    return -1;
  }
  close(p->go[1]);
  char msg[sizeof g_err + 1];
  ssize_t n;
  for (;;) {
    int fd;
    n = recv_fd(p->report[0], msg, sizeof msg - 1, &fd);
    if (n > 0 && msg[0] == 'T' && fd >= 0 && p->master < 0) {
      p->master = fd; /* the terminal: a failure or EOF (execve) still to come */
      snprintf(p->pty_name, sizeof p->pty_name, "%.*s", (int)(n - 1), msg + 1);
      continue;
    }
    if (fd >= 0) close(fd);
    break;
  }
  close(p->report[0]);
  if (n != 0) {
    if (p->master >= 0) close(p->master), p->master = -1;
    wait_child(pid, NULL);
    if (n < 0) return fail_errno("read from the process");
    msg[n] = '\0';
    *status = (unsigned char)msg[0];
    return fail_msg("%s", msg + 1);
  }
  if (pid_file && write_pid_file(pid_file, pid) < 0) {
    kill(pid, SIGKILL); /* nobody would know which process it is */
    wait_child(pid, NULL);
    return -1;
  }
  p->pid = pid;
  *status = 0;
  return 0;
}

/* Attached: the process's exit status (128+n for signal n), copying its terminal to and
 * from our stdio if it has one. */
static int exec_wait(struct exec_plan *p, int *status) {
  int ws;
  if (p->master >= 0) {
    if (console_proxy(p->master, p->pid, &ws) < 0) return -1;
  } else if (wait_child(p->pid, &ws) < 0) {
    return fail_errno("wait for the process");
  }
  g_child = 0; /* reaped: its pid may be someone else's from now on */
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return 0;
}

static int usage_error(void) {
  report_error("exec");
  return EXIT_SETUP;
}

int cmd_exec(int argc, char **argv) {
  const char *process = NULL, *pid_file = NULL, *console = NULL, *sock = NULL, *exit_file = NULL, *log = NULL;
  bool detach = false, tty = false, open_stdin = false;
  const struct optspec opts[] = {{"process", 'p', &process, NULL},       {"detach", 'd', NULL, &detach},
                                 {"pid-file", 0, &pid_file, NULL},       {"tty", 't', NULL, &tty},
                                 {"console-socket", 0, &console, NULL}, {"attach-socket", 0, &sock, NULL},
                                 {"exit-file", 0, &exit_file, NULL},    {"log", 0, &log, NULL},
                                 {"stdin", 0, NULL, &open_stdin},       {NULL, 0, NULL, NULL}};
  char **pos = xcalloc((size_t)argc + 1, sizeof *pos); /* ID, then ARGS (NULL-terminated) */
  int npos;
  if (parse_args(argc, argv, opts, pos, argc, &npos) < 0) return usage_error();
  if (npos < 1) return fail_kind(ERR_INVALID, "a container id is required"), usage_error();
  if (process && npos > 1) return fail_kind(ERR_INVALID, "give the program as ARGS or in --process, not both"), usage_error();
  if (!process && npos < 2) return fail_kind(ERR_INVALID, "no program: give ARGS after the id (after --) or --process FILE"), usage_error();
  const char *id = pos[0];
  struct state st;
  if (state_load(id, &st) < 0) return usage_error();
  if (st.status != ST_RUNNING) return fail_kind(ERR_CONFLICT, "container %s is %s, not running", id, status_name(st.status)), usage_error();

  /* the container's config: the base for ARGS, and the capabilities a --process file
   * without any gets (an exec never has more privileges than the container's process) */
  struct spec config;
  char *cfg = xasprintf("%s/%s/config.json", g_root, id);
  g_spec_lenient = true;
  if (spec_load_file(cfg, st.bundle, &config) < 0) return usage_error();
  free(cfg);
  /* an OCI process has no seccomp of its own: every exec gets the container's filter */
  if (config.seccomp && seccomp_compile(config.seccomp) < 0) return usage_error();
  struct spec *proc = &config;
  if (process) {
    proc = xcalloc(1, sizeof *proc);
    if (spec_load_process(process, proc) < 0) return usage_error();
    if (!proc->has_caps) {
      proc->has_caps = config.has_caps;
      memcpy(proc->caps, config.caps, sizeof proc->caps);
    }
  } else {
    proc->args = pos + 1;
    proc->terminal = false; /* the container's own terminal setting is not the exec's */
    proc->has_console_size = false;
  }
  proc->terminal = proc->terminal || tty;
  /* a session helper holds what nobody else takes: the terminal, or (--stdin) the stdio pipes */
  bool session = (proc->terminal || open_stdin) && detach && !console;
  if (console && !proc->terminal) return fail_kind(ERR_INVALID, "--console-socket needs --tty (or terminal in the process file)"), usage_error();
  if (open_stdin && !detach) return fail_kind(ERR_INVALID, "--stdin is for --detach (attached, the process has the runtime's stdin)"), usage_error();
  if ((sock || exit_file || log) && !session)
    return fail_kind(ERR_INVALID, "--attach-socket, --exit-file and --log are for --detach with --tty or --stdin, without --console-socket"), usage_error();

  struct exec_plan plan = {.proc = proc, .seccomp = config.seccomp, .detach = detach, .go = {-1, -1}, .report = {-1, -1}, .master = -1};
  if (session) return exec_session(&plan, &st, pid_file, sock, exit_file, log);
  int status;
  if (exec_start(&plan, &st, pid_file, &status) < 0) {
    report_error("exec");
    return status;
  }
  if (plan.master >= 0 && console) {
    int rc = console_socket_send(console, plan.master, plan.pty_name);
    close(plan.master);
    plan.master = -1;
    if (rc < 0) {
      kill(plan.pid, SIGKILL); /* nobody holds its terminal */
      wait_child(plan.pid, NULL);
      report_error("exec");
      return EXIT_SETUP;
    }
  }
  if (detach) return 0; /* the runtime exits: the process goes to the host's reaper */
  if (exec_wait(&plan, &status) < 0) {
    report_error("exec");
    return EXIT_SETUP;
  }
  return status;
}
