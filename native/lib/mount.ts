// mount(2) and umount2(2): how the engine puts an image's layers together (overlay),
// gives a container its tmpfs and bind mounts, and takes them apart again.
import { call, checkUint32 } from './call';
import { fromAddon } from './errors';
import { native } from './load';

/**
 * mount(2) flags, combined with `|`. Values are the kernel's ABI (include/uapi/linux/mount.h),
 * the same on every architecture; a test checks them against the C library's headers.
 * Literals rather than values read from the addon, so importing them loads nothing.
 */
export const MS = Object.freeze({
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  /** Change the flags (and data) of an existing mount; with BIND, of that mount only. */
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  /** Do not follow symlinks in paths resolved under this mount (Linux 5.10). */
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  /** With BIND: the submounts too; with a propagation flag: the whole subtree. */
  REC: 16384,
  SILENT: 32768,
  POSIXACL: 1 << 16,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const);

// umount2(2) flags.

/** Abort pending requests first; only some filesystems (NFS, FUSE) act on it. */
export const MNT_FORCE = 1;
/** Lazy: detach now, clean up once the mount is no longer busy (never EBUSY). */
export const MNT_DETACH = 2;
/** Mark for expiry; a second call unmounts if unused since (not with FORCE or DETACH). */
export const MNT_EXPIRE = 4;
/** Do not follow a symlink as the last component of `target`. */
export const UMOUNT_NOFOLLOW = 8;

/**
 * mount(2). `fstype` is null where the kernel ignores it (REMOUNT, BIND, MOVE and the
 * propagation flags), as is `source` then (pass ''). `data` is the filesystem's option
 * string, e.g. overlay's `lowerdir=…,upperdir=…,workdir=…`; the kernel reads at most
 * mountDataMax() bytes of it, so a longer string is refused with a TypeError (code
 * E2BIG) before the call instead of being cut short. Failures name `target` as path.
 */
export function mount(
  source: string,
  target: string,
  fstype: string | null,
  flags: number,
  data?: string | null,
): void {
  checkUint32(flags, 'flags');
  call(() => native().mount(source, target, fstype, flags, data ?? null), target);
}

/**
 * umount2(2). Without flags a busy mount is EBUSY and a path that is not a mount point
 * EINVAL; MNT_DETACH takes it out of the tree at once and frees it when the last user
 * goes.
 */
export function umount(target: string, flags = 0): void {
  checkUint32(flags, 'flags');
  call(() => native().umount(target, flags), target);
}

/**
 * umount() on the libuv threadpool. Taking an overlay down syncs its upper filesystem, which
 * can take as long as the dirty data waiting there (100+ ms while an import writes): too long
 * for the event loop to wait.
 */
export async function umountAsync(target: string, flags = 0): Promise<void> {
  checkUint32(flags, 'flags');
  try {
    await native().umountAsync(target, flags);
  } catch (error) {
    throw fromAddon(error, target);
  }
}

/**
 * The longest `data` string mount() accepts, in UTF-8 bytes: one page less the NUL
 * (4095 with 4 KiB pages). Overlays with many or deep layers must fit in it.
 */
export function mountDataMax(): number {
  return native().mountDataMax();
}
