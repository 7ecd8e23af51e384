/* Cgroup v2 driver (unified hierarchy): controllers enabled down the path through
 * cgroup.subtree_control, limits in cpu.max, cpu.weight, memory.max, memory.low,
 * memory.swap.max, pids.max, cpuset.*; device rules as an eBPF program
 * (cgroup_v2_devices.c); cgroup.kill to kill everything; memory.events for OOM kills.
 * What v2 has no file for (disableOOMKiller, network) is refused, not skipped.
 * The mount root is a parameter so tests run it on fixture trees. */
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

static int set(const char *dir, const char *file, const char *value, const char *field) {
  char path[PATH_MAX];
  pathf(path, sizeof path, "%s/%s", dir, file);
  if (write_file_str(path, value) < 0) return cgroup_write_failed(field, path, value);
  return 0;
}

/* The controllers a container's cgroup gets, in the order they are enabled: those its
 * resources need (an error when the parent lacks one), and those the engine's stats read
 * even without a limit (memory.current, memory.stat, io.stat, pids.current, cpu.stat's
 * throttling) — enabled when the parent has them, as runc and crun enable every
 * available controller down the path. */
static const char *const CONTROLLERS[] = {"cpu", "cpuset", "io", "memory", "pids"};
#define N_CONTROLLERS (sizeof CONTROLLERS / sizeof CONTROLLERS[0])

static bool needed(const struct resources *r, const char *controller) {
  if (!strcmp(controller, "cpu")) return r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period;
  if (!strcmp(controller, "cpuset")) return (r->cpuset_cpus && r->cpuset_cpus[0]) || (r->cpuset_mems && r->cpuset_mems[0]);
  if (!strcmp(controller, "memory")) return r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap;
  if (!strcmp(controller, "pids")) return r->has_pids_limit;
  return false;
}

static bool for_stats(const char *controller) {
  return strcmp(controller, "cpuset") != 0;
}

