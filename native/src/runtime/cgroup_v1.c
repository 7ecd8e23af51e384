/* Cgroup v1 driver: one directory per controller hierarchy (<root>/<controller><rel>),
 * limits written to the v1 files, freeze-kill-thaw for killing everything, and
 * memory.oom_control for "did the OOM killer fire" and for turning it off. A setting
 * whose controller is not mounted is refused (UNSUPPORTED), not skipped. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

const char *const v1_controllers[] = {"cpu",     "cpuacct", "cpuset",  "memory",   "pids",
                                      "freezer", "devices", "blkio",   "net_cls", "net_prio", NULL};

static bool mounted(const char *controller) {
  char path[PATH_MAX];
  struct stat st;
  pathf(path, sizeof path, "%s/%s", g_cgroup_root, controller);
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void sleep_ms(long ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* A new cpuset cgroup starts with no cpus and no mems: copy them from the parent. */
static int cpuset_inherit(const char *dir) {
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (int i = 0; i < 2; i++) {
    char parent[PATH_MAX], mine[PATH_MAX];
    pathf(parent, sizeof parent, "%s/../%s", dir, files[i]);
    pathf(mine, sizeof mine, "%s/%s", dir, files[i]);
    char *v = read_file(parent, NULL);
    if (!v) return -1;
    int rc = write_file_str(mine, v[0] == '\n' || !v[0] ? "\n" : v);
    free(v);
    if (rc < 0) return -1;
  }
  return 0;
}

static int make_dirs(const char *controller, const char *rel, char *dir, size_t len) {
  pathf(dir, len, "%s/%s", g_cgroup_root, controller);
  for (const char *p = rel; *p;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    size_t cur = strlen(dir);
    pathf(dir + cur, len - cur, "/%.*s", (int)n, p);
    p += n;
    if (mkdir(dir, 0755) == 0) {
      if (strcmp(controller, "cpuset") == 0 && cpuset_inherit(dir) < 0) return -1;
    } else if (errno != EEXIST) {
      return fail_errno("cgroup mkdir %s", dir);
    }
  }
  return 0;
}

static int set(const char *dir, const char *file, const char *value, const char *field) {
  char path[PATH_MAX];
  pathf(path, sizeof path, "%s/%s", dir, file);
  if (access(path, F_OK) < 0) return fail_kind(ERR_UNSUPPORTED, "%s: %s is missing on this host", field, path);
  if (write_file_str(path, value) < 0) return cgroup_write_failed(field, path, value);
  return 0;
}

static int set_i64(const char *dir, const char *file, int64_t v, const char *field) {
  char buf[32];
  pathf(buf, sizeof buf, "%lld", (long long)v);
  return set(dir, file, buf, field);
}

static int apply_memory(const char *dir, const struct resources *r) {
  if (r->has_memory_limit && set_i64(dir, "memory.limit_in_bytes", r->memory_limit, "linux.resources.memory.limit") < 0) return -1;
  if (r->has_memory_swap &&
      set_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap, "linux.resources.memory.swap (swap accounting)") < 0)
    return -1;
  if (r->has_memory_reservation &&
      set_i64(dir, "memory.soft_limit_in_bytes", r->memory_reservation, "linux.resources.memory.reservation") < 0)
    return -1;
  if (r->has_swappiness && set_i64(dir, "memory.swappiness", (int64_t)r->swappiness, "linux.resources.memory.swappiness") < 0)
    return -1;
  /* 1: a task over the limit waits (under_oom 1) until memory is freed or the limit raised */
  if (r->has_oom_kill_disable && set(dir, "memory.oom_control", r->oom_kill_disable ? "1" : "0", "linux.resources.memory.disableOOMKiller") < 0)
    return -1;
  return 0;
}

/* One "interface priority" line per write: net_prio.ifpriomap takes them one at a time. */
static int apply_net_prio(const char *dir, const struct resources *r) {
  for (size_t i = 0; i < r->n_net_priorities; i++) {
    char line[64];
    pathf(line, sizeof line, "%s %u", r->net_priorities[i].name, r->net_priorities[i].priority);
    if (set(dir, "net_prio.ifpriomap", line, "linux.resources.network.priorities") < 0) return -1;
  }
  return 0;
}

