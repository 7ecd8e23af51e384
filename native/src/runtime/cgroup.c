/* Cgroups: which driver (v2 when the root is a cgroup2 mount, else v1), where the
 * container's cgroup is (cgroupsPath, or strata/<id> under Strata's own parent), and
 * the calls create/delete/kill/shim make, whatever the driver. */
#include <errno.h>
#include <limits.h>
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

bool runtime_in_userns(void) {
  static int known = -1;
  if (known < 0) {
    char *map = read_file("/proc/self/uid_map", NULL);
    unsigned long inside, outside, count;
    int used = 0;
    /* the host's map is one line, 0 0 4294967295; no /proc counts as the host */
    bool host = !map || (sscanf(map, " %lu %lu %lu %n", &inside, &outside, &count, &used) == 3 && inside == 0 && outside == 0 &&
                         count == 4294967295UL && map[used] == '\0');
    known = !host;
    free(map);
    g_err[0] = '\0';
  }
  return known == 1;
}

bool cgroup_wanted(const struct spec *s) {
  return (s->cgroups_path && s->cgroups_path[0]) || s->res.given || !runtime_in_userns();
}

static int no_cgroup(const char *what, const char *id) {
  return fail_kind(ERR_UNSUPPORTED, "%s: container %s has no cgroup of its own (rootless: the host's cgroups are not delegated to this user)", what, id);
}

int cgroup_setup(const struct spec *s, const char *id, pid_t pid) {
  if (!cgroup_wanted(s)) return 0;
  char *rel = cgroup_rel_path(s, id);
  int rc;
  if (cgroup_is_v2()) rc = v2_create(g_cgroup_root, rel, &s->res, pid);
  else rc = v1_create(rel, &s->res, pid);
  free(rel);
  return rc;
}

int cgroup_destroy(const struct spec *s, const char *id) {
  if (!cgroup_wanted(s)) return 0;
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

/* Where the container's cgroup is: its path below each hierarchy (v1), and on v2 also its
 * one directory (NULL on v1); done() frees both and passes the result on. */
struct cg_where {
  char *rel, *dir;
};

static struct cg_where where(const struct spec *s, const char *id) {
  struct cg_where w = {cgroup_rel_path(s, id), NULL};
  if (cgroup_is_v2()) w.dir = xasprintf("%s%s", g_cgroup_root, w.rel);
  return w;
}

static int done(struct cg_where w, int rc) {
  free(w.rel);
  free(w.dir);
  return rc;
}

int cgroup_kill_all(const struct spec *s, const char *id, int sig) {
  /* without a cgroup, the container's pid namespace ends with its init */
  if (!cgroup_wanted(s)) return 0;
  struct cg_where w = where(s, id);
  return done(w, w.dir ? v2_kill_all(w.dir, sig) : v1_kill_all(w.rel, sig));
}

int cgroup_freeze(const struct spec *s, const char *id, bool frozen) {
  if (!cgroup_wanted(s)) return no_cgroup(frozen ? "pause" : "resume", id);
  struct cg_where w = where(s, id);
  return done(w, w.dir ? v2_freeze(w.dir, frozen) : v1_freeze(w.rel, frozen));
}

int cgroup_frozen(const struct spec *s, const char *id) {
  if (!cgroup_wanted(s)) return 0;
  struct cg_where w = where(s, id);
  return done(w, w.dir ? v2_frozen(w.dir) : v1_frozen(w.rel));
}

int cgroup_update(const struct spec *s, const char *id, const struct resources *r) {
  if (!cgroup_wanted(s)) return no_cgroup("update", id);
  struct cg_where w = where(s, id);
  if (!w.dir) return done(w, v1_update(w.rel, r));
  return done(w, access(w.dir, F_OK) < 0 ? fail_kind(ERR_NOT_FOUND, "cgroup %s does not exist", w.dir) : v2_apply(w.dir, r));
}

int cgroup_oom_killed(const struct spec *s, const char *id) {
  if (!cgroup_wanted(s)) return 0;
  struct cg_where w = where(s, id);
  return done(w, w.dir ? v2_oom_killed(w.dir) : v1_oom_killed(w.rel));
}

/* The most memory the cgroup ever used, in bytes, as the kernel kept it (v1
 * memory.max_usage_in_bytes, v2 memory.peak: Linux 5.19): what an OOM kill reached even
 * when no sampler looked at the moment. -1 when the kernel keeps none. */
int64_t cgroup_memory_peak(const struct spec *s, const char *id) {
  if (!cgroup_wanted(s)) return -1;
  struct cg_where w = where(s, id);
  char path[PATH_MAX];
  if (w.dir) pathf(path, sizeof path, "%s/memory.peak", w.dir);
  else pathf(path, sizeof path, "%s/memory%s/memory.max_usage_in_bytes", g_cgroup_root, w.rel);
  done(w, 0);
  char *text = read_file(path, NULL);
  if (!text) return -1;
  char *end;
  errno = 0;
  long long peak = strtoll(text, &end, 10);
  bool ok = errno == 0 && end != text && peak >= 0;
  free(text);
  return ok ? (int64_t)peak : -1;
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

/* A write the kernel refused: a value out of its range (EINVAL, ERANGE, EBUSY for a limit
 * below current use) is the caller's bad input; a missing or read-only file, this host's
 * lack; anything else, internal. */
int cgroup_write_failed(const char *field, const char *path, const char *value) {
  int err = errno;
  fail_errno("%s: write %s to %s", field, value, path);
  /* ENODEV: an interface net_prio.ifpriomap does not know */
  if (err == EINVAL || err == ERANGE || err == EBUSY || err == EOVERFLOW || err == ENODEV) g_err_kind = ERR_INVALID;
  else if (err == ENOENT || err == EACCES || err == EPERM || err == EROFS) g_err_kind = ERR_UNSUPPORTED;
  return -1;
}

/* Writes a number, or "max" for a negative value (the kernels' spelling of unlimited); a
 * refusal is classed as cgroup_write_failed does. */
int cgroup_write_limit(const char *dir, const char *file, int64_t value, const char *unlimited) {
  char path[4096], buf[32];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  if (value < 0) snprintf(buf, sizeof buf, "%s", unlimited);
  else snprintf(buf, sizeof buf, "%lld", (long long)value);
  return write_file_str(path, buf) < 0 ? cgroup_write_failed(file, path, buf) : 0;
}

int oom_kill_recorded(const char *file) {
  char *text = read_file(file, NULL);
  if (!text) return -1;
  const char *line = strstr(text, "oom_kill ");
  int killed = line && atoll(line + 9) > 0;
  free(text);
  return killed;
}

/* ---- the cgroups a process is in (exec joins the init's) ---------------------------
 * /proc/<pid>/cgroup says, per hierarchy, "id:controllers:/path" relative to the
 * hierarchy's root; /proc/self/mountinfo says where each hierarchy is mounted here.
 * Works for v1, v2 and hybrid hosts alike, and for cgroups Strata did not make
 * (name=systemd, the unified tree of a hybrid host). */

/* Mountinfo writes space, tab, newline and backslash as \ooo: decode in place. */
static void unescape_octal(char *s) {
  char *out = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *out++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
      p += 3;
    } else {
      *out++ = *p;
    }
  }
  *out = '\0';
}

