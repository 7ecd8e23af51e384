/* config.json: the "linux" object — namespaces, id mappings, devices, masked and
 * read-only paths, propagation, sysctl, resources and cgroupsPath. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime.h"

unsigned long propagation_from_name(const char *name);

static int u32(const struct json *obj, const char *key, const char *field, uint32_t *out) {
  uint64_t n;
  const struct json *v = json_get(obj, key);
  if (!v) return fail_msg("config.json: %s.%s: required", field, key);
  if (json_uint64(v, &n) < 0 || n > UINT32_MAX) return fail_msg("config.json: %s.%s: must be a 32-bit unsigned integer", field, key);
  *out = (uint32_t)n;
  return 0;
}

static int parse_namespaces(const struct json *v, struct spec *s) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_ARRAY) return fail_msg("config.json: linux.namespaces: must be an array");
  for (size_t i = 0; i < v->len; i++) {
    char field[64], *type, *path;
    snprintf(field, sizeof field, "linux.namespaces[%zu]", i);
    char f[80];
    snprintf(f, sizeof f, "%s.type", field);
    if (spec_str(v->items[i], "type", f, true, &type) < 0) return -1;
    int flag = ns_flag_from_name(type);
    if (flag < 0) return fail_msg("config.json: %s: unknown namespace type %s", f, type);
    if (spec_has_ns(s, flag, NULL)) return fail_msg("config.json: %s: namespace %s listed twice", f, type);
    snprintf(f, sizeof f, "%s.path", field);
    if (spec_str(v->items[i], "path", f, false, &path) < 0) return -1;
    if (path && !path[0]) path = NULL;
    if (path && path[0] != '/') return fail_msg("config.json: %s: must be an absolute path", f);
    if (flag == 0) return fail_kind(ERR_UNSUPPORTED, "config.json: %s: namespace type %s is not supported", field, type);
    s->ns[s->n_ns].flag = flag;
    s->ns[s->n_ns++].path = path;
  }
  return 0;
}

static int parse_maps(const struct json *v, const char *field, struct id_map *maps, size_t *n) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_ARRAY) return fail_msg("config.json: %s: must be an array", field);
  if (v->len > 16) return fail_msg("config.json: %s: at most 16 mappings", field);
  for (size_t i = 0; i < v->len; i++) {
    char f[64];
    snprintf(f, sizeof f, "%s[%zu]", field, i);
    if (u32(v->items[i], "containerID", f, &maps[i].container_id) < 0 || u32(v->items[i], "hostID", f, &maps[i].host_id) < 0 ||
        u32(v->items[i], "size", f, &maps[i].size) < 0)
      return -1;
  }
  *n = v->len;
  return 0;
}

static int parse_devices(const struct json *v, struct spec *s) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_ARRAY) return fail_msg("config.json: linux.devices: must be an array");
  s->devices = xcalloc(v->len, sizeof *s->devices);
  for (size_t i = 0; i < v->len; i++) {
    const struct json *d = v->items[i];
    struct device_entry *e = &s->devices[s->n_devices++];
    char f[64], *type;
    snprintf(f, sizeof f, "linux.devices[%zu]", i);
    char ff[80];
    snprintf(ff, sizeof ff, "%s.path", f);
    if (spec_str(d, "path", ff, true, &e->path) < 0) return -1;
    if (e->path[0] != '/') return fail_msg("config.json: %s: must be an absolute path", ff);
    snprintf(ff, sizeof ff, "%s.type", f);
    if (spec_str(d, "type", ff, true, &type) < 0) return -1;
    if (strlen(type) != 1 || !strchr("cbup", type[0])) return fail_msg("config.json: %s: must be c, b, u or p", ff);
    e->type = type[0];
    if (e->type != 'p') {
      if (json_int64(json_get(d, "major"), &e->major) < 0 || json_int64(json_get(d, "minor"), &e->minor) < 0)
        return fail_msg("config.json: %s: major and minor are required integers", f);
    }
    uint64_t n;
    const struct json *x;
    e->mode = 0666;
    if ((x = json_get(d, "fileMode")) && x->type != JSON_NULL) {
      if (json_uint64(x, &n) < 0 || n > 07777) return fail_msg("config.json: %s.fileMode: must be a mode", f);
      e->mode = (mode_t)n;
    }
    if ((x = json_get(d, "uid")) && x->type != JSON_NULL) {
      if (json_uint64(x, &n) < 0 || n > UINT32_MAX) return fail_msg("config.json: %s.uid: must be a uid", f);
      e->uid = (uid_t)n;
    }
    if ((x = json_get(d, "gid")) && x->type != JSON_NULL) {
      if (json_uint64(x, &n) < 0 || n > UINT32_MAX) return fail_msg("config.json: %s.gid: must be a gid", f);
      e->gid = (gid_t)n;
    }
  }
  return 0;
}

static int opt_i64(const struct json *obj, const char *key, const char *field, bool *has, int64_t *out) {
  const struct json *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) return 0;
  if (json_int64(v, out) < 0) return fail_msg("config.json: %s: must be an integer", field);
  *has = true;
  return 0;
}

static int opt_u64(const struct json *obj, const char *key, const char *field, bool *has, uint64_t *out) {
  const struct json *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) return 0;
  if (json_uint64(v, out) < 0) return fail_msg("config.json: %s: must be an unsigned integer", field);
  *has = true;
  return 0;
}

/* Rules keep their order: the last one matching an access decides (v1 semantics, and
 * what the v2 program is generated to do). Type "a" is kept only as the reset it is in
 * v1 ("a" = every device, rwm); with numbers or partial access it becomes a c and a b rule,
 * which both drivers read the same way. */
