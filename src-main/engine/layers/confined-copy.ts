// Copies a directory tree out of an untrusted root into a directory of the engine's own, as
// `cp -a` would (owners, modes, times, symlinks as links, devices, FIFOs, xattrs, hard
// links between the copied files), but reading only through fds: each directory is opened
// relative to its parent's fd with every symlink refused (native/lib/confine.ts), and each
// entry is read as `/proc/self/fd/<dir>/<name>`, one name deep. `cp -a` re-resolves whole
// paths below its starting point for every file, so a component swapped for a link to
// `/etc` while it runs would have it copy the host's files; here that swap leaves nothing
// to follow. The destination is private to the caller, so it is written by plain paths.
import fs from 'node:fs';
import path from 'node:path';
import { fdPath, lgetxattr, llistxattr, lsetxattr, mknod, openInRoot } from '../../../native/lib/index';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
const LINK_FREE = { noSymlinks: true } as const;

/**
 * Copies the directory at `imagePath` inside the root `rootFd` (links on the way to it
 * followed inside the root) to `dest`, which must not exist. Returns false, copying
 * nothing, when there is no directory there.
 */
export function copyTreeFromRoot(rootFd: number, imagePath: string, dest: string): boolean {
  let dirFd: number;
  try {
    dirFd = openInRoot(rootFd, imagePath, O_RDONLY | O_DIRECTORY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
  try {
    const copier = new TreeCopier();
    fs.mkdirSync(dest);
    copier.directory(dirFd, dest);
    copier.finish();
    return true;
  } finally {
    fs.closeSync(dirFd);
  }
}

class TreeCopier {
  /** First copy of each inode with several links, by dev:ino. */
  private readonly linked = new Map<string, string>();
  /** Directory times, set once their contents are written (deepest last in the list). */
  private readonly dirTimes: { dest: string; stat: fs.Stats }[] = [];

  directory(dirFd: number, dest: string): void {
    const stat = fs.fstatSync(dirFd);
    for (const name of fs.readdirSync(`/proc/self/fd/${dirFd}`).sort()) this.entry(dirFd, name, path.join(dest, name));
    this.metadata(`/proc/self/fd/${dirFd}/.`, dest, stat);
    this.dirTimes.push({ dest, stat });
  }

  finish(): void {
    for (const { dest, stat } of this.dirTimes) fs.utimesSync(dest, stat.atime, stat.mtime);
  }

  private entry(dirFd: number, name: string, dest: string): void {
    const from = fdPath(dirFd, name);
    const stat = fs.lstatSync(from);
    if (stat.isDirectory()) {
      const child = openInRoot(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, LINK_FREE);
      try {
        fs.mkdirSync(dest);
        this.directory(child, dest);
      } finally {
        fs.closeSync(child);
      }
      return;
    }
    const key = `${stat.dev}:${stat.ino}`;
    const first = stat.nlink > 1 ? this.linked.get(key) : undefined;
    if (first !== undefined) return fs.linkSync(first, dest);
    if (stat.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(from), dest);
    } else if (stat.isFile()) {
      const fd = openInRoot(dirFd, name, O_RDONLY | O_NOFOLLOW, 0, LINK_FREE);
      try {
        fs.copyFileSync(`/proc/self/fd/${fd}`, dest);
      } finally {
        fs.closeSync(fd);
      }
    } else if (stat.isCharacterDevice() || stat.isBlockDevice() || stat.isFIFO()) {
      mknod(dest, stat.mode, major(stat.rdev), minor(stat.rdev));
    } else {
      return; // a socket: nothing to copy
    }
    this.metadata(from, dest, stat);
    if (!stat.isSymbolicLink()) fs.utimesSync(dest, stat.atime, stat.mtime);
    else fs.lutimesSync(dest, stat.atime, stat.mtime);
    if (stat.nlink > 1) this.linked.set(key, dest);
  }

  /** Owner, mode (after the owner: chown clears setuid) and xattrs of `from` onto `dest`. */
  private metadata(from: string, dest: string, stat: fs.Stats): void {
    fs.lchownSync(dest, stat.uid, stat.gid);
    if (!stat.isSymbolicLink()) fs.chmodSync(dest, stat.mode & 0o7777);
    // A directory's fd path ends in '/.', which l*xattr resolve to the directory itself.
    for (const name of llistxattr(from)) {
      const value = lgetxattr(from, name);
      if (value === null) continue;
      try {
        lsetxattr(dest, name, value);
      } catch {
        // As cp -a: an attribute this filesystem or this process may not set is left out.
      }
    }
  }
}

// glibc's dev_t layout (gnu_dev_major / gnu_dev_minor).
function major(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
}
