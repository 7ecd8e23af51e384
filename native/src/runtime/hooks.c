/* Hooks: parsed from config.json and run with the container's state JSON on stdin, in
 * order, each with its own args, env and timeout (killed when it runs over). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

static int parse_list(const struct json *v, const char *name, struct hook_list *out) {
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_ARRAY) return fail_msg("config.json: hooks.%s: must be an array", name);
  out->items = xcalloc(v->len, sizeof *out->items);
  for (size_t i = 0; i < v->len; i++) {
    struct hook *h = &out->items[out->n++];
    char field[64], f[80];
    snprintf(field, sizeof field, "hooks.%s[%zu]", name, i);
    snprintf(f, sizeof f, "%s.path", field);
    if (spec_str(v->items[i], "path", f, true, &h->path) < 0) return -1;
    if (h->path[0] != '/') return fail_msg("config.json: %s: must be an absolute path", f);
    snprintf(f, sizeof f, "%s.args", field);
    if (spec_str_array(json_get(v->items[i], "args"), f, &h->args) < 0) return -1;
    if (!h->args[0]) { /* argv[0] defaults to the path */
      h->args = xrealloc(h->args, 2 * sizeof(char *));
      h->args[0] = h->path;
      h->args[1] = NULL;
    }
    snprintf(f, sizeof f, "%s.env", field);
    if (spec_str_array(json_get(v->items[i], "env"), f, &h->env) < 0) return -1;
    const struct json *t = json_get(v->items[i], "timeout");
    if (t && t->type != JSON_NULL) {
      int64_t secs;
      if (json_int64(t, &secs) < 0 || secs <= 0 || secs > 86400)
        return fail_msg("config.json: %s.timeout: must be a positive number of seconds", field);
      h->timeout = (int)secs;
    }
  }
  return 0;
}

int spec_parse_hooks(const struct json *hooks, struct spec *s) {
  if (!hooks || hooks->type == JSON_NULL) return 0;
  if (hooks->type != JSON_OBJECT) return fail_msg("config.json: hooks: must be an object");
  if (parse_list(json_get(hooks, "prestart"), "prestart", &s->prestart) < 0 ||
      parse_list(json_get(hooks, "createRuntime"), "createRuntime", &s->create_runtime) < 0 ||
      parse_list(json_get(hooks, "createContainer"), "createContainer", &s->create_container) < 0 ||
      parse_list(json_get(hooks, "startContainer"), "startContainer", &s->start_container) < 0 ||
      parse_list(json_get(hooks, "poststart"), "poststart", &s->poststart) < 0 ||
      parse_list(json_get(hooks, "poststop"), "poststop", &s->poststop) < 0)
    return -1;
  return 0;
}

/* Waits for pid, killing it when timeout (seconds, 0 = none) passes. */
static int wait_hook(pid_t pid, int timeout, int *status) {
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd >= 0 && timeout > 0) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int r;
    do r = poll(&p, 1, timeout * 1000);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      close(pfd);
      errno = ETIMEDOUT;
      return -1;
    }
  }
  if (pfd >= 0) close(pfd);
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR) return -1;
  return 0;
}

static int run_one(const struct hook *h, const char *kind, size_t idx, const char *state, size_t len) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return fail_errno("hook %s[%zu]: pipe", kind, idx);
  pid_t pid = fork();
  if (pid < 0) {
    close(in[0]);
    close(in[1]);
    return fail_errno("hook %s[%zu]: fork", kind, idx);
  }
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(2, 1); /* a hook's output must not end up in the caller's JSON on stdout */
    execve(h->path, h->args, h->env);
    char msg[512];
    int n = snprintf(msg, sizeof msg, "hook %s: exec %s: %s\n", kind, h->path, strerror(errno));
    (void)!write(2, msg, (size_t)n);
    _exit(127);
  }
  close(in[0]);
  signal(SIGPIPE, SIG_IGN); /* a hook that does not read its stdin is fine */
  write_all(in[1], state, len);
  close(in[1]);
  int status;
  if (wait_hook(pid, h->timeout, &status) < 0)
    return errno == ETIMEDOUT ? fail_msg("hook %s[%zu] %s: timed out after %d s", kind, idx, h->path, h->timeout)
                              : fail_errno("hook %s[%zu]: wait", kind, idx);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFSIGNALED(status)) return fail_msg("hook %s[%zu] %s: killed by signal %d", kind, idx, h->path, WTERMSIG(status));
  return fail_msg("hook %s[%zu] %s: exited with status %d", kind, idx, h->path, WEXITSTATUS(status));
}

int hooks_run(const struct hook_list *hooks, const char *kind, const struct state *st) {
  if (!hooks->n) return 0;
  struct strbuf sb = {0};
  state_json(&sb, st);
  int rc = 0;
  for (size_t i = 0; i < hooks->n && rc == 0; i++) rc = run_one(&hooks->items[i], kind, i, sb.buf, sb.len);
  free(sb.buf);
  return rc;
}