static int apply_cpu(const char *dir, const struct resources *r) {
  if (r->has_cpu_shares && r->cpu_shares && set_i64(dir, "cpu.shares", (int64_t)r->cpu_shares, "linux.resources.cpu.shares") < 0)
    return -1;
  if (r->has_cpu_period && r->cpu_period &&
      set_i64(dir, "cpu.cfs_period_us", (int64_t)r->cpu_period, "linux.resources.cpu.period") < 0)
    return -1;
  if (r->has_cpu_quota && r->cpu_quota &&
      set_i64(dir, "cpu.cfs_quota_us", r->cpu_quota < 0 ? -1 : r->cpu_quota, "linux.resources.cpu.quota") < 0)
    return -1;
  return 0;
}

/* The kernel keeps v1 rules as a list edited in order, so writing them in order gives
 * "the last matching rule decides". */
static int apply_devices(const char *dir, const struct resources *r) {
  size_t n;
  struct device_rule *rules = device_rules_effective(r, &n);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    char text[64];
    device_rule_v1(&rules[i], text, sizeof text);
    rc = set(dir, rules[i].allow ? "devices.allow" : "devices.deny", text, "linux.resources.devices");
  }
  free(rules);
  return rc;
}

static int apply(const char *controller, const char *dir, const struct resources *r) {
  if (strcmp(controller, "memory") == 0) return apply_memory(dir, r);
  if (strcmp(controller, "cpu") == 0) return apply_cpu(dir, r);
  if (strcmp(controller, "cpuset") == 0) {
    if (r->cpuset_cpus && r->cpuset_cpus[0] && set(dir, "cpuset.cpus", r->cpuset_cpus, "linux.resources.cpu.cpus") < 0) return -1;
    if (r->cpuset_mems && r->cpuset_mems[0] && set(dir, "cpuset.mems", r->cpuset_mems, "linux.resources.cpu.mems") < 0) return -1;
  }
  if (strcmp(controller, "pids") == 0 && r->has_pids_limit)
    return set(dir, "pids.max", r->pids_limit > 0 ? xasprintf("%lld", (long long)r->pids_limit) : "max", "linux.resources.pids.limit");
  if (strcmp(controller, "devices") == 0) return apply_devices(dir, r);
  if (strcmp(controller, "net_cls") == 0 && r->has_net_class_id)
    return set_i64(dir, "net_cls.classid", r->net_class_id, "linux.resources.network.classID");
  if (strcmp(controller, "net_prio") == 0) return apply_net_prio(dir, r);
  return 0;
}

/* Settings only one controller can carry out: without it mounted they would be lost.
 * (net_cls and net_prio are mounted on few hosts: systemd stopped doing it.) */
static int refuse_unmounted(const struct resources *r) {
  const char *field = NULL, *controller = NULL;
  if (r->has_oom_kill_disable && r->oom_kill_disable && !mounted("memory"))
    field = "linux.resources.memory.disableOOMKiller", controller = "memory";
  else if (r->has_net_class_id && !mounted("net_cls")) field = "linux.resources.network.classID", controller = "net_cls";
  else if (r->n_net_priorities && !mounted("net_prio")) field = "linux.resources.network.priorities", controller = "net_prio";
  if (!field) return 0;
  return fail_kind(ERR_UNSUPPORTED, "%s: the cgroup v1 %s controller is not mounted on this host (no %s/%s)", field, controller,
                   g_cgroup_root, controller);
}

int v1_create(const char *rel, const struct resources *r, pid_t pid) {
  if (refuse_unmounted(r) < 0) return -1;
  for (size_t i = 0; v1_controllers[i]; i++) {
    const char *c = v1_controllers[i];
    if (!mounted(c)) continue;
    char dir[PATH_MAX];
    if (make_dirs(c, rel, dir, sizeof dir) < 0) return -1;
    if (apply(c, dir, r) < 0) return -1;
    if (pid > 0) {
      char p[32];
      pathf(p, sizeof p, "%d", pid);
      if (set(dir, "cgroup.procs", p, "cgroup join") < 0) return -1;
    }
  }
  return 0;
}

