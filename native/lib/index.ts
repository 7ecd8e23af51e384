// The typed face of the native addon: the syscalls Node lacks (flock, mknod, the
// l*xattr family here; mount and umount in mount.ts; pidfds and process start times in
// process.ts; a program run to its end without forking the engine in spawn-wait.ts; paths
// confined to an untrusted root in confine.ts; rtnetlink in netlink.ts). Failures are
// NativeSystemErrors shaped like Node's fs errors. The addon is loaded on first call, so
// importing this module never fails.
import fs from 'node:fs';

import { call, checkFd, checkUint32 } from './call';
import { fromAddon } from './errors';
import { native } from './load';

export type { NativeSystemError } from './errors';
export { MNT_DETACH, MNT_EXPIRE, MNT_FORCE, MS, UMOUNT_NOFOLLOW, mount, mountDataMax, umount, umountAsync } from './mount';
export { CONFINE, O_PATH, atInRoot, atInRootAsync, fdPath, forceConfineFallback, hasOpenat2, makeEntriesInRoot, mkdirInRoot, openInRoot, openInRootAsync, openRoot, openRootAsync, removeInRoot } from './confine';
export type { ConfineOptions, MkdirOptions, NewEntry } from './confine';
export { parseStatStartTime, pidfdOpen, pidfdSendSignal, processStartTime, processStartTimeAsync } from './process';
export { type PeerCredentials, peerCredentials } from './peer';
export { type SpawnWaitOptions, type SpawnWaitResult, spawnWait } from './spawn-wait';
export { type Ipv4Route, type VethAttach, attachVeth, createBridge, createNetns, deleteLink, ipv4Routes, setLinkAddress } from './netlink';

export type LockMode = 'exclusive' | 'shared';

/** File type bits for mknod's `mode` (the host libc's values, as Node exposes them). */
export const S_IFCHR: number = fs.constants.S_IFCHR;
export const S_IFBLK: number = fs.constants.S_IFBLK;
export const S_IFIFO: number = fs.constants.S_IFIFO;

function isExclusive(mode: LockMode): boolean {
  if (mode !== 'exclusive' && mode !== 'shared') {
    throw new TypeError(`lock mode must be 'exclusive' or 'shared', got ${String(mode)}`);
  }
  return mode === 'exclusive';
}

/**
 * flock(fd, LOCK_EX or LOCK_SH), waiting as long as it takes. The wait runs on the libuv
 * threadpool (EINTR is retried there), so it occupies one pool thread until granted.
 * Locks belong to the open file description: another open() of the same file, even in
 * this process, contends; a dup'ed fd shares the lock.
 */
export async function lockFile(fd: number, mode: LockMode): Promise<void> {
  checkFd(fd);
  const exclusive = isExclusive(mode);
  try {
    await native().lock(fd, exclusive);
  } catch (error) {
    throw fromAddon(error);
  }
}

/** flock with LOCK_NB: true when taken, false when someone else holds a conflicting lock. */
export function tryLockFile(fd: number, mode: LockMode): boolean {
  checkFd(fd);
  const exclusive = isExclusive(mode);
  return call(() => native().tryLock(fd, exclusive));
}

/** flock(fd, LOCK_UN). Closing the last fd of the open file description also unlocks. */
export function unlockFile(fd: number): void {
  checkFd(fd);
  call(() => native().unlock(fd));
}

/**
 * pread(fd, buffer, buffer.length, 0) for every pair, all on one libuv pool thread, one
 * after the other: per file the bytes read, or -errno (never rejects for a file's
 * failure). The sampler's way to re-read hundreds of kept-open kernel files a second
 * with one round trip instead of one per file. The descriptors must stay open until it
 * settles.
 */
export function preadBatch(fds: Int32Array, buffers: Buffer[]): Promise<Int32Array> {
  return native().preadBatch(fds, buffers);
}

/** Whether preadBatch can be called: the addon loads and was built with it. */
export function hasPreadBatch(): boolean {
  try {
    return typeof native().preadBatch === 'function';
  } catch {
    return false;
  }
}

/**
 * What `du -s --block-size=1` counts for the tree at `path` (allocated bytes and inodes,
 * each hardlinked inode once), walked on one pool thread; undefined from an addon built
 * before it (the caller walks by itself). A missing `path` is ENOENT.
 */
export async function diskUsageNative(path: string): Promise<{ bytes: number; inodes: number } | undefined> {
  let binding;
  try {
    binding = native();
  } catch {
    return undefined;
  }
  if (typeof binding.diskUsage !== 'function') return undefined;
  try {
    return await binding.diskUsage(path);
  } catch (error) {
    throw fromAddon(error, path);
  }
}

/**
 * mknod(path, mode, makedev(major, minor)). `mode` carries the type (S_IFCHR, S_IFBLK,
 * S_IFIFO) and the permission bits, which the process umask trims. Devices need
 * CAP_MKNOD; an overlay whiteout is a character device 0/0.
 */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  checkUint32(mode, 'mode');
  checkUint32(major, 'major');
  checkUint32(minor, 'minor');
  call(() => native().mknod(path, mode, major, minor), path);
}

/** lsetxattr: creates or replaces `name` on `path` itself (a symlink is not followed). */
export function lsetxattr(path: string, name: string, value: Buffer): void {
  call(() => native().lsetxattr(path, name, value), path);
}

/** lgetxattr: the value of `name` on `path` itself, or null when it has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | null {
  return call(() => native().lgetxattr(path, name), path);
}

/** llistxattr: the attribute names on `path` itself that this process may see. */
export function llistxattr(path: string): string[] {
  return call(() => native().llistxattr(path), path);
}

/** lgetxattr on the libuv threadpool: for walks on the API's paths (an image's layers, an upper dir). */
export async function lgetxattrAsync(path: string, name: string): Promise<Buffer | null> {
  try {
    return await native().lgetxattrAsync(path, name);
  } catch (error) {
    throw fromAddon(error, path);
  }
}

/** llistxattr on the libuv threadpool. */
export async function llistxattrAsync(path: string): Promise<string[]> {
  try {
    return await native().llistxattrAsync(path);
  } catch (error) {
    throw fromAddon(error, path);
  }
}

/** lsetxattr on the libuv threadpool (the value is copied before the call returns). */
export async function lsetxattrAsync(path: string, name: string, value: Buffer): Promise<void> {
  try {
    await native().lsetxattrAsync(path, name, value);
  } catch (error) {
    throw fromAddon(error, path);
  }
}

/** lremovexattr: removes `name` from `path` itself; a missing attribute is ENODATA. */
export function lremovexattr(path: string, name: string): void {
  call(() => native().lremovexattr(path, name), path);
}
