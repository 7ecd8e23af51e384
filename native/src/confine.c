/* openat2-based path confinement; see confine.h. The fallback walk is in confine-walk.c. */
#define _GNU_SOURCE
#include "confine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2 answers EAGAIN when a rename or mount anywhere raced a `..` it resolved (it can
 * not prove the walk stayed inside). A few retries, then the walk, which never needs to. */
#define EAGAIN_RETRIES 16
/* As the kernel's limit on links followed in one lookup. */
#define MAX_LINKS 40

/* 1 present, 0 missing (ENOSYS), -1 not yet known. Written once by whichever thread sees
 * the answer first; every thread would write the same value. */
static int has_openat2 = -1;

int strata_confine_has_openat2(void) { return __atomic_load_n(&has_openat2, __ATOMIC_RELAXED); }

static int via_openat2(int rootfd, const char *path, int flags, mode_t mode, unsigned opts) {
#ifdef SYS_openat2
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (unsigned long long)(flags | O_CLOEXEC);
  /* The kernel refuses a mode without O_CREAT/O_TMPFILE. */
  how.mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  if (opts & STRATA_CONFINE_NO_SYMLINKS) how.resolve |= RESOLVE_NO_SYMLINKS;
  if (opts & STRATA_CONFINE_NO_XDEV) how.resolve |= RESOLVE_NO_XDEV;
  /* openat2 takes "" as ENOENT; the root itself is ".". */
  const char *rel = path;
  while (*rel == '/') rel++;
  if (*rel == '\0') rel = ".";
  for (int attempt = 0; attempt < EAGAIN_RETRIES; attempt++) {
    long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
  return -EAGAIN;
#else
  (void)rootfd, (void)path, (void)flags, (void)mode, (void)opts;
  return -ENOSYS;
#endif
}

int strata_confine_open(int rootfd, const char *path, int flags, mode_t mode, unsigned opts,
                        int *fd) {
  if (!(opts & STRATA_CONFINE_FALLBACK) && strata_confine_has_openat2() != 0) {
    int rc = via_openat2(rootfd, path, flags, mode, opts);
    if (rc >= 0 || rc != -ENOSYS) {
      __atomic_store_n(&has_openat2, 1, __ATOMIC_RELAXED);
      if (rc != -EAGAIN) {
        if (rc < 0) return rc;
        *fd = rc;
        return 0;
      }
    } else {
      __atomic_store_n(&has_openat2, 0, __ATOMIC_RELAXED);
    }
  }
  return strata_confine_walk(rootfd, path, flags, mode, opts, fd);
}

/* Appends component `name` to the "a/b" path in buf (size PATH_MAX). */
static int append(char *buf, const char *name, size_t len) {
  size_t have = strlen(buf);
  if (have + 1 + len + 1 > PATH_MAX) return -ENAMETOOLONG;
  if (have > 0) buf[have++] = '/';
  memcpy(buf + have, name, len);
  buf[have + len] = '\0';
  return 0;
}

/* Makes `name` in the directory parentfd, owned and moded as asked; its fd in *fd. */
static int make_dir(int parentfd, const char *name, mode_t mode, uid_t uid, gid_t gid, int *fd) {
  if (mkdirat(parentfd, name, 0700) < 0) return -errno;
  /* O_NOFOLLOW: a racer's link in place of what we just made is refused, not followed. */
  int dirfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0) return -errno;
  if ((uid != (uid_t)-1 && fchown(dirfd, uid, gid) < 0) || fchmod(dirfd, mode) < 0) {
    int err = errno;
    close(dirfd);
    return -err;
  }
  *fd = dirfd;
  return 0;
}

/*
 * One pass over `path`: each prefix is opened inside the root (so links on the way resolve
 * there, physically, `..` included); a missing component is made in the directory just
 * opened. A dangling link met on the way ends the pass with *retarget set to the path to
 * try instead: the link's target (relative to the link's directory) followed by the rest.
 */
