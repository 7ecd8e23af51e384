/*
 * spawnwait — run a program to its end with posix_spawn(3), its stdout and stderr collected,
 * for the N-API binding (binding.cc).
 *
 * Why not Node's child_process: libuv 1.46 (Node 20) starts every child with fork(2), which
 * copies the page tables of the whole engine — 7–15 ms of blocked event loop for a 60 MB
 * process, more for the window's. glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK):
 * no copy, so the cost no longer grows with the engine. The engine's short runtime verbs
 * (start, delete, kill, state, …) go through here (src-main/engine/runtime/runtime-binary.ts).
 *
 * Same convention as fsops.h: 0 on success or -errno, never touching JavaScript.
 */
#ifndef STRATA_SPAWNWAIT_H
#define STRATA_SPAWNWAIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A started child: its pid and the read ends of its stdout and stderr pipes (close-on-exec). */
struct strata_spawned {
  int pid;
  int stdout_fd;
  int stderr_fd;
};

/* Starts `path` with argv and envp (NULL-terminated), in `cwd` when not NULL, with stdin on
 * /dev/null, stdout and stderr on new pipes, every signal at its default disposition and
 * none blocked (as libuv's children start). A program that cannot be run (ENOENT, EACCES)
 * is reported here, as posix_spawn reports it. Fast: safe to call on the JS thread. */
int strata_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 struct strata_spawned *child);

/* What a child left: its wait status (as waitpid gives it) and everything it wrote to
 * stdout and stderr (malloc()ed, free() them; NULL when empty). */
struct strata_waited {
  int status;
  char *out;
  size_t out_len;
  char *err;
  size_t err_len;
};

/* Reads both pipes to their end, closes them and reaps the child. Blocks until the child and
 * every process holding its pipes are done: call it off the JS thread. */
int strata_spawn_wait(const struct strata_spawned *child, struct strata_waited *result);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_SPAWNWAIT_H */
