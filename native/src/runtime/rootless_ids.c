/* Rootless id maps: the user's subordinate ranges (/etc/subuid, /etc/subgid) and the
 * setuid helpers that write them for another process (Debian's `uidmap`: newuidmap,
 * newgidmap — only they may map ids other than the caller's own). The map a rootless
 * namespace gets: the user → 0, then each of their ranges in file order → 1, 2, …
 * Each refusal says what to do: the range to add, the package to install. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

/* The caller's name, for the subid files and the messages; its uid as text without one. */
static const char *user_name(char *buf, size_t len) {
  struct passwd *pw = getpwuid(getuid());
  if (pw && pw->pw_name) snprintf(buf, len, "%s", pw->pw_name);
  else snprintf(buf, len, "%u", (unsigned)getuid());
  return buf;
}

/* Appends " START COUNT" pairs for every range of this user in `file` (lines
 * NAME:START:COUNT or UID:START:COUNT); returns how many ids they map. */
static long long ranges_of(const char *file, const char *name, struct strbuf *args) {
  FILE *f = fopen(file, "re");
  if (!f) return 0;
  char line[512], uid[24];
  snprintf(uid, sizeof uid, "%u", (unsigned)getuid());
  long long inside = 1;
  while (fgets(line, sizeof line, f)) {
    char *owner = strtok(line, ":\n"), *start = strtok(NULL, ":\n"), *count = strtok(NULL, ":\n");
    if (!owner || !start || !count || (strcmp(owner, name) != 0 && strcmp(owner, uid) != 0)) continue;
    char *end1, *end2;
    long long s = strtoll(start, &end1, 10), n = strtoll(count, &end2, 10);
    if (*end1 || *end2 || s < 0 || n <= 0) continue;
    sb_printf(args, " %lld %lld %lld", inside, s, n);
    inside += n;
  }
  fclose(f);
  return inside - 1;
}

/* Runs HELPER PID 0 ID <ranges…>, its stderr kept for the message. */
static int run_map_helper(const char *helper, pid_t pid, unsigned id, const char *ranges) {
  char *cmd = xasprintf("%d 0 %u 1%s", pid, id, ranges);
  char *argv[64];
  int argc = 0;
  argv[argc++] = (char *)helper;
  for (char *tok = strtok(cmd, " "); tok && argc < 63; tok = strtok(NULL, " ")) argv[argc++] = tok;
  argv[argc] = NULL;
  int err[2];
  if (pipe2(err, O_CLOEXEC) < 0) return free(cmd), fail_errno("pipe");
  pid_t child = fork();
  if (child < 0) return close(err[0]), close(err[1]), free(cmd), fail_errno("fork");
  if (child == 0) {
    dup2(err[1], 2);
    execvp(helper, argv);
    int e = errno;
    dprintf(2, "\x01%d", e); /* the exec itself failed: errno after a marker byte */
    _exit(127);
  }
  close(err[1]);
  char out[512];
  ssize_t n = read_full(err[0], out, sizeof out - 1);
  close(err[0]);
  out[n > 0 ? n : 0] = '\0';
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  free(cmd);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (out[0] == '\x01') {
    int e = atoi(out + 1);
    if (e == ENOENT)
      return fail_kind(ERR_UNSUPPORTED, "%s is not installed (it maps your subordinate ids into the user namespace): install it: sudo apt install uidmap", helper);
    errno = e;
    return fail_errno("run %s", helper);
  }
  for (size_t i = strlen(out); i > 0 && (out[i - 1] == '\n' || out[i - 1] == ' '); i--) out[i - 1] = '\0';
  return fail_kind(ERR_UNSUPPORTED, "%s for pid %d failed (is it setuid root, and are the ranges in /etc/sub*id yours?): %s", helper, pid, out[0] ? out : "no message");
}

int rootless_check_ranges(void) {
  char name[256];
  user_name(name, sizeof name);
  struct strbuf u = {0}, g = {0};
  long long nu = ranges_of("/etc/subuid", name, &u), ng = ranges_of("/etc/subgid", name, &g);
  free(u.buf);
  free(g.buf);
  if (nu > 0 && ng > 0) return 0;
  return fail_kind(ERR_UNSUPPORTED,
                   "user %s has no subordinate %s range in %s: rootless containers need one: "
                   "add one: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s",
                   name, nu > 0 ? "gid" : "uid", nu > 0 ? "/etc/subgid" : "/etc/subuid", name);
}

int rootless_write_maps(pid_t pid, const char *newuidmap, const char *newgidmap) {
  char name[256];
  user_name(name, sizeof name);
  struct strbuf u = {0}, g = {0};
  sb_puts(&u, "");
  sb_puts(&g, "");
  int rc = -1;
  if (ranges_of("/etc/subuid", name, &u) <= 0 || ranges_of("/etc/subgid", name, &g) <= 0) rc = rootless_check_ranges();
  else if (run_map_helper(newuidmap, pid, (unsigned)getuid(), u.buf) == 0 && run_map_helper(newgidmap, pid, (unsigned)getgid(), g.buf) == 0) rc = 0;
  free(u.buf);
  free(g.buf);
  return rc;
}
