// Paths inside an untrusted directory tree (an image root, a build context, a layer being
// unpacked), opened so that nothing outside it is reached however the tree changes meanwhile:
// the typed face of native/src/confine.c. Each call resolves its whole path in the kernel
// against an fd of the root (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS; on kernels
// without openat2, a component-by-component walk in C), and hands back an fd. Whatever the
// caller does next it does through that fd — fstat, fchown, futimes, or a path of the form
// `/proc/self/fd/<dirfd>/<name>` (see `atInRoot`), which the kernel resolves from the
// directory the fd holds, one name deep — so no lookup a racer could redirect separates a
// check from its use. Failures are NativeSystemErrors naming the path inside the root.
import fs from 'node:fs';

import { call, checkFd, checkInteger, checkUint32 } from './call';
import { fromAddon } from './errors';
import { native } from './load';

/** open(2)'s O_PATH (the same on x86-64 and Arm64; a test checks it against the C library's). */
export const O_PATH = 0o10000000;

/** The option bits of confine.h (a test checks them against the addon's). */
export const CONFINE = Object.freeze({ NO_SYMLINKS: 1, NO_XDEV: 2, FALLBACK: 4 } as const);

export interface ConfineOptions {
  /** Refuse every symlink on the way (ELOOP): for paths known to be link-free, where a link can only be a racer's. */
  noSymlinks?: boolean;
  /** Refuse to cross a mount point (EXDEV). */
  noXdev?: boolean;
  /** Walk by hand even where openat2 exists (tests; also STRATA_CONFINE_FALLBACK=1 for the whole process). */
  fallback?: boolean;
}

let forcedFallback: boolean | undefined;

/** Forces (or stops forcing) the fallback walk for every confined call of this process: tests of the engine on old kernels. */
export function forceConfineFallback(on: boolean): void {
  forcedFallback = on;
}

function optionBits(options: ConfineOptions): number {
  forcedFallback ??= process.env.STRATA_CONFINE_FALLBACK === '1';
  let bits = 0;
  if (options.noSymlinks) bits |= CONFINE.NO_SYMLINKS;
  if (options.noXdev) bits |= CONFINE.NO_XDEV;
  if (options.fallback || forcedFallback) bits |= CONFINE.FALLBACK;
  return bits;
}

/** An fd of the directory `dir` to confine paths to (the caller closes it). `dir` itself is trusted. */
export function openRoot(dir: string): number {
  return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
}

/** openRoot off the event loop (the root may sit on a slow disk). */
export function openRootAsync(dir: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY, (error, fd) => (error ? reject(error) : resolve(fd))));
}

/**
 * open(path, flags, mode) inside the root `rootFd`; `path` is relative to it ('/a' is 'a';
 * '' is the root). Links on the way resolve inside the root; the final one is followed
 * unless flags hold O_NOFOLLOW or O_CREAT|O_EXCL; with O_PATH|O_NOFOLLOW the fd is the link.
 */
export function openInRoot(rootFd: number, path: string, flags: number, mode = 0, options: ConfineOptions = {}): number {
  checkFd(rootFd);
  checkInteger(flags, 'flags', 0, 0x7fff_ffff);
  checkUint32(mode, 'mode');
  const bits = optionBits(options);
  return call(() => native().openInRoot(rootFd, path, flags, mode, bits), path);
}

/**
 * openInRoot on the libuv threadpool, for opens the event loop should not wait on: reads from
 * a slow disk, and files created (O_CREAT; `mode` as openInRoot's), which on a busy disk can
 * take milliseconds each. `content`, when given, is written to the new fd in the same trip to
 * the threadpool (a small file made in one round trip, not two); a failed write closes the fd
 * and rejects with `syscall` 'write'. The buffers must not change until the promise settles.
 */
export async function openInRootAsync(rootFd: number, path: string, flags: number, options: ConfineOptions = {}, mode = 0, content?: Buffer[]): Promise<number> {
  checkFd(rootFd);
  checkInteger(flags, 'flags', 0, 0x7fff_ffff);
  checkUint32(mode, 'mode');
  const bits = optionBits(options);
  try {
    return await native().openInRootAsync(rootFd, path, flags, mode, bits, content);
  } catch (error) {
    throw fromAddon(error, path);
  }
}

/** A new entry for makeEntriesInRoot: a directory, or a whole file with its content. */
export type NewEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; mtime: number; data: Buffer; owner?: { uid: number; gid: number } };

const NEW_KIND = { dir: 1, file: 2 } as const;

/**
 * Makes `entries` in order, in one trip to the threadpool (native/src/newentries.h): each by
 * its last name in its parent, opened inside the root with `options`, never following that
 * name (a name already there is EEXIST). A directory is made with `mode` (the umask applies).
 * A file is made 0600, written, given `owner`, then exactly `mode` and `mtime` (seconds, as
 * its atime too), and closed. Rejects with the first failure, naming its path; the entries
 * before it are made, none after. The Buffers must not change until the promise settles.
 */
