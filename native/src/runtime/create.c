/* create: the parent side. Makes the state directory and exec.fifo, clones the init
 * into its new namespaces, puts it in its cgroup and writes its id maps before it may
 * do anything, runs the prestart/createRuntime hooks when the init says its mounts are
 * ready, and records the state once the init waits for start. Any failure kills the
 * init and removes what was made. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

void container_remove_state(const char *id) {
  static const char *const files[] = {"state.json", "state.json.tmp", "config.json", "exec.fifo", "exit.json", "attach.sock"};
  char *dir = state_dir(id);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char *f = xasprintf("%s/%s", dir, files[i]);
    unlink(f);
    free(f);
  }
  /* the attach sockets of exec sessions (exec-*.sock) whose helpers have not yet gone */
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (strncmp(e->d_name, "exec-", 5) == 0 && n > 5 && strcmp(e->d_name + n - 5, ".sock") == 0) unlinkat(dirfd(d), e->d_name, 0);
  }
  if (d) closedir(d);
  rmdir(dir);
  free(dir);
}

/* Waits for the init's next message: 0 when it is `want`, -1 + g_err otherwise. A file
 * descriptor sent with it goes to *fd (-1 when none; the argument may be NULL), and the
 * message's text after its first byte to extra. */
static int expect_msg(int fd, char want, int *fd_out, char *extra, size_t extra_len) {
  char buf[sizeof g_err + 1];
  int got = -1;
  ssize_t n = recv_fd(fd, buf, sizeof buf - 1, &got);
  if (fd_out) *fd_out = got;
  else if (got >= 0) close(got);
  if (n < 0) return fail_errno("read from container init");
  if (n == 0) return fail_msg("container init exited before it was ready");
  if (buf[0] == want) {
    if (extra) snprintf(extra, extra_len, "%.*s", (int)(n - 1), buf + 1);
    return 0;
  }
  if (buf[0] == 'E' && n >= 2) {
    buf[n] = '\0';
    return fail_kind(err_kind_from_char(buf[1]), "%s", buf + 2);
  }
  return fail_msg("container init: unexpected message '%c'", buf[0]);
}

static int expect(int fd, char want) { return expect_msg(fd, want, NULL, NULL, 0); }

/* The pty master the init made: to the --console-socket listener, or to the caller. */
static int deliver_master(const struct create_opts *o, int master, const char *name) {
  if (master < 0) return fail_msg("container init sent no terminal");
  if (o->console_master) {
    *o->console_master = master;
    return 0;
  }
  int rc = console_socket_send(o->console_socket, master, name);
  close(master);
  return rc;
}

static int copy_config(const char *bundle, const char *dir) {
  char *src = xasprintf("%s/config.json", bundle);
  size_t len;
  char *text = read_file(src, &len);
  free(src);
  if (!text) return -1;
  char *dst = xasprintf("%s/config.json", dir);
  int rc = write_file_atomic(dst, text, len);
  free(dst);
  free(text);
  return rc;
}

static int set_oom_score(const struct spec *s, pid_t pid) {
  if (!s->has_oom_score_adj) return 0;
  char path[64], val[16];
  snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
  snprintf(val, sizeof val, "%d", s->oom_score_adj);
  return write_file_str(path, val);
}

static int write_pid_file(const char *file, pid_t pid) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  return write_file_atomic(file, buf, (size_t)n);
}

/* Everything after the clone, in the parent. */
static int drive_init(const struct create_opts *o, struct spec *s, struct state *st, int sock, pid_t pid) {
  char go[1 + sizeof(int32_t)] = {'G'};
  int32_t p32 = pid;
  memcpy(go + 1, &p32, sizeof p32);
  if (cgroup_setup(s, o->id, pid) < 0 || ns_write_id_maps(s, pid) < 0 || set_oom_score(s, pid) < 0) return -1;
  if (send(sock, go, sizeof go, MSG_NOSIGNAL) < 0) return fail_errno("signal container init");
  if (expect(sock, 'H') < 0) return -1;
  st->pid = pid;
  st->pid_start = proc_start_time(pid);
  st->status = ST_CREATING;
  if (state_write(st) < 0) return -1;
  if (hooks_run(&s->prestart, "prestart", st) < 0 || hooks_run(&s->create_runtime, "createRuntime", st) < 0) return -1;
  if (send(sock, "G", 1, MSG_NOSIGNAL) < 0) return fail_errno("signal container init");
  int master = -1;
  char name[64];
  if (expect_msg(sock, 'R', s->terminal ? &master : NULL, name, sizeof name) < 0) {
    if (master >= 0) close(master);
    return -1;
  }
  if (s->terminal && deliver_master(o, master, name) < 0) return -1;
  st->status = ST_CREATED;
  if (state_write(st) < 0) return -1;
  if (o->pid_file && write_pid_file(o->pid_file, pid) < 0) return -1;
  return 0;
}

