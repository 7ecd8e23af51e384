/*
 * procops — pidfd_open(2) and pidfd_send_signal(2) for the N-API binding (binding.cc).
 *
 * Same convention as fsops.h: 0 on success or -errno, never touching JavaScript.
 * Both go through syscall(2), so the addon does not need a libc that wraps them
 * (glibc added the wrappers in 2.36); a kernel without them gives -ENOSYS.
 */
#ifndef STRATA_PROCOPS_H
#define STRATA_PROCOPS_H

#ifdef __cplusplus
extern "C" {
#endif

/* pidfd_open(pid, 0): *pidfd receives a new close-on-exec fd that refers to the
 * process `pid` for as long as the fd is open, even after the pid number is reused.
 * An exited (and reaped) pid gives -ESRCH; a thread that is not a leader, -EINVAL. */
int strata_pidfd_open(int pid, int *pidfd);

/* pidfd_send_signal(pidfd, sig, NULL, 0): like kill(2) with siginfo filled in as
 * kill does. Signal 0 only checks that the process is still there (-ESRCH once it has
 * been reaped); an fd that is not a pidfd gives -EBADF. */
int strata_pidfd_send_signal(int pidfd, int sig);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PROCOPS_H */
