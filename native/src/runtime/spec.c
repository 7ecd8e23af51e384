/* config.json: the top level, process, root, hostname and mounts. Anything the runtime
 * cannot honour is refused here, at create, with the field's path in the message. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime.h"

bool g_spec_lenient;

int spec_str(const struct json *obj, const char *key, const char *field, bool required, char **out) {
  const struct json *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) {
    if (required) return fail_msg("config.json: %s: required", field);
    *out = NULL;
    return 0;
  }
  if (v->type != JSON_STRING) return fail_msg("config.json: %s: must be a string, not %s", field, json_type_name(v->type));
  if (strlen(v->str) != v->len) return fail_msg("config.json: %s: contains a NUL byte", field);
  *out = v->str;
  return 0;
}

int spec_bool(const struct json *obj, const char *key, const char *field, bool *out) {
  const struct json *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_BOOL) return fail_msg("config.json: %s: must be a boolean", field);
  *out = v->boolean;
  return 0;
}

int spec_str_array(const struct json *v, const char *field, char ***out) {
  if (!v || v->type == JSON_NULL) {
    *out = xcalloc(1, sizeof(char *));
    return 0;
  }
  if (v->type != JSON_ARRAY) return fail_msg("config.json: %s: must be an array of strings", field);
  char **arr = xcalloc(v->len + 1, sizeof *arr);
  for (size_t i = 0; i < v->len; i++) {
    const struct json *e = v->items[i];
    if (e->type != JSON_STRING || strlen(e->str) != e->len)
      return fail_msg("config.json: %s[%zu]: must be a string", field, i);
    arr[i] = e->str;
  }
  *out = arr;
  return 0;
}

static int u32_field(const struct json *obj, const char *key, const char *field, uint32_t *out) {
  const struct json *v = json_get(obj, key);
  uint64_t n;
  if (!v) return fail_msg("config.json: %s: required", field);
  if (json_uint64(v, &n) < 0 || n > UINT32_MAX) return fail_msg("config.json: %s: must be a 32-bit unsigned integer", field);
  *out = (uint32_t)n;
  return 0;
}

static int parse_caps(const struct json *caps, struct spec *s) {
  static const char *const sets[CAP_SETS] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
  if (!caps || caps->type == JSON_NULL) return 0;
  if (caps->type != JSON_OBJECT) return fail_msg("config.json: process.capabilities: must be an object");
  s->has_caps = true;
  for (int i = 0; i < CAP_SETS; i++) {
    char field[64], **names;
    snprintf(field, sizeof field, "process.capabilities.%s", sets[i]);
    if (spec_str_array(json_get(caps, sets[i]), field, &names) < 0) return -1;
    for (size_t j = 0; names[j]; j++) {
      int cap = cap_from_name(names[j]);
      if (cap < 0) return fail_msg("config.json: %s: unknown capability %s", field, names[j]);
      if (cap < 64) s->caps[i] |= 1ULL << cap;
    }
    free(names);
  }
  return 0;
}

static int parse_rlimits(const struct json *v, struct spec *s) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_ARRAY) return fail_msg("config.json: process.rlimits: must be an array");
  s->rlimits = xcalloc(v->len, sizeof *s->rlimits);
  for (size_t i = 0; i < v->len; i++) {
    char *type = NULL;
    char field[64];
    snprintf(field, sizeof field, "process.rlimits[%zu]", i);
    if (spec_str(v->items[i], "type", field, true, &type) < 0) return -1;
    int r = rlimit_from_name(type);
    if (r < 0) return fail_msg("config.json: %s.type: unknown rlimit %s", field, type);
    struct rlimit_entry *e = &s->rlimits[s->n_rlimits++];
    e->resource = r;
    if (json_uint64(json_get(v->items[i], "soft"), &e->soft) < 0 ||
        json_uint64(json_get(v->items[i], "hard"), &e->hard) < 0)
      return fail_msg("config.json: %s: soft and hard must be unsigned integers", field);
    if (e->soft > e->hard) return fail_msg("config.json: %s: soft is above hard", field);
  }
  return 0;
}

/* consoleSize {height, width}: the terminal's rows and columns at start (TIOCSWINSZ). */
static int parse_console_size(const struct json *v, struct spec *s) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_OBJECT) return fail_kind(ERR_INVALID, "config.json: process.consoleSize: must be an object");
  uint64_t h = 0, w = 0;
  const struct json *hv = json_get(v, "height"), *wv = json_get(v, "width");
  if ((hv && json_uint64(hv, &h) < 0) || (wv && json_uint64(wv, &w) < 0) || h > 65535 || w > 65535)
    return fail_kind(ERR_INVALID, "config.json: process.consoleSize: height and width must be integers from 0 to 65535");
  s->has_console_size = true;
  s->console_rows = (unsigned short)h;
  s->console_cols = (unsigned short)w;
  return 0;
}

