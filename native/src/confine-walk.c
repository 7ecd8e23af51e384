/*
 * The fallback for strata_confine_open where openat2 is missing (Linux < 5.6, or a seccomp
 * profile that answers ENOSYS): the same resolution, done one component at a time.
 *
 * Every component is opened with openat(parent fd, name, O_PATH | O_NOFOLLOW), so the kernel
 * never follows a link for us and never resolves more than one name; what we hold is always
 * an fd, never a path that could be redirected afterwards. A symlink is read through its own
 * fd (readlinkat(fd, "")) and its target walked by hand: an absolute one from the root fd,
 * `..` by popping the stack of directory fds we came down (at the root it stays there, as
 * RESOLVE_IN_ROOT does). Magic links: openat2 refuses only procfs's magic ones; the walk can
 * not tell those from procfs's plain links, so it refuses every symlink that lives on procfs
 * (the engine never needs to walk through a /proc inside a root).
 */
#define _GNU_SOURCE
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define MAX_LINKS 40
#define MAX_DEPTH (PATH_MAX / 2)
#define PROC_SUPER_MAGIC 0x9fa0

struct walk {
  int *stack; /* directory fds, [0] the root (a dup) */
  int depth;
  dev_t root_dev;
  unsigned opts;
  int links;
  char *todo; /* what is left of the path, malloc()ed */
};

static int top(const struct walk *w) { return w->stack[w->depth]; }

/* Replaces w->todo with link target + "/" + rest; an absolute target restarts at the root. */
static int follow(struct walk *w, int linkfd, const char *rest) {
  if (w->opts & STRATA_CONFINE_NO_SYMLINKS) return -ELOOP;
  if (++w->links > MAX_LINKS) return -ELOOP;
  struct statfs fs;
  if (fstatfs(linkfd, &fs) < 0) return -errno;
  if (fs.f_type == PROC_SUPER_MAGIC) return -ELOOP;
  char target[PATH_MAX];
  ssize_t n = readlinkat(linkfd, "", target, sizeof target - 1);
  if (n < 0) return -errno;
  target[n] = '\0';
  size_t size = (size_t)n + strlen(rest) + 2;
  char *next = malloc(size);
  if (next == NULL) return -ENOMEM;
  strcpy(next, target);
  strcat(next, "/");
  strcat(next, rest);
  free(w->todo);
  w->todo = next;
  if (target[0] == '/') {
    while (w->depth > 0) close(w->stack[w->depth--]);
  }
  return 0;
}

/* Is the entry behind fd a symlink? Checks the mount boundary too. */
static int inspect(const struct walk *w, int fd, int *is_link) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  *is_link = S_ISLNK(st.st_mode);
  if ((w->opts & STRATA_CONFINE_NO_XDEV) && st.st_dev != w->root_dev) return -EXDEV;
  return 0;
}

/* The last component: opened with the caller's flags, O_NOFOLLOW always; a link there is
 * followed by hand when the caller's flags would have followed it. *again: walk on. */
static int open_last(struct walk *w, const char *name, int flags, mode_t mode, int *fd,
                     int *again) {
  int follows = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
  *again = 0;
  int opened = openat(top(w), name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
  int err = opened < 0 ? errno : 0;
  if (opened >= 0) {
    int is_link = 0;
    int rc = inspect(w, opened, &is_link);
    if (rc == 0 && !(is_link && follows)) {
      *fd = opened;
      return 0;
    }
    if (rc < 0) {
      close(opened);
      return rc;
    }
    /* O_PATH|O_NOFOLLOW gave us the link itself, and the caller wants what it names. */
    rc = follow(w, opened, "");
    close(opened);
    *again = rc == 0;
    return rc;
  }
  /* A link at the end is ELOOP with O_NOFOLLOW, or ENOTDIR with O_DIRECTORY too. */
  if (!follows || (err != ELOOP && err != ENOTDIR)) return -err;
  int linkfd = openat(top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (linkfd < 0) return -errno;
  int is_link = 0;
  int rc = inspect(w, linkfd, &is_link);
  if (rc == 0 && !is_link) rc = -err;
  if (rc == 0) rc = follow(w, linkfd, "");
  close(linkfd);
  *again = rc == 0;
  return rc;
}

static int walk(struct walk *w, int flags, mode_t mode, int *fd) {
  for (;;) {
    char *p = w->todo;
    while (*p == '/') p++;
    size_t len = strcspn(p, "/");
    char *rest = p + len;
    while (*rest == '/') rest++;
    if (len == 0) {
      /* Nothing left: the directory we are in is the answer. */
      return open_last(w, ".", flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), 0, fd, &(int){0});
    }
    if (len > NAME_MAX) return -ENAMETOOLONG;
    char name[NAME_MAX + 1];
    memcpy(name, p, len);
    name[len] = '\0';
    /* Keep `rest` before follow() replaces todo. */
    memmove(w->todo, rest, strlen(rest) + 1);
    int last = w->todo[0] == '\0';
    if (strcmp(name, ".") == 0 && !last) continue;
    if (strcmp(name, "..") == 0) {
      if (w->depth > 0) close(w->stack[w->depth--]);
      if (last) w->todo[0] = '\0';
      continue;
    }
    if (last) {
      int again = 0;
      int rc = open_last(w, name, flags, mode, fd, &again);
      if (rc < 0 || !again) return rc;
      continue;
    }
    int next = openat(top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return -errno;
    int is_link = 0;
    int rc = inspect(w, next, &is_link);
    if (rc == 0 && is_link) {
      char *rest_copy = strdup(w->todo);
      rc = rest_copy == NULL ? -ENOMEM : follow(w, next, rest_copy);
      free(rest_copy);
      close(next);
      if (rc < 0) return rc;
      continue;
    }
    struct stat st;
    if (rc == 0 && (fstat(next, &st) < 0 || !S_ISDIR(st.st_mode))) rc = -ENOTDIR;
    if (rc == 0 && w->depth + 1 >= MAX_DEPTH) rc = -ENAMETOOLONG;
    if (rc < 0) {
      close(next);
      return rc;
    }
    w->stack[++w->depth] = next;
  }
}

int strata_confine_walk(int rootfd, const char *path, int flags, mode_t mode, unsigned opts,
                        int *fd) {
  struct walk w = {.depth = 0, .opts = opts, .links = 0};
  struct stat st;
  if (fstat(rootfd, &st) < 0) return -errno;
  if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
  w.root_dev = st.st_dev;
  w.stack = malloc(sizeof(int) * MAX_DEPTH);
  w.todo = strdup(path);
  int rc = -ENOMEM;
  if (w.stack != NULL && w.todo != NULL) {
    w.stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    rc = w.stack[0] < 0 ? -errno : walk(&w, flags, mode, fd);
    for (int i = w.stack[0] < 0 ? -1 : w.depth; i >= 0; i--) close(w.stack[i]);
  }
  free(w.stack);
  free(w.todo);
  return rc;
}
