/* linux.seccomp: parsed with the rest of config.json, compiled to a BPF program by
 * libseccomp in the parent (create before clone, exec before fork), and loaded in the
 * process-to-be by one seccomp(2) call (init.c, exec.c).
 *
 * As runc: syscall names libseccomp does not know are skipped (profiles list syscalls
 * that older kernels and tables lack); a rule whose action is the default action is
 * skipped (libseccomp refuses it as redundant); conditions on one argument index given
 * twice in a rule become one rule per condition (libseccomp ANDs a rule's conditions and
 * cannot AND two on one argument). Unknown actions, operators, architectures and flags
 * are INVALID_ARGUMENT; SCMP_ACT_NOTIFY (a listener) is UNSUPPORTED. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime.h"

struct seccomp_arg {
  unsigned index;
  uint64_t value, value_two;
  enum scmp_compare op;
};

struct seccomp_rule {
  char **names; /* NULL-terminated */
  uint32_t action;
  struct seccomp_arg *args;
  size_t n_args;
};

struct seccomp_spec {
  uint32_t default_action;
  uint32_t *arches;
  size_t n_arches;
  unsigned flags; /* SECCOMP_FILTER_FLAG_*, passed to seccomp(2) */
  struct seccomp_rule *rules;
  size_t n_rules;
  const struct json *source; /* linux.seccomp as parsed: the cache key's profile */
  /* seccomp_compile's output, for seccomp_apply */
  struct sock_filter *prog;
  unsigned short prog_len;
};

#define FIELD "linux.seccomp" /* spec_str adds "config.json: "; fail_kind calls here say it */

