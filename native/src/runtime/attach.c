/* The attach socket: how a terminal held by the shim (or by an exec session's helper) is
 * reached, or the stdio of a process without one that was given a stdin (`-i` alone). With
 * a terminal the holder keeps the pty master and reads it all the time, whoever listens:
 * every byte goes to the log (log.c, stream "stdout"), to a scrollback ring of the last
 * SCROLLBACK bytes, and to each connected client. Without one the holder keeps the write end
 * of the process's stdin pipe, and its caller (shim.c, exec_session.c), which reads the
 * stdout and stderr pipes into the log, passes every chunk on (attach_output): no scrollback
 * (the log has the history). An exec session's process starts before its socket exists:
 * there the pipes are not read until a first client has come (attach_hold_output), which
 * so sees the output from its first byte — as the engine, which attaches at once, must; at
 * most HOLD_MAX, so a caller that never comes holds nobody for ever. A stream socket at a
 * path of the caller's choosing (`<root>/<id>/attach.sock` for the shim), mode 0600, and a
 * client must be root or the holder's own user (SO_PEERCRED).
 *
 * Frames both ways: 1 byte type, 4 bytes payload length (big-endian), payload.
 *   client → holder  'D' bytes for the process's input (keys, for a terminal)
 *                    'R' 4 bytes: rows, cols (16-bit big-endian each) — TIOCSWINSZ; no
 *                        terminal: ignored
 *                    'C' close stdin: the terminal's EOF character (^D) is typed; no
 *                        terminal: the pipe is closed once the input before it is written
 *   holder → client  'D' output: the terminal's (first its scrollback, one frame, when there
 *                    is any), or the process's stdout
 *                    'E' the process's stderr (no terminal only: a terminal has one stream)
 *                    'X' 4 bytes: the exit code (as the exit file's exitCode), then EOF; the
 *                        holder keeps the connection until the client closes it (attach_close)
 * A payload over FRAME_MAX or an unknown type ends that client's connection.
 *
 * Nobody can slow the container: the master is read whatever the clients do. Output a
 * client has not taken is queued for it up to CLIENT_BACKLOG bytes; past that the client
 * is disconnected (it sees EOF with no 'X'; it may reconnect and get the scrollback).
 * Input waiting for the terminal is bounded too: past INPUT_MAX the clients are not read
 * until the terminal takes some, which holds back the writers, not the container. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime.h"

#define SCROLLBACK (64 * 1024)
#define CLIENT_BACKLOG (1024 * 1024)
#define FRAME_MAX (64 * 1024)
#define INPUT_MAX (64 * 1024)
#define HDR 5
#define CLOSE_LINGER (5 * 1000000000LL) /* after X: how long a client that neither reads nor closes is waited for */
#define HOLD_MAX (5 * 1000000000LL) /* how long output is held for a first client who may never come (its caller died) */

struct queue {
  char *buf;
  size_t off, len, cap;
};

struct client {
  int fd;
  char *in; /* a frame being read: HDR + FRAME_MAX */
  size_t in_len;
  struct queue out;
};

struct attach {
  int master;   /* the pty master, or -1: no terminal (or it has closed) */
  int stdin_fd; /* no terminal: the write end of the process's stdin, -1 once closed */
  bool close_stdin; /* no terminal: 'C' came; the pipe closes when the input queued before it is written */
  int64_t hold_until; /* attach_hold_output: output is held till a first client or this time; 0: not held */
  int listen_fd, log_fd;
  char *path;
  struct log_stream log;
  char ring[SCROLLBACK];
  size_t ring_head, ring_len; /* next byte written at ring_head */
  struct queue input;
  struct client c[ATTACH_CLIENTS];
};

static void q_push(struct queue *q, const void *data, size_t n) {
  if (q->off + q->len + n > q->cap) {
    if (q->len) memmove(q->buf, q->buf + q->off, q->len);
    q->off = 0;
    if (q->len + n > q->cap) {
      q->cap = (q->len + n) * 2;
      q->buf = xrealloc(q->buf, q->cap);
    }
  }
  memcpy(q->buf + q->off + q->len, data, n);
  q->len += n;
}

static void q_take(struct queue *q, size_t n) {
  q->off += n;
  q->len -= n;
  if (q->len == 0) q->off = 0;
}

static void q_free(struct queue *q) {
  free(q->buf);
  *q = (struct queue){0};
}

