/*
 * fsops — the syscalls Node lacks, as plain C for the N-API binding (binding.cc).
 *
 * Convention: every function returns 0 on success or -errno on failure and never
 * touches JavaScript, so the blocking ones can run on the libuv threadpool.
 * Paths and names are NUL-terminated; the caller has already rejected embedded NULs.
 */
#ifndef STRATA_FSOPS_H
#define STRATA_FSOPS_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* flock(2) with `op` = LOCK_SH | LOCK_EX | LOCK_UN, optionally | LOCK_NB.
 * EINTR is retried; a held lock with LOCK_NB gives -EWOULDBLOCK. */
int strata_flock(int fd, int op);

/* mknod(2) with `mode` carrying the file type (S_IFCHR, S_IFBLK, S_IFIFO, ...)
 * and the permission bits (subject to the umask); the device is makedev(major, minor). */
int strata_mknod(const char *path, mode_t mode, unsigned int major, unsigned int minor);

/* lsetxattr(2), flags 0: create or replace. Never follows a final symlink. */
int strata_lsetxattr(const char *path, const char *name, const void *value, size_t size);

/* lgetxattr(2) into a buffer the callee allocates with malloc(); the caller frees
 * *value (also when *size is 0). Retries if the value grows between the size probe
 * and the read. A missing attribute gives -ENODATA. */
int strata_lgetxattr(const char *path, const char *name, char **value, size_t *size);

/* llistxattr(2): *list receives the names as consecutive NUL-terminated strings,
 * *size bytes in all, malloc()ed by the callee and freed by the caller. */
int strata_llistxattr(const char *path, char **list, size_t *size);

/* lremovexattr(2). A missing attribute gives -ENODATA. */
int strata_lremovexattr(const char *path, const char *name);

/* pread(2) at offset 0 of each of `count` descriptors into its own buffer, one after the
 * other: out[i] is the byte count or -errno. EINTR is retried. For the stats sampler,
 * which re-reads hundreds of kept-open kernel files a second: one thread-pool trip for
 * the lot instead of one per file. Always returns 0. */
int strata_pread_batch(const int *fds, char *const *buffers, const size_t *lengths, long *out, size_t count);

/* write(2) until all `length` bytes are written (short writes continued, EINTR retried). For
 * a small file's content written in the same thread-pool trip as its open (binding.cc's
 * openInRootAsync with content). */
int strata_write_all(int fd, const char *data, size_t length);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_FSOPS_H */