static int mkdirp_pass(int rootfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                       unsigned opts, int *out, int *created, char **retarget) {
  char prefix[PATH_MAX] = "";
  int dirfd = -1;
  int rc = strata_confine_open(rootfd, "", O_RDONLY | O_DIRECTORY, 0, opts, &dirfd);
  if (rc < 0) return rc;
  *created = 0;
  const char *p = path;
  while (*p != '\0') {
    while (*p == '/') p++;
    size_t len = strcspn(p, "/");
    if (len == 0) break;
    char name[NAME_MAX + 1];
    if (len > NAME_MAX) { rc = -ENAMETOOLONG; goto fail; }
    memcpy(name, p, len);
    name[len] = '\0';
    const char *rest = p + len;
    p = rest;
    if (strcmp(name, ".") == 0) continue;
    char parent[PATH_MAX];
    memcpy(parent, prefix, sizeof parent);
    if ((rc = append(prefix, name, len)) < 0) goto fail;
    int next = -1;
    rc = strata_confine_open(rootfd, prefix, O_RDONLY | O_DIRECTORY, 0, opts, &next);
    if (rc == -ENOENT) {
      rc = make_dir(dirfd, name, mode, uid, gid, &next);
      if (rc == -EEXIST) {
        /* A dangling link (or a racer's new entry: the next pass sees what it is). */
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        if (n < 0 && errno != EINVAL) { rc = -errno; goto fail; }
        if (n >= 0 && (opts & STRATA_CONFINE_NO_SYMLINKS)) { rc = -ELOOP; goto fail; }
        target[n < 0 ? 0 : n] = '\0';
        size_t size = strlen(parent) + strlen(target) + strlen(rest) + 3;
        if (size > PATH_MAX) { rc = -ENAMETOOLONG; goto fail; }
        char *again = malloc(size);
        if (again == NULL) { rc = -ENOMEM; goto fail; }
        /* An absolute target starts at the root; a relative one in the link's directory. */
        again[0] = '\0';
        if (n < 0 || target[0] != '/') {
          strcat(again, parent);
          strcat(again, "/");
        }
        strcat(again, n < 0 ? name : target);
        strcat(again, rest);
        *retarget = again;
        close(dirfd);
        return 0;
      }
      if (rc < 0) goto fail;
      *created = 1;
    } else if (rc < 0) {
      goto fail;
    } else {
      *created = 0;
    }
    close(dirfd);
    dirfd = next;
  }
  *out = dirfd;
  return 0;
fail:
  close(dirfd);
  return rc;
}

int strata_confine_mkdirp(int rootfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                          unsigned opts, int *fd, int *created) {
  char *current = strdup(path);
  if (current == NULL) return -ENOMEM;
  for (int passes = 0;; passes++) {
    if (passes > MAX_LINKS) {
      free(current);
      return -ELOOP;
    }
    char *retarget = NULL;
    int rc = mkdirp_pass(rootfd, current, mode, uid, gid, opts, fd, created, &retarget);
    free(current);
    if (rc < 0 || retarget == NULL) return rc;
    current = retarget;
  }
}

/* rm -rf of `name` in dirfd, never following a link: each level is opened O_NOFOLLOW
 * relative to its parent's fd. */
static int remove_at(int dirfd, const char *name) {
  if (unlinkat(dirfd, name, 0) == 0) return 0;
  if (errno != EISDIR) return -errno;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    int err = errno;
    close(fd);
    return -err;
  }
  int rc = 0;
  struct dirent *entry;
  while (rc == 0 && (errno = 0, entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    rc = remove_at(fd, entry->d_name);
    if (rc == -ENOENT) rc = 0; /* gone meanwhile: what we wanted */
  }
  if (rc == 0 && errno != 0) rc = -errno;
  closedir(dir);
  if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0) rc = -errno;
  return rc;
}

int strata_confine_remove(int rootfd, const char *path, unsigned opts) {
  char parent[PATH_MAX];
  size_t len = strlen(path);
  while (len > 0 && path[len - 1] == '/') len--;
  if (len >= sizeof parent) return -ENAMETOOLONG;
  memcpy(parent, path, len);
  parent[len] = '\0';
  char *slash = strrchr(parent, '/');
  const char *name = slash == NULL ? parent : slash + 1;
  if (slash != NULL) *slash = '\0';
  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return -EINVAL;
  int dirfd = -1;
  int rc = strata_confine_open(rootfd, slash == NULL ? "" : parent, O_PATH | O_DIRECTORY, 0,
                               opts, &dirfd);
  if (rc < 0) return rc;
  rc = remove_at(dirfd, name);
  close(dirfd);
  return rc;
}