/* cwd_required: config.json must name it; a process file for exec may leave it out ("/"). */
static int parse_process(const struct json *p, struct spec *s, bool cwd_required) {
  if (!p || p->type != JSON_OBJECT) return fail_msg("config.json: process: required object");
  if (spec_bool(p, "terminal", "process.terminal", &s->terminal) < 0) return -1;
  if (parse_console_size(json_get(p, "consoleSize"), s) < 0) return -1;
  if (spec_str_array(json_get(p, "args"), "process.args", &s->args) < 0) return -1;
  if (!s->args[0]) return fail_msg("config.json: process.args: must not be empty");
  if (spec_str_array(json_get(p, "env"), "process.env", &s->env) < 0) return -1;
  if (spec_str(p, "cwd", "process.cwd", cwd_required, &s->cwd) < 0) return -1;
  if (!s->cwd) s->cwd = "/";
  if (s->cwd[0] != '/') return fail_msg("config.json: process.cwd: must be an absolute path");
  /* chdir takes no longer path; nor would it be made (mkdir_p) in the rootfs first */
  if (strlen(s->cwd) >= PATH_MAX) return fail_msg("config.json: process.cwd: longer than PATH_MAX (%d bytes)", PATH_MAX);
  const struct json *user = json_get(p, "user");
  if (user && user->type == JSON_OBJECT) {
    uint32_t id = 0;
    if (json_get(user, "uid") && u32_field(user, "uid", "process.user.uid", &id) < 0) return -1;
    s->uid = id;
    id = 0;
    if (json_get(user, "gid") && u32_field(user, "gid", "process.user.gid", &id) < 0) return -1;
    s->gid = id;
    const struct json *g = json_get(user, "additionalGids");
    if (g && g->type == JSON_ARRAY) {
      s->additional_gids = xcalloc(g->len, sizeof(gid_t));
      for (size_t i = 0; i < g->len; i++) {
        uint64_t n;
        if (json_uint64(g->items[i], &n) < 0 || n > UINT32_MAX)
          return fail_msg("config.json: process.user.additionalGids[%zu]: must be a gid", i);
        s->additional_gids[s->n_additional_gids++] = (gid_t)n;
      }
    } else if (g && g->type != JSON_NULL) {
      return fail_msg("config.json: process.user.additionalGids: must be an array");
    }
    if (json_get(user, "username")) return fail_msg("config.json: process.user.username: only for Windows");
  } else if (user && user->type != JSON_NULL) {
    return fail_msg("config.json: process.user: must be an object");
  }
  if (parse_caps(json_get(p, "capabilities"), s) < 0) return -1;
  if (parse_rlimits(json_get(p, "rlimits"), s) < 0) return -1;
  if (spec_bool(p, "noNewPrivileges", "process.noNewPrivileges", &s->no_new_privileges) < 0) return -1;
  const struct json *oom = json_get(p, "oomScoreAdj");
  if (oom && oom->type != JSON_NULL) {
    int64_t n;
    if (json_int64(oom, &n) < 0 || n < -1000 || n > 1000)
      return fail_msg("config.json: process.oomScoreAdj: must be an integer from -1000 to 1000");
    s->has_oom_score_adj = true;
    s->oom_score_adj = (int)n;
  }
  /* apparmorProfile, selinuxLabel: ignored, as on a host where those LSMs do not enforce */
  return 0;
}

