/* update: new limits for a running container, written to its cgroup at once, as
 * `runc update --resources FILE`: FILE (or - for stdin) holds an OCI linux.resources
 * object; fields left out are not touched. The kernel's refusal of a value is
 * INVALID_ARGUMENT naming the field, the file and the value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "runtime.h"

int load_running(const char *verb, const char *id, struct state *st, struct spec *s); /* pause.c */

static char *read_input(const char *file, size_t *len) {
  if (strcmp(file, "-") != 0) return read_file(file, len);
  struct strbuf sb = {0};
  char buf[4096];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) sb_append(&sb, buf, (size_t)n);
  if (n < 0) return fail_errno("update: read stdin"), NULL;
  sb_append(&sb, "", 0);
  *len = sb.len;
  return sb.buf ? sb.buf : xstrdup("");
}

int cmd_update(int argc, char **argv) {
  const char *file = NULL;
  const struct optspec opts[] = {{"resources", 'r', &file, NULL}, {NULL, 0, NULL, NULL}};
  char *pos[1];
  int npos;
  struct state st;
  struct spec s;
  if (parse_args(argc, argv, opts, pos, 1, &npos) < 0 || (npos != 1 && fail_kind(ERR_INVALID, "update: a container id is required")) ||
      (!file && fail_kind(ERR_INVALID, "update: --resources FILE (or -) is required")) || load_running("update", pos[0], &st, &s) < 0) {
    report_error(NULL);
    return 1;
  }
  size_t len = 0;
  char *text = read_input(file, &len);
  struct json *j = text ? json_parse(text, len) : NULL;
  struct resources r = {0};
  if (!j || spec_parse_resources(j, &r) < 0) {
    g_err_kind = ERR_INVALID;
    report_error("update: resources");
    return 1;
  }
  if (r.has_device_rules) {
    fail_kind(ERR_UNSUPPORTED, "update: linux.resources.devices: device rules are set at create only");
    report_error(NULL);
    return 1;
  }
  if (cgroup_update(&s, pos[0], &r) < 0) {
    report_error("update");
    return 1;
  }
  return 0;
}
