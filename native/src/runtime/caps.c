/* Capabilities with raw syscalls (no libcap): names, the bounding set, then the
 * effective/permitted/inheritable sets with capset and the ambient set with prctl. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

static const char *const cap_names[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",         "CAP_FSETID",
    "CAP_KILL",            "CAP_SETGID",         "CAP_SETUID",          "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",       "CAP_SYS_MODULE",     "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",     "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",       "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",           "CAP_LEASE",          "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",        "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",
    "CAP_WAKE_ALARM",      "CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",      "CAP_PERFMON",        "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS ((int)(sizeof cap_names / sizeof cap_names[0]))

int cap_from_name(const char *name) {
  for (int i = 0; i < N_CAPS; i++)
    if (strcasecmp(name, cap_names[i]) == 0) return i;
  return -1;
}

static int last_cap(void) {
  static int cached = -1;
  if (cached >= 0) return cached;
  char *s = read_file("/proc/sys/kernel/cap_last_cap", NULL);
  cached = s ? atoi(s) : CAP_LAST_CAP;
  free(s);
  return cached;
}

/* Capabilities the kernel does not have are skipped: a config written for a newer kernel
 * still runs, with what this one offers. */
int caps_drop_bounding(const struct spec *s) {
  if (!s->has_caps) return 0;
  int last = last_cap();
  for (int c = 0; c <= last && c < 64; c++) {
    if (s->caps[CAP_SET_BOUNDING] & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) return fail_errno("drop bounding capability %d", c);
  }
  return 0;
}

int caps_apply(const struct spec *s) {
  if (!s->has_caps) return 0;
  uint64_t mask = last_cap() >= 63 ? ~0ULL : (1ULL << (last_cap() + 1)) - 1;
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  uint64_t eff = s->caps[CAP_SET_EFFECTIVE] & mask, perm = s->caps[CAP_SET_PERMITTED] & mask,
           inh = s->caps[CAP_SET_INHERITABLE] & mask;
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(eff >> (32 * i));
    data[i].permitted = (uint32_t)(perm >> (32 * i));
    data[i].inheritable = (uint32_t)(inh >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) return fail_errno("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return fail_errno("clear ambient capabilities");
  /* The kernel keeps only permitted ∩ inheritable capabilities in the ambient set. `runc spec`
   * lists ambient capabilities without inheritable ones; runc skips them with a warning, and
   * so do we (silently: this is the container's stderr), so runc's bundles run unchanged. */
  uint64_t amb = s->caps[CAP_SET_AMBIENT] & mask & perm & inh;
  for (int c = 0; c < 64; c++) {
    if (!(amb & (1ULL << c))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return fail_errno("raise ambient capability %s (it must be permitted and inheritable)", cap_names[c]);
  }
  return 0;
}
