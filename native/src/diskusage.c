/* du -s --block-size=1 of a tree (diskusage.h): nftw without following symlinks, each
 * inode with more than one link counted once (a set of device and inode numbers). nftw's
 * callback has no argument of its own, so the walk's state is the calling thread's: a pool
 * thread runs one walk at a time. */
#define _GNU_SOURCE
#include "diskusage.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

struct inode_key {
  dev_t dev;
  ino_t ino;
};

struct walk {
  struct strata_disk_usage usage;
  struct inode_key *seen; /* open addressing; ino 0 marks an empty slot */
  size_t capacity;
  size_t count;
  int error; /* -errno that ended the walk (ENOMEM), else 0 */
};

static __thread struct walk *current;

static size_t slot_of(const struct inode_key *key, size_t capacity) {
  uint64_t h = (uint64_t)key->ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)key->dev;
  return (size_t)(h ^ (h >> 29)) & (capacity - 1);
}

/* Adds the key: true when it was not there yet; false, with w->error set, when out of memory. */
static bool add_new(struct walk *w, struct inode_key key, bool *added) {
  if ((w->count + 1) * 2 > w->capacity) {
    size_t capacity = w->capacity ? w->capacity * 2 : 256;
    struct inode_key *grown = calloc(capacity, sizeof *grown);
    if (!grown) return w->error = -ENOMEM, false;
    for (size_t i = 0; i < w->capacity; i++) {
      if (w->seen[i].ino == 0) continue;
      size_t s = slot_of(&w->seen[i], capacity);
      while (grown[s].ino != 0) s = (s + 1) & (capacity - 1);
      grown[s] = w->seen[i];
    }
    free(w->seen);
    w->seen = grown;
    w->capacity = capacity;
  }
  size_t s = slot_of(&key, w->capacity);
  for (; w->seen[s].ino != 0; s = (s + 1) & (w->capacity - 1)) {
    if (w->seen[s].ino == key.ino && w->seen[s].dev == key.dev) return *added = false, true;
  }
  w->seen[s] = key;
  w->count++;
  return *added = true, true;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *at) {
  (void)path;
  (void)at;
  struct walk *w = current;
  if (type == FTW_NS) return FTW_CONTINUE; /* gone since its directory was read */
  if (st->st_nlink > 1 && !S_ISDIR(st->st_mode) && st->st_ino != 0) {
    bool added;
    if (!add_new(w, (struct inode_key){st->st_dev, st->st_ino}, &added)) return FTW_STOP;
    if (!added) return FTW_CONTINUE;
  }
  w->usage.bytes += (uint64_t)st->st_blocks * 512;
  w->usage.inodes++;
  return FTW_CONTINUE;
}

int strata_disk_usage(const char *path, struct strata_disk_usage *out) {
  struct walk w = {0};
  current = &w;
  int rc = nftw(path, visit, 32, FTW_PHYS | FTW_ACTIONRETVAL);
  int saved = errno;
  current = NULL;
  free(w.seen);
  if (w.error) return w.error;
  if (rc == -1) return -saved;
  *out = w.usage;
  return 0;
}
