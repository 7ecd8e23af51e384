/* Cgroups: which driver (v2 when the root is a cgroup2 mount, else v1), where the
 * container's cgroup is (cgroupsPath, or strata/<id> under Strata's own parent), and
 * the calls create/delete/kill/shim make, whatever the driver. */
#include <errno.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "runtime.h"

const char *g_cgroup_root = "/sys/fs/cgroup";

bool cgroup_is_v2(void) {
  const char *forced = getenv("STRATA_CGROUP_DRIVER");
  if (forced && forced[0]) return strcmp(forced, "v2") == 0;
  struct statfs sf;
  if (statfs(g_cgroup_root, &sf) < 0) return false;
  return sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Absolute cgroupsPath: used as given, relative to each hierarchy's root. Relative or
 * absent: under the "strata" parent, so every Strata cgroup is found (and removed) in
 * one place. */
char *cgroup_rel_path(const struct spec *s, const char *id) {
  const char *p = s->cgroups_path;
  if (p && p[0] == '/') {
    char *out = xstrdup(p);
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/') out[--n] = '\0';
    return out;
  }
  return xasprintf("/strata/%s", p && p[0] ? p : id);
}

static int check_v2_supported(const struct spec *s) {
  if (s->res.device_rules && s->res.device_rules[0])
    return fail_msg("config.json: linux.resources.devices: device rules need an eBPF program on cgroup v2, not supported yet");
  return 0;
}

int cgroup_setup(const struct spec *s, const char *id, pid_t pid) {
  char *rel = cgroup_rel_path(s, id);
  int rc;
  if (cgroup_is_v2()) rc = check_v2_supported(s) < 0 ? -1 : v2_create(g_cgroup_root, rel, &s->res, pid);
  else rc = v1_create(rel, &s->res, pid);
  free(rel);
  return rc;
}

int cgroup_destroy(const struct spec *s, const char *id) {
  char *rel = cgroup_rel_path(s, id);
  bool v2 = cgroup_is_v2();
  int rc = v2 ? v2_destroy(g_cgroup_root, rel, true) : v1_destroy(rel, true);
  /* empty parents made for a nested relative path go too; the strata parent stays */
  if (rc == 0 && strncmp(rel, "/strata/", 8) == 0) {
    char saved[sizeof g_err];
    memcpy(saved, g_err, sizeof saved);
    for (char *slash = strrchr(rel, '/'); slash && slash > rel + 7; slash = strrchr(rel, '/')) {
      *slash = '\0';
      if ((v2 ? v2_destroy(g_cgroup_root, rel, false) : v1_destroy(rel, false)) < 0) break;
    }
    memcpy(g_err, saved, sizeof saved);
  }
  free(rel);
  return rc;
}

int cgroup_kill_all(const struct spec *s, const char *id, int sig) {
  char *rel = cgroup_rel_path(s, id);
  int rc;
  if (cgroup_is_v2()) {
    char *dir = xasprintf("%s%s", g_cgroup_root, rel);
    rc = v2_kill_all(dir, sig);
    free(dir);
  } else {
    rc = v1_kill_all(rel, sig);
  }
  free(rel);
  return rc;
}

int cgroup_oom_killed(const struct spec *s, const char *id) {
  char *rel = cgroup_rel_path(s, id);
  int rc;
  if (cgroup_is_v2()) {
    char *dir = xasprintf("%s%s", g_cgroup_root, rel);
    rc = v2_oom_killed(dir);
    free(dir);
  } else {
    rc = v1_oom_killed(rel);
  }
  free(rel);
  return rc;
}

/* Signals every process listed in a cgroup.procs file; returns how many were listed. */
int cgroup_signal_procs(const char *procs_file, int sig) {
  char *text = read_file(procs_file, NULL);
  if (!text) return errno == ENOENT ? 0 : -1;
  int n = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    pid_t pid = (pid_t)atoi(line);
    if (pid > 0 && kill(pid, sig) == 0) n++;
  }
  free(text);
  return n;
}

/* Writes a number, or "max" for a negative value (the kernels' spelling of unlimited). */
int cgroup_write_limit(const char *dir, const char *file, int64_t value, const char *unlimited) {
  char path[4096], buf[32];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (value < 0) snprintf(buf, sizeof buf, "%s", unlimited);
  else snprintf(buf, sizeof buf, "%lld", (long long)value);
  return write_file_str(path, buf);
}

int oom_kill_recorded(const char *file) {
  char *text = read_file(file, NULL);
  if (!text) return -1;
  const char *line = strstr(text, "oom_kill ");
  int killed = line && atoll(line + 9) > 0;
  free(text);
  return killed;
}