static const struct {
  const char *name;
  uint32_t action;
  bool takes_data; /* errnoRet: the errno (ERRNO) or the tracer's message (TRACE) */
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

static const struct {
  const char *name;
  enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* The spec's names; token 0 for one this libseccomp cannot build for (it cannot be this
 * host's own, so leaving it out changes nothing here). */
static const struct {
  const char *name;
  uint32_t token;
} arches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#else
    {"SCMP_ARCH_LOONGARCH64", 0},
#endif
};

/* WAIT_KILLABLE_RECV only means something with a notify listener, which is refused. */
static const struct {
  const char *name;
  unsigned flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* An action and its errnoRet (field_errno: the key beside it) into libseccomp's value. */
static int parse_action(const struct json *obj, const char *key, const char *errno_key, const char *field, uint32_t *out) {
  char f[192], *name;
  snprintf(f, sizeof f, "%s.%s", field, key);
  if (spec_str(obj, key, f, true, &name) < 0) return -1;
  if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
    return fail_kind(ERR_UNSUPPORTED, "config.json: %s: SCMP_ACT_NOTIFY (a listener) is not supported", f);
  size_t i = 0;
  while (i < N(actions) && strcmp(actions[i].name, name) != 0) i++;
  if (i == N(actions)) return fail_kind(ERR_INVALID, "config.json: %s: unknown action %s", f, name);
  *out = actions[i].action;
  const struct json *ret = json_get(obj, errno_key);
  if (!ret || ret->type == JSON_NULL) {
    if (actions[i].takes_data) *out |= EPERM; /* the spec's default, as runc reads it for TRACE too */
    return 0;
  }
  snprintf(f, sizeof f, "%s.%s", field, errno_key);
  if (!actions[i].takes_data) return fail_kind(ERR_INVALID, "config.json: %s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one, not %s", f, name);
  uint64_t n;
  if (json_uint64(ret, &n) < 0 || n > 0xffff) return fail_kind(ERR_INVALID, "config.json: %s: must be an integer from 0 to 65535", f);
  *out |= (uint32_t)n;
  return 0;
}

static int parse_arg(const struct json *a, const char *field, struct seccomp_arg *out) {
  char f[192], *op;
  if (!a || a->type != JSON_OBJECT) return fail_kind(ERR_INVALID, "config.json: %s: must be an object", field);
  uint64_t index;
  snprintf(f, sizeof f, "%s.index", field);
  if (json_uint64(json_get(a, "index"), &index) < 0 || index > 5) return fail_kind(ERR_INVALID, "config.json: %s: required, 0 to 5", f);
  out->index = (unsigned)index;
  snprintf(f, sizeof f, "%s.value", field);
  if (json_uint64(json_get(a, "value"), &out->value) < 0) return fail_kind(ERR_INVALID, "config.json: %s: required, an unsigned 64-bit integer", f);
  const struct json *two = json_get(a, "valueTwo");
  snprintf(f, sizeof f, "%s.valueTwo", field);
  if (two && two->type != JSON_NULL && json_uint64(two, &out->value_two) < 0)
    return fail_kind(ERR_INVALID, "config.json: %s: must be an unsigned 64-bit integer", f);
  snprintf(f, sizeof f, "%s.op", field);
  if (spec_str(a, "op", f, true, &op) < 0) return -1;
  size_t i = 0;
  while (i < N(operators) && strcmp(operators[i].name, op) != 0) i++;
  if (i == N(operators)) return fail_kind(ERR_INVALID, "config.json: %s: unknown operator %s", f, op);
  out->op = operators[i].op;
  return 0;
}

static int parse_rule(const struct json *r, const char *field, struct seccomp_rule *out) {
  char f[128];
  if (!r || r->type != JSON_OBJECT) return fail_kind(ERR_INVALID, "config.json: %s: must be an object", field);
  snprintf(f, sizeof f, "%s.names", field);
  const struct json *names = json_get(r, "names");
  if (!names || names->type != JSON_ARRAY || names->len == 0) return fail_kind(ERR_INVALID, "config.json: %s: required, at least one name", f);
  if (spec_str_array(names, f, &out->names) < 0) return -1;
  for (size_t i = 0; out->names[i]; i++)
    if (!out->names[i][0]) return fail_kind(ERR_INVALID, "config.json: %s[%zu]: must not be empty", f, i);
  if (parse_action(r, "action", "errnoRet", field, &out->action) < 0) return -1;
  const struct json *args = json_get(r, "args");
  if (!args || args->type == JSON_NULL) return 0;
  snprintf(f, sizeof f, "%s.args", field);
  if (args->type != JSON_ARRAY) return fail_kind(ERR_INVALID, "config.json: %s: must be an array", f);
  out->args = xcalloc(args->len, sizeof *out->args);
  out->n_args = args->len;
  for (size_t i = 0; i < args->len; i++) {
    char fa[160];
    snprintf(fa, sizeof fa, "%s[%zu]", f, i);
    if (parse_arg(args->items[i], fa, &out->args[i]) < 0) return -1;
  }
  return 0;
}

int seccomp_parse(const struct json *v, struct seccomp_spec **out) {
  *out = NULL;
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_OBJECT) return fail_kind(ERR_INVALID, "config.json: %s: must be an object", FIELD);
  struct seccomp_spec *sc = xcalloc(1, sizeof *sc);
  sc->source = v;
  if (parse_action(v, "defaultAction", "defaultErrnoRet", FIELD, &sc->default_action) < 0) return -1;
  char *listener;
  if (spec_str(v, "listenerPath", FIELD ".listenerPath", false, &listener) < 0) return -1;
  if (listener && listener[0]) return fail_kind(ERR_UNSUPPORTED, "config.json: %s.listenerPath: a notify listener is not supported", FIELD);

  char **list;
  if (spec_str_array(json_get(v, "architectures"), FIELD ".architectures", &list) < 0) return -1;
  for (size_t i = 0; list[i]; i++) sc->n_arches++;
  sc->arches = xcalloc(sc->n_arches + 1, sizeof *sc->arches);
  for (size_t i = 0; list[i]; i++) {
    size_t k = 0;
    while (k < N(arches) && strcmp(arches[k].name, list[i]) != 0) k++;
    if (k == N(arches)) return fail_kind(ERR_INVALID, "config.json: %s.architectures[%zu]: unknown architecture %s", FIELD, i, list[i]);
    sc->arches[i] = arches[k].token;
  }
  free(list);

  if (spec_str_array(json_get(v, "flags"), FIELD ".flags", &list) < 0) return -1;
  for (size_t i = 0; list[i]; i++) {
    size_t k = 0;
    while (k < N(filter_flags) && strcmp(filter_flags[k].name, list[i]) != 0) k++;
    if (k == N(filter_flags)) return fail_kind(ERR_INVALID, "config.json: %s.flags[%zu]: unknown flag %s", FIELD, i, list[i]);
    sc->flags |= filter_flags[k].flag;
  }
  free(list);

  const struct json *calls = json_get(v, "syscalls");
  if (calls && calls->type != JSON_NULL) {
    if (calls->type != JSON_ARRAY) return fail_kind(ERR_INVALID, "config.json: %s.syscalls: must be an array", FIELD);
    sc->rules = xcalloc(calls->len, sizeof *sc->rules);
    sc->n_rules = calls->len;
    for (size_t i = 0; i < calls->len; i++) {
      char f[64];
      snprintf(f, sizeof f, "%s.syscalls[%zu]", FIELD, i);
      if (parse_rule(calls->items[i], f, &sc->rules[i]) < 0) return -1;
    }
  }
  *out = sc;
  return 0;
}

/* ---- compile -------------------------------------------------------------------- */

/* Whether the kernel takes a filter flag: seccomp(2) checks the flags before it reads
 * the program, so a NULL program fails with EFAULT when the flag is known, EINVAL if not. */
static bool kernel_has_flag(unsigned flag) {
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, size_t i, int nr, const char *name) {
  struct scmp_arg_cmp cmp[6];
  bool repeated = false;
  unsigned seen = 0;
  for (size_t k = 0; k < r->n_args; k++) {
    const struct seccomp_arg *a = &r->args[k];
    if (seen & (1u << a->index)) repeated = true;
    seen |= 1u << a->index;
  }
  int rc = 0;
  if (r->n_args == 0) {
    rc = seccomp_rule_add(ctx, r->action, nr, 0);
  } else if (!repeated) {
    for (size_t k = 0; k < r->n_args; k++)
      cmp[k] = (struct scmp_arg_cmp){r->args[k].index, r->args[k].op, r->args[k].value, r->args[k].value_two};
    rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->n_args, cmp);
  } else {
    for (size_t k = 0; k < r->n_args && rc == 0; k++) {
      cmp[0] = (struct scmp_arg_cmp){r->args[k].index, r->args[k].op, r->args[k].value, r->args[k].value_two};
      rc = seccomp_rule_add_array(ctx, r->action, nr, 1, cmp);
    }
  }
  if (rc == -EOPNOTSUPP) return fail_kind(ERR_UNSUPPORTED, "config.json: %s.syscalls[%zu]: %s: this kernel lacks the action", FIELD, i, name);
  if (rc < 0) return fail_kind(ERR_INVALID, "config.json: %s.syscalls[%zu]: %s: libseccomp refused the rule: %s", FIELD, i, name, strerror(-rc));
  return 0;
}

