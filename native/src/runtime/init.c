/* The container's init, from clone to execve. It talks to its parent (create/run/shim)
 * over a SEQPACKET socket:
 *   parent → 'G' + host pid   cgroup joined, id maps written, go on
 *   child  → 'H'              mounts done: run prestart/createRuntime hooks
 *   parent → 'G'              hooks done
 *   child  → 'R' [+ pty name]  ready, waiting on exec.fifo for start; with
 *                              process.terminal the pty master rides along (SCM_RIGHTS)
 *   child  → 'E' + message    failed at "step: error" (then it exits)
 * then blocks reading exec.fifo (opened by the parent before clone) until `start`. */
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
#include <unistd.h>

#include "runtime.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE 2
#endif

static void die(struct init_args *a) __attribute__((noreturn));
static void die(struct init_args *a) {
  char msg[sizeof g_err + 2];
  msg[0] = 'E';
  msg[1] = err_kind_char(g_err_kind);
  size_t n = strlen(g_err);
  memcpy(msg + 2, g_err, n);
  if (a->sync_fd >= 0 && send(a->sync_fd, msg, n + 2, MSG_NOSIGNAL) < 0) {
    /* the parent is gone: nobody to tell but stderr */
    dprintf(2, "%s\n", g_err);
  }
  _exit(1);
}

static void await_go(struct init_args *a, pid_t *host_pid) {
  char buf[16];
  ssize_t n;
  do n = recv(a->sync_fd, buf, sizeof buf, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0 || buf[0] != 'G') _exit(1); /* the parent died or gave up */
  if (host_pid && n >= 1 + (ssize_t)sizeof(int32_t)) {
    int32_t p;
    memcpy(&p, buf + 1, sizeof p);
    *host_pid = p;
  }
}

static void say(struct init_args *a, char c) {
  if (send(a->sync_fd, &c, 1, MSG_NOSIGNAL) < 0) _exit(1);
}

static int become_root_in_userns(const struct spec *s) {
  if (!spec_has_ns(s, CLONE_NEWUSER, NULL)) return 0;
  if (setresgid(0, 0, 0) < 0) return fail_errno("setresgid 0 in user namespace");
  if (setresuid(0, 0, 0) < 0) return fail_errno("setresuid 0 in user namespace");
  return 0;
}

static int set_names(const struct spec *s) {
  if (s->hostname && s->hostname[0] && sethostname(s->hostname, strlen(s->hostname)) < 0) return fail_errno("sethostname");
  if (s->domainname && s->domainname[0] && setdomainname(s->domainname, strlen(s->domainname)) < 0)
    return fail_errno("setdomainname");
  return 0;
}

static int enter_cwd(const struct spec *s) {
  /* after pivot_root every path is inside the container; ".." cannot climb out of "/" */
  if (chdir(s->cwd) == 0) return 0;
  if (errno == ENOENT && mkdir_p(s->cwd, 0755) == 0 && chdir(s->cwd) == 0) return 0;
  return fail_errno("chdir to process.cwd %s", s->cwd);
}

void container_init(struct init_args *a) {
  const struct spec *s = a->s;
  struct state st = *a->st;
  /* the parent may block or catch signals (the shim does): none of that is inherited */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  umask(0);
  await_go(a, &st.pid);
  /* user namespace first: it grants the rights over the others */
  if (ns_join_others(s, true) < 0 || become_root_in_userns(s) < 0) die(a);
  if (ns_join_others(s, false) < 0 || ns_unshare_cgroup(s) < 0) die(a);
  /* a network namespace of its own starts with lo down; a joined one is as its owner left it */
  const char *net_path;
  if (spec_has_ns(s, CLONE_NEWNET, &net_path) && !net_path && net_loopback_up() < 0) die(a);
  bool userns = spec_has_ns(s, CLONE_NEWUSER, NULL);
  /* in the runtime's mount namespace nothing is mounted or made: it would stay on the host */
  if (!s->shares_mount_ns && (rootfs_prepare(s) < 0 || mounts_apply(s, a->cgroup_rel) < 0 || devices_create(s, userns) < 0)) die(a);
  say(a, 'H');
  await_go(a, NULL);
  st.status = ST_CREATING;
  if (hooks_run(&s->create_container, "createContainer", &st) < 0) die(a);
  if ((s->shares_mount_ns ? rootfs_chroot(s) : rootfs_pivot(s)) < 0) die(a);
  if (sysctl_apply(s) < 0 || rootfs_finish(s) < 0 || set_names(s) < 0) die(a);
  if (enter_cwd(s) < 0 || process_rlimits(s) < 0) die(a);
  /* the terminal from the container's devpts, before the ids change (the slave is chowned) */
  int master = -1;
  char pty_name[32] = "";
  if (s->terminal && pty_setup(s, &master, pty_name, sizeof pty_name) < 0) die(a);
  char *exe = process_find_exec(s);
  if (!exe) die(a);
  /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the caps go (as runc) */
  if (s->seccomp && !s->no_new_privileges && seccomp_apply(s->seccomp) < 0) die(a);
  /* identity last: the bounding set needs CAP_SETPCAP, so it goes before the uid */
  if (caps_drop_bounding(s) < 0 || process_set_ids(s) < 0 || caps_apply(s) < 0) die(a);
  if (s->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    fail_errno("prctl no_new_privs");
    die(a);
  }
  umask(0022);
  if (master >= 0) {
    /* the name, for the --console-socket listener (runc sends one too) */
    char msg[1 + sizeof pty_name];
    msg[0] = 'R';
    memcpy(msg + 1, pty_name, strlen(pty_name));
    if (send_fd(a->sync_fd, master, msg, 1 + strlen(pty_name)) < 0) _exit(1);
    close(master);
  } else {
    say(a, 'R');
  }
  close(a->sync_fd);
  a->sync_fd = -1;
  char byte;
  ssize_t n;
  do n = read(a->fifo_fd, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(1);
  st.status = ST_CREATED;
  if (hooks_run(&s->start_container, "startContainer", &st) < 0) {
    dprintf(2, "%s\n", g_err);
    _exit(1);
  }
  if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
    for (int fd = 3; fd < 1024; fd++) close(fd);
  /* with no_new_privs, the filter last, so it has only execve left to allow; it was
   * compiled before clone, so what remains to fail here is the kernel's load */
  if (s->seccomp && s->no_new_privileges && seccomp_apply(s->seccomp) < 0) {
    dprintf(2, "%s\n", g_err);
    _exit(1);
  }
  execve(exe, s->args, s->env);
  dprintf(2, "exec %s: %s\n", exe, strerror(errno));
  _exit(127);
}
