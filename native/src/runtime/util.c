/* Errors as "step: message", allocation that never returns NULL, small file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

char g_err[1024];
enum err_kind g_err_kind;
bool g_log_json;

int fail_errno(const char *fmt, ...) {
  int saved = errno;
  g_err_kind = ERR_INTERNAL;
  char step[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(step, sizeof step, fmt, ap);
  va_end(ap);
  snprintf(g_err, sizeof g_err, "%s: %s", step, strerror(saved));
  errno = saved;
  return -1;
}

static int vfail(enum err_kind kind, const char *fmt, va_list ap) {
  vsnprintf(g_err, sizeof g_err, fmt, ap);
  g_err_kind = kind;
  return -1;
}

int fail_msg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(ERR_INTERNAL, fmt, ap);
  va_end(ap);
  return -1;
}

int fail_kind(enum err_kind kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(kind, fmt, ap);
  va_end(ap);
  return -1;
}

/* The engine's stable codes (src-main/shared/errors.ts), so it maps them one to one. */
const char *err_kind_name(enum err_kind kind) {
  static const char *const names[ERR_KINDS] = {"INTERNAL", "INVALID_ARGUMENT", "NOT_FOUND", "CONFLICT", "UNSUPPORTED"};
  return kind < ERR_KINDS ? names[kind] : names[ERR_INTERNAL];
}

char err_kind_char(enum err_kind kind) { return (char)('0' + (kind < ERR_KINDS ? kind : ERR_INTERNAL)); }

enum err_kind err_kind_from_char(char c) {
  return c >= '0' && c < '0' + ERR_KINDS ? (enum err_kind)(c - '0') : ERR_INTERNAL;
}

/* Text: "prefix: message". JSON (--log-format json): one line a program can parse,
 * {"level":"error","code":"CONFLICT","msg":"…"}, as runc's JSON log lines plus a code. */
void report_error(const char *prefix) {
  struct strbuf sb = {0};
  if (g_log_json) {
    sb_printf(&sb, "{\"level\":\"error\",\"code\":\"%s\",\"msg\":", err_kind_name(g_err_kind));
    char *text = prefix ? xasprintf("%s: %s", prefix, g_err) : xstrdup(g_err);
    sb_json_string(&sb, text, strlen(text));
    free(text);
    sb_puts(&sb, "}");
  } else {
    if (prefix) sb_printf(&sb, "%s: ", prefix);
    sb_puts(&sb, g_err);
  }
  fprintf(stderr, "%s\n", sb.buf);
  free(sb.buf);
}

static void out_of_memory(void) {
  static const char msg[] = "strata-runtime: out of memory\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(125);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) out_of_memory();
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) out_of_memory();
  return q;
}

char *xstrdup(const char *s) {
  char *p = strdup(s);
  if (!p) out_of_memory();
  return p;
}

char *xasprintf(const char *fmt, ...) {
  char *out;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&out, fmt, ap);
  va_end(ap);
  if (n < 0) out_of_memory();
  return out;
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

ssize_t read_full(int fd, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

int write_file(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
  if (fd < 0) return fail_errno("open %s", path);
  if (write_all(fd, data, len) < 0) {
    fail_errno("write %s", path);
    close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

int write_file_str(const char *path, const char *data) { return write_file(path, data, strlen(data)); }

/* Writes to path.tmp, fsyncs, renames over path: readers see the old or the new file. */
int write_file_atomic(const char *path, const char *data, size_t len) {
  char *tmp = xasprintf("%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail_errno("open %s", tmp);
    free(tmp);
    return -1;
  }
  if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
    fail_errno("write %s", tmp);
    close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
  }
  close(fd);
  if (rename(tmp, path) < 0) {
    fail_errno("rename %s", path);
    unlink(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

char *read_file(const char *path, size_t *len_out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail_errno("open %s", path);
    return NULL;
  }
  size_t cap = 4096, len = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (len + 1 >= cap) buf = xrealloc(buf, cap *= 2);
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("read %s", path);
      free(buf);
      close(fd);
      return NULL;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  if (len_out) *len_out = len;
  return buf;
}

int mkdir_p(const char *path, mode_t mode) {
  char buf[4096];
  size_t n = strlen(path);
  if (n >= sizeof buf) return fail_msg("mkdir %s: path too long", path);
  /* Most paths exist up to their parent (a container's mount points): one call, not one
   * per component (~300 fewer syscalls a start); else component by component. */
  if (mkdir(path, mode) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return fail_errno("mkdir %s", path);
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, mode) < 0 && errno != EEXIST) return fail_errno("mkdir %s", buf);
      *p = c;
      if (c == '\0') break;
    }
  }
  return 0;
}

int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 2006-01-02T15:04:05.123456789Z */
void format_rfc3339(char *buf, size_t len, int64_t ns) {
  time_t secs = (time_t)(ns / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, len, "%s.%09lldZ", date, (long long)(ns % 1000000000));
}

void sb_append(struct strbuf *sb, const char *s, size_t n) {
  if (sb->len + n + 1 > sb->cap) {
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + n + 1) cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
  }
  memcpy(sb->buf + sb->len, s, n);
  sb->len += n;
  sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }

void sb_printf(struct strbuf *sb, const char *fmt, ...) {
  char *s;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (n < 0) out_of_memory();
  sb_append(sb, s, (size_t)n);
  free(s);
}

/* A JSON string literal; bytes ≥ 0x80 pass through (the input is UTF-8 or raw output). */
void sb_json_string(struct strbuf *sb, const char *s, size_t n) {
  sb_append(sb, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"': sb_append(sb, "\\\"", 2); break;
      case '\\': sb_append(sb, "\\\\", 2); break;
      case '\n': sb_append(sb, "\\n", 2); break;
      case '\r': sb_append(sb, "\\r", 2); break;
      case '\t': sb_append(sb, "\\t", 2); break;
      default:
        if (c < 0x20 || c == 0x7f) sb_printf(sb, "\\u%04x", c);
        else sb_append(sb, (const char *)&s[i], 1);
    }
  }
  sb_append(sb, "\"", 1);
}

/* snprintf for paths; a too-long path is cut, and the syscall that gets it fails. */
int pathf(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  return n;
}

/* What a process that holds a container's stdio for its life (the shim, an exec session's
 * helper) does first: stdio on /dev/null, cwd /, and SIGCHLD/TERM/INT/HUP blocked and
 * delivered through the returned signalfd (its event loop reads them in order). */
int holder_setup(void) {
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3; i++) dup2(devnull, i);
  /* a process that closes the stdin pipe a holder keeps makes a write fail with EPIPE, not
   * end the holder (its children get SIG_DFL back before they exec: init.c, exec.c) */
  signal(SIGPIPE, SIG_IGN);
  if (chdir("/") < 0) _exit(1);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  return signalfd(-1, &mask, SFD_CLOEXEC);
}
