/*
 * confine — paths inside an untrusted directory tree ("the root"), opened so that nothing
 * outside it is ever reached, however the tree changes while we work in it.
 *
 * The root is an open directory fd; every path is resolved by the kernel against it in one
 * call (openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): `..` stops at the root, an
 * absolute symlink target starts again at the root, /proc/<pid>/root-style magic links are
 * refused. What the caller then does, it does through the returned fd (or relative to it),
 * so no check is ever separated from its use by a path lookup a racer could redirect.
 * Without openat2 (Linux < 5.6, or a seccomp filter that answers ENOSYS) confine-walk.c
 * does the same walk by hand; see there.
 *
 * Convention as in fsops.h: 0 or -errno, no JavaScript, safe on the libuv threadpool.
 * Paths are relative to the root ("a/b", "/a/b" and "./a/b" are the same entry); "" or "/"
 * is the root itself.
 */
#ifndef STRATA_CONFINE_H
#define STRATA_CONFINE_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options, or'ed together. */
/* Refuse every symlink on the way (ELOOP): for paths the caller knows to be link-free,
 * so a link that appears there can only be a racer's. */
#define STRATA_CONFINE_NO_SYMLINKS 1u
/* Refuse to cross a mount point (EXDEV). */
#define STRATA_CONFINE_NO_XDEV 2u
/* Use the component walk even where openat2 exists (tests of the fallback). */
#define STRATA_CONFINE_FALLBACK 4u

/* open(path, flags, mode) inside the root; O_CLOEXEC is always added. The final symlink is
 * followed (inside the root) unless flags hold O_NOFOLLOW or O_CREAT|O_EXCL; with
 * O_PATH|O_NOFOLLOW the fd is the link itself. */
int strata_confine_open(int rootfd, const char *path, int flags, mode_t mode, unsigned opts,
                        int *fd);

/* mkdir -p inside the root. New directories get `mode` exactly (not the umask's) and, when
 * uid is not (uid_t)-1, that owner. A symlink on the way is followed inside the root; one
 * whose target is missing gets the target made, as mkdir -p in a chroot would. *fd is the
 * final directory (O_RDONLY|O_DIRECTORY), *created whether the call made that one. */
int strata_confine_mkdirp(int rootfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                          unsigned opts, int *fd, int *created);

/* rm -rf of the entry `path` names (its last component is never followed; the root itself
 * can not be removed: EINVAL). The tree is walked with fds, O_NOFOLLOW, so a link swapped
 * in below never leads the removal out. */
int strata_confine_remove(int rootfd, const char *path, unsigned opts);

/* Whether this kernel has openat2 (probed once; -1 until the first call). */
int strata_confine_has_openat2(void);

/* The fallback walk (confine-walk.c), called by strata_confine_open. */
int strata_confine_walk(int rootfd, const char *path, int flags, mode_t mode, unsigned opts,
                        int *fd);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_CONFINE_H */
