/* /dev: the default nodes every container gets (null, zero, full, random, urandom, tty),
 * the devices of config.json, and the standard symlinks (fd, stdin/out/err, ptmx →
 * pts/ptmx). In a user namespace mknod is not allowed, so nodes are bind mounts of the
 * host's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime.h"

static const struct device_entry default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static int bind_host_node(const struct device_entry *d, const char *target) {
  int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail_errno("create %s", d->path);
  close(fd);
  if (mount(d->path, target, NULL, MS_BIND, NULL) < 0) return fail_errno("bind device %s", d->path);
  return 0;
}

static int make_node(const struct spec *s, const struct device_entry *d, bool in_userns) {
  char target[PATH_MAX];
  if (resolve_in_root(s->root_path, d->path, target, sizeof target) < 0) return -1;
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", target);
  char *slash = strrchr(dir, '/');
  if (slash) {
    *slash = '\0';
    if (mkdir_p(dir, 0755) < 0) return -1;
  }
  (void)unlink(target); /* a node or file the image left there is replaced */
  if (in_userns) return bind_host_node(d, target);
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
  if (mknod(target, type | (d->mode & 07777), dev) < 0) {
    if (errno == EPERM) return bind_host_node(d, target);
    return fail_errno("mknod %s", d->path);
  }
  if (chmod(target, d->mode & 07777) < 0) return fail_errno("chmod %s", d->path);
  if (chown(target, d->uid, d->gid) < 0) return fail_errno("chown %s", d->path);
  return 0;
}

static int make_link(const struct spec *s, const char *target, const char *link) {
  char host[PATH_MAX];
  snprintf(host, sizeof host, "%s%s", s->root_path, link);
  if (symlink(target, host) < 0 && errno != EEXIST) return fail_errno("symlink %s", link);
  return 0;
}

int devices_create(const struct spec *s, bool in_userns) {
  char dev[PATH_MAX];
  snprintf(dev, sizeof dev, "%s/dev", s->root_path);
  if (mkdir_p(dev, 0755) < 0) return -1;
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++) {
    bool overridden = false;
    for (size_t j = 0; j < s->n_devices; j++)
      if (strcmp(s->devices[j].path, default_devices[i].path) == 0) overridden = true;
    if (!overridden && make_node(s, &default_devices[i], in_userns) < 0) return -1;
  }
  for (size_t i = 0; i < s->n_devices; i++)
    if (make_node(s, &s->devices[i], in_userns) < 0) return -1;
  static const char *const links[][2] = {
      {"/proc/self/fd", "/dev/fd"},        {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
      {"/proc/self/fd/2", "/dev/stderr"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (make_link(s, links[i][0], links[i][1]) < 0) return -1;
  char pts[PATH_MAX], ptmx[PATH_MAX];
  snprintf(pts, sizeof pts, "%s/dev/pts/ptmx", s->root_path);
  snprintf(ptmx, sizeof ptmx, "%s/dev/ptmx", s->root_path);
  if (access(pts, F_OK) == 0) {
    if (unlink(ptmx) < 0 && errno != ENOENT) return fail_errno("remove /dev/ptmx");
    if (symlink("pts/ptmx", ptmx) < 0) return fail_errno("symlink /dev/ptmx");
  }
  return 0;
}
