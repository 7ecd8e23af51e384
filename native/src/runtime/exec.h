/* exec's parts shared by exec.c (the verb, the process) and exec_session.c (the helper
 * that holds an exec's terminal when nobody else does). */
#ifndef STRATA_EXEC_H
#define STRATA_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime.h"

#define N_NS 7 /* the namespace files exec joins: exec.c's ns_files */
enum { EXIT_SETUP = 125, EXIT_NOT_EXECUTABLE = 126, EXIT_NOT_FOUND = 127 };

struct exec_plan {
  const struct spec *proc;
  const struct seccomp_spec *seccomp; /* the container's, compiled; NULL when it has none */
  bool detach;
  int ns_fd[N_NS]; /* -1: the init's namespace is ours, nothing to join */
  int root_fd;     /* the init's root, when it is a chroot in our mount namespace; else -1 */
  char **cgroup_files;
  int *cgroup_fd;
  size_t n_cgroups;
  int go[2];     /* parent → child: in the cgroups now, go on */
  int report[2]; /* child → parent (SEQPACKET): status byte + message, or EOF at execve;
                  * with a terminal first 'T' + its name and the master (SCM_RIGHTS) */
  pid_t pid;     /* the process, once started */
  int master;    /* its pty master (process.terminal), or -1 */
  char pty_name[32];
};

/* Forks the process into the container: 0 with p->pid (and p->master) once it has been
 * exec'd; -1 + g_err otherwise, *status 125, 126 or 127. */
int exec_start(struct exec_plan *p, const struct state *st, const char *pid_file, int *status);
/* exec --tty --detach without --console-socket (exec_session.c): a helper keeps the
 * master and serves it on an attach socket; returns the runtime's exit status */
int exec_session(struct exec_plan *p, const struct state *st, const char *pid_file, const char *sock, const char *exit_file,
                 const char *log);

#endif


