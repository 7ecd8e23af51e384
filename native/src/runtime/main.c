/* Placeholder entry point; the OCI runtime lives in this folder. */
#include <stdio.h>
int main(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "strata-runtime: not implemented\n");
  return 2;
}
