/* rootless-exec: run a command inside this user's rootless namespaces — a user namespace
 * (the user is 0 there, their /etc/subuid and /etc/subgid ranges the rest) and a mount
 * namespace it owns. Node cannot unshare a user namespace once it has threads, so the
 * engine is started through this verb (as podman does with its pause process):
 *
 *   strata-runtime [--log-format json] rootless-exec --state-dir DIR [--newuidmap P] [--newgidmap P] [-- CMD ARGS…]
 *   strata-runtime [--log-format json] rootless-stop --state-dir DIR
 *
 * The namespaces are held by a *pause process* (comm `strata-pause`, pid in
 * DIR/pause.pid): it unshares them, is given its id maps by newuidmap/newgidmap, then
 * only sleeps, so that containers started by one engine process stay manageable by the
 * next. A later call finds it (ours, alive, named so, in a user namespace other than
 * ours) and joins it — both namespaces at once through a pidfd — instead of making
 * another; DIR/pause.lock serialises callers, so two never make two. Then CMD is exec'd
 * in place (same pid), in the caller's working directory. Without CMD: one JSON line
 * {"pausePid":N,"created":bool} and exit 0.
 *
 * rootless-stop ends the pause process (SIGTERM) and removes its pid file: the namespaces
 * go once nothing else is in them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "args.h"

#define PAUSE_NAME "strata-pause"

/* The state directory: made 0700 when missing; one that is not a directory of ours is
 * refused (under /tmp another user could have made it first). */
static int own_state_dir(const char *dir) {
  if (!dir || dir[0] != '/') return fail_kind(ERR_INVALID, "--state-dir: an absolute directory is required");
  if (mkdir_p(dir, 0700) < 0) return -1;
  struct stat st;
  if (lstat(dir, &st) < 0) return fail_errno("stat %s", dir);
  if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
    return fail_kind(ERR_CONFLICT, "%s is not a directory of yours (uid %u): remove it or set XDG_RUNTIME_DIR", dir, (unsigned)getuid());
  if ((st.st_mode & 0077) && chmod(dir, 0700) < 0) return fail_errno("chmod %s", dir);
  return 0;
}

/* Whether user namespaces can be made here at all; the kernel's knobs, in its words. */
static int userns_possible(void) {
  char *max = read_file("/proc/sys/user/max_user_namespaces", NULL);
  bool none = max && atoll(max) == 0;
  free(max);
  if (none)
    return fail_kind(ERR_UNSUPPORTED, "user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0): "
                                      "rootless Strata needs them: sudo sysctl -w user.max_user_namespaces=28633");
  char *clone = read_file("/proc/sys/kernel/unprivileged_userns_clone", NULL);
  bool off = clone && atoi(clone) == 0;
  free(clone);
  g_err[0] = '\0';
  if (off)
    return fail_kind(ERR_UNSUPPORTED, "unprivileged user namespaces are disabled (/proc/sys/kernel/unprivileged_userns_clone is 0): "
                                      "sudo sysctl -w kernel.unprivileged_userns_clone=1");
  return 0;
}

static int unshare_failed(int err) {
  if (err == EPERM || err == ENOSPC || err == EUSERS || err == EINVAL)
    return fail_kind(ERR_UNSUPPORTED, "cannot make a user namespace (%s): user namespaces are disabled or used up for you here "
                                      "(see /proc/sys/user/max_user_namespaces; a sandbox or AppArmor may forbid them)",
                     strerror(err));
  errno = err;
  return fail_errno("unshare user and mount namespaces");
}

/* The pid in the pid file when it is a live pause process of ours, else 0. `outside`: the
 * caller is not in its namespaces (rootless-exec) — rootless-stop may be run from inside. */
static pid_t live_pause(const char *pidfile, bool outside) {
  char *text = read_file(pidfile, NULL);
  pid_t pid = text ? (pid_t)atoi(text) : 0;
  free(text);
  g_err[0] = '\0';
  if (pid <= 0) return 0;
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d", pid);
  if (stat(path, &st) < 0 || st.st_uid != getuid()) return 0;
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  char *comm = read_file(path, NULL);
  bool named = comm && strcmp(comm, PAUSE_NAME "\n") == 0;
  free(comm);
  g_err[0] = '\0';
  if (!named || !outside) return named ? pid : 0;
  /* its user namespace must not be ours: a pause that failed to unshare holds nothing */
  char mine[64] = "", theirs[64] = "";
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  if (readlink("/proc/self/ns/user", mine, sizeof mine - 1) < 0 || readlink(path, theirs, sizeof theirs - 1) < 0) return 0;
  return strcmp(mine, theirs) == 0 ? 0 : pid;
}

/* The pause process's life: a session of its own, nothing open, every signal but TERM
 * (and KILL) ignored, asleep until the end. */
static void __attribute__((noreturn)) pause_forever(void) {
  int devnull = open("/dev/null", O_RDWR);
  for (int i = 0; i < 3; i++) dup2(devnull, i);
  if (devnull > 2) close(devnull);
  close_range(3, ~0U, 0);
  if (chdir("/") < 0) _exit(1);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGTERM && sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD) signal(sig, SIG_IGN);
  signal(SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (;;) pause();
}

/* Forks the pause process (double fork: it is nobody's child here, so no zombie waits on
 * the engine exec'd in this process), has it unshare, and returns its pid once it has. The
 * middle process passes on one reply, {pid, fork errno, unshare errno}, after the pause's
 * own: one writer, so the launcher never reads them out of order. */