static int parse_device_rules(const struct json *v, struct resources *res) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_ARRAY) return fail_msg("config.json: linux.resources.devices: must be an array");
  res->has_device_rules = true;
  res->device_rules = xcalloc(2 * v->len + 1, sizeof *res->device_rules);
  for (size_t i = 0; i < v->len; i++) {
    const struct json *d = v->items[i];
    char f[64], *type = NULL, *access = NULL;
    snprintf(f, sizeof f, "linux.resources.devices[%zu]", i);
    const struct json *a = json_get(d, "allow");
    if (!a || a->type != JSON_BOOL) return fail_msg("config.json: %s.allow: required boolean", f);
    if (spec_str(d, "type", f, false, &type) < 0 || spec_str(d, "access", f, false, &access) < 0) return -1;
    if (type && (strlen(type) != 1 || !strchr("acb", type[0]))) return fail_msg("config.json: %s.type: must be a, c or b", f);
    if (access && strspn(access, "rwm") != strlen(access)) return fail_msg("config.json: %s.access: letters r, w, m only", f);
    int64_t major = -1, minor = -1;
    bool has = false;
    if (opt_i64(d, "major", f, &has, &major) < 0 || opt_i64(d, "minor", f, &has, &minor) < 0) return -1;
    if (major > INT32_MAX || minor > INT32_MAX) return fail_msg("config.json: %s: major and minor must be below 2^31", f);
    struct device_rule r = {.allow = a->boolean, .type = type ? type[0] : 'a', .major = major < 0 ? -1 : major,
                            .minor = minor < 0 ? -1 : minor, .access = DEV_ACC_ALL};
    if (access && access[0]) {
      r.access = 0;
      for (const char *c = access; *c; c++) r.access |= *c == 'r' ? DEV_ACC_READ : *c == 'w' ? DEV_ACC_WRITE : DEV_ACC_MKNOD;
    }
    if (r.type == 'a' && (r.major >= 0 || r.minor >= 0 || r.access != DEV_ACC_ALL)) {
      r.type = 'c';
      res->device_rules[res->n_device_rules++] = r;
      r.type = 'b';
    }
    res->device_rules[res->n_device_rules++] = r;
  }
  return 0;
}