int v1_destroy(const char *rel, bool wait) {
  int rc = 0;
  for (size_t i = 0; v1_controllers[i]; i++) {
    if (!mounted(v1_controllers[i])) continue;
    char dir[PATH_MAX];
    pathf(dir, sizeof dir, "%s/%s%s", g_cgroup_root, v1_controllers[i], rel);
    /* Processes leave their cgroups a moment after they exit. */
    for (int tries = 0;; tries++) {
      if (rmdir(dir) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || !wait || tries >= 500) {
        rc = fail_errno("cgroup rmdir %s", dir);
        if (errno == EBUSY) g_err_kind = ERR_CONFLICT; /* still in use: processes or child cgroups */
        break;
      }
      sleep_ms(10);
    }
  }
  return rc;
}

/* An empty cgroup: nothing in it to fork, so no freeze is needed. Only a write to its
 * cgroup.procs can add a process (an exec joins a running container, never an empty one). */
static bool procs_empty(const char *procs) {
  char *text = read_file(procs, NULL);
  bool empty = text != NULL && text[strspn(text, " \n")] == '\0';
  free(text);
  return empty;
}

/* Freeze first so nothing forks between reading cgroup.procs and the kill. A stopped
 * container's cgroup (every `delete`) is empty and is not frozen: freezing toggles a kernel
 * static key whose code patching costs a few ms, a quarter of a `run`, on a VM. */
int v1_kill_all(const char *rel, int sig) {
  char freezer[PATH_MAX], procs[PATH_MAX];
  pathf(freezer, sizeof freezer, "%s/freezer%s", g_cgroup_root, rel);
  bool frozen = false;
  if (mounted("freezer") && access(freezer, F_OK) == 0) {
    pathf(procs, sizeof procs, "%s/cgroup.procs", freezer);
    if (procs_empty(procs)) return 0;
    char state[PATH_MAX];
    pathf(state, sizeof state, "%s/freezer.state", freezer);
    if (write_file_str(state, "FROZEN") == 0) {
      frozen = true;
      for (int i = 0; i < 200; i++) {
        char *v = read_file(state, NULL);
        bool done = v && strncmp(v, "FROZEN", 6) == 0;
        free(v);
        if (done) break;
        sleep_ms(5);
      }
    }
    pathf(procs, sizeof procs, "%s/cgroup.procs", freezer);
  } else {
    pathf(procs, sizeof procs, "%s/pids%s/cgroup.procs", g_cgroup_root, rel);
  }
  int n = cgroup_signal_procs(procs, sig);
  if (frozen) {
    char state[PATH_MAX];
    pathf(state, sizeof state, "%s/freezer.state", freezer);
    write_file_str(state, "THAWED");
  }
  return n;
}

int v1_oom_killed(const char *rel) {
  char path[PATH_MAX];
  pathf(path, sizeof path, "%s/memory%s/memory.oom_control", g_cgroup_root, rel);
  return oom_kill_recorded(path);
}

/* freezer.state reads FREEZING until every task has stopped (one in uninterruptible sleep
 * can hold it there), so wait for FROZEN, re-asserting it now and then: a task that forked
 * mid-freeze is caught by the next write. A freeze that does not finish is undone. */
