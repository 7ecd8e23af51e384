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
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { resolveUser } from '../runtime/image-user';
import type { CopySource, EntryType, SourceEntry } from './context';
import type { CopyStep } from './plan';
import { isTarArchive, unpackTar } from './add-tar';
import { type Owner, isDirectoryInRoot, lstatOrUndefined, mkdirInRoot, resolveInRoot } from '../layers/root-path';

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
  let unpacked = 0;
  try {
    for (const source of sources) {
      const self = source.entries[0]!;
      if (step.kind === 'add' && source.type === 'file' && (await isTarArchive(self.absPath))) {
        const dest = path.join(input.scratch, `unpacked-${unpacked++}`);
        fs.mkdirSync(dest);
        await unpackTar(self.absPath, dest, input.signal);
        const { host } = mkdirInRoot(root, step.dest, owner);
        writer.copyTree(dest, host, step.chown === undefined ? undefined : owner);
        continue;
      }
      if (source.type === 'directory') {
        const { host, created } = mkdirInRoot(root, step.dest, owner);
        // A destination made here takes the source directory's mode, as if copied with it.
        if (created) writer.applyDirectory(host, self, owner);
        for (const entry of source.entries.slice(1)) writer.place(path.posix.join(step.dest, entry.rel), entry, owner);
        continue;
      }
      const target = intoDir || isDirectoryInRoot(root, step.dest) ? path.posix.join(step.dest, path.posix.basename(source.path)) : step.dest;
      mkdirInRoot(root, path.posix.dirname(target), owner);
      writer.place(target, self, owner);
    }
    writer.finish();
  } catch (error) {
    if (error instanceof StrataError) {
      throw error.message.startsWith('line ') ? error : new StrataError(error.code, `${where}: ${error.message}`, { cause: error });
    }
    throw filesystemError(where, root, error);
  }
}

/** What the image's own shape refuses (a file where a directory must be, a loop of links…): the caller's to fix. */
const REFUSED_BY_IMAGE = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'ENOTEMPTY']);

/**
 * A file system error in the root as a coded error naming the step and the path in the image
 * (not the build's directory on the host); anything else is the machine's: INTERNAL, with the step.
 */
function filesystemError(where: string, root: string, error: unknown): StrataError {
  const { code, path: from, dest } = error as NodeJS.ErrnoException & { dest?: string };
  const host = [dest, from].find((file) => file !== undefined && (file === root || file.startsWith(root + path.sep)));
  if (code === undefined || !REFUSED_BY_IMAGE.has(code) || host === undefined) return new StrataError('INTERNAL', `${where}: ${(error as Error).message}`, { cause: error });
  const reason = (error as Error).message.replace(/^[A-Z]+: /, '').replace(/, .*$/, '');
  return new StrataError('INVALID_ARGUMENT', `${where}: /${path.relative(root, host)}: ${reason}`, { cause: error });
}

/** Writes entries into the root; directory times are set last, deepest first. */
class EntryWriter {
  private readonly dirTimes: { host: string; mtime: Date }[] = [];

  constructor(
    private readonly root: string,
    private readonly chmod: number | undefined,
  ) {}

  /** One entry at `imagePath` (its parent exists), replacing whatever is there. */
  place(imagePath: string, entry: SourceEntry, owner: Owner | undefined): void {
    const parent = resolveInRoot(this.root, path.posix.dirname(imagePath), true);
    const host = path.join(parent, path.posix.basename(imagePath));
    const existing = lstatOrUndefined(host);
    if (entry.type === 'directory') {
      // An existing directory (or link to one) is merged into, as cp -r does.
      const followed = existing?.isSymbolicLink() ? resolveInRoot(this.root, imagePath, true) : host;
      if (lstatOrUndefined(followed)?.isDirectory()) {
        this.applyDirectory(followed, entry, owner);
        return;
      }
      if (existing) fs.rmSync(host, { recursive: true, force: true });
      fs.mkdirSync(host);
      this.applyDirectory(host, entry, owner);
      return;
    }
    if (existing) fs.rmSync(host, { recursive: true, force: true });
    const source = fs.lstatSync(entry.absPath);
    if (entry.type === 'symlink') {
      fs.symlinkSync(entry.linkTarget ?? fs.readlinkSync(entry.absPath), host);
      fs.lchownSync(host, owner?.uid ?? source.uid, owner?.gid ?? source.gid);
      fs.lutimesSync(host, source.mtime, source.mtime);
      return;
    }
    fs.copyFileSync(entry.absPath, host);
    fs.chownSync(host, owner?.uid ?? source.uid, owner?.gid ?? source.gid); // before chmod: chown clears setuid
    fs.chmodSync(host, this.chmod ?? entry.mode);
    fs.utimesSync(host, source.mtime, source.mtime);
  }

  applyDirectory(host: string, entry: SourceEntry, owner: Owner | undefined): void {
    const source = fs.lstatSync(entry.absPath);
    fs.chownSync(host, owner?.uid ?? source.uid, owner?.gid ?? source.gid);
    fs.chmodSync(host, this.chmod ?? entry.mode);
    this.dirTimes.push({ host, mtime: source.mtime });
  }

  /** The contents of a host directory (an unpacked archive) into the directory `hostDest`. */
  copyTree(hostDir: string, hostDest: string, owner: Owner | undefined): void {
    const prefix = path.relative(this.root, hostDest).split(path.sep).filter(Boolean).join('/');
    for (const entry of walkDirectory(hostDir)) this.place(`/${prefix ? `${prefix}/` : ''}${entry.rel}`, entry, owner);
  }

  finish(): void {
    for (const { host, mtime } of this.dirTimes.reverse()) fs.utimesSync(host, mtime, mtime);
  }
}

/** Files, directories and symlinks below `dir`, parents first (devices and whiteouts skipped). */
function walkDirectory(dir: string, rel = ''): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const absPath = path.join(dir, childRel);
    const info = fs.lstatSync(absPath);
    const type: EntryType | undefined = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : undefined;
    if (type === undefined) continue;
    out.push({ rel: childRel, absPath, type, mode: info.mode & 0o7777, size: type === 'file' ? info.size : 0 });
    if (type === 'directory') out.push(...walkDirectory(dir, childRel));
  }
  return out;
}
