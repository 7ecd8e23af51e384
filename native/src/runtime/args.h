/* Command-line options: "--name value", "--name=value", "-n value", flags. */
#ifndef STRATA_ARGS_H
#define STRATA_ARGS_H

#include <stdbool.h>

struct optspec {
  const char *name;
  char short_name;
  const char **value; /* takes a value */
  bool *flag;         /* or is a flag */
};

/* Fills pos with up to maxpos positional arguments; -1 + g_err on a bad option. */
int parse_args(int argc, char **argv, const struct optspec *specs, char **pos, int maxpos, int *npos);

#endif