static void frame_header(char *h, char type, size_t n) {
  h[0] = type;
  h[1] = (char)(n >> 24), h[2] = (char)(n >> 16), h[3] = (char)(n >> 8), h[4] = (char)n;
}

static void drop(struct client *c) {
  if (c->fd < 0) return;
  close(c->fd);
  c->fd = -1;
  free(c->in);
  c->in = NULL;
  c->in_len = 0;
  q_free(&c->out);
}

/* Sends what is queued, as far as the socket takes it now. */
static void flush(struct client *c) {
  while (c->fd >= 0 && c->out.len) {
    ssize_t n = send(c->fd, c->out.buf + c->out.off, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) q_take(&c->out, (size_t)n);
    else if (n < 0 && errno == EINTR) continue;
    else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    else drop(c);
  }
}

static void send_frame(struct client *c, char type, const char *a, size_t na, const char *b, size_t nb) {
  char h[HDR];
  frame_header(h, type, na + nb);
  q_push(&c->out, h, HDR);
  if (na) q_push(&c->out, a, na);
  if (nb) q_push(&c->out, b, nb);
  if (c->out.len > CLIENT_BACKLOG) drop(c); /* too slow: it must not cost us unbounded memory */
  else flush(c);
}

static struct attach *attach_listen(const char *path, int log_fd) {
  struct sockaddr_un sa;
  int dirfd;
  if (unix_addr(&sa, path, &dirfd) < 0) return NULL;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail_errno("attach socket");
  } else {
    unlink(path);
    mode_t old = umask(0177); /* 0600 from the start: no moment where others may connect */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc < 0 || listen(fd, ATTACH_CLIENTS) < 0) {
      fail_errno("attach socket %s", path);
      close(fd);
      fd = -1;
    }
  }
  if (dirfd >= 0) close(dirfd);
  if (fd < 0) return NULL;
  struct attach *a = xcalloc(1, sizeof *a);
  a->master = -1;
  a->stdin_fd = -1;
  a->listen_fd = fd;
  a->log_fd = log_fd;
  a->path = xstrdup(path);
  a->log.name = "stdout";
  for (int i = 0; i < ATTACH_CLIENTS; i++) a->c[i].fd = -1;
  return a;
}

struct attach *attach_open(const char *path, int master, int log_fd) {
  struct attach *a = attach_listen(path, log_fd);
  if (!a) return NULL;
  a->master = master;
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  return a;
}

struct attach *attach_open_stdin(const char *path, int stdin_fd) {
  struct attach *a = attach_listen(path, -1);
  if (!a) return NULL;
  a->stdin_fd = stdin_fd;
  fcntl(stdin_fd, F_SETFL, fcntl(stdin_fd, F_GETFL) | O_NONBLOCK);
  return a;
}

void attach_hold_output(struct attach *a) { a->hold_until = now_ns() + HOLD_MAX; }

int attach_hold_ms(struct attach *a) {
  int64_t left = a->hold_until ? (a->hold_until - now_ns()) / 1000000 : 0;
  if (left <= 0) a->hold_until = 0; /* over: nobody came in time, the output goes to the log alone */
  return left > 0 ? (int)left : -1;
}

/* No terminal: a chunk of the process's stdout ('D') or stderr ('E'), to every client. */
void attach_output(struct attach *a, char type, const char *data, size_t n) {
  for (int i = 0; i < ATTACH_CLIENTS; i++)
    if (a->c[i].fd >= 0) send_frame(&a->c[i], type, data, n, NULL, 0);
}

static void close_stdin(struct attach *a) {
  if (a->stdin_fd >= 0) close(a->stdin_fd);
  a->stdin_fd = -1;
  q_free(&a->input);
}

static void accept_clients(struct attach *a) {
  for (;;) {
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct ucred cr;
    socklen_t len = sizeof cr;
    struct client *c = NULL;
    for (int i = 0; i < ATTACH_CLIENTS && !c; i++)
      if (a->c[i].fd < 0) c = &a->c[i];
    if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || (cr.uid != 0 && cr.uid != geteuid())) {
      close(fd); /* full, or not allowed */
      continue;
    }
    c->fd = fd;
    c->in = xmalloc(HDR + FRAME_MAX);
    a->hold_until = 0; /* the one output was held for is here */
    /* the ring, oldest byte first: from the head when full, else from 0 */
    size_t start = a->ring_len == SCROLLBACK ? a->ring_head : 0;
    size_t first = a->ring_len < SCROLLBACK - start ? a->ring_len : SCROLLBACK - start;
    if (a->ring_len) send_frame(c, 'D', a->ring + start, first, a->ring, a->ring_len - first);
  }
}