/* network: v1's net_cls and net_prio (the drivers refuse it where they are missing). */
static int parse_network(const struct json *n, struct resources *res) {
  if (!n || n->type == JSON_NULL) return 0;
  if (n->type != JSON_OBJECT) return fail_msg("config.json: linux.resources.network: must be an object");
  uint64_t id;
  if (opt_u64(n, "classID", "linux.resources.network.classID", &res->has_net_class_id, &id) < 0) return -1;
  if (res->has_net_class_id && id > UINT32_MAX) return fail_msg("config.json: linux.resources.network.classID: must be a 32-bit unsigned integer");
  res->net_class_id = (uint32_t)id;
  const struct json *p = json_get(n, "priorities");
  if (!p || p->type == JSON_NULL) return 0;
  if (p->type != JSON_ARRAY) return fail_msg("config.json: linux.resources.network.priorities: must be an array");
  res->net_priorities = xcalloc(p->len + 1, sizeof *res->net_priorities);
  for (size_t i = 0; i < p->len; i++) {
    struct net_priority *e = &res->net_priorities[res->n_net_priorities++];
    char f[64], ff[80];
    snprintf(f, sizeof f, "linux.resources.network.priorities[%zu]", i);
    snprintf(ff, sizeof ff, "%s.name", f);
    if (spec_str(p->items[i], "name", ff, true, &e->name) < 0) return -1;
    /* IFNAMSIZ, and nothing that would split the "name priority" line net_prio reads */
    if (!e->name[0] || strlen(e->name) > 15 || strpbrk(e->name, " \t\n/:"))
      return fail_msg("config.json: %s: not an interface name", ff);
    if (u32(p->items[i], "priority", f, &e->priority) < 0) return -1;
  }
  return 0;
}

int spec_parse_resources(const struct json *r, struct resources *res) {
  if (!r || r->type == JSON_NULL) return 0;
  if (r->type != JSON_OBJECT) return fail_msg("config.json: linux.resources: must be an object");
  for (size_t i = 0; i < r->len; i++)
    if (strcmp(r->keys[i], "devices") != 0) res->given = true;
  const struct json *m = json_get(r, "memory");
  if (m && m->type == JSON_OBJECT) {
    if (opt_i64(m, "limit", "linux.resources.memory.limit", &res->has_memory_limit, &res->memory_limit) < 0 ||
        opt_i64(m, "reservation", "linux.resources.memory.reservation", &res->has_memory_reservation, &res->memory_reservation) < 0 ||
        opt_i64(m, "swap", "linux.resources.memory.swap", &res->has_memory_swap, &res->memory_swap) < 0 ||
        opt_u64(m, "swappiness", "linux.resources.memory.swappiness", &res->has_swappiness, &res->swappiness) < 0)
      return -1;
    if (res->has_memory_limit && res->memory_limit < -1) return fail_msg("config.json: linux.resources.memory.limit: must be -1 or positive");
    if (res->has_memory_swap && res->has_memory_limit && res->memory_swap > 0 && res->memory_limit > 0 && res->memory_swap < res->memory_limit)
      return fail_msg("config.json: linux.resources.memory.swap: must be at least memory.limit (it counts memory + swap)");
    if (res->has_swappiness && res->swappiness > 100) return fail_msg("config.json: linux.resources.memory.swappiness: 0 to 100");
    const struct json *oom = json_get(m, "disableOOMKiller");
    res->has_oom_kill_disable = oom && oom->type != JSON_NULL;
    if (spec_bool(m, "disableOOMKiller", "linux.resources.memory.disableOOMKiller", &res->oom_kill_disable) < 0) return -1;
  }
  const struct json *c = json_get(r, "cpu");
  if (c && c->type == JSON_OBJECT) {
    if (opt_u64(c, "shares", "linux.resources.cpu.shares", &res->has_cpu_shares, &res->cpu_shares) < 0 ||
        opt_i64(c, "quota", "linux.resources.cpu.quota", &res->has_cpu_quota, &res->cpu_quota) < 0 ||
        opt_u64(c, "period", "linux.resources.cpu.period", &res->has_cpu_period, &res->cpu_period) < 0 ||
        spec_str(c, "cpus", "linux.resources.cpu.cpus", false, &res->cpuset_cpus) < 0 ||
        spec_str(c, "mems", "linux.resources.cpu.mems", false, &res->cpuset_mems) < 0)
      return -1;
    if (res->has_cpu_shares && res->cpu_shares != 0 && (res->cpu_shares < 2 || res->cpu_shares > 262144))
      return fail_msg("config.json: linux.resources.cpu.shares: 2 to 262144");
    if (res->has_cpu_period && res->cpu_period != 0 && (res->cpu_period < 1000 || res->cpu_period > 1000000))
      return fail_msg("config.json: linux.resources.cpu.period: 1000 to 1000000 µs");
    if (res->has_cpu_quota && res->cpu_quota > 0 && res->cpu_quota < 1000)
      return fail_msg("config.json: linux.resources.cpu.quota: at least 1000 µs, or -1 for none");
    if (json_get(c, "realtimeRuntime") || json_get(c, "realtimePeriod"))
      return fail_kind(ERR_UNSUPPORTED, "config.json: linux.resources.cpu.realtimeRuntime: not supported");
  }
  const struct json *p = json_get(r, "pids");
  if (p && p->type == JSON_OBJECT && opt_i64(p, "limit", "linux.resources.pids.limit", &res->has_pids_limit, &res->pids_limit) < 0)
    return -1;
  static const char *const unsupported[] = {"blockIO", "hugepageLimits", "rdma"};
  for (size_t i = 0; i < 3; i++) {
    const struct json *u = json_get(r, unsupported[i]);
    if (u && u->type != JSON_NULL && u->len) return fail_kind(ERR_UNSUPPORTED, "config.json: linux.resources.%s: not supported", unsupported[i]);
  }
  if (parse_network(json_get(r, "network"), res) < 0) return -1;
  return parse_device_rules(json_get(r, "devices"), res);
}