export async function makeEntriesInRoot(rootFd: number, entries: readonly NewEntry[], options: ConfineOptions = {}): Promise<void> {
  checkFd(rootFd);
  const bits = optionBits(options);
  // Packed for the addon (see MakeEntriesWorker): the paths joined by NUL, five numbers an entry, the contents.
  const meta = new Float64Array(entries.length * 5);
  const data: Buffer[] = [];
  entries.forEach((entry, i) => {
    if (entry.path.includes('\0')) throw new TypeError(`a path holds a NUL byte: ${JSON.stringify(entry.path)}`);
    checkUint32(entry.mode, 'mode');
    meta[i * 5] = NEW_KIND[entry.kind];
    meta[i * 5 + 1] = entry.mode;
    if (entry.kind === 'dir') return;
    if (entry.owner) {
      checkUint32(entry.owner.uid, 'uid');
      checkUint32(entry.owner.gid, 'gid');
    }
    meta[i * 5 + 2] = entry.owner?.uid ?? -1;
    meta[i * 5 + 3] = entry.owner?.gid ?? -1;
    meta[i * 5 + 4] = entry.mtime;
    data.push(entry.data);
  });
  try {
    await native().makeEntriesInRoot(rootFd, bits, entries.map((entry) => entry.path).join('\0'), meta, data);
  } catch (error) {
    const index = (error as { index?: unknown }).index;
    throw fromAddon(error, typeof index === 'number' ? entries[index]?.path : undefined);
  }
}

export interface MkdirOptions {
  /** Mode of the directories made (exactly: the umask does not apply). */
  mode: number;
  /** Owner of the directories made; the process's when absent. */
  owner?: { uid: number; gid: number };
}

/**
 * mkdir -p `path` inside the root. Links on the way are followed inside it; a link whose
 * target is missing gets its target made, as mkdir -p in a chroot would. Returns an
 * O_RDONLY fd of the final directory (the caller closes it) and whether this call made it.
 */
export function mkdirInRoot(rootFd: number, path: string, mkdir: MkdirOptions, options: ConfineOptions = {}): { fd: number; created: boolean } {
  checkFd(rootFd);
  checkUint32(mkdir.mode, 'mode');
  const uid = mkdir.owner?.uid ?? -1;
  const gid = mkdir.owner?.gid ?? -1;
  checkInteger(uid, 'uid', -1, 0x7fff_ffff);
  checkInteger(gid, 'gid', -1, 0x7fff_ffff);
  const bits = optionBits(options);
  return call(() => native().mkdirInRoot(rootFd, path, mkdir.mode, uid, gid, bits), path);
}

/** rm -rf of the entry at `path` inside the root (its last component is not followed); the root itself is EINVAL. */
export function removeInRoot(rootFd: number, path: string, options: ConfineOptions = {}): void {
  checkFd(rootFd);
  const bits = optionBits(options);
  call(() => native().removeInRoot(rootFd, path, bits), path);
}

/** Whether confined opens use openat2 (null until the first one asked the kernel). */
export function hasOpenat2(): boolean | null {
  return native().hasOpenat2();
}

/**
 * The name `name` in the directory that `dirFd` holds, as a path any fs call takes: the
 * kernel follows /proc/self/fd/<n> to that very directory (no lookup by name) and resolves
 * `name` there, one component, so calls that do not follow a final link (lstat, mkdir,
 * symlink, unlink, lchown, mknod, l*xattr) act on that entry and nothing else.
 */
export function fdPath(dirFd: number, name: string): string {
  checkFd(dirFd);
  if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new TypeError(`not one path component: ${JSON.stringify(name)}`);
  return `/proc/self/fd/${dirFd}/${name}`;
}

/**
 * Runs `act` on the entry `path` inside the root, given as an fdPath in its parent directory
 * (opened inside the root with `options`), then closes that directory.
 */
export function atInRoot<T>(rootFd: number, path: string, act: (entry: string) => T, options: ConfineOptions = {}): T {
  const { dirFd, name } = openParentInRoot(rootFd, path, options);
  try {
    return act(fdPath(dirFd, name));
  } finally {
    fs.closeSync(dirFd);
  }
}

/**
 * atInRoot for an `act` that finishes later (an fs call on the threadpool: making an entry
 * can take milliseconds on a busy disk); the directory stays open until it has.
 */
export async function atInRootAsync<T>(rootFd: number, path: string, act: (entry: string) => Promise<T>, options: ConfineOptions = {}): Promise<T> {
  const { dirFd, name } = openParentInRoot(rootFd, path, options);
  try {
    return await act(fdPath(dirFd, name));
  } finally {
    fs.closeSync(dirFd);
  }
}

/** The parent directory of `path` opened inside the root (O_PATH: a lookup, nothing made), and the last name. */
function openParentInRoot(rootFd: number, path: string, options: ConfineOptions): { dirFd: number; name: string } {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  const name = parts.pop();
  if (name === undefined) throw new TypeError(`${JSON.stringify(path)} names the root, which has no parent`);
  return { dirFd: openInRoot(rootFd, parts.join('/'), O_PATH | fs.constants.O_DIRECTORY, 0, options), name };
}