static void ring_add(struct attach *a, const char *s, size_t n) {
  if (n >= SCROLLBACK) {
    s += n - SCROLLBACK;
    n = SCROLLBACK;
  }
  size_t first = SCROLLBACK - a->ring_head < n ? SCROLLBACK - a->ring_head : n;
  memcpy(a->ring + a->ring_head, s, first);
  memcpy(a->ring, s + first, n - first);
  a->ring_head = (a->ring_head + n) % SCROLLBACK;
  a->ring_len = a->ring_len + n > SCROLLBACK ? SCROLLBACK : a->ring_len + n;
}

static void read_master(struct attach *a) {
  char buf[16384];
  ssize_t n = read(a->master, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) { /* EIO: nothing in the container holds the terminal any more */
    log_flush(&a->log, a->log_fd);
    close(a->master);
    a->master = -1;
    return;
  }
  log_feed(&a->log, a->log_fd, buf, (size_t)n);
  ring_add(a, buf, (size_t)n);
  for (int i = 0; i < ATTACH_CLIENTS; i++)
    if (a->c[i].fd >= 0) send_frame(&a->c[i], 'D', buf, (size_t)n, NULL, 0);
}

static uint32_t be32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* Acts on the complete frames read so far; false when the client broke the protocol. */
static bool client_frames(struct attach *a, struct client *c) {
  size_t at = 0;
  while (c->in_len - at >= HDR) {
    const char *f = c->in + at;
    uint32_t n = be32(f + 1);
    if (n > FRAME_MAX) return false;
    if (c->in_len - at < HDR + n) break;
    const char *p = f + HDR;
    switch (f[0]) {
      case 'D':
        if (a->master >= 0 || (a->stdin_fd >= 0 && !a->close_stdin)) q_push(&a->input, p, n);
        break;
      case 'C':
        if (a->master >= 0) {
          char eof = pty_eof_char(a->master);
          q_push(&a->input, &eof, 1);
        } else if (a->stdin_fd >= 0) {
          a->close_stdin = true;
          if (a->input.len == 0) close_stdin(a);
        }
        break;
      case 'R':
        if (n != 4) return false;
        if (a->master >= 0) {
          const unsigned char *u = (const unsigned char *)p;
          pty_set_size(a->master, (unsigned short)(u[0] << 8 | u[1]), (unsigned short)(u[2] << 8 | u[3]));
        }
        break;
      default:
        return false;
    }
    at += HDR + n;
  }
  memmove(c->in, c->in + at, c->in_len - at);
  c->in_len -= at;
  return true;
}

static void read_client(struct attach *a, struct client *c) {
  ssize_t n = recv(c->fd, c->in + c->in_len, HDR + FRAME_MAX - c->in_len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return drop(c);
  c->in_len += (size_t)n;
  if (!client_frames(a, c)) drop(c);
}

static void write_master(struct attach *a) {
  ssize_t n = write(a->master, a->input.buf + a->input.off, a->input.len);
  if (n > 0) q_take(&a->input, (size_t)n);
}

/* No terminal: queued input into the stdin pipe; a process that closed its stdin closes it here too. */
static void write_stdin(struct attach *a) {
  ssize_t n = write(a->stdin_fd, a->input.buf + a->input.off, a->input.len);
  if (n > 0) q_take(&a->input, (size_t)n);
  else if (n < 0 && errno != EAGAIN && errno != EINTR) return close_stdin(a); /* EPIPE: nobody reads it any more */
  if (a->input.len == 0 && a->close_stdin) close_stdin(a);
}

int attach_fill(const struct attach *a, struct pollfd *p) {
  p[0] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
  if (a->master >= 0) p[1] = (struct pollfd){.fd = a->master, .events = (short)(POLLIN | (a->input.len ? POLLOUT : 0))};
  else p[1] = (struct pollfd){.fd = a->stdin_fd, .events = (short)(a->input.len ? POLLOUT : 0)}; /* POLLERR: the reader has gone */
  for (int i = 0; i < ATTACH_CLIENTS; i++) {
    const struct client *c = &a->c[i];
    short ev = (short)((a->input.len < INPUT_MAX ? POLLIN : 0) | (c->out.len ? POLLOUT : 0));
    p[2 + i] = (struct pollfd){.fd = c->fd, .events = ev};
  }
  return ATTACH_POLLFDS;
}

void attach_handle(struct attach *a, const struct pollfd *p) {
  if (a->master >= 0 && p[1].fd == a->master) {
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) read_master(a);
    if (a->master >= 0 && (p[1].revents & POLLOUT)) write_master(a);
  } else if (a->stdin_fd >= 0 && p[1].fd == a->stdin_fd) {
    if (p[1].revents & POLLOUT) write_stdin(a);
    else if (p[1].revents & (POLLERR | POLLHUP)) close_stdin(a);
  }
  for (int i = 0; i < ATTACH_CLIENTS; i++) {
    struct client *c = &a->c[i];
    if (c->fd < 0 || c->fd != p[2 + i].fd) continue;
    if (p[2 + i].revents & POLLOUT) flush(c);
    if (c->fd >= 0 && (p[2 + i].revents & (POLLIN | POLLHUP | POLLERR))) read_client(a, c);
  }
  /* input just read goes in now, not a poll round later: a key's echo waits for nothing */
  if (a->input.len && a->master >= 0) write_master(a);
  else if (a->input.len && a->stdin_fd >= 0) write_stdin(a);
  if (p[0].revents & POLLIN) accept_clients(a); /* last: a slot freed above may be reused */
}