/* Is word one of the space-separated words of list? */
static bool has_word(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *p = list; (p = strstr(p, word)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0')) return true;
  return false;
}

/* Enables in dir's subtree_control the controllers of CONTROLLERS its children get (see
 * above), in one write. If the kernel refuses that write (a controller it cannot enable
 * there, or processes in dir of an absolute cgroupsPath: the no-internal-processes rule),
 * each goes alone and only a needed one's refusal is an error. */
static int enable_controllers(const char *dir, const struct resources *r) {
  char path[PATH_MAX];
  pathf(path, sizeof path, "%s/cgroup.controllers", dir);
  char *avail = read_file(path, NULL);
  if (!avail) return fail_errno("cgroup: read %s", path);
  pathf(path, sizeof path, "%s/cgroup.subtree_control", dir);
  char *enabled = read_file(path, NULL);
  char all[128] = "";
  const char *add[N_CONTROLLERS];
  size_t n = 0;
  for (size_t i = 0; i < N_CONTROLLERS; i++) {
    const char *c = CONTROLLERS[i];
    if (!has_word(avail, c)) {
      if (needed(r, c)) {
        free(avail);
        free(enabled);
        return fail_msg("linux.resources: the %s controller is not available in %s", c, dir);
      }
      continue;
    }
    if (!needed(r, c) && !for_stats(c)) continue;
    if (enabled && has_word(enabled, c)) continue;
    add[n++] = c;
    pathf(all + strlen(all), sizeof all - strlen(all), "%s+%s", all[0] ? " " : "", c);
  }
  free(avail);
  free(enabled);
  if (n == 0 || write_file_str(path, all) == 0) return 0;
  for (size_t i = 0; i < n; i++) {
    char one[32];
    pathf(one, sizeof one, "+%s", add[i]);
    if (write_file_str(path, one) < 0 && needed(r, add[i])) return cgroup_write_failed("cgroup subtree_control", path, one);
  }
  return 0;
}

/* OCI's swap is memory+swap; v2's memory.swap.max is swap alone. */
static int swap_max(const struct resources *r, int64_t *out) {
  if (r->memory_swap == -1) return *out = -1, 0;
  if (!r->has_memory_limit || r->memory_limit <= 0)
    return fail_msg("linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2");
  if (r->memory_swap < r->memory_limit) return fail_msg("linux.resources.memory.swap: below memory.limit");
  *out = r->memory_swap - r->memory_limit;
  return 0;
}

/* ln(x) for x > 0 without libm: x = m·2^k with m in [1, 2), ln m = 2·atanh((m−1)/(m+1)),
 * whose series converges fast for |t| ≤ 1/3. */
static double ln(double x) {
  int k = 0;
  while (x >= 2) x /= 2, k++;
  while (x < 1) x *= 2, k--;
  double t = (x - 1) / (x + 1), t2 = t * t, term = t, sum = 0;
  for (int i = 1; i < 60; i += 2, term *= t2) sum += term / i;
  return 2 * sum + k * 0.69314718055994530942;
}

/* e^y for 0 ≤ y < 16: e^y = 2^n · e^r with r in [0, ln 2), by its Taylor series. */
static double expo(double y) {
  int n = 0;
  while (y >= 0.69314718055994530942) y -= 0.69314718055994530942, n++;
  double term = 1, sum = 1;
  for (int i = 1; i < 30; i++) term *= y / i, sum += term;
  while (n-- > 0) sum *= 2;
  return sum;
}

/* v1 shares (2…262144, default 1024) → v2 cpu.weight (1…10000, default 100) as runc and
 * crun convert them: ⌈10^((l² + 125·l)/612 − 7/34)⌉ with l = log2(shares), a quadratic in
 * l through 2 → 1, 1024 → 100 and 262144 → 10000. The one conversion in Strata (the
 * engine writes no cgroup file), tested on test/fixtures/cgroupfs/shares-to-weight.ts. */
uint64_t cpu_shares_to_weight(uint64_t shares) {
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  double l = ln((double)shares) / 0.69314718055994530942;
  double exponent = (l * l + 125 * l) / 612 - 7.0 / 34;
  /* round away float noise before the ceiling: 10^2.0000000000001 must give 100 */
  long long micro = (long long)(expo(exponent * 2.30258509299404568402) * 1e6 + 0.5);
  uint64_t weight = (uint64_t)((micro + 999999) / 1000000);
  return weight < 1 ? 1 : weight > 10000 ? 10000 : weight;
}

/* v1 settings v2 has nothing for: refused (UNSUPPORTED) before anything is written. */
static int refuse_v1_only(const struct resources *r) {
  if (r->has_oom_kill_disable && r->oom_kill_disable)
    return fail_kind(ERR_UNSUPPORTED, "linux.resources.memory.disableOOMKiller: cgroup v2 has no switch to turn the OOM killer off "
                                      "(a cgroup over memory.max is always OOM-killed); leave it out or false");
  if (r->has_net_class_id || r->n_net_priorities)
    return fail_kind(ERR_UNSUPPORTED, "linux.resources.network: cgroup v2 has no net_cls or net_prio controller "
                                      "(classify traffic by cgroup path with nftables or eBPF instead)");
  return 0;
}

int v2_apply(const char *dir, const struct resources *r) {
  char buf[64];
  if (refuse_v1_only(r) < 0) return -1;
  if (r->has_memory_limit && cgroup_write_limit(dir, "memory.max", r->memory_limit, "max") < 0) return -1;
  if (r->has_memory_reservation && cgroup_write_limit(dir, "memory.low", r->memory_reservation, "max") < 0) return -1;
  if (r->has_memory_swap) {
    int64_t v = 0;
    char file[PATH_MAX];
    pathf(file, sizeof file, "%s/memory.swap.max", dir);
    if (swap_max(r, &v) < 0) return -1;
    /* No memory.swap.max: swap accounting is off, so unlimited swap is already so and a
     * limit cannot be had. */
    bool accounted = access(file, F_OK) == 0;
    if (!accounted && v >= 0)
      return fail_kind(ERR_UNSUPPORTED, "linux.resources.memory.swap: cannot set memory.swap.max to %lld: %s is missing (swap accounting is off on this host)", (long long)v, file);
    if (accounted && cgroup_write_limit(dir, "memory.swap.max", v, "max") < 0) return -1;
  }
  if (r->has_cpu_shares && r->cpu_shares) {
    pathf(buf, sizeof buf, "%llu", (unsigned long long)cpu_shares_to_weight(r->cpu_shares));
    if (set(dir, "cpu.weight", buf, "linux.resources.cpu.shares") < 0) return -1;
  }
  if ((r->has_cpu_quota && r->cpu_quota) || (r->has_cpu_period && r->cpu_period)) {
    uint64_t period = r->has_cpu_period && r->cpu_period ? r->cpu_period : 100000;
    if (r->has_cpu_quota && r->cpu_quota > 0) pathf(buf, sizeof buf, "%lld %llu", (long long)r->cpu_quota, (unsigned long long)period);
    else pathf(buf, sizeof buf, "max %llu", (unsigned long long)period);
    if (set(dir, "cpu.max", buf, "linux.resources.cpu.quota") < 0) return -1;
  }
  if (r->cpuset_cpus && r->cpuset_cpus[0] && set(dir, "cpuset.cpus", r->cpuset_cpus, "linux.resources.cpu.cpus") < 0) return -1;
  if (r->cpuset_mems && r->cpuset_mems[0] && set(dir, "cpuset.mems", r->cpuset_mems, "linux.resources.cpu.mems") < 0) return -1;
  if (r->has_pids_limit && cgroup_write_limit(dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1, "max") < 0) return -1;
  return 0;
}

int v2_create(const char *mount, const char *rel, const struct resources *r, pid_t pid) {
  char dir[PATH_MAX];
  if (refuse_v1_only(r) < 0) return -1;
  pathf(dir, sizeof dir, "%s", mount);
  for (const char *p = rel; *p;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    /* the parent hands the controllers down before the child exists */
    if (enable_controllers(dir, r) < 0) return -1;
    size_t cur = strlen(dir);
    pathf(dir + cur, sizeof dir - cur, "/%.*s", (int)n, p);
    p += n;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) return fail_errno("cgroup mkdir %s", dir);
  }
  /* In a user namespace (rootless, delegated cgroup) the kernel loads no device program
   * (BPF_PROG_LOAD wants CAP_BPF of the host's namespace), nor is one needed: the container
   * can make no device node there and opens the host's with the user's own permissions
   * (as runc and crun, which skip it too). */
  if (v2_apply(dir, r) < 0 || (!runtime_in_userns() && v2_devices_apply(dir, r) < 0)) return -1;
  if (pid > 0) {
    char buf[32];
    pathf(buf, sizeof buf, "%d", pid);
    if (set(dir, "cgroup.procs", buf, "cgroup join") < 0) return -1;
  }
  return 0;
}

