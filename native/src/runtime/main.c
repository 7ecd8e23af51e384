/* strata-runtime: an OCI runtime. Global options, then a verb:
 *   strata-runtime [--root DIR] create [--bundle DIR] [--pid-file F] [--console-socket S] ID
 *   strata-runtime [--root DIR] start ID | state ID | kill ID [SIGNAL] | delete [--force] ID
 *   strata-runtime [--root DIR] pause ID | resume ID | update --resources FILE|- ID
 *   strata-runtime [--root DIR] run [--bundle DIR] [--pid-file F] [--detach] [--console-socket S] ID
 *   strata-runtime [--root DIR] shim --bundle DIR --log F --exit-file F [--stdin] [--rm] ID
 *   strata-runtime [--root DIR] exec [--process FILE] [--detach] [--pid-file F] [--tty] [--stdin] [--console-socket S]
 *                  [--attach-socket P] [--exit-file F] [--log F] ID [-- ARGS...]
 *   strata-runtime cgroup-destroy --path /strata/NAME   (a cgroup no state names: kill, remove)
 *   strata-runtime rootless-exec --state-dir DIR [-- CMD ARGS…] | rootless-stop --state-dir DIR   (rootless.c)
 * Failures print "step: reason" on stderr and exit non-zero; with --log-format json, one
 * JSON line {"level":"error","code":…,"msg":…} whose code says the kind of failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "args.h"

static void usage(FILE *f) {
  fputs("usage: strata-runtime [--root DIR] VERB [OPTIONS] ID\n"
        "verbs: create, start, state, kill, delete, pause, resume, update, run, shim, exec, cgroup-destroy,\n"
        "       rootless-exec, rootless-stop\n",
        f);
}

int parse_args(int argc, char **argv, const struct optspec *specs, char **pos, int maxpos, int *npos) {
  *npos = 0;
  for (int i = 0; i < argc; i++) {
    char *a = argv[i];
    if (a[0] != '-' || !a[1]) {
      if (*npos >= maxpos) return fail_kind(ERR_INVALID, "unexpected argument %s", a);
      pos[(*npos)++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      for (i++; i < argc; i++) {
        if (*npos >= maxpos) return fail_kind(ERR_INVALID, "unexpected argument %s", argv[i]);
        pos[(*npos)++] = argv[i];
      }
      break;
    }
    const char *name = a + (a[1] == '-' ? 2 : 1);
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const struct optspec *o = NULL;
    for (const struct optspec *s = specs; s->name; s++)
      if ((strlen(s->name) == nlen && strncmp(s->name, name, nlen) == 0) ||
          (a[1] != '-' && s->short_name && nlen == 1 && name[0] == s->short_name))
        o = s;
    if (!o) {
      /* a signal number or name given as "-9" / "-KILL" to kill is positional */
      if (*npos < maxpos && a[1] != '-') {
        pos[(*npos)++] = a;
        continue;
      }
      return fail_kind(ERR_INVALID, "unknown option %s", a);
    }
    if (o->value) {
      if (eq) *o->value = eq + 1;
      else if (i + 1 < argc) *o->value = argv[++i];
      else return fail_kind(ERR_INVALID, "option %s needs a value", a);
    } else if (o->flag) {
      *o->flag = true;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *root = NULL, *ignored = NULL, *log_format = NULL;
  bool ignored_flag = false;
  const struct optspec globals[] = {
      {"root", 0, &root, NULL},             {"log", 0, &ignored, NULL},
      {"log-format", 0, &log_format, NULL}, {"debug", 0, NULL, &ignored_flag},
      {NULL, 0, NULL, NULL},
  };
  int i = 1;
  /* global options come before the verb */
  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0) {
      puts("strata-runtime version 0.1.0\nspec: 1.2.0");
      return 0;
    }
    int n = strchr(argv[i], '=') || strcmp(argv[i], "--debug") == 0 ? 1 : 2;
    char *pos[1];
    int npos;
    if (i + n > argc || parse_args(n, argv + i, globals, pos, 0, &npos) < 0) {
      if (!g_err[0]) fail_kind(ERR_INVALID, "option %s needs a value", argv[i]);
      report_error(NULL);
      return 2;
    }
    i += n;
  }
  if (root) g_root = root;
  if (log_format && strcmp(log_format, "json") != 0 && strcmp(log_format, "text") != 0) {
    fprintf(stderr, "--log-format: text or json, not %s\n", log_format);
    return 2;
  }
  g_log_json = log_format && strcmp(log_format, "json") == 0;
  const char *cg = getenv("STRATA_CGROUP_ROOT");
  if (cg && cg[0]) g_cgroup_root = cg;
  if (i >= argc) {
    usage(stderr);
    return 2;
  }
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } verbs[] = {
      {"create", cmd_create}, {"start", cmd_start}, {"state", cmd_state}, {"kill", cmd_kill},
      {"delete", cmd_delete}, {"run", cmd_run},     {"shim", cmd_shim}, {"exec", cmd_exec},
      {"pause", cmd_pause},   {"resume", cmd_resume}, {"update", cmd_update},
      {"cgroup-setup", cmd_cgroup_setup}, {"cgroup-destroy", cmd_cgroup_destroy},
      {"rootless-exec", cmd_rootless_exec}, {"rootless-stop", cmd_rootless_stop},
  };
  for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
    if (strcmp(argv[i], verbs[v].name) == 0) return verbs[v].fn(argc - i - 1, argv + i + 1);
  fprintf(stderr, "unknown verb %s\n", argv[i]);
  usage(stderr);
  return 2;
}