static pid_t spawn_pause(void) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) < 0) return fail_errno("pipe");
  pid_t middle = fork();
  if (middle < 0) return close(sync[0]), close(sync[1]), fail_errno("fork");
  if (middle == 0) {
    close(sync[0]);
    setsid();
    int inner[2];
    int32_t reply[3] = {-1, 0, 0};
    if (pipe2(inner, O_CLOEXEC) < 0) {
      reply[1] = errno;
      (void)!write(sync[1], reply, sizeof reply);
      _exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
      close(inner[0]);
      close(sync[1]);
      prctl(PR_SET_NAME, PAUSE_NAME);
      int32_t err = unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ? errno : 0;
      (void)!write(inner[1], &err, sizeof err);
      if (err) _exit(1);
      pause_forever();
    }
    close(inner[1]);
    reply[0] = pid;
    if (pid < 0) reply[1] = errno;
    else if (read_full(inner[0], &reply[2], sizeof reply[2]) != sizeof reply[2]) reply[2] = ECHILD;
    (void)!write(sync[1], reply, sizeof reply);
    _exit(0);
  }
  close(sync[1]);
  int32_t reply[3] = {0, 0, 0};
  ssize_t n = read_full(sync[0], reply, sizeof reply);
  close(sync[0]);
  while (waitpid(middle, NULL, 0) < 0 && errno == EINTR) {
  }
  if (n != sizeof reply) return fail_msg("the pause process's parent exited before it answered");
  if (reply[0] <= 0) {
    errno = reply[1];
    return fail_errno("fork the pause process");
  }
  if (reply[2] == ECHILD) return fail_msg("the pause process exited before it unshared");
  if (reply[2]) return unshare_failed(reply[2]);
  return reply[0];
}

/* A new pause process with its maps, recorded in the pid file; 0 + g_err on failure. */
static pid_t make_pause(const char *pidfile, const char *newuidmap, const char *newgidmap) {
  if (rootless_check_ranges() < 0 || userns_possible() < 0) return 0;
  pid_t pid = spawn_pause();
  if (pid <= 0) return 0;
  char text[24];
  int n = snprintf(text, sizeof text, "%d\n", pid);
  if (rootless_write_maps(pid, newuidmap, newgidmap) < 0 || write_file_atomic(pidfile, text, (size_t)n) < 0) {
    kill(pid, SIGKILL);
    return 0;
  }
  return pid;
}

static int join(pid_t pid) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return fail_errno("pidfd_open %d", pid);
  int rc = setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS);
  int err = errno;
  close(pidfd);
  if (rc < 0) {
    errno = err;
    return fail_errno("join the namespaces of pause process %d", pid);
  }
  return 0;
}

/* The pause process to join: the live one, or a new one. Under DIR/pause.lock. */
static pid_t ensure_pause(const char *dir, const char *newuidmap, const char *newgidmap, bool *created) {
  char *lock = xasprintf("%s/pause.lock", dir), *pidfile = xasprintf("%s/pause.pid", dir);
  pid_t pid = 0;
  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno("open %s", lock);
  else if (flock(fd, LOCK_EX) < 0) fail_errno("lock %s", lock);
  else if ((pid = live_pause(pidfile, true)) > 0) *created = false;
  else if ((pid = make_pause(pidfile, newuidmap, newgidmap)) > 0) *created = true;
  if (pid > 0 && join(pid) < 0) pid = 0;
  if (fd >= 0) close(fd); /* the lock goes with it: a joined pause is safe to be seen */
  free(lock);
  free(pidfile);
  return pid;
}

int cmd_rootless_exec(int argc, char **argv) {
  const char *dir = NULL, *newuidmap = "newuidmap", *newgidmap = "newgidmap";
  const struct optspec specs[] = {{"state-dir", 0, &dir, NULL}, {"newuidmap", 0, &newuidmap, NULL}, {"newgidmap", 0, &newgidmap, NULL}, {NULL, 0, NULL, NULL}};
  char *pos[256];
  int npos;
  if (parse_args(argc, argv, specs, pos, 255, &npos) < 0) goto fail;
  if (getuid() == 0) {
    fail_kind(ERR_INVALID, "rootless-exec is for a normal user: root has the system engine");
    goto fail;
  }
  if (own_state_dir(dir) < 0) goto fail;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  bool created = false;
  pid_t pid = ensure_pause(dir, newuidmap, newgidmap, &created);
  if (pid <= 0) goto fail;
  if (npos == 0) {
    printf("{\"pausePid\":%d,\"created\":%s}\n", pid, created ? "true" : "false");
    return 0;
  }
  if (chdir(cwd) < 0 && chdir("/") < 0) {
    fail_errno("chdir %s", cwd);
    goto fail;
  }
  pos[npos] = NULL;
  execvp(pos[0], pos);
  fail_errno("exec %s", pos[0]);
  g_err_kind = errno == ENOENT ? ERR_NOT_FOUND : ERR_INTERNAL;
fail:
  report_error("rootless-exec");
  return 125;
}

int cmd_rootless_stop(int argc, char **argv) {
  const char *dir = NULL;
  const struct optspec specs[] = {{"state-dir", 0, &dir, NULL}, {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  if (parse_args(argc, argv, specs, pos, 0, &npos) < 0 || own_state_dir(dir) < 0) {
    report_error("rootless-stop");
    return 125;
  }
  char *lock = xasprintf("%s/pause.lock", dir), *pidfile = xasprintf("%s/pause.pid", dir);
  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) flock(fd, LOCK_EX);
  pid_t pid = live_pause(pidfile, false);
  if (pid > 0) kill(pid, SIGTERM);
  unlink(pidfile);
  if (fd >= 0) close(fd);
  printf("{\"pausePid\":%d}\n", pid);
  free(lock);
  free(pidfile);
  return 0;
}
