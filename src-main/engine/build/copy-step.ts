// COPY and ADD: the selected files of the build context (or of an earlier stage's root) are
// written into the step's root — the overlay of the layers so far over a fresh upper dir —
// so overlayfs itself records the change: parent directories copied up with the image's
// owner and mode, a replaced directory turned into an opaque one, a replaced file into a
// whiteout. The upper dir then becomes the step's layer.
//
// Docker's rules:
//  - a directory source copies its contents (not itself) into the destination;
//  - a file or symlink goes *into* the destination when it ends in `/`, when there are
//    several sources, or when the destination already is a directory; otherwise it *is*
//    the destination;
//  - missing destination directories are made, owned like the copied files;
//  - owner 0:0 unless `--chown`; `--chown=user` alone uses the uid as the gid (Docker's
//    documented rule); names resolve against the image's /etc/passwd and /etc/group;
//  - modes and modification times are kept (`--chmod` replaces the mode of everything copied);
//  - ADD unpacks a local tar archive into the destination directory, keeping the archive's
//    owners unless `--chown` is given.
// Not copied: extended attributes, and hard links between copied files (each is a file).
//
// The step's root may hold links the image made (`/bin -> usr/bin`, or a RUN's link to `/`):
// every write goes through an fd opened inside the root (see EntryWriter), never a host path.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { resolveUser } from '../runtime/image-user';
import { type CopySource, type EntryType, type SourceEntry, changedSource, openSourceAsync } from './context';
import type { CopyStep } from './plan';
import { isTarArchive, unpackTar } from './add-tar';
import { type Owner, isDirectoryInRoot, lstatOrUndefined, mkdirInRootFd } from '../layers/root-path';
import { LoopBudget } from '../store/loop-budget';
import { type ConfineOptions, O_PATH, atInRoot, fdPath, openInRoot, openInRootAsync, openRoot, removeInRoot } from '../../../native/lib/index';

export interface CopyInput {
  /** Host path of the step's writable root. */
  root: string;
  step: CopyStep;
  sources: readonly CopySource[];
  /** A file of the image as it stands before this step (for --chown names). */
  readImageFile: (absPath: string) => Buffer | undefined;
  /** An empty directory of the build for unpacking ADD archives. */
  scratch: string;
  signal?: AbortSignal;
}

/** `--chown` as ids; 0:0 when absent. */
export function copyOwner(chown: string | undefined, readImageFile: (absPath: string) => Buffer | undefined): Owner {
  if (chown === undefined) return { uid: 0, gid: 0 };
  const resolved = resolveUser(chown, readImageFile);
  return { uid: resolved.uid, gid: chown.includes(':') ? resolved.gid : resolved.uid };
}

export async function copyIntoRoot(input: CopyInput): Promise<void> {
  const { root, step, sources } = input;
  const where = `line ${step.line}: ${step.keyword}`;
  let owner: Owner;
  try {
    owner = copyOwner(step.chown, input.readImageFile);
  } catch (error) {
    throw new StrataError('INVALID_ARGUMENT', `${where} --chown=${step.chown}: ${(error as Error).message}`);
  }
  const intoDir = step.destIsDir || sources.length > 1;
  const writer = new EntryWriter(root, step.chmod);
  const budget = new LoopBudget(); // thousands of files are copied one syscall at a time
  let unpacked = 0;
  try {
    for (const source of sources) {
      const self = source.entries[0]!;
      if (step.kind === 'add' && source.type === 'file') {
        // Read through an fd opened inside the source's root; its /proc path reopens that very file.
        const fd = await openSourceAsync(writer.sourceRoot(self.root), self);
        try {
          const file = `/proc/self/fd/${fd}`;
          if (await isTarArchive(file)) {
            const dest = path.join(input.scratch, `unpacked-${unpacked++}`);
            fs.mkdirSync(dest);
            await unpackTar(file, dest, input.signal);
            fs.closeSync(writer.mkdir(step.dest, owner).fd);
            await writer.copyTree(dest, step.dest, step.chown === undefined ? undefined : owner, budget);
            continue;
          }
        } finally {
          fs.closeSync(fd);
        }
      }
      if (source.type === 'directory') {
        const made = writer.mkdir(step.dest, owner);
        // A destination made here takes the source directory's mode, as if copied with it.
        try {
          if (made.created) writer.applyDirectory(made.fd, step.dest, self, owner);
        } finally {
          fs.closeSync(made.fd);
        }
        for (const entry of source.entries.slice(1)) {
          await writer.place(path.posix.join(step.dest, entry.rel), entry, owner);
          await budget.pause();
        }
        continue;
      }
      const target = intoDir || isDirectoryInRoot(root, step.dest) ? path.posix.join(step.dest, path.posix.basename(source.path)) : step.dest;
      fs.closeSync(writer.mkdir(path.posix.dirname(target), owner).fd);
      await writer.place(target, self, owner);
      await budget.pause();
    }
    await writer.finish(budget);
  } catch (error) {
    if (error instanceof StrataError) {
      throw error.message.startsWith('line ') ? error : new StrataError(error.code, `${where}: ${error.message}`, { cause: error });
    }
    throw filesystemError(where, root, error, writer.current);
  } finally {
    writer.close();
  }
}