/* The filter as libseccomp writes it out, read back into memory. */
static int export_program(scmp_filter_ctx ctx, struct seccomp_spec *sc) {
  int fd = memfd_create("strata-seccomp", MFD_CLOEXEC);
  if (fd < 0) return fail_errno("seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx, fd);
  struct stat st;
  if (rc < 0) {
    close(fd);
    return fail_kind(ERR_INVALID, "config.json: %s: libseccomp could not generate the filter: %s", FIELD, strerror(-rc));
  }
  if (fstat(fd, &st) < 0) {
    close(fd);
    return fail_errno("seccomp: stat the filter");
  }
  size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
  if (n == 0 || n > BPF_MAXINSNS) {
    close(fd);
    return fail_kind(ERR_INVALID, "config.json: %s: the filter has %zu instructions; the kernel takes 1 to %d", FIELD, n, BPF_MAXINSNS);
  }
  sc->prog = xmalloc(n * sizeof *sc->prog);
  ssize_t got = pread(fd, sc->prog, n * sizeof *sc->prog, 0);
  close(fd);
  if (got != (ssize_t)(n * sizeof *sc->prog)) return fail_msg("seccomp: read the filter back");
  sc->prog_len = (unsigned short)n;
  return 0;
}

/* libseccomp: the rules into a context, the context into a BPF program. */
static int compile(struct seccomp_spec *sc) {
  scmp_filter_ctx ctx = seccomp_init(sc->default_action);
  if (!ctx) return fail_kind(ERR_UNSUPPORTED, "config.json: %s.defaultAction: this kernel or libseccomp lacks the action", FIELD);
  /* the binary-tree layout: a syscall is found in ~log2(n) comparisons, not one per rule
   * (no_new_privs is not libseccomp's to set: the program is loaded by seccomp_apply) */
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0) {
    fail_msg("seccomp: binary-tree layout: %s", strerror(-rc));
    goto out;
  }
  for (size_t i = 0; i < sc->n_arches; i++) {
    if (!sc->arches[i]) continue;
    rc = seccomp_arch_add(ctx, sc->arches[i]);
    if (rc < 0 && rc != -EEXIST) {
      fail_kind(ERR_INVALID, "config.json: %s.architectures[%zu]: libseccomp refused it: %s", FIELD, i, strerror(-rc));
      goto out;
    }
  }
  rc = 0;
  for (size_t i = 0; i < sc->n_rules && rc == 0; i++) {
    const struct seccomp_rule *r = &sc->rules[i];
    if (r->action == sc->default_action) continue; /* redundant: libseccomp refuses it */
    for (size_t k = 0; r->names[k] && rc == 0; k++) {
      int nr = seccomp_syscall_resolve_name(r->names[k]);
      if (nr == __NR_SCMP_ERROR) continue; /* a syscall this libseccomp does not know */
      rc = add_rule(ctx, r, i, nr, r->names[k]);
    }
  }
  if (rc == 0) rc = export_program(ctx, sc);
out:
  seccomp_release(ctx);
  return rc < 0 ? -1 : 0;
}

