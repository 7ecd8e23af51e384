/* pause / resume: the cgroup freezer stops every process of a running container at once
 * (v1 freezer.state, v2 cgroup.freeze) and starts them again; `state` then says "paused",
 * as runc's does. Both wait until the kernel reports the new state. */
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "runtime.h"

/* The container's state and its config (the copy create keeps), for its cgroup path. */
int load_running(const char *verb, const char *id, struct state *st, struct spec *s) {
  if (state_load(id, st) < 0) return -1;
  if (st->status != ST_RUNNING) return fail_kind(ERR_CONFLICT, "%s: container %s is %s, not running", verb, id, status_name(st->status));
  char *cfg = xasprintf("%s/%s/config.json", g_root, id);
  g_spec_lenient = true;
  int rc = spec_load_file(cfg, st->bundle, s);
  free(cfg);
  return rc;
}

static int freeze_verb(int argc, char **argv, const char *verb, bool frozen) {
  const struct optspec opts[] = {{NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  struct state st;
  struct spec s;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0 || (npos != 1 && fail_kind(ERR_INVALID, "%s: a container id is required", verb)) ||
      load_running(verb, pos[0], &st, &s) < 0) {
    report_error(NULL);
    return 1;
  }
  int now = cgroup_frozen(&s, pos[0]);
  if (now == (frozen ? 1 : 0)) {
    fail_kind(ERR_CONFLICT, "%s: container %s is %s", verb, pos[0], frozen ? "paused already" : "not paused");
    report_error(NULL);
    return 1;
  }
  if (cgroup_freeze(&s, pos[0], frozen) < 0) {
    report_error(verb);
    return 1;
  }
  return 0;
}

int cmd_pause(int argc, char **argv) { return freeze_verb(argc, argv, "pause", true); }
int cmd_resume(int argc, char **argv) { return freeze_verb(argc, argv, "resume", false); }
