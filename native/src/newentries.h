/* New directories and whole small files made inside a confined root (confine.h) in one call:
 * a layer of thousands of small entries was bound by one libuv threadpool round trip per
 * entry; a batch of them is one trip, and the event loop goes on reading the tar meanwhile.
 *
 * Each entry's parent is opened inside the root (openat2, the caller's confine options); the
 * entry is then made by its one name in that directory, never followed (mkdirat, or openat
 * with O_CREAT | O_EXCL | O_NOFOLLOW): a name that is there already fails with EEXIST.
 * Convention as in fsops.h: 0 or -errno, no JavaScript, safe on the libuv threadpool. */
#ifndef STRATA_NEWENTRIES_H
#define STRATA_NEWENTRIES_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

enum strata_new_kind { STRATA_NEW_DIR = 1, STRATA_NEW_FILE = 2 };

struct strata_new_entry {
  enum strata_new_kind kind;
  /* Relative to the root ("a/b"); its last component is the name made. */
  const char *path;
  /* A directory: made with it (the umask applies). A file: made 0600, then given exactly
   * this mode once written and owned (a write clears setuid and setgid, a chown too). */
  mode_t mode;
  /* A file's owner, when `chown`; a directory keeps the process's. */
  int chown;
  uid_t uid;
  gid_t gid;
  /* A file's access and modification time. */
  struct timespec mtime;
  /* A file's content. */
  const char *data;
  size_t size;
};

/* Makes entries[0..n) in order. 0, or -errno of the first that failed, with *failed its
 * index and *syscall the call that failed; the entries before it are made, none after. */
int strata_make_entries(int rootfd, unsigned confine_opts, const struct strata_new_entry *entries,
                        size_t n, size_t *failed, const char **syscall);

#ifdef __cplusplus
}
#endif

#endif
