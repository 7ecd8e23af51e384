/* A terminal in the foreground: `run` or `exec` with process.terminal and no
 * --console-socket keep the pty master and copy between it and their own stdio until the
 * process exits, as `runc run` does at a shell. When our stdin is itself a terminal it is
 * put in raw mode (the container's line discipline does the editing and the signals)
 * and its size follows ours (SIGWINCH). Our stdin's end becomes the terminal's EOF
 * character, as close-stdin does on the attach socket. Output still pending when the
 * process has exited is drained while its other holders finish, for at most a second. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime.h"

static void copy_size(int from, int to) {
  struct winsize ws;
  if (ioctl(from, TIOCGWINSZ, &ws) == 0) ioctl(to, TIOCSWINSZ, &ws);
}

int console_proxy(int master, pid_t child, int *status) {
  sigset_t mask, old;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGWINCH);
  sigprocmask(SIG_BLOCK, &mask, &old);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return fail_errno("signalfd");
  /* a reader of our stdout that goes away must not end us while the process runs on */
  signal(SIGPIPE, SIG_IGN);
  struct termios saved;
  bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    copy_size(0, master);
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  char in[4096], out[16384];
  size_t in_len = 0, in_off = 0;
  bool in_open = true, exited = false;
  int rc = 0;
  for (;;) {
    if (!exited) {
      pid_t w = waitpid(child, status, WNOHANG);
      if (w == child) exited = true;
      else if (w < 0 && errno != EINTR) {
        rc = fail_errno("wait");
        break;
      }
    }
    if (exited && master < 0) break;
    struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                          {.fd = in_open && in_len == 0 && master >= 0 ? 0 : -1, .events = POLLIN},
                          {.fd = master, .events = (short)(POLLIN | (in_len ? POLLOUT : 0))}};
    int r = poll(p, 3, exited ? 1000 : -1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break; /* drained long enough */
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si)
        if (si.ssi_signo == SIGWINCH && raw) copy_size(0, master);
    }
    if (master >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(master, out, sizeof out);
      if (n > 0) write_all(1, out, (size_t)n);
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) { /* EIO: no slave is open any more */
        close(master);
        master = -1;
      }
    }
    if (master >= 0 && (p[2].revents & POLLOUT) && in_len) {
      ssize_t n = write(master, in + in_off, in_len);
      if (n > 0) in_off += (size_t)n, in_len -= (size_t)n;
    }
    if (p[1].revents && master >= 0) {
      ssize_t n = read(0, in, sizeof in);
      in_off = 0;
      if (n > 0) in_len = (size_t)n;
      else if (n == 0 || errno != EINTR) {
        in_open = false;
        in[0] = pty_eof_char(master);
        in_len = 1;
      }
    }
  }
  if (master >= 0) close(master);
  close(sfd);
  if (raw) tcsetattr(0, TCSANOW, &saved);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (rc == 0 && !exited) {
    /* the output was cut short by the timeout: the process is ours to wait for all the same */
    while (waitpid(child, status, 0) < 0)
      if (errno != EINTR) return fail_errno("wait");
  }
  return rc;
}
