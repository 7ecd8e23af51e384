/* New directories and small files in one call; see newentries.h. */
#define _GNU_SOURCE
#include "newentries.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "fsops.h"

/* The parent directory last opened: entries of a layer come directory by directory, so most
 * reuse it instead of resolving their parent again. */
struct parent {
  char path[PATH_MAX];
  int fd;
};

/* The parent of `path` (opened inside the root, cached in *p) and its last name in *name. */
static int open_parent(int rootfd, unsigned opts, const char *path, struct parent *p,
                       const char **name) {
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 0;
  *name = slash ? slash + 1 : path;
  if (**name == '\0' || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0) return -EINVAL;
  if (len >= sizeof p->path) return -ENAMETOOLONG;
  if (p->fd >= 0 && strlen(p->path) == len && memcmp(p->path, path, len) == 0) return 0;
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
  memcpy(p->path, path, len);
  p->path[len] = '\0';
  return strata_confine_open(rootfd, p->path, O_PATH | O_DIRECTORY, 0, opts, &p->fd);
}

static int make_file(int dirfd, const char *name, const struct strata_new_entry *e,
                     const char **syscall) {
  *syscall = "openat";
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  int rc = 0;
  struct timespec times[2] = {e->mtime, e->mtime};
  if ((rc = strata_write_all(fd, e->data, e->size)) < 0) *syscall = "write";
  else if (e->chown && fchown(fd, e->uid, e->gid) < 0) rc = -errno, *syscall = "fchown";
  else if (fchmod(fd, e->mode) < 0) rc = -errno, *syscall = "fchmod";
  else if (futimens(fd, times) < 0) rc = -errno, *syscall = "futimens";
  if (close(fd) < 0 && rc == 0 && errno != EINTR) rc = -errno, *syscall = "close";
  return rc;
}

int strata_make_entries(int rootfd, unsigned confine_opts, const struct strata_new_entry *entries,
                        size_t n, size_t *failed, const char **syscall) {
  struct parent parent = {.path = "", .fd = -1};
  int rc = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    const struct strata_new_entry *e = &entries[i];
    const char *name;
    *syscall = "openat2";
    if ((rc = open_parent(rootfd, confine_opts, e->path, &parent, &name)) < 0) break;
    if (e->kind == STRATA_NEW_DIR) {
      *syscall = "mkdirat";
      if (mkdirat(parent.fd, name, e->mode) < 0) rc = -errno;
    } else if (e->kind == STRATA_NEW_FILE) {
      rc = make_file(parent.fd, name, e, syscall);
    } else {
      *syscall = "makeEntries";
      rc = -EINVAL;
    }
    if (rc < 0) break;
  }
  if (parent.fd >= 0) close(parent.fd);
  *failed = i;
  return rc;
}
