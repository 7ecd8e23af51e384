/* Unix sockets: addresses of any length, and file descriptors passed with SCM_RIGHTS.
 * sun_path holds 107 bytes; a longer path (a deep --root, a test's temporary dir) is
 * reached through its directory opened O_PATH, as /proc/self/fd/N/NAME, which the kernel
 * resolves like any path. The caller closes *dirfd (-1 when the path fitted). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime.h"

int unix_addr(struct sockaddr_un *sa, const char *path, int *dirfd) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  *dirfd = -1;
  if (strlen(path) < sizeof sa->sun_path) {
    memcpy(sa->sun_path, path, strlen(path));
    return 0;
  }
  const char *slash = strrchr(path, '/');
  if (!slash || strlen(slash + 1) > 64) return fail_kind(ERR_INVALID, "socket path %s is too long", path);
  char *dir = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
  *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (*dirfd < 0) return fail_errno("socket path %s", path);
  snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dirfd, slash + 1);
  return 0;
}

/* Sends data (at least one byte) with fd attached. */
int send_fd(int sock, int fd, const void *data, size_t n) {
  char ctl[CMSG_SPACE(sizeof(int))];
  memset(ctl, 0, sizeof ctl);
  struct iovec iov = {.iov_base = (void *)data, .iov_len = n};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

/* Receives one message; *fd_out is the fd that came with it, or -1. Returns the byte count
 * (0 at EOF) or -1 with errno. */
ssize_t recv_fd(int sock, void *buf, size_t n, int *fd_out) {
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = n};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  *fd_out = -1;
  ssize_t r;
  do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  return r;
}

/* The OCI --console-socket contract, as runc keeps it: connect to the listener at path
 * (a stream socket) and send it the pty master with SCM_RIGHTS; the message's bytes are the
 * terminal's name. */
int console_socket_send(const char *path, int master, const char *name) {
  struct sockaddr_un sa;
  int dirfd;
  if (unix_addr(&sa, path, &dirfd) < 0) return -1;
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc = 0;
  if (sock < 0) rc = fail_errno("console socket");
  else if (connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0)
    rc = errno == ENOENT || errno == ECONNREFUSED ? fail_kind(ERR_INVALID, "--console-socket %s: nobody listens there", path)
                                                  : fail_errno("--console-socket %s: connect", path);
  else if (send_fd(sock, master, name, strlen(name)) < 0)
    rc = fail_errno("--console-socket %s: send the terminal", path);
  if (sock >= 0) close(sock);
  if (dirfd >= 0) close(dirfd);
  return rc;
}