/* Mount options → flags; options the kernel does not know as flags go to data. */
struct mount_opt {
  const char *name;
  bool clear;
  unsigned long flag;
};
static const struct mount_opt mount_opts[] = {
    {"ro", false, MS_RDONLY},         {"rw", true, MS_RDONLY},          {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},        {"nodev", false, MS_NODEV},       {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},     {"exec", true, MS_NOEXEC},        {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},  {"dirsync", false, MS_DIRSYNC},   {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},     {"nomand", true, MS_MANDLOCK},    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},   {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};

unsigned long propagation_from_name(const char *name);
unsigned long propagation_from_name(const char *name) {
  static const struct {
    const char *name;
    unsigned long flags;
  } props[] = {{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
               {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
               {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
    if (strcmp(name, props[i].name) == 0) return props[i].flags;
  return 0;
}

static int parse_mount(const struct json *m, size_t idx, struct mount_entry *e) {
  char field[64];
  snprintf(field, sizeof field, "mounts[%zu]", idx);
  if (!m || m->type != JSON_OBJECT) return fail_msg("config.json: %s: must be an object", field);
  char f[96];
  snprintf(f, sizeof f, "%s.destination", field);
  if (spec_str(m, "destination", f, true, &e->destination) < 0) return -1;
  if (e->destination[0] != '/') return fail_msg("config.json: %s: must be an absolute path", f);
  snprintf(f, sizeof f, "%s.type", field);
  if (spec_str(m, "type", f, false, &e->type) < 0) return -1;
  snprintf(f, sizeof f, "%s.source", field);
  if (spec_str(m, "source", f, false, &e->source) < 0) return -1;
  char **opts;
  snprintf(f, sizeof f, "%s.options", field);
  if (spec_str_array(json_get(m, "options"), f, &opts) < 0) return -1;
  struct strbuf data = {0};
  for (size_t i = 0; opts[i]; i++) {
    const char *o = opts[i];
    bool known = false;
    for (size_t k = 0; k < sizeof mount_opts / sizeof mount_opts[0]; k++) {
      if (strcmp(o, mount_opts[k].name) == 0) {
        if (mount_opts[k].clear) e->clear |= mount_opts[k].flag, e->flags &= ~mount_opts[k].flag;
        else e->flags |= mount_opts[k].flag, e->clear &= ~mount_opts[k].flag;
        known = true;
      }
    }
    if (known) continue;
    if (strcmp(o, "bind") == 0) e->bind = true;
    else if (strcmp(o, "rbind") == 0) e->bind = e->rec = true;
    else if (propagation_from_name(o)) e->propagation = propagation_from_name(o);
    else if (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0)
      return fail_kind(ERR_UNSUPPORTED, "config.json: %s: option %s is not supported", f, o);
    else {
      if (data.len) sb_puts(&data, ",");
      sb_puts(&data, o);
    }
  }
  free(opts);
  e->data = data.buf;
  if (!e->type) e->type = e->bind ? "bind" : NULL;
  if (e->type && strcmp(e->type, "bind") == 0) e->bind = true;
  if (!e->type) return fail_msg("config.json: %s.type: required unless options hold bind or rbind", field);
  if (e->bind && (!e->source || !e->source[0])) return fail_msg("config.json: %s.source: a bind mount needs a source", field);
  if (!e->source) e->source = e->type;
  return 0;
}

bool spec_has_ns(const struct spec *s, int flag, const char **path) {
  for (size_t i = 0; i < s->n_ns; i++) {
    if (s->ns[i].flag == flag) {
      if (path) *path = s->ns[i].path;
      return true;
    }
  }
  return false;
}

static int load_file(const char *file, const char *bundle, struct spec *s) {
  memset(s, 0, sizeof *s);
  size_t len;
  char *text = read_file(file, &len);
  if (!text) return -1;
  struct json *root = json_parse(text, len);
  if (!root) return -1;
  if (root->type != JSON_OBJECT) return fail_msg("config.json: must be a JSON object");
  if (spec_str(root, "ociVersion", "ociVersion", true, &s->oci_version) < 0) return -1;
  if (strncmp(s->oci_version, "1.", 2) != 0)
    return fail_msg("config.json: ociVersion: %s is not a 1.x version", s->oci_version);
  if (parse_process(json_get(root, "process"), s, true) < 0) return -1;
  const struct json *r = json_get(root, "root");
  char *path = NULL;
  if (!r || r->type != JSON_OBJECT) return fail_msg("config.json: root: required object");
  if (spec_str(r, "path", "root.path", true, &path) < 0) return -1;
  if (spec_bool(r, "readonly", "root.readonly", &s->root_readonly) < 0) return -1;
  s->root_path = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", bundle, path);
  char *real = realpath(s->root_path, NULL);
  if (!real && !g_spec_lenient) return fail_errno("config.json: root.path: %s", s->root_path);
  if (real) s->root_path = real;
  if (spec_str(root, "hostname", "hostname", false, &s->hostname) < 0) return -1;
  if (spec_str(root, "domainname", "domainname", false, &s->domainname) < 0) return -1;
  const struct json *mounts = json_get(root, "mounts");
  if (mounts && mounts->type == JSON_ARRAY) {
    s->mounts = xcalloc(mounts->len, sizeof *s->mounts);
    for (size_t i = 0; i < mounts->len; i++)
      if (parse_mount(mounts->items[i], i, &s->mounts[s->n_mounts++]) < 0) return -1;
  } else if (mounts && mounts->type != JSON_NULL) {
    return fail_msg("config.json: mounts: must be an array");
  }
  const struct json *annotations = json_get(root, "annotations");
  if (annotations && annotations->type == JSON_OBJECT) s->annotations = (struct json *)annotations;
  if (spec_parse_hooks(json_get(root, "hooks"), s) < 0) return -1;
  const struct json *lx = json_get(root, "linux");
  if (!lx || lx->type != JSON_OBJECT) return fail_msg("config.json: linux: required object on Linux");
  if (spec_parse_linux(lx, s) < 0) return -1;
  return spec_check_namespaces(s);
}

/* A config the runtime cannot read or does not accept is the caller's bad input
 * (INVALID_ARGUMENT), unless a step said it is a feature not supported here. */
int spec_load_file(const char *file, const char *bundle, struct spec *s) {
  int rc = load_file(file, bundle, s);
  if (rc < 0 && g_err_kind == ERR_INTERNAL) g_err_kind = ERR_INVALID;
  return rc;
}

/* An OCI `process` object alone (exec --process FILE) into the process fields of s; the
 * other fields are left as they are. Errors name the file instead of config.json. */
int spec_load_process(const char *file, struct spec *s) {
  size_t len;
  char *text = read_file(file, &len);
  if (!text) return -1;
  const struct json *p = json_parse(text, len);
  int rc = p ? parse_process(p, s, false) : -1;
  if (rc < 0) {
    char cause[sizeof g_err];
    snprintf(cause, sizeof cause, "%s", g_err);
    const char *rest = cause;
    if (strncmp(rest, "config.json: ", 13) == 0) rest += 13;
    else if (strncmp(rest, "config JSON: ", 13) == 0) rest += 13;
    fail_kind(g_err_kind == ERR_UNSUPPORTED ? ERR_UNSUPPORTED : ERR_INVALID, "process file %s: %s", file, rest);
  }
  return rc;
}

int spec_load(const char *bundle, struct spec *s) {
  char *file = xasprintf("%s/config.json", bundle);
  int rc = spec_load_file(file, bundle, s);
  free(file);
  return rc;
}
