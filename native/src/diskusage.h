/* What `du -s --block-size=1` counts for a directory tree, in one call: the walk that took a
 * threadpool round trip per directory from JavaScript (an import measures each layer it
 * unpacks; the Disk view measures the store). */
#ifndef STRATA_DISKUSAGE_H
#define STRATA_DISKUSAGE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct strata_disk_usage {
  /* allocated bytes (st_blocks * 512) of every inode below and including the top, each
   * hardlinked inode once */
  uint64_t bytes;
  uint64_t inodes;
};

/* 0, or -errno when `path` itself cannot be walked (ENOENT: it is not there). Entries that
 * go while the walk runs are left out, as an unreadable directory's entries are. Not
 * across mounts' boundaries any differently than du: symlinks are not followed. */
int strata_disk_usage(const char *path, struct strata_disk_usage *out);

#ifdef __cplusplus
}
#endif

#endif
