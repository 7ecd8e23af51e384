/* Runtime state under <root>/<id>/: state.json (the spec's state plus the init's start
 * time, written atomically), config.json (the config as created), exec.fifo (present
 * while the init waits for start). The status is derived from the live process: the
 * file says what was set up, /proc says whether it still runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

const char *g_root = "/run/strata";

int validate_id(const char *id) {
  if (!id || !id[0]) return fail_kind(ERR_INVALID, "a container id is required");
  if (strlen(id) > 128) return fail_kind(ERR_INVALID, "container id %.32s…: longer than 128 characters", id);
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return fail_kind(ERR_INVALID, "container id %s: not allowed", id);
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
      return fail_kind(ERR_INVALID, "container id %s: only letters, digits, '_', '.' and '-'", id);
  return 0;
}

char *state_dir(const char *id) { return xasprintf("%s/%s", g_root, id); }

const char *status_name(enum status s) {
  static const char *const names[] = {"creating", "created", "running", "stopped", "paused"};
  return names[s];
}

/* Field 22 of /proc/<pid>/stat; 0 when the process is gone or a zombie. */
uint64_t proc_start_time(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char *text = read_file(path, NULL);
  if (!text) return 0;
  char *p = strrchr(text, ')'); /* the command name may hold spaces and parentheses */
  uint64_t start = 0;
  if (p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X') {
    int field = 3; /* p+2 is field 3, the state */
    for (p += 2; *p && field < 22; p++)
      if (*p == ' ') field++;
    start = strtoull(p, NULL, 10);
  }
  free(text);
  return start;
}

bool proc_alive(pid_t pid, uint64_t start) {
  if (pid <= 0) return false;
  uint64_t now = proc_start_time(pid);
  return now != 0 && now == start;
}

void state_json(struct strbuf *sb, const struct state *st) {
  sb_puts(sb, "{\"ociVersion\":");
  sb_json_string(sb, st->oci_version, strlen(st->oci_version));
  sb_puts(sb, ",\"id\":");
  sb_json_string(sb, st->id, strlen(st->id));
  sb_printf(sb, ",\"status\":\"%s\"", status_name(st->status));
  if (st->status != ST_STOPPED) sb_printf(sb, ",\"pid\":%d", st->pid);
  sb_puts(sb, ",\"bundle\":");
  sb_json_string(sb, st->bundle, strlen(st->bundle));
  sb_puts(sb, ",\"annotations\":");
  if (st->annotations) json_write(sb, st->annotations);
  else sb_puts(sb, "{}");
  if (st->created) {
    sb_puts(sb, ",\"created\":");
    sb_json_string(sb, st->created, strlen(st->created));
  }
  sb_puts(sb, "}");
}

int state_write(const struct state *st) {
  struct strbuf sb = {0};
  state_json(&sb, st);
  /* the private part: the init's start time, so a reused pid is never mistaken for it */
  sb.len--;
  sb_printf(&sb, ",\"initStartTime\":%llu,\"savedStatus\":\"%s\"}\n", (unsigned long long)st->pid_start, status_name(st->status));
  char *dir = state_dir(st->id);
  char *file = xasprintf("%s/state.json", dir);
  int rc = write_file_atomic(file, sb.buf, sb.len);
  free(file);
  free(dir);
  free(sb.buf);
  return rc;
}

int state_load(const char *id, struct state *st) {
  memset(st, 0, sizeof *st);
  if (validate_id(id) < 0) return -1;
  char *dir = state_dir(id);
  char *file = xasprintf("%s/state.json", dir);
  struct stat sbuf;
  if (stat(dir, &sbuf) < 0) {
    int rc = errno == ENOENT ? fail_kind(ERR_NOT_FOUND, "container %s does not exist", id) : fail_errno("stat %s", dir);
    free(file);
    free(dir);
    return rc;
  }
  size_t len;
  char *text = read_file(file, &len);
  struct json *j = text ? json_parse(text, len) : NULL;
  if (!j || j->type != JSON_OBJECT) {
    /* a create that died before writing its state leaves only the directory */
    if (!text && errno == ENOENT) fail_kind(ERR_NOT_FOUND, "container %s: no state (creation did not finish)", id);
    free(file);
    free(dir);
    return -1;
  }
  const struct json *v;
  st->id = xstrdup(id);
  st->oci_version = (v = json_get(j, "ociVersion")) && v->type == JSON_STRING ? v->str : "1.0.2";
  st->bundle = (v = json_get(j, "bundle")) && v->type == JSON_STRING ? v->str : "";
  st->created = (v = json_get(j, "created")) && v->type == JSON_STRING ? v->str : NULL;
  st->annotations = json_get(j, "annotations");
  int64_t pid = 0;
  if ((v = json_get(j, "pid"))) json_int64(v, &pid);
  st->pid = (pid_t)pid;
  if ((v = json_get(j, "initStartTime"))) json_uint64(v, &st->pid_start);
  v = json_get(j, "savedStatus");
  bool creating = v && v->type == JSON_STRING && strcmp(v->str, "creating") == 0;
  char *fifo = xasprintf("%s/exec.fifo", dir);
  if (!proc_alive(st->pid, st->pid_start)) st->status = ST_STOPPED;
  else if (creating) st->status = ST_CREATING;
  else st->status = access(fifo, F_OK) == 0 ? ST_CREATED : ST_RUNNING;
  free(fifo);
  free(file);
  free(dir);
  return 0;
}
