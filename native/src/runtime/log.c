/* The container log the shim writes: one JSON object a line,
 *   {"time":"<RFC 3339, ns>","stream":"stdout"|"stderr","log":"<text>"}
 * one record per line of output (its newline kept), a line longer than LOG_LINE_MAX cut
 * into records of that size, a last line without newline flushed as it is when the stream
 * ends. A terminal is one stream, "stdout" (as docker logs a -t container); its text is
 * what the terminal sent, \r\n included. The engine's reader is src-main/engine/logs/. */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

static void log_record(int log_fd, const char *stream, const char *s, size_t n) {
  struct strbuf sb = {0};
  char now[64];
  format_rfc3339(now, sizeof now, now_ns());
  sb_printf(&sb, "{\"time\":\"%s\",\"stream\":\"%s\",\"log\":", now, stream);
  sb_json_string(&sb, s, n);
  sb_puts(&sb, "}\n");
  write_all(log_fd, sb.buf, sb.len);
  free(sb.buf);
}

/* Adds output; writes each complete line, or a full buffer as one record. */
void log_feed(struct log_stream *ls, int log_fd, const char *data, size_t n) {
  while (n > 0) {
    size_t take = sizeof ls->buf - ls->len < n ? sizeof ls->buf - ls->len : n;
    memcpy(ls->buf + ls->len, data, take);
    data += take;
    n -= take;
    size_t scan = ls->len; /* what was kept had no newline */
    ls->len += take;
    size_t start = 0;
    for (size_t i = scan; i < ls->len; i++) {
      if (ls->buf[i] != '\n') continue;
      if (log_fd >= 0) log_record(log_fd, ls->name, ls->buf + start, i + 1 - start);
      start = i + 1;
    }
    if (start == 0 && ls->len == sizeof ls->buf) {
      if (log_fd >= 0) log_record(log_fd, ls->name, ls->buf, ls->len);
      start = ls->len;
    }
    memmove(ls->buf, ls->buf + start, ls->len - start);
    ls->len -= start;
  }
}

/* The stream ended: what is left is a last line without its newline. */
void log_flush(struct log_stream *ls, int log_fd) {
  if (ls->len && log_fd >= 0) log_record(log_fd, ls->name, ls->buf, ls->len);
  ls->len = 0;
}
