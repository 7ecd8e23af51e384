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
import { promisify } from 'node:util';
import { fdPath, lgetxattrAsync, llistxattrAsync, lsetxattrAsync, mknod, openInRootAsync } from '../../../native/lib/index';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
const LINK_FREE = { noSymlinks: true } as const;
const fstat = promisify(fs.fstat);
const close = promisify(fs.close);

/**
 * Copies the directory at `imagePath` inside the root `rootFd` (links on the way to it
 * followed inside the root) to `dest`, which must not exist. Returns false, copying
 * nothing, when there is no directory there. Every call runs off the event loop (a
 * container's first start seeds its volumes through the API) but a device node's mknod.
 */
export async function copyTreeFromRoot(rootFd: number, imagePath: string, dest: string): Promise<boolean> {
  let dirFd: number;
  try {
    dirFd = await openInRootAsync(rootFd, imagePath, O_RDONLY | O_DIRECTORY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
  try {
    const copier = new TreeCopier();
    await fs.promises.mkdir(dest);
    await copier.directory(dirFd, dest);
    await copier.finish();
    return true;
  } finally {
    await close(dirFd);
  }
}

class TreeCopier {
  /** First copy of each inode with several links, by dev:ino. */
  private readonly linked = new Map<string, string>();
  /** Directory times, set once their contents are written (deepest last in the list). */
  private readonly dirTimes: { dest: string; stat: fs.Stats }[] = [];

  async directory(dirFd: number, dest: string): Promise<void> {
    const stat = await fstat(dirFd);
    for (const name of (await fs.promises.readdir(`/proc/self/fd/${dirFd}`)).sort()) await this.entry(dirFd, name, path.join(dest, name));
    await this.metadata(`/proc/self/fd/${dirFd}/.`, dest, stat);
    this.dirTimes.push({ dest, stat });
  }

  async finish(): Promise<void> {
    for (const { dest, stat } of this.dirTimes) await fs.promises.utimes(dest, stat.atime, stat.mtime);
  }

  private async entry(dirFd: number, name: string, dest: string): Promise<void> {
    const from = fdPath(dirFd, name);
    const stat = await fs.promises.lstat(from);
    if (stat.isDirectory()) {
      const child = await openInRootAsync(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, LINK_FREE);
      try {
        await fs.promises.mkdir(dest);
        await this.directory(child, dest);
      } finally {
        await close(child);
      }
      return;
    }
    const key = `${stat.dev}:${stat.ino}`;
    const first = stat.nlink > 1 ? this.linked.get(key) : undefined;
    if (first !== undefined) return fs.promises.link(first, dest);
    if (stat.isSymbolicLink()) {
      await fs.promises.symlink(await fs.promises.readlink(from), dest);
    } else if (stat.isFile()) {
      const fd = await openInRootAsync(dirFd, name, O_RDONLY | O_NOFOLLOW, LINK_FREE);
      try {
        await fs.promises.copyFile(`/proc/self/fd/${fd}`, dest);
      } finally {
        await close(fd);
      }
    } else if (stat.isCharacterDevice() || stat.isBlockDevice() || stat.isFIFO()) {
      mknod(dest, stat.mode, major(stat.rdev), minor(stat.rdev)); // rare in a volume's seed: no threadpool form
    } else {
      return; // a socket: nothing to copy
    }
    await this.metadata(from, dest, stat);
    if (!stat.isSymbolicLink()) await fs.promises.utimes(dest, stat.atime, stat.mtime);
    else await fs.promises.lutimes(dest, stat.atime, stat.mtime);
    if (stat.nlink > 1) this.linked.set(key, dest);
  }

  /** Owner, mode (after the owner: chown clears setuid) and xattrs of `from` onto `dest`. */
  private async metadata(from: string, dest: string, stat: fs.Stats): Promise<void> {
    await fs.promises.lchown(dest, stat.uid, stat.gid);
    if (!stat.isSymbolicLink()) await fs.promises.chmod(dest, stat.mode & 0o7777);
    // A directory's fd path ends in '/.', which l*xattr resolve to the directory itself.
    for (const name of await llistxattrAsync(from)) {
      const value = await lgetxattrAsync(from, name);
      if (value === null) continue;
      try {
        await lsetxattrAsync(dest, name, value);
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
