/*
 * mountops — mount(2) and umount2(2) for the N-API binding (binding.cc), as plain C.
 *
 * Same convention as fsops.h: 0 on success or -errno, never touching JavaScript.
 * Strings are NUL-terminated; the caller has already rejected embedded NULs.
 */
#ifndef STRATA_MOUNTOPS_H
#define STRATA_MOUNTOPS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest mount data string the kernel reads whole: one page less the NUL.
 * mount(2) copies exactly one page of `data` and overwrites its last byte with a NUL,
 * so a longer string would be cut short silently rather than refused. */
size_t strata_mount_data_max(void);

/* mount(2). `fstype` and `data` may be NULL (remounts, bind mounts, propagation
 * changes); `data` must be at most strata_mount_data_max() bytes long. */
int strata_mount(const char *source, const char *target, const char *fstype,
                 unsigned long flags, const char *data);

/* umount2(2) with `flags` from MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW. */
int strata_umount(const char *target, int flags);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_MOUNTOPS_H */
