/* Plain C syscall wrappers for the addon; see fsops.h for the convention. */
#include "fsops.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

int strata_flock(int fd, int op) {
  int rc;
  do {
    rc = flock(fd, op);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : 0;
}

int strata_mknod(const char *path, mode_t mode, unsigned int major, unsigned int minor) {
  return mknod(path, mode, makedev(major, minor)) < 0 ? -errno : 0;
}

int strata_lsetxattr(const char *path, const char *name, const void *value, size_t size) {
  return lsetxattr(path, name, value, size, 0) < 0 ? -errno : 0;
}

int strata_lremovexattr(const char *path, const char *name) {
  return lremovexattr(path, name) < 0 ? -errno : 0;
}

/*
 * The xattr getters share one shape: ask for the size, allocate, read; if the value
 * grew in between (ERANGE), ask again. `get(path, name, buf, size)` is the syscall.
 */
typedef ssize_t (*sized_read_fn)(const char *path, const char *name, void *buf, size_t size);

static int read_sized(sized_read_fn get, const char *path, const char *name, char **out,
                      size_t *out_size) {
  *out = NULL;
  *out_size = 0;
  for (;;) {
    ssize_t want = get(path, name, NULL, 0);
    if (want < 0) return -errno;
    /* malloc(0) may return NULL; always ask for at least one byte. */
    char *buf = malloc((size_t)want + 1);
    if (buf == NULL) return -ENOMEM;
    ssize_t got = get(path, name, buf, (size_t)want);
    if (got >= 0) {
      *out = buf;
      *out_size = (size_t)got;
      return 0;
    }
    int err = errno;
    free(buf);
    if (err != ERANGE) return -err;
  }
}

static ssize_t get_value(const char *path, const char *name, void *buf, size_t size) {
  return lgetxattr(path, name, buf, size);
}

static ssize_t get_list(const char *path, const char *name, void *buf, size_t size) {
  (void)name;
  return llistxattr(path, buf, size);
}

int strata_lgetxattr(const char *path, const char *name, char **value, size_t *size) {
  return read_sized(get_value, path, name, value, size);
}

int strata_llistxattr(const char *path, char **list, size_t *size) {
  return read_sized(get_list, path, NULL, list, size);
}

int strata_pread_batch(const int *fds, char *const *buffers, const size_t *lengths, long *out, size_t count) {
  for (size_t i = 0; i < count; i++) {
    ssize_t rc;
    do {
      rc = pread(fds[i], buffers[i], lengths[i], 0);
    } while (rc < 0 && errno == EINTR);
    out[i] = rc < 0 ? -errno : (long)rc;
  }
  return 0;
}

int strata_write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    data += n;
    length -= (size_t)n;
  }
  return 0;
}
