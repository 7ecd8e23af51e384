/*
 * spawnwait — see spawnwait.h.
 */
#define _GNU_SOURCE
#include "spawnwait.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_pipe(int fds[2]) {
  if (fds[0] >= 0) close(fds[0]);
  if (fds[1] >= 0) close(fds[1]);
  fds[0] = fds[1] = -1;
}

/* The child's stdio and cwd, in the order posix_spawn applies them. */
static int stdio_actions(posix_spawn_file_actions_t *actions, int out_write, int err_write,
                         const char *cwd) {
  int rc = posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, out_write, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, err_write, 2);
  if (rc == 0 && cwd != NULL) rc = posix_spawn_file_actions_addchdir_np(actions, cwd);
  return rc;
}

/* Node ignores SIGPIPE, and ignored signals survive exec: every one goes back to default. */
static int signal_attributes(posix_spawnattr_t *attr) {
  sigset_t all, none;
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  int rc = posix_spawnattr_setsigdefault(attr, &all);
  if (rc == 0) rc = posix_spawnattr_setsigmask(attr, &none);
  if (rc == 0) rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  return rc;
}

int strata_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 struct strata_spawned *child) {
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    int saved = errno;
    close_pipe(out);
    close_pipe(err);
    return -saved;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int rc = posix_spawn_file_actions_init(&actions);
  if (rc == 0) {
    rc = posix_spawnattr_init(&attr);
    if (rc == 0) {
      rc = stdio_actions(&actions, out[1], err[1], cwd);
      if (rc == 0) rc = signal_attributes(&attr);
      pid_t pid = 0;
      if (rc == 0) rc = posix_spawn(&pid, path, &actions, &attr, argv, envp);
      if (rc == 0) child->pid = pid;
      posix_spawnattr_destroy(&attr);
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  /* The write ends are the child's now (or nobody's). */
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return -rc;
  }
  child->stdout_fd = out[0];
  child->stderr_fd = err[0];
  return 0;
}

struct collected {
  char *data;
  size_t len;
  size_t cap;
};

/* One read from a readable pipe into its buffer: >0 bytes read, 0 at its end, -errno. */
static ssize_t read_into(int fd, struct collected *into) {
  if (into->cap - into->len < 4096) {
    size_t cap = into->cap ? into->cap * 2 : 8192;
    char *grown = realloc(into->data, cap);
    if (grown == NULL) return -ENOMEM;
    into->data = grown;
    into->cap = cap;
  }
  ssize_t n;
  do {
    n = read(fd, into->data + into->len, into->cap - into->len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  into->len += (size_t)n;
  return n;
}

/* Reads both pipes until each is at its end (every writer gone). */
static int drain(int out_fd, int err_fd, struct collected *out, struct collected *err) {
  struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
  struct collected *into[2] = {out, err};
  int open = 2;
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read_into(fds[i].fd, into[i]);
      if (n < 0) return (int)n;
      if (n == 0) {
        fds[i].fd = -1; /* poll skips negative fds */
        open--;
      }
    }
  }
  return 0;
}

int strata_spawn_wait(const struct strata_spawned *child, struct strata_waited *result) {
  struct collected out = {0}, err = {0};
  int rc = drain(child->stdout_fd, child->stderr_fd, &out, &err);
  close(child->stdout_fd);
  close(child->stderr_fd);
  /* Reaped whatever the reading did: a pid left unreaped would be a zombie for good. */
  int status = 0;
  pid_t waited;
  do {
    waited = waitpid(child->pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (rc == 0 && waited < 0) rc = -errno;
  if (rc < 0) {
    free(out.data);
    free(err.data);
    return rc;
  }
  result->status = status;
  result->out = out.len ? out.data : NULL;
  result->out_len = out.len;
  result->err = err.len ? err.data : NULL;
  result->err_len = err.len;
  if (!out.len) free(out.data);
  if (!err.len) free(err.data);
  return 0;
}
