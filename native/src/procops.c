/* pidfd syscalls for the addon; see procops.h for the convention. */
#include "procops.h"

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

int strata_pidfd_open(int pid, int *pidfd) {
#ifdef SYS_pidfd_open
  long fd = syscall(SYS_pidfd_open, pid, 0U);
  if (fd < 0) return -errno;
  *pidfd = (int)fd;
  return 0;
#else
  (void)pid;
  (void)pidfd;
  return -ENOSYS;
#endif
}

int strata_pidfd_send_signal(int pidfd, int sig) {
#ifdef SYS_pidfd_send_signal
  return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0U) < 0 ? -errno : 0;
#else
  (void)pidfd;
  (void)sig;
  return -ENOSYS;
#endif
}