bool attach_output_done(const struct attach *a) { return a->master < 0; }

/* The process has exited and its output is drained: 'X' to every client, then each one's
 * side is shut for writing once what is queued for it has gone (it reads EOF after X), and
 * the connection is kept until the client closes it, what it still sends read and dropped.
 * Closing at once would lose output: a client that writes (a 'C' after its input ended, a
 * resize) after our close but before reading what we sent gets EPIPE, and a socket that
 * fails a write is torn down with the output still unread in it (Node's is). A client that
 * neither reads nor closes is given up after CLOSE_LINGER. The socket's path and listener go
 * first: one who connects now would get neither output nor X, better ENOENT (the exit file says how it ended). */
void attach_close(struct attach *a, int exit_code) {
  close(a->listen_fd);
  unlink(a->path);
  char code[4] = {(char)(exit_code >> 24), (char)(exit_code >> 16), (char)(exit_code >> 8), (char)exit_code};
  for (int i = 0; i < ATTACH_CLIENTS; i++)
    if (a->c[i].fd >= 0) send_frame(&a->c[i], 'X', code, 4, NULL, 0);
  bool shut[ATTACH_CLIENTS] = {0}, eof[ATTACH_CLIENTS] = {0};
  int64_t deadline = now_ns() + CLOSE_LINGER;
  for (;;) {
    struct pollfd p[ATTACH_CLIENTS];
    int n = 0;
    for (int i = 0; i < ATTACH_CLIENTS; i++) {
      struct client *c = &a->c[i];
      if (c->fd >= 0 && !shut[i] && c->out.len == 0) {
        shut[i] = true;
        if (shutdown(c->fd, SHUT_WR) < 0) drop(c);
      }
      if (shut[i] && eof[i]) drop(c); /* all sent, and it has closed its side: done with it */
      p[i] = (struct pollfd){.fd = c->fd, .events = (short)((eof[i] ? 0 : POLLIN) | (c->out.len ? POLLOUT : 0))};
      n += p[i].fd >= 0;
    }
    int64_t left = (deadline - now_ns()) / 1000000;
    if (n == 0 || left <= 0) break;
    int r = poll(p, ATTACH_CLIENTS, (int)left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (int i = 0; i < ATTACH_CLIENTS; i++) {
      struct client *c = &a->c[i];
      if (c->fd < 0 || !p[i].revents) continue;
      if (p[i].revents & POLLOUT) flush(c); /* a client gone for good fails it and is dropped */
      if (c->fd >= 0 && !eof[i] && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        char sink[4096]; /* input for a process that has exited: nowhere to go */
        ssize_t got = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
        if (got == 0) eof[i] = true;
        else if (got < 0 && errno != EAGAIN && errno != EINTR) drop(c);
      }
    }
  }
  for (int i = 0; i < ATTACH_CLIENTS; i++) drop(&a->c[i]);
  if (a->master >= 0) close(a->master);
  if (a->stdin_fd >= 0) close(a->stdin_fd);
  q_free(&a->input);
  free(a->path);
  free(a);
}
