/* The root filesystem: path resolution that stays inside it, propagation, the bind of
 * the rootfs onto itself, pivot_root with the old root detached (a chroot without a mount
 * namespace of its own), and the finishing touches after it (masked and read-only paths,
 * read-only root, rootfs propagation). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

/* Resolves path (as seen inside the container) to a host path under root, following
 * symlinks as if root were "/": an absolute link or ".." never leaves root. Components
 * that do not exist yet are kept as written. */
int resolve_in_root(const char *root, const char *path, char *out, size_t outlen) {
  char resolved[PATH_MAX] = "", pending[PATH_MAX * 2];
  int links = 0;
  if (strlen(path) >= PATH_MAX) return fail_msg("%s: path too long", path);
  snprintf(pending, sizeof pending, "%s", path);
  char *p = pending;
  while (*p) {
    while (*p == '/') p++;
    if (!*p) break;
    char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    char comp[NAME_MAX + 1];
    if (n > NAME_MAX) return fail_msg("%s: component too long", path);
    memcpy(comp, p, n);
    comp[n] = '\0';
    p += n;
    if (strcmp(comp, ".") == 0) continue;
    if (strcmp(comp, "..") == 0) {
      char *last = strrchr(resolved, '/');
      if (last) *last = '\0';
      continue;
    }
    size_t rlen = strlen(resolved);
    if (rlen + 1 + n >= sizeof resolved) return fail_msg("%s: path too long", path);
    resolved[rlen] = '/';
    memcpy(resolved + rlen + 1, comp, n + 1);
    char host[PATH_MAX * 2];
    snprintf(host, sizeof host, "%s%s", root, resolved);
    struct stat st;
    if (lstat(host, &st) < 0 || !S_ISLNK(st.st_mode)) continue;
    if (++links > 40) return fail_msg("%s: too many levels of symbolic links", path);
    char target[PATH_MAX];
    ssize_t tl = readlink(host, target, sizeof target - 1);
    if (tl < 0) return fail_errno("readlink %s", host);
    target[tl] = '\0';
    char rest[PATH_MAX * 2];
    snprintf(rest, sizeof rest, "%s/%s", target, p);
    snprintf(pending, sizeof pending, "%s", rest);
    p = pending;
    if (target[0] == '/') resolved[0] = '\0';
    else resolved[rlen] = '\0';
  }
  if ((size_t)snprintf(out, outlen, "%s%s", root, resolved[0] ? resolved : "") >= outlen) return fail_msg("%s: path too long", path);
  return 0;
}

/* Flags a bind remount must keep: the kernel refuses to drop locked ones. */
static unsigned long kept_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0) return 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

int remount_ro(const char *path, unsigned long extra) {
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | kept_flags(path) | extra;
  if (mount(NULL, path, NULL, flags, NULL) < 0) return fail_errno("remount %s read-only", path);
  return 0;
}

int rootfs_prepare(const struct spec *s) {
  /* Nothing done in this mount namespace may reach the host's mounts. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) return fail_errno("make / rslave");
  if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0) return fail_errno("bind rootfs %s", s->root_path);
  if (mount(NULL, s->root_path, NULL, MS_REC | MS_PRIVATE, NULL) < 0) return fail_errno("make rootfs %s private", s->root_path);
  return 0;
}

int rootfs_pivot(const struct spec *s) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) return fail_errno("open /");
  int newroot = open(s->root_path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) {
    close(oldroot);
    return fail_errno("open rootfs %s", s->root_path);
  }
  int rc = -1;
  /* pivot_root(".", "."): the old root ends up stacked under the new one, then goes. */
  if (fchdir(newroot) < 0) fail_errno("chdir rootfs");
  else if (syscall(SYS_pivot_root, ".", ".") < 0) fail_errno("pivot_root %s", s->root_path);
  else if (fchdir(oldroot) < 0) fail_errno("chdir old root");
  else if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail_errno("make old root rslave");
  else if (umount2(".", MNT_DETACH) < 0) fail_errno("detach old root");
  else if (chdir("/") < 0) fail_errno("chdir /");
  else rc = 0;
  close(oldroot);
  close(newroot);
  return rc;
}

/* A container without a mount namespace of its own: nothing to pivot (pivot_root would
 * move every process of the host's namespace), so a chroot, as runc and crun do then. */
int rootfs_chroot(const struct spec *s) {
  if (chdir(s->root_path) < 0) return fail_errno("chdir rootfs %s", s->root_path);
  if (chroot(".") < 0) return fail_errno("chroot %s", s->root_path);
  if (chdir("/") < 0) return fail_errno("chdir /");
  return 0;
}

static int mask_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return errno == ENOENT ? 0 : fail_errno("stat masked path %s", path);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0,mode=0555") < 0) return fail_errno("mask %s", path);
  } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
    return fail_errno("mask %s", path);
  }
  return 0;
}

static int readonly_path(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return errno == ENOENT ? 0 : fail_errno("bind read-only path %s", path);
  return remount_ro(path, MS_REC);
}

int rootfs_finish(const struct spec *s) {
  for (size_t i = 0; s->readonly_paths[i]; i++)
    if (readonly_path(s->readonly_paths[i]) < 0) return -1;
  for (size_t i = 0; s->masked_paths[i]; i++)
    if (mask_path(s->masked_paths[i]) < 0) return -1;
  if (s->root_readonly && remount_ro("/", 0) < 0) return -1;
  if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
    return fail_errno("set rootfs propagation");
  return 0;
}
