/* mount and umount for the addon; see mountops.h for the convention. */
#include "mountops.h"

#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

size_t strata_mount_data_max(void) {
  long page = sysconf(_SC_PAGESIZE);
  /* sysconf cannot fail for _SC_PAGESIZE on Linux; 4 KiB is the smallest page there. */
  return (page > 0 ? (size_t)page : 4096) - 1;
}

int strata_mount(const char *source, const char *target, const char *fstype,
                 unsigned long flags, const char *data) {
  return mount(source, target, fstype, flags, data) < 0 ? -errno : 0;
}

int strata_umount(const char *target, int flags) {
  return umount2(target, flags) < 0 ? -errno : 0;
}