/* What decides the program: the profile, libseccomp's version, the kernel (seccomp_cache.c). */
static void cache_key(const struct seccomp_spec *sc, struct strbuf *key) {
  const struct scmp_version *v = seccomp_version();
  struct utsname uts;
  if (uname(&uts) < 0) snprintf(uts.release, sizeof uts.release, "?");
  sb_printf(key, "libseccomp %u.%u.%u\nkernel %s\n", v->major, v->minor, v->micro, uts.release);
  json_write(key, sc->source);
}

int seccomp_compile(struct seccomp_spec *sc) {
  for (size_t i = 0; i < N(filter_flags); i++)
    if (filter_flags[i].flag && (sc->flags & filter_flags[i].flag) && !kernel_has_flag(filter_flags[i].flag))
      return fail_kind(ERR_UNSUPPORTED, "config.json: %s.flags: this kernel does not take %s", FIELD, filter_flags[i].name);
  struct strbuf key = {0};
  cache_key(sc, &key);
  if (seccomp_cache_get(key.buf, key.len, &sc->prog, &sc->prog_len) == 0) {
    free(key.buf);
    return 0;
  }
  int rc = compile(sc);
  if (rc == 0) seccomp_cache_put(key.buf, key.len, sc->prog, sc->prog_len);
  free(key.buf);
  return rc;
}

/* ---- load ----------------------------------------------------------------------- */

int seccomp_apply(const struct seccomp_spec *sc) {
  struct sock_fprog prog = {.len = sc->prog_len, .filter = sc->prog};
  /* 0 on success; with TSYNC a thread id when another thread could not be synchronised */
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sc->flags, &prog) != 0) return fail_errno("seccomp: load the filter");
  return 0;
}
