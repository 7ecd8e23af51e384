/* The process's terminal (process.terminal: true). The pair is made by the process-to-be
 * itself, after it has entered the container's mounts, from /dev/ptmx as the container
 * sees it (pts/ptmx of the container's own devpts instance): so the name it shows inside
 * (`tty`) is /dev/pts/N of that instance, and the host's devpts is never touched. The
 * slave becomes stdin/stdout/stderr and the controlling terminal of a new session, so the
 * line discipline sends ^C as SIGINT to the foreground process group; the master goes
 * back to the runtime (init.c, exec.c) over their sync socket with SCM_RIGHTS. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "runtime.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int pty_set_size(int fd, unsigned short rows, unsigned short cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return fail_errno("set the terminal size");
  return 0;
}

/* Opens the pair; the slave is owned by the process's user, as its stdio would be. */
static int pty_open(const struct spec *s, int *master_out, int *slave_out, char *name, size_t len) {
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return errno == ENOENT ? fail_kind(ERR_INVALID, "process.terminal: no /dev/ptmx in the container (mount devpts at /dev/pts)")
                           : fail_errno("process.terminal: open /dev/ptmx");
  int unlock = 0;
  unsigned int n;
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
    fail_errno("process.terminal: unlock the pty");
    close(m);
    return -1;
  }
  snprintf(name, len, "/dev/pts/%u", n);
  /* the peer by the master itself: no path lookup that a bind or symlink could redirect */
  int sl = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (sl < 0 && (errno == EINVAL || errno == ENOTTY)) sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (sl < 0) {
    fail_errno("process.terminal: open %s", name);
    close(m);
    return -1;
  }
  if ((s->has_console_size && pty_set_size(m, s->console_rows, s->console_cols) < 0) ||
      (fchown(sl, s->uid, s->gid) < 0 && fail_errno("process.terminal: chown %s", name))) {
    close(m);
    close(sl);
    return -1;
  }
  *master_out = m;
  *slave_out = sl;
  return 0;
}

/* In the process-to-be: opens the pair, makes the slave its controlling terminal and its
 * stdio in a session of its own. *master_out is for the runtime; the caller sends it
 * and closes it before execve. */
int pty_setup(const struct spec *s, int *master_out, char *name, size_t len) {
  int slave = -1;
  if (pty_open(s, master_out, &slave, name, len) < 0) return -1;
  int rc = 0;
  if (setsid() < 0) rc = fail_errno("process.terminal: setsid");
  else if (ioctl(slave, TIOCSCTTY, 0) < 0) rc = fail_errno("process.terminal: make %s the controlling terminal", name);
  for (int i = 0; rc == 0 && i < 3; i++)
    if (dup2(slave, i) < 0) rc = fail_errno("process.terminal: %s as stdio", name);
  close(slave);
  if (rc < 0) close(*master_out);
  return rc;
}

/* The character that ends input on this terminal (^D unless changed): what "close stdin"
 * means for a terminal, whose input has no end of its own. */
char pty_eof_char(int master) {
  struct termios t;
  if (tcgetattr(master, &t) < 0 || t.c_cc[VEOF] == _POSIX_VDISABLE) return 4;
  return (char)t.c_cc[VEOF];
}