/** What the image's own shape refuses (a file where a directory must be, a loop of links…): the caller's to fix. */
const REFUSED_BY_IMAGE = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'ENOTEMPTY']);

/**
 * A file system error in the root as a coded error naming the step and the path in the image
 * (not the build's directory on the host); anything else is the machine's: INTERNAL, with the step.
 * `current` is the path in the image being written when it failed.
 */
function filesystemError(where: string, root: string, error: unknown, current: string | undefined): StrataError {
  const { code, path: from, dest } = error as NodeJS.ErrnoException & { dest?: string };
  const host = [dest, from].find((file) => file !== undefined && (file === root || file.startsWith(root + path.sep)));
  const imagePath = host !== undefined ? `/${path.relative(root, host)}` : current;
  if (code === undefined || !REFUSED_BY_IMAGE.has(code) || imagePath === undefined) return new StrataError('INTERNAL', `${where}: ${(error as Error).message}`, { cause: error });
  const reason = (error as Error).message.replace(/^[A-Z]+: /, '').replace(/, .*$/, '');
  return new StrataError('INVALID_ARGUMENT', `${where}: ${imagePath}: ${reason}`, { cause: error });
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = fs.constants;
const LINK_FREE: ConfineOptions = { noSymlinks: true };

/**
 * Writes entries into the root; directory times are set last, deepest first. Every write is
 * made through fds opened inside the root (native/lib/confine.ts): the parent directory is
 * opened there (its links resolved as the container would), and the entry is then made,
 * replaced or changed relative to that fd, so a link swapped into the root meanwhile can
 * not lead a write out of it. Sources are read the same way from their own roots.
 * Making an entry and copying a file's bytes run on the threadpool (each can take
 * milliseconds on a busy disk, thousands of times in one step); lookups and metadata
 * changes stay synchronous.
 */
class EntryWriter {
  private readonly dirTimes: { imagePath: string; mtime: Date }[] = [];
  private readonly rootFd: number;
  private readonly sources = new Map<string, number>();
  /** The path in the image being written, for error messages. */
  current: string | undefined;

  constructor(
    root: string,
    private readonly chmod: number | undefined,
  ) {
    this.rootFd = openRoot(root);
  }

  /** An fd of a source root (a context, a stage, an unpacked archive), opened once. */
  sourceRoot(dir: string): number {
    let fd = this.sources.get(dir);
    if (fd === undefined) this.sources.set(dir, (fd = openRoot(dir)));
    return fd;
  }

  mkdir(imagePath: string, owner: Owner): { fd: number; created: boolean } {
    this.current = imagePath;
    return mkdirInRootFd(this.rootFd, imagePath, owner);
  }

  /** One entry at `imagePath` (its parent exists), replacing whatever is there. */
  async place(imagePath: string, entry: SourceEntry, owner: Owner | undefined): Promise<void> {
    this.current = imagePath;
    const name = path.posix.basename(imagePath);
    const parent = openInRoot(this.rootFd, path.posix.dirname(imagePath), O_PATH | O_DIRECTORY);
    try {
      const host = fdPath(parent, name);
      const existing = lstatOrUndefined(host);
      if (entry.type === 'directory') {
        // An existing directory (or link to one, followed inside the root) is merged into, as cp -r does.
        const merged = existing && this.openDirectoryOrUndefined(imagePath);
        if (merged !== undefined) return this.withFd(merged, () => this.applyDirectory(merged, imagePath, entry, owner));
        if (existing) removeInRoot(parent, name);
        await fs.promises.mkdir(host);
        const made = openInRoot(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        return this.withFd(made, () => this.applyDirectory(made, imagePath, entry, owner));
      }
      if (existing) removeInRoot(parent, name);
      const sourceRoot = this.sourceRoot(entry.root);
      if (entry.type === 'symlink') {
        const link = openInRoot(sourceRoot, entry.real, O_PATH | O_NOFOLLOW, 0, LINK_FREE);
        const source = this.withFd(link, () => fs.fstatSync(link));
        const target = entry.linkTarget ?? atInRoot(sourceRoot, entry.real, (at) => fs.readlinkSync(at), LINK_FREE);
        await fs.promises.symlink(target, host);
        fs.lchownSync(host, owner?.uid ?? source.uid, owner?.gid ?? source.gid);
        fs.lutimesSync(host, source.mtime, source.mtime);
        return;
      }
      const from = this.openSource(sourceRoot, entry);
      try {
        const source = fs.fstatSync(from);
        const to = await openInRootAsync(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, {}, 0o600);
        try {
          // Both /proc paths reopen the files the fds hold: no name is looked up again.
          await fs.promises.copyFile(`/proc/self/fd/${from}`, `/proc/self/fd/${to}`);
          fs.fchownSync(to, owner?.uid ?? source.uid, owner?.gid ?? source.gid); // before chmod: chown clears setuid
          fs.fchmodSync(to, this.chmod ?? entry.mode);
          fs.futimesSync(to, source.mtime, source.mtime);
        } finally {
          fs.closeSync(to);
        }
      } finally {
        fs.closeSync(from);
      }
    } finally {
      fs.closeSync(parent);
    }
  }

  /** Owner and mode of the directory `fd` (at `imagePath`) from its source; its time at the end. */
  applyDirectory(fd: number, imagePath: string, entry: SourceEntry, owner: Owner | undefined): void {
    const sourceFd = openInRoot(this.sourceRoot(entry.root), entry.real, O_PATH | O_NOFOLLOW, 0, LINK_FREE);
    const source = this.withFd(sourceFd, () => fs.fstatSync(sourceFd));
    fs.fchownSync(fd, owner?.uid ?? source.uid, owner?.gid ?? source.gid);
    fs.fchmodSync(fd, this.chmod ?? entry.mode);
    this.dirTimes.push({ imagePath, mtime: source.mtime });
  }

  /** The contents of a host directory (an unpacked archive) into the directory `destPath` of the image. */
  async copyTree(hostDir: string, destPath: string, owner: Owner | undefined, budget: LoopBudget): Promise<void> {
    for (const entry of walkDirectory(hostDir)) {
      await this.place(path.posix.join(destPath, entry.rel), entry, owner);
      await budget.pause();
    }
  }

  async finish(budget: LoopBudget): Promise<void> {
    for (const { imagePath, mtime } of this.dirTimes.reverse()) {
      this.current = imagePath;
      const fd = openInRoot(this.rootFd, imagePath, O_RDONLY | O_DIRECTORY);
      this.withFd(fd, () => fs.futimesSync(fd, mtime, mtime));
      await budget.pause();
    }
  }

  close(): void {
    fs.closeSync(this.rootFd);
    for (const fd of this.sources.values()) fs.closeSync(fd);
    this.sources.clear();
  }

  private openSource(sourceRoot: number, entry: SourceEntry): number {
    try {
      return openInRoot(sourceRoot, entry.real, O_RDONLY | O_NOFOLLOW, 0, LINK_FREE);
    } catch (error) {
      throw changedSource(entry, error);
    }
  }

  private openDirectoryOrUndefined(imagePath: string): number | undefined {
    try {
      return openInRoot(this.rootFd, imagePath, O_RDONLY | O_DIRECTORY);
    } catch {
      return undefined;
    }
  }

  private withFd<T>(fd: number, use: () => T): T {
    try {
      return use();
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * Files, directories and symlinks below `dir`, parents first (devices and whiteouts
 * skipped). A generator: the caller's pauses come between entries, so an archive of
 * thousands is not lstat'ed in one stretch of the loop.
 */
function* walkDirectory(dir: string, rel = ''): Generator<SourceEntry> {
  for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const absPath = path.join(dir, childRel);
    const info = fs.lstatSync(absPath);
    const type: EntryType | undefined = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : undefined;
    if (type === undefined) continue;
    const entry: SourceEntry = { rel: childRel, absPath, root: dir, real: childRel, type, mode: info.mode & 0o7777, size: type === 'file' ? info.size : 0 };
    if (type === 'symlink') entry.linkTarget = fs.readlinkSync(absPath);
    yield entry;
    if (type === 'directory') yield* walkDirectory(dir, childRel);
  }
}
