/* `cgroup-destroy --path /strata/NAME` (cgroup_orphan.c) is the engine's: it clears a
 * cgroup no container state names. The other forms are test verbs, not part of the OCI
 * command line: they run one cgroup driver on a tree named by STRATA_CGROUP_ROOT (and
 * STRATA_CGROUP_DRIVER=v1|v2), so tests check the files each driver writes on fixture
 * trees in the kernel's formats.
 *   strata-runtime cgroup-setup [--bundle DIR] [--pid N] ID
 *   strata-runtime cgroup-destroy [--bundle DIR] ID
 *   strata-runtime cgroup-destroy --path /strata/NAME */
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "runtime.h"

char *bundle_path(const char *given);

static int cgroup_cmd(int argc, char **argv, bool setup) {
  const char *bundle = NULL, *pid = NULL, *path = NULL;
  const struct optspec opts[] = {
      {"bundle", 'b', &bundle, NULL}, {"pid", 0, &pid, NULL}, {"path", 0, &path, NULL}, {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  struct spec s;
  char *abs = NULL;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0) {
    report_error(NULL);
    return 1;
  }
  if (path) {
    int rc = setup || bundle || pid || npos ? fail_kind(ERR_INVALID, "--path goes alone, with cgroup-destroy only") : cgroup_destroy_path(path);
    if (rc < 0) report_error(NULL);
    return rc < 0 ? 1 : 0;
  }
  if ((npos != 1 && fail_kind(ERR_INVALID, "a container id is required")) || !(abs = bundle_path(bundle)) || spec_load(abs, &s) < 0) {
    report_error(NULL);
    return 1;
  }
  int rc = setup ? cgroup_setup(&s, pos[0], pid ? atoi(pid) : 0) : cgroup_destroy(&s, pos[0]);
  if (rc < 0) report_error(NULL);
  free(abs);
  return rc < 0 ? 1 : 0;
}

int cmd_cgroup_setup(int argc, char **argv) { return cgroup_cmd(argc, argv, true); }
int cmd_cgroup_destroy(int argc, char **argv) { return cgroup_cmd(argc, argv, false); }
