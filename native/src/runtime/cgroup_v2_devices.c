/* Device rules on cgroup v2: there is no devices.allow file, only an eBPF program of
 * type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup, which the kernel runs on
 * every open and mknod of a device node and which answers 1 (allow) or 0 (deny). The
 * program is generated here from the effective rules (device_rules.c) so that it decides
 * as the v1 list would:
 *   - the last "a" rule (allow a / deny a) is the default; the rules before it are void;
 *   - the rules after it are tested last to first, and the first that matches decides;
 *   - an allow rule matches an access it fully covers (rw asked, rw allowed), a deny rule
 *     one it touches at all (rw asked, w denied) — as v1 edits its exception list.
 * It is loaded with the raw bpf() syscall and attached with BPF_F_ALLOW_MULTI, so the
 * programs of parent cgroups still run too (the kernel allows only what all allow). It
 * lives as long as the cgroup: rmdir releases it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

/* registers of the generated program */
enum { R0, R1, R2, R3, R4, R5 };
#define R_TYPE R2
#define R_ACCESS R3
#define R_MAJOR R4
#define R_MINOR R5

struct prog {
  struct bpf_insn *insns;
  size_t n, cap;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  if (p->n == p->cap) {
    p->cap = p->cap ? 2 * p->cap : 64;
    p->insns = xrealloc(p->insns, p->cap * sizeof *p->insns);
  }
  p->insns[p->n++] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static void emit_return(struct prog *p, bool allow) {
  emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, allow ? 1 : 0);
  emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static bool is_reset(const struct device_rule *d) { return d->type == 'a'; }

/* One rule: a block of checks that each jump past the block when they fail, then the
 * rule's answer. Jump offsets count instructions after the jump, so the block's length
 * is worked out first. */
static void emit_rule(struct prog *p, const struct device_rule *d) {
  size_t checks = (d->major >= 0) + (d->minor >= 0) + 1 /* type */;
  bool partial = d->access != DEV_ACC_ALL;
  size_t len = checks + (partial ? 3 : 0) + 2, at = 0;
#define SKIP() ((int16_t)(len - ++at))
  emit(p, BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, SKIP(), d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (d->major >= 0) emit(p, BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, SKIP(), (int32_t)d->major);
  if (d->minor >= 0) emit(p, BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, SKIP(), (int32_t)d->minor);
  if (partial) {
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R0, R_ACCESS, 0, 0), at++;
    if (d->allow) {
      /* asked & ~allowed != 0: something asked is not covered */
      emit(p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0, (int32_t)(~d->access & DEV_ACC_ALL)), at++;
      emit(p, BPF_JMP | BPF_JNE | BPF_K, R0, 0, SKIP(), 0);
    } else {
      /* asked & denied == 0: nothing asked is denied */
      emit(p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0, (int32_t)d->access), at++;
      emit(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, SKIP(), 0);
    }
  }
#undef SKIP
  emit_return(p, d->allow);
}

/* NULL when the rules leave every device allowed (no program needed). */
static struct prog *generate(const struct device_rule *rules, size_t n) {
  size_t first = 0;
  bool default_allow = true; /* a v1 cgroup starts as its parent: the root allows all */
  for (size_t i = 0; i < n; i++)
    if (is_reset(&rules[i])) first = i + 1, default_allow = rules[i].allow;
  bool decides = !default_allow;
  for (size_t i = first; i < n; i++) decides = decides || !rules[i].allow;
  if (!decides) return NULL;
  struct prog *p = xcalloc(1, sizeof *p);
  /* ctx: struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; } */
  emit(p, BPF_LDX | BPF_MEM | BPF_W, R_TYPE, R1, 0, 0);
  emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R_ACCESS, R_TYPE, 0, 0);
  emit(p, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
  emit(p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
  emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, R1, 4, 0);
  emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, R1, 8, 0);
  for (size_t i = n; i > first; i--) emit_rule(p, &rules[i - 1]);
  emit_return(p, default_allow);
  return p;
}

static int bpf(int cmd, union bpf_attr *attr) { return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr); }

static int load(const struct prog *p) {
  static char log[16384];
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.expected_attach_type = BPF_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)p->insns;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  int fd = bpf(BPF_PROG_LOAD, &attr);
  if (fd < 0 && errno == EPERM) {
    /* kernels before 5.11 charge programs to RLIMIT_MEMLOCK, often 64 KiB */
    struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_MEMLOCK, &inf) == 0) fd = bpf(BPF_PROG_LOAD, &attr);
  }
  if (fd >= 0) return fd;
  int saved = errno;
  /* again with the verifier's log, for its reason (a log that overflows fails with ENOSPC,
   * so the first try goes without) */
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  log[0] = '\0';
  if ((fd = bpf(BPF_PROG_LOAD, &attr)) >= 0) return fd;
  const char *last = log;
  for (char *nl; (nl = strrchr(log, '\n')) && nl[1] == '\0';) *nl = '\0';
  if (strrchr(log, '\n')) last = strrchr(log, '\n') + 1;
  errno = saved;
  if (last[0]) return fail_msg("linux.resources.devices: load the cgroup v2 device program: %s (verifier: %s)", strerror(saved), last);
  return fail_errno("linux.resources.devices: load the cgroup v2 device program");
}

int v2_devices_apply(const char *dir, const struct resources *r) {
  size_t n;
  struct device_rule *rules = device_rules_effective(r, &n);
  struct prog *p = rules ? generate(rules, n) : NULL;
  free(rules);
  if (!p) return 0;
  int prog = load(p), cg = -1, rc = -1;
  free(p->insns);
  free(p);
  if (prog < 0) return -1;
  if ((cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    fail_errno("linux.resources.devices: open %s", dir);
    goto out;
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cg;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attr) < 0) {
    fail_errno("linux.resources.devices: attach the device program to %s", dir);
    goto out;
  }
  rc = 0;
out:
  if (cg >= 0) close(cg);
  close(prog); /* the cgroup holds the program now */
  return rc;
}
