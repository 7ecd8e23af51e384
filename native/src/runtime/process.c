/* The container process's own settings: uid/gid/groups, rlimits, sysctl, and finding the
 * program in the container's PATH before create reports success. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

static const struct {
  const char *name;
  int resource;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_from_name(const char *name) {
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcmp(name, rlimits[i].name) == 0) return rlimits[i].resource;
  return -1;
}

static const char *rlimit_name(int resource) {
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (rlimits[i].resource == resource) return rlimits[i].name;
  return "?";
}

int process_rlimits(const struct spec *s) {
  for (size_t i = 0; i < s->n_rlimits; i++) {
    struct rlimit rl = {.rlim_cur = s->rlimits[i].soft, .rlim_max = s->rlimits[i].hard};
    if (setrlimit(s->rlimits[i].resource, &rl) < 0) return fail_errno("setrlimit %s", rlimit_name(s->rlimits[i].resource));
  }
  return 0;
}

/* Keeps the permitted capabilities across the uid change; caps_apply sets them after. */
int process_set_ids(const struct spec *s) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return fail_errno("prctl keepcaps");
  if (setgroups(s->n_additional_gids, s->additional_gids) < 0) return fail_errno("setgroups");
  if (setresgid(s->gid, s->gid, s->gid) < 0) return fail_errno("setresgid %u", (unsigned)s->gid);
  if (setresuid(s->uid, s->uid, s->uid) < 0) return fail_errno("setresuid %u", (unsigned)s->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return fail_errno("prctl keepcaps");
  return 0;
}

static const char *env_get(char **env, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; env[i]; i++)
    if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') return env[i] + n + 1;
  return NULL;
}

static bool is_exec(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

char *process_find_exec(const struct spec *s) {
  const char *arg0 = s->args[0];
  if (strchr(arg0, '/')) {
    if (is_exec(arg0)) return xstrdup(arg0);
    errno = access(arg0, F_OK) < 0 ? ENOENT : EACCES;
    fail_errno("exec %s", arg0);
    return NULL;
  }
  const char *path = env_get(s->env, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  const char *p = path;
  for (;;) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    char full[PATH_MAX];
    if (n) snprintf(full, sizeof full, "%.*s/%s", (int)n, p, arg0);
    else snprintf(full, sizeof full, "./%s", arg0);
    if (is_exec(full)) return xstrdup(full);
    if (!colon) break;
    p = colon + 1;
  }
  errno = ENOENT;
  fail_errno("exec %s: not found in PATH %s", arg0, path);
  return NULL;
}

int sysctl_apply(const struct spec *s) {
  for (size_t i = 0; s->sysctl_keys[i]; i++) {
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", s->sysctl_keys[i]);
    for (char *c = path + 10; c < path + n; c++)
      if (*c == '.') *c = '/';
    if (write_file_str(path, s->sysctl_values[i]) < 0) {
      char cause[sizeof g_err];
      snprintf(cause, sizeof cause, "%s", g_err);
      return fail_msg("sysctl %s: %s", s->sysctl_keys[i], cause);
    }
  }
  return 0;
}