int v1_freeze(const char *rel, bool frozen) {
  char dir[PATH_MAX], state[PATH_MAX];
  pathf(dir, sizeof dir, "%s/freezer%s", g_cgroup_root, rel);
  pathf(state, sizeof state, "%s/freezer.state", dir);
  if (!mounted("freezer") || access(state, F_OK) < 0)
    return fail_kind(ERR_UNSUPPORTED, "freezer: %s is missing on this host", state);
  const char *want = frozen ? "FROZEN" : "THAWED";
  if (write_file_str(state, want) < 0) return -1;
  for (int i = 0; i < 1000; i++) {
    char *v = read_file(state, NULL);
    bool done = v && strncmp(v, want, strlen(want)) == 0;
    free(v);
    if (done) return 0;
    if (frozen && i % 25 == 24 && write_file_str(state, want) < 0) return -1;
    sleep_ms(5);
  }
  if (frozen) {
    write_file_str(state, "THAWED");
    return fail_msg("freezer: %s did not freeze within 5 s (a task stuck in uninterruptible sleep?); thawed it again", dir);
  }
  return fail_kind(ERR_CONFLICT, "freezer: %s stays frozen: a parent cgroup is frozen", dir);
}

int v1_frozen(const char *rel) {
  char state[PATH_MAX];
  pathf(state, sizeof state, "%s/freezer%s/freezer.state", g_cgroup_root, rel);
  char *v = read_file(state, NULL);
  if (!v) return -1;
  int frozen = strncmp(v, "THAWED", 6) != 0;
  free(v);
  return frozen;
}

/* memory.limit_in_bytes must stay ≤ memory.memsw.limit_in_bytes after each write: raise
 * memsw first when the new memory limit is above the current memsw, else memory first. */
static int update_memory(const char *dir, const struct resources *r) {
  char memsw[PATH_MAX];
  pathf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", dir);
  bool accounting = access(memsw, F_OK) == 0;
  if (r->has_memory_swap && r->memory_swap != -1 && !accounting)
    return fail_kind(ERR_UNSUPPORTED, "linux.resources.memory.swap: swap accounting is off in this kernel (boot with swapaccount=1)");
  struct resources rest = *r;
  rest.has_memory_limit = rest.has_memory_swap = false;
  if (!r->has_memory_limit) return apply_memory(dir, &rest);
  uint64_t current = UINT64_MAX;
  if (accounting) {
    char *v = read_file(memsw, NULL);
    if (v) current = strtoull(v, NULL, 10);
    free(v);
  }
  uint64_t want = r->memory_limit < 0 ? UINT64_MAX : (uint64_t)r->memory_limit;
  bool has_swap = r->has_memory_swap;
  int64_t swap = r->memory_swap;
  /* docker: no memory limit means no memory+swap limit either */
  if (!has_swap && r->memory_limit < 0 && accounting && current < UINT64_MAX / 2) has_swap = true, swap = -1;
  if (!has_swap && accounting && want > current)
    return fail_kind(ERR_INVALID, "linux.resources.memory.limit %lld is above the memory+swap limit %llu: give memory.swap too",
                     (long long)r->memory_limit, (unsigned long long)current);
  if (has_swap && accounting && want > current) {
    if (set_i64(dir, "memory.memsw.limit_in_bytes", swap, "linux.resources.memory.swap") < 0) return -1;
    if (set_i64(dir, "memory.limit_in_bytes", r->memory_limit, "linux.resources.memory.limit") < 0) return -1;
  } else {
    if (set_i64(dir, "memory.limit_in_bytes", r->memory_limit, "linux.resources.memory.limit") < 0) return -1;
    if (has_swap && accounting && set_i64(dir, "memory.memsw.limit_in_bytes", swap, "linux.resources.memory.swap") < 0) return -1;
  }
  return apply_memory(dir, &rest);
}

/* New limits for an existing container: each controller's directory must be there. */
int v1_update(const char *rel, const struct resources *r) {
  if (refuse_unmounted(r) < 0) return -1;
  for (size_t i = 0; v1_controllers[i]; i++) {
    const char *c = v1_controllers[i];
    if (!mounted(c) || strcmp(c, "devices") == 0) continue;
    char dir[PATH_MAX];
    pathf(dir, sizeof dir, "%s/%s%s", g_cgroup_root, c, rel);
    if (access(dir, F_OK) < 0) return fail_kind(ERR_NOT_FOUND, "cgroup %s does not exist", dir);
    int rc = strcmp(c, "memory") == 0 ? update_memory(dir, r) : apply(c, dir, r);
    if (rc < 0) return -1;
  }
  return 0;
}