int container_create(const struct create_opts *o, struct spec *s, pid_t *pid_out) {
  if (validate_id(o->id) < 0) return -1;
  /* as runc: a terminal needs somewhere for its master to go, and a socket needs a terminal */
  if (s->terminal && !o->console_socket && !o->console_master)
    return fail_kind(ERR_INVALID, "process.terminal is true: give --console-socket (or run it in the foreground or under the shim)");
  if (!s->terminal && o->console_socket) return fail_kind(ERR_INVALID, "--console-socket needs process.terminal: true");
  /* compiled here, before anything exists, so a profile libseccomp refuses leaves nothing */
  if (s->seccomp && seccomp_compile(s->seccomp) < 0) return -1;
  if (mkdir_p(g_root, 0711) < 0) return -1;
  char *dir = state_dir(o->id);
  if (mkdir(dir, 0711) < 0) {
    int rc = errno == EEXIST ? fail_kind(ERR_CONFLICT, "container %s already exists", o->id) : fail_errno("mkdir %s", dir);
    free(dir);
    return rc;
  }
  struct state st = {.id = (char *)o->id, .bundle = (char *)o->bundle, .oci_version = s->oci_version,
                     .annotations = s->annotations, .status = ST_CREATING};
  char now[64];
  format_rfc3339(now, sizeof now, now_ns());
  st.created = now;
  char *fifo = xasprintf("%s/exec.fifo", dir);
  int sv[2] = {-1, -1}, fifo_fd = -1, rc = -1;
  pid_t pid = -1;
  if (copy_config(o->bundle, dir) < 0 || state_write(&st) < 0) goto out;
  if (mkfifo(fifo, 0600) < 0) {
    fail_errno("mkfifo %s", fifo);
    goto out;
  }
  /* O_RDWR: the init holds a writer itself, so its read blocks until start writes */
  if ((fifo_fd = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
    fail_errno("open %s", fifo);
    goto out;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    fail_errno("socketpair");
    goto out;
  }
  if (ns_join_pid(s) < 0) goto out;
  struct init_args args = {.s = s, .st = &st, .sync_fd = sv[1], .fifo_fd = fifo_fd, .id = o->id,
                           .cgroup_rel = cgroup_rel_path(s, o->id)};
  pid = (pid_t)syscall(SYS_clone, (unsigned long)ns_clone_flags(s) | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    fail_errno("clone");
    goto out;
  }
  if (pid == 0) {
    close(sv[0]);
    for (int i = 0; i < 3; i++)
      if (o->stdio[i] != i && dup2(o->stdio[i], i) < 0) _exit(1);
    container_init(&args);
  }
  free(args.cgroup_rel);
  close(sv[1]);
  sv[1] = -1;
  rc = drive_init(o, s, &st, sv[0], pid);
  if (rc == 0 && pid_out) *pid_out = pid;
out:
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  if (fifo_fd >= 0) close(fifo_fd);
  if (rc < 0) {
    /* the cleanup's own failures (a cgroup file already gone) must not replace the cause */
    char saved[sizeof g_err];
    memcpy(saved, g_err, sizeof saved);
    enum err_kind saved_kind = g_err_kind;
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
    }
    if (o->console_master && *o->console_master >= 0) close(*o->console_master), *o->console_master = -1;
    cgroup_kill_all(s, o->id, SIGKILL);
    cgroup_destroy(s, o->id);
    container_remove_state(o->id);
    memcpy(g_err, saved, sizeof saved);
    g_err_kind = saved_kind;
  }
  free(fifo);
  free(dir);
  return rc;
}