/* Is word one of the comma-separated items of list? */
static bool has_item(const char *list, const char *word, size_t n) {
  for (const char *p = list; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, word, n) == 0) return true;
    p = comma ? comma + 1 : NULL;
  }
  return false;
}

struct cg_mount {
  char *root, *point, *super; /* super is NULL for cgroup2 */
};

/* The cgroup and cgroup2 mounts of this mount namespace, in mountinfo order. */
static int cgroup_mounts(struct cg_mount **out, size_t *n_out) {
  char *text = read_file("/proc/self/mountinfo", NULL);
  if (!text) return -1;
  struct cg_mount *m = NULL;
  size_t n = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* id parent maj:min root point options [optional…] - fstype source super */
    char *f[5], *sp = NULL;
    int nf = 0;
    for (char *tok = strtok_r(line, " ", &sp); tok; tok = nf < 5 ? strtok_r(NULL, " ", &sp) : NULL) f[nf++] = tok;
    char *dash = nf == 5 && sp ? strstr(sp, " - ") : NULL;
    if (!dash) continue;
    char *fstype = strtok_r(dash + 3, " ", &sp), *source = fstype ? strtok_r(NULL, " ", &sp) : NULL;
    char *super = source ? strtok_r(NULL, " ", &sp) : NULL;
    if (!fstype || (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)) continue;
    m = xrealloc(m, (n + 1) * sizeof *m);
    unescape_octal(f[3]);
    unescape_octal(f[4]);
    m[n].root = xstrdup(f[3]);
    m[n].point = xstrdup(f[4]);
    m[n].super = strcmp(fstype, "cgroup") == 0 ? xstrdup(super ? super : "") : NULL;
    n++;
  }
  free(text);
  *out = m;
  *n_out = n;
  return 0;
}

/* Does this mount show the hierarchy with these controllers ("" = the v2 one)? */
static bool mount_is(const struct cg_mount *m, const char *controllers) {
  if (!controllers[0]) return m->super == NULL;
  if (!m->super) return false;
  for (const char *p = controllers; *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (!has_item(m->super, p, len)) return false;
    if (!comma) break;
    p = comma + 1;
  }
  return true;
}

/* "<mount point><path below the mount's root>/cgroup.procs" of every hierarchy pid is in
 * and this mount namespace shows (NULL-terminated), or NULL + g_err. */
char **cgroup_procs_files(pid_t pid) {
  char file[64];
  snprintf(file, sizeof file, "/proc/%d/cgroup", pid);
  char *text = read_file(file, NULL);
  if (!text) return NULL;
  size_t n_mounts = 0;
  struct cg_mount *mounts = NULL;
  if (cgroup_mounts(&mounts, &n_mounts) < 0) {
    free(text);
    return NULL;
  }
  char **out = xcalloc(1, sizeof *out);
  size_t n = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2 || c2[1] != '/') continue;
    *c2 = '\0';
    const char *controllers = c1 + 1, *path = c2 + 1;
    for (size_t i = 0; i < n_mounts; i++) {
      const struct cg_mount *m = &mounts[i];
      if (!mount_is(m, controllers)) continue;
      /* a mount may show a sub-tree only (a bind, a cgroup namespace): path must be in it */
      size_t rl = strcmp(m->root, "/") == 0 ? 0 : strlen(m->root);
      if (strncmp(path, m->root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0')) continue;
      const char *below = path + rl;
      if (strcmp(below, "/") == 0) below = "";
      out = xrealloc(out, (n + 2) * sizeof *out);
      out[n++] = xasprintf("%s%s/cgroup.procs", m->point, below);
      out[n] = NULL;
      break; /* one mount of a hierarchy is enough */
    }
  }
  for (size_t i = 0; i < n_mounts; i++) free(mounts[i].root), free(mounts[i].point), free(mounts[i].super);
  free(mounts);
  free(text);
  return out;
}
