/* The mounts of config.json, made under the rootfs before pivot_root: bind/rbind with
 * flags applied by a remount, filesystems by type, the cgroup type as v1 controller
 * binds (or cgroup2), and each mount's propagation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

/* Creates the mount point: a directory, or an empty file when binding a non-directory. */
static int make_target(const char *target, bool file) {
  if (!file) return mkdir_p(target, 0755);
  char *dir = xstrdup(target);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (mkdir_p(dir, 0755) < 0) {
      free(dir);
      return -1;
    }
  }
  free(dir);
  /* Read-only: opening an existing file of a lower overlay layer for writing would copy it
   * up into the container's own layer, and it would show in diff and commit. */
  int fd = open(target, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno != EISDIR) return fail_errno("create mount point %s", target);
  if (fd >= 0) close(fd);
  return 0;
}

static int bind_mount(const struct mount_entry *m, const char *target) {
  struct stat st;
  if (stat(m->source, &st) < 0) return fail_errno("mounts %s: source %s", m->destination, m->source);
  if (make_target(target, !S_ISDIR(st.st_mode)) < 0) return -1;
  if (mount(m->source, target, NULL, MS_BIND | (m->rec ? MS_REC : 0), NULL) < 0)
    return fail_errno("mounts %s: bind %s", m->destination, m->source);
  unsigned long flags = m->flags & ~MS_REMOUNT;
  if (flags & MS_RDONLY) {
    if (remount_ro(target, flags & ~MS_RDONLY) < 0) return -1;
  } else if (flags) {
    if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
      return fail_errno("mounts %s: remount with options", m->destination);
  }
  return 0;
}

/* A cgroup mount shows the container its own cgroup only. On v2 with a cgroup namespace
 * that is a cgroup2 mount (the namespace's root is the container's cgroup: the init
 * unshared it once inside); without one, a bind of the container's cgroup directory. On a
 * v1 host it is a tmpfs holding one bind per controller of the container's cgroup. */
static int cgroup_mount(const struct spec *s, const struct mount_entry *m, const char *target, const char *rel) {
  if (mkdir_p(target, 0755) < 0) return -1;
  unsigned long ro = m->flags & MS_RDONLY, safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (cgroup_is_v2()) {
    if (spec_has_ns(s, CLONE_NEWCGROUP, NULL)) {
      if (mount("cgroup2", target, "cgroup2", (m->flags & ~MS_REMOUNT) | safe, NULL) < 0)
        return fail_errno("mounts %s: cgroup2", m->destination);
      return 0;
    }
    char src[PATH_MAX];
    pathf(src, sizeof src, "%s%s", g_cgroup_root, rel);
    if (mount(src, target, NULL, MS_BIND, NULL) < 0) return fail_errno("mounts %s: bind %s", m->destination, src);
    if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | safe | ro, NULL) < 0)
      return fail_errno("mounts %s: remount %s", m->destination, src);
    return 0;
  }
  if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return fail_errno("mounts %s: tmpfs for cgroups", m->destination);
  for (size_t i = 0; v1_controllers[i]; i++) {
    char src[PATH_MAX], dst[PATH_MAX];
    pathf(src, sizeof src, "%s/%s%s", g_cgroup_root, v1_controllers[i], rel);
    if (access(src, F_OK) < 0) continue;
    pathf(dst, sizeof dst, "%s/%s", target, v1_controllers[i]);
    if (mkdir_p(dst, 0755) < 0) return -1;
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0) return fail_errno("mounts %s: bind %s", m->destination, src);
    if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | ro, NULL) < 0)
      return fail_errno("mounts %s: remount %s", m->destination, dst);
  }
  if (ro && remount_ro(target, 0) < 0) return -1;
  return 0;
}

static int fs_mount(const struct mount_entry *m, const char *target) {
  if (mkdir_p(target, 0755) < 0) return -1;
  unsigned long flags = m->flags & ~MS_REMOUNT;
  if (mount(m->source, target, m->type, flags, m->data) == 0) return 0;
  /* sysfs needs a network namespace the mounting user owns; a read-only rbind of the
   * host's /sys is what other runtimes fall back to. */
  if (strcmp(m->type, "sysfs") == 0 && (errno == EPERM || errno == EBUSY)) {
    if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0) return fail_errno("mounts %s: rbind /sys", m->destination);
    return remount_ro(target, 0);
  }
  if (strcmp(m->type, "mqueue") == 0 && errno == EPERM) {
    if (mount("/dev/mqueue", target, NULL, MS_BIND, NULL) == 0) return 0;
  }
  return fail_errno("mounts %s: mount %s", m->destination, m->type);
}

int mounts_apply(const struct spec *s, const char *cgroup_rel) {
  for (size_t i = 0; i < s->n_mounts; i++) {
    const struct mount_entry *m = &s->mounts[i];
    char target[PATH_MAX];
    if (resolve_in_root(s->root_path, m->destination, target, sizeof target) < 0) return -1;
    int rc;
    if (m->bind) rc = bind_mount(m, target);
    else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) rc = cgroup_mount(s, m, target, cgroup_rel);
    else rc = fs_mount(m, target);
    if (rc < 0) return -1;
    if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
      return fail_errno("mounts %s: set propagation", m->destination);
  }
  return 0;
}