static int parse_sysctl(const struct json *v, struct spec *s) {
  if (!v || v->type == JSON_NULL) {
    s->sysctl_keys = xcalloc(1, sizeof(char *));
    s->sysctl_values = xcalloc(1, sizeof(char *));
    return 0;
  }
  if (v->type != JSON_OBJECT) return fail_msg("config.json: linux.sysctl: must be an object");
  s->sysctl_keys = xcalloc(v->len + 1, sizeof(char *));
  s->sysctl_values = xcalloc(v->len + 1, sizeof(char *));
  for (size_t i = 0; i < v->len; i++) {
    const char *k = v->keys[i];
    if (v->items[i]->type != JSON_STRING) return fail_msg("config.json: linux.sysctl.%s: must be a string", k);
    if (!k[0] || strstr(k, "..") || k[0] == '.' || k[0] == '/')
      return fail_msg("config.json: linux.sysctl.%s: not a sysctl name", k);
    s->sysctl_keys[i] = (char *)k;
    s->sysctl_values[i] = v->items[i]->str;
  }
  return 0;
}

int spec_parse_linux(const struct json *lx, struct spec *s) {
  if (parse_namespaces(json_get(lx, "namespaces"), s) < 0) return -1;
  if (parse_maps(json_get(lx, "uidMappings"), "linux.uidMappings", s->uid_maps, &s->n_uid_maps) < 0) return -1;
  if (parse_maps(json_get(lx, "gidMappings"), "linux.gidMappings", s->gid_maps, &s->n_gid_maps) < 0) return -1;
  if (parse_devices(json_get(lx, "devices"), s) < 0) return -1;
  if (spec_str_array(json_get(lx, "maskedPaths"), "linux.maskedPaths", &s->masked_paths) < 0) return -1;
  if (spec_str_array(json_get(lx, "readonlyPaths"), "linux.readonlyPaths", &s->readonly_paths) < 0) return -1;
  char *prop;
  if (spec_str(lx, "rootfsPropagation", "linux.rootfsPropagation", false, &prop) < 0) return -1;
  if (prop && prop[0]) {
    s->rootfs_propagation = propagation_from_name(prop);
    if (!s->rootfs_propagation) return fail_msg("config.json: linux.rootfsPropagation: unknown value %s", prop);
  }
  if (parse_sysctl(json_get(lx, "sysctl"), s) < 0) return -1;
  if (spec_parse_resources(json_get(lx, "resources"), &s->res) < 0) return -1;
  if (spec_str(lx, "cgroupsPath", "linux.cgroupsPath", false, &s->cgroups_path) < 0) return -1;
  if (s->cgroups_path && strchr(s->cgroups_path, ':'))
    return fail_kind(ERR_UNSUPPORTED, "config.json: linux.cgroupsPath: the systemd form slice:prefix:name is not supported");
  if (s->cgroups_path && strstr(s->cgroups_path, ".."))
    return fail_msg("config.json: linux.cgroupsPath: must not contain ..");
  if (seccomp_parse(json_get(lx, "seccomp"), &s->seccomp) < 0) return -1;
  const struct json *personality = json_get(lx, "personality");
  if (personality && personality->type != JSON_NULL) return fail_kind(ERR_UNSUPPORTED, "config.json: linux.personality: not supported");
  return 0;
}
