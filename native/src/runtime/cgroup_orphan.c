/* `cgroup-destroy --path /strata/NAME`: removes a cgroup that no container state names
 * any more (a runtime killed half-way, as a build's RUN step whose engine died), so the
 * engine never writes a cgroup itself. Every process in it and below it is killed (v2
 * cgroup.kill, v1 freeze-kill-thaw: cgroup_v1.c/cgroup_v2.c), then its directories are
 * removed deepest first from every hierarchy the runtime creates cgroups in, waiting
 * while the killed processes leave. Only cgroups below Strata's own parent: a path that
 * could reach anything else is INVALID_ARGUMENT. A cgroup that is not there is not an
 * error (another engine may have cleared it first). */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime.h"

#define PARENT "/strata/"

/* "/strata/a" or "/strata/a/b": no empty, "." or ".." component, no trailing slash. */
static int check_path(const char *p) {
  size_t plen = strlen(PARENT);
  if (strncmp(p, PARENT, plen) != 0 || !p[plen] || strlen(p) > 1024)
    return fail_kind(ERR_INVALID, "cgroup-destroy: --path must name a cgroup below %s, not %s", PARENT, p);
  for (const char *c = p + plen; *c;) {
    const char *slash = strchr(c, '/');
    size_t n = slash ? (size_t)(slash - c) : strlen(c);
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return fail_kind(ERR_INVALID, "cgroup-destroy: --path %s has an empty, . or .. component", p);
    c += n + (slash ? 1 : 0);
    if (slash && !*c) return fail_kind(ERR_INVALID, "cgroup-destroy: --path %s ends with /", p);
  }
  return 0;
}

struct rels {
  char **v;
  size_t n;
};

static void add_rel(struct rels *r, const char *rel) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->v[i], rel) == 0) return;
  r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
  r->v[r->n++] = xstrdup(rel);
}

/* rel and every cgroup below it in the hierarchy mounted at `mount`, parents before
 * children; a hierarchy without it adds nothing. */
static void collect(const char *mount, const char *rel, struct rels *out) {
  char dir[PATH_MAX];
  pathf(dir, sizeof dir, "%s%s", mount, rel);
  DIR *d = opendir(dir);
  if (!d) return;
  add_rel(out, rel);
  for (struct dirent *e; (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char child[PATH_MAX];
    struct stat st;
    pathf(child, sizeof child, "%s/%s", dir, e->d_name);
    if (e->d_type != DT_DIR && (e->d_type != DT_UNKNOWN || stat(child, &st) < 0 || !S_ISDIR(st.st_mode))) continue;
    char *sub = xasprintf("%s/%s", rel, e->d_name);
    collect(mount, sub, out);
    free(sub);
  }
  closedir(d);
}

int cgroup_destroy_path(const char *rel) {
  if (check_path(rel) < 0) return -1;
  bool v2 = cgroup_is_v2();
  struct rels all = {NULL, 0};
  if (v2) {
    collect(g_cgroup_root, rel, &all);
  } else {
    for (size_t i = 0; v1_controllers[i]; i++) {
      char mount[PATH_MAX];
      pathf(mount, sizeof mount, "%s/%s", g_cgroup_root, v1_controllers[i]);
      collect(mount, rel, &all);
    }
  }
  /* Kill top-down (v2 cgroup.kill takes the whole subtree at once); on v1 also whatever a
   * hierarchy other than the freezer still lists. */
  for (size_t i = 0; i < all.n; i++) {
    if (v2) {
      char *dir = xasprintf("%s%s", g_cgroup_root, all.v[i]);
      v2_kill_all(dir, SIGKILL);
      free(dir);
      continue;
    }
    v1_kill_all(all.v[i], SIGKILL);
    for (size_t c = 0; v1_controllers[c]; c++) {
      char procs[PATH_MAX];
      pathf(procs, sizeof procs, "%s/%s%s/cgroup.procs", g_cgroup_root, v1_controllers[c], all.v[i]);
      cgroup_signal_procs(procs, SIGKILL);
    }
  }
  /* Children were collected after their parents: remove in reverse. */
  int rc = 0;
  for (size_t i = all.n; i-- > 0 && rc == 0;) rc = v2 ? v2_destroy(g_cgroup_root, all.v[i], true) : v1_destroy(all.v[i], true);
  for (size_t i = 0; i < all.n; i++) free(all.v[i]);
  free(all.v);
  return rc;
}