int v2_destroy(const char *mount, const char *rel, bool wait) {
  char dir[PATH_MAX];
  pathf(dir, sizeof dir, "%s%s", mount, rel);
  for (int tries = 0;; tries++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY || !wait || tries >= 500) {
      fail_errno("cgroup rmdir %s", dir);
      if (errno == EBUSY) g_err_kind = ERR_CONFLICT; /* still in use: processes or child cgroups */
      return -1;
    }
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

/* cgroup.kill (Linux 5.14) kills the whole subtree atomically; without it, freeze,
 * signal what cgroup.procs lists, thaw. */
int v2_kill_all(const char *dir, int sig) {
  char path[PATH_MAX];
  if (sig == SIGKILL) {
    pathf(path, sizeof path, "%s/cgroup.kill", dir);
    if (access(path, F_OK) == 0) return write_file_str(path, "1");
  }
  char freeze[PATH_MAX];
  pathf(freeze, sizeof freeze, "%s/cgroup.freeze", dir);
  bool frozen = write_file_str(freeze, "1") == 0;
  pathf(path, sizeof path, "%s/cgroup.procs", dir);
  int n = cgroup_signal_procs(path, sig);
  if (frozen) write_file_str(freeze, "0");
  return n;
}

int v2_oom_killed(const char *dir) {
  char path[PATH_MAX];
  pathf(path, sizeof path, "%s/memory.events", dir);
  return oom_kill_recorded(path);
}

/* cgroup.freeze (Linux 5.2); cgroup.events says "frozen 1" once every task has stopped. */
int v2_freeze(const char *dir, bool frozen) {
  char file[PATH_MAX], events[PATH_MAX];
  pathf(file, sizeof file, "%s/cgroup.freeze", dir);
  pathf(events, sizeof events, "%s/cgroup.events", dir);
  if (access(file, F_OK) < 0) return fail_kind(ERR_UNSUPPORTED, "freezer: %s is missing on this host", file);
  if (write_file_str(file, frozen ? "1" : "0") < 0) return -1;
  for (int i = 0; i < 1000; i++) {
    if (v2_frozen(dir) == (frozen ? 1 : 0)) return 0;
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (frozen) {
    write_file_str(file, "0");
    return fail_msg("freezer: %s did not freeze within 5 s; thawed it again", dir);
  }
  return fail_kind(ERR_CONFLICT, "freezer: %s stays frozen: a parent cgroup is frozen", dir);
}

int v2_frozen(const char *dir) {
  char events[PATH_MAX];
  pathf(events, sizeof events, "%s/cgroup.events", dir);
  char *text = read_file(events, NULL);
  if (!text) return -1;
  const char *line = strstr(text, "frozen ");
  int frozen = line && line[7] == '1';
  free(text);
  return frozen;
}
