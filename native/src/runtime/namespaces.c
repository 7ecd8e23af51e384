/* Namespaces: names ↔ clone flags, whether the container has one of a type of its own,
 * joining by path with setns, and the uid/gid maps the parent writes for a child in a new
 * user namespace. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

static const struct {
  const char *name; /* in config.json */
  const char *file; /* in /proc/<pid>/ns/ */
  int flag;
} ns_names[] = {
    {"pid", "pid", CLONE_NEWPID},          {"network", "net", CLONE_NEWNET}, {"mount", "mnt", CLONE_NEWNS},
    {"ipc", "ipc", CLONE_NEWIPC},          {"uts", "uts", CLONE_NEWUTS},     {"user", "user", CLONE_NEWUSER},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", 0},
};

int ns_flag_from_name(const char *name) {
  for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++)
    if (strcmp(name, ns_names[i].name) == 0) return ns_names[i].flag;
  return -1;
}

const char *ns_name(int flag) {
  for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++)
    if (ns_names[i].flag == flag) return ns_names[i].name;
  return "?";
}

/* The OCI spec: a type left out of linux.namespaces is the runtime's own, inherited. A
 * path that names the runtime's own namespace (/proc/self/ns/uts, /proc/1/ns/net for a
 * runtime in the host's) is the same thing and is taken as such, so what the checks
 * refuse for an inherited namespace cannot be had by joining it. A path that cannot be
 * read is not the runtime's: joining it fails later, naming it. */
bool ns_inherited(const struct spec *s, int flag) {
  const char *path;
  if (!spec_has_ns(s, flag, &path)) return true;
  if (!path) return false;
  const char *file = NULL;
  for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++)
    if (ns_names[i].flag == flag) file = ns_names[i].file;
  char own[64];
  snprintf(own, sizeof own, "/proc/self/ns/%s", file ? file : "?");
  struct stat a, b;
  return stat(own, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A new cgroup namespace is rooted at the cgroup its creator is in, and the init joins
 * its own cgroup only after the clone: it unshares the cgroup namespace then
 * (ns_unshare_cgroup), so its root is the container's cgroup, as runc and crun do. */
int ns_clone_flags(const struct spec *s) {
  int flags = 0;
  for (size_t i = 0; i < s->n_ns; i++)
    if (!s->ns[i].path) flags |= s->ns[i].flag;
  return flags & ~CLONE_NEWCGROUP;
}

int ns_unshare_cgroup(const struct spec *s) {
  const char *path = NULL;
  if (!spec_has_ns(s, CLONE_NEWCGROUP, &path) || path) return 0;
  if (unshare(CLONE_NEWCGROUP) < 0) return fail_errno("unshare cgroup namespace");
  return 0;
}

static int join(const struct ns_entry *e) {
  int fd = open(e->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open %s namespace %s", ns_name(e->flag), e->path);
  if (setns(fd, e->flag) < 0) {
    fail_errno("setns %s namespace %s", ns_name(e->flag), e->path);
    close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

/* A pid namespace joined with setns applies to children only: the parent joins it just
 * before cloning the container process. */
int ns_join_pid(const struct spec *s) {
  for (size_t i = 0; i < s->n_ns; i++)
    if (s->ns[i].flag == CLONE_NEWPID && s->ns[i].path) return join(&s->ns[i]);
  return 0;
}

/* The child joins the user namespace first (when user is true) and the others after it,
 * so it has the privileges the joined user namespace grants over them. */
int ns_join_others(const struct spec *s, bool user) {
  for (size_t i = 0; i < s->n_ns; i++) {
    const struct ns_entry *e = &s->ns[i];
    if (!e->path || e->flag == CLONE_NEWPID) continue;
    if ((e->flag == CLONE_NEWUSER) != user) continue;
    if (join(e) < 0) return -1;
  }
  return 0;
}

static int write_map(pid_t pid, const char *file, const struct id_map *maps, size_t n) {
  char path[64], buf[16 * 40];
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", maps[i].container_id, maps[i].host_id, maps[i].size);
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  return write_file(path, buf, len);
}

int ns_write_id_maps(const struct spec *s, pid_t pid) {
  const char *path;
  if (!spec_has_ns(s, CLONE_NEWUSER, &path) || path) return 0;
  if (write_map(pid, "uid_map", s->uid_maps, s->n_uid_maps) < 0) return -1;
  return write_map(pid, "gid_map", s->gid_maps, s->n_gid_maps);
}
