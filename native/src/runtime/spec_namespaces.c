/* config.json's namespaces, cross-checked with the fields that need them. The OCI spec:
 * a type left out of linux.namespaces is inherited from the runtime; a path naming the
 * runtime's own namespace is the same (ns_inherited). Whatever would then change the host
 * is refused (INVALID_ARGUMENT, naming the field) instead of done:
 *   mount   no pivot_root and nothing mounted or made, since it would stay in the host's
 *           mount table after the container: the init chroots into root.path and uses
 *           the tree there as it is (its /dev included). mounts, maskedPaths,
 *           readonlyPaths, root.readonly, rootfsPropagation and linux.devices are refused.
 *           (A chroot is not a mount namespace: a process with CAP_SYS_CHROOT can leave it.)
 *   uts     hostname and domainname are refused: they would rename the host. A uts
 *           namespace joined by path is the container's own: they are set in it.
 *   sysctl  a key is written only in a namespace of the container's own: net.* needs a
 *           network namespace, the System V IPC and fs.mqueue.* keys an ipc one,
 *           kernel.hostname/domainname a uts one, user.* a user one. A key of no
 *           namespace (vm.*, most of kernel.*) is always the host's and always refused.
 *   user    a new user namespace needs uidMappings and gidMappings; maps need one.
 * pid, ipc, network and cgroup left out need nothing more: the container sees the
 * runtime's (not PID 1 without a pid namespace; lo as the host has it without a network
 * one). */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

static int needs_own(int flag, const char *field, const char *why) {
  return fail_kind(ERR_INVALID,
                   "config.json: %s: the container has no %s namespace of its own (left out of linux.namespaces, or joined by a path "
                   "that is the runtime's): %s",
                   field, ns_name(flag), why);
}

static int check_mount(struct spec *s) {
  s->shares_mount_ns = ns_inherited(s, CLONE_NEWNS);
  if (!s->shares_mount_ns) return 0;
  static const char why[] = "it would be done in the runtime's mount namespace and outlive the container";
  if (s->n_mounts) return needs_own(CLONE_NEWNS, "mounts", why);
  if (s->masked_paths[0]) return needs_own(CLONE_NEWNS, "linux.maskedPaths", why);
  if (s->readonly_paths[0]) return needs_own(CLONE_NEWNS, "linux.readonlyPaths", why);
  if (s->root_readonly) return needs_own(CLONE_NEWNS, "root.readonly", why);
  if (s->rootfs_propagation) return needs_own(CLONE_NEWNS, "linux.rootfsPropagation", why);
  if (s->n_devices) return needs_own(CLONE_NEWNS, "linux.devices", "the nodes would be made in root.path, on the host's disk");
  return 0;
}

static int check_uts(const struct spec *s) {
  if (!ns_inherited(s, CLONE_NEWUTS)) return 0;
  if (s->hostname && s->hostname[0]) return needs_own(CLONE_NEWUTS, "hostname", "setting it would rename the host");
  if (s->domainname && s->domainname[0]) return needs_own(CLONE_NEWUTS, "domainname", "setting it would rename the host");
  return 0;
}

/* The namespace a sysctl key belongs to (CLONE_NEW*), or 0 for none. Keys may be written
 * with / or . between their parts; both read the same here. */
static int sysctl_namespace(const char *key) {
  static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  char k[256];
  snprintf(k, sizeof k, "%s", key);
  for (char *c = k; *c; c++)
    if (*c == '/') *c = '.';
  if (strncmp(k, "net.", 4) == 0) return CLONE_NEWNET;
  if (strncmp(k, "fs.mqueue.", 10) == 0) return CLONE_NEWIPC;
  for (size_t i = 0; i < sizeof ipc / sizeof ipc[0]; i++)
    if (strcmp(k, ipc[i]) == 0) return CLONE_NEWIPC;
  if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0) return CLONE_NEWUTS;
  if (strncmp(k, "user.", 5) == 0) return CLONE_NEWUSER;
  return 0;
}

static int check_sysctl(const struct spec *s) {
  for (size_t i = 0; s->sysctl_keys[i]; i++) {
    const char *key = s->sysctl_keys[i];
    char field[300];
    snprintf(field, sizeof field, "linux.sysctl.%s", key);
    int flag = sysctl_namespace(key);
    if (!flag) return fail_kind(ERR_INVALID, "config.json: %s: this key is in no namespace: writing it would change the host's value", field);
    if (ns_inherited(s, flag)) return needs_own(flag, field, "writing it would change the host's value");
  }
  return 0;
}

static int check_user(const struct spec *s) {
  const char *path;
  bool user = spec_has_ns(s, CLONE_NEWUSER, &path);
  if (user && !path && (s->n_uid_maps == 0 || s->n_gid_maps == 0))
    return fail_kind(ERR_INVALID, "config.json: linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
  if (!user && (s->n_uid_maps || s->n_gid_maps))
    return fail_kind(ERR_INVALID, "config.json: linux.uidMappings: mappings need a user namespace");
  return 0;
}

int spec_check_namespaces(struct spec *s) {
  if (check_mount(s) < 0 || check_uts(s) < 0 || check_sysctl(s) < 0 || check_user(s) < 0) return -1;
  return 0;
}
