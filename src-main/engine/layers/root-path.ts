// Paths inside an image's or a container's root filesystem, resolved the way the container
// itself would resolve them: a symlink's absolute target starts again at the root and `..`
// stops there, as under chroot. This is the one place that resolves a path inside a root;
// every read of a file of an image (USER names from /etc/passwd, init-layer metadata) and
// every write into a step's root (COPY, WORKDIR) goes through it, so a link to `/etc` or
// `../../..` can never lead the engine to the host's files.
//
// A root is seen one of two ways:
//  - a directory on the host (a mounted overlay, an empty stage's upper dir);
//  - a stack of layer directories in overlay form, top first, not mounted (the store's
//    layers/<id>/diff, a container's init and upper dirs): a path's components may come from
//    different layers, the topmost layer that has an entry decides, whiteouts delete and
//    opaque directories hide what is below. (The layer index would answer too, but it is
//    built for whole trees; a lookup here costs a few lstats.) A container's upper dir is
//    read in the notation its mount wrote (whiteouts.ts upperNotation: fuse-overlayfs's
//    `.wh.` files too, in the rootless engine); the store's layers are in the store's form.
// Layers never change, and nothing else writes a step's mount while the step runs, so a
// path resolved here for reading stays valid until it is used. Directories are made by the
// confined mkdir -p in native/lib/confine.ts (openat2 against an fd of the root), so even a
// root that does change meanwhile can not lead a write out; this file's walk then only
// words the error when the image's shape refuses.
import fs from 'node:fs';
import path from 'node:path';
import { mkdirInRoot as confinedMkdir, openRoot } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { type FsSteps, fsCall, runAsync, runSync } from '../store/fs-steps';
import { OPAQUE_MARKER, type UpperNotation, WHITEOUT_PREFIX, opaqueXattr } from './whiteouts';

const MAX_LINKS = 40; // the kernel's ELOOP limit

export interface RootEntry {
  /** Where the entry is on the host. */
  host: string;
  stat: fs.Stats;
}

/**
 * A root filesystem as resolution sees it. The walk is written once, as file-call steps
 * (store/fs-steps.ts): `lookup` runs it synchronously (builds, opening), `lookupAsync` off
 * the event loop (the API: create, start, exec -u), with the same decisions either way.
 */
export interface RootView {
  /** The entry at `parts` (a path of real directories, no links on the way), not following a link there. */
  lookup(parts: readonly string[]): RootEntry | undefined;
  lookupAsync(parts: readonly string[]): Promise<RootEntry | undefined>;
  /** The lookup as steps, for a resolution that runs either way. */
  lookupSteps(parts: readonly string[]): FsSteps<RootEntry | undefined>;
}

function viewOf(lookupSteps: (parts: readonly string[]) => FsSteps<RootEntry | undefined>): RootView {
  return {
    lookup: (parts) => runSync(lookupSteps(parts)),
    lookupAsync: (parts) => runAsync(lookupSteps(parts)),
    lookupSteps,
  };
}

/** A root that is a directory on the host. */
export function directoryRoot(root: string): RootView {
  return viewOf(function* (parts) {
    const host = path.join(root, ...parts);
    const stat = yield* lstatStep(host);
    return stat && { host, stat };
  });
}

/**
 * A root that is a stack of overlay-form layer directories, top first. With `upper`, the
 * top one is an upper dir read in that notation (a container's: whiteouts.ts upperNotation).
 */
export function layerStackRoot(dirsTopFirst: readonly string[], upper?: UpperNotation): RootView {
  const store: UpperNotation = { opaqueXattrs: [opaqueXattr()], whiteoutFiles: false };
  const notations = dirsTopFirst.map((_, index) => (index === 0 && upper ? upper : store));
  return viewOf((parts) => lookupInStack(dirsTopFirst, notations, parts));
}

function* lookupInStack(dirs: readonly string[], notations: readonly UpperNotation[], parts: readonly string[]): FsSteps<RootEntry | undefined> {
  if (parts.length === 0) {
    const host = dirs[0];
    const stat = host === undefined ? undefined : yield* lstatStep(host);
    return host !== undefined && stat ? { host, stat } : undefined;
  }
  for (const [index, dir] of dirs.entries()) {
    const notation = notations[index]!;
    // Component by component, so a link in this layer is seen and never followed by lstat.
    let hidesBelow = false;
    for (let i = 1; i <= parts.length; i++) {
      const host = path.join(dir, ...parts.slice(0, i));
      const stat = yield* lstatStep(host);
      if (stat === undefined) {
        // fuse-overlayfs's deletion, where it could not mknod: a `.wh.<name>` file beside it
        if (notation.whiteoutFiles && (yield* lstatStep(path.join(path.dirname(host), WHITEOUT_PREFIX + parts[i - 1])))?.isFile()) return undefined;
        break; // not in this layer: the layers below may have it
      }
      if (stat.isCharacterDevice() && stat.rdev === 0) return undefined; // a whiteout: deleted
      if (i === parts.length) return { host, stat };
      // A non-directory here replaces whatever lower layers have below it.
      if (!stat.isDirectory()) return undefined;
      if (yield* isOpaqueSteps(host, notation)) hidesBelow = true;
    }
    if (hidesBelow) return undefined;
  }
  return undefined;
}

function* isOpaqueSteps(dir: string, notation: UpperNotation): FsSteps<boolean> {
  for (const name of notation.opaqueXattrs) if ((yield* fsCall('lgetxattr', dir, name))?.toString() === 'y') return true;
  return notation.whiteoutFiles && (yield* lstatStep(path.join(dir, OPAQUE_MARKER))) !== undefined;
}

/**
 * The components of `imagePath` (absolute in the root) with every symlink on the way
 * resolved inside the root; the last component's link only with `followLast`. Components
 * that do not exist are kept as named.
 */
export function resolveParts(view: RootView, imagePath: string, followLast: boolean): string[] {
  return runSync(resolveSteps(view, imagePath, followLast));
}

function* resolveSteps(view: RootView, imagePath: string, followLast: boolean): FsSteps<string[]> {
  const todo = components(imagePath);
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const found = yield* view.lookupSteps([...done, part]);
    if (found?.stat.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw new StrataError('INVALID_ARGUMENT', `${imagePath}: too many levels of symbolic links in the image`);
      const target = yield* fsCall('readlink', found.host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...components(target));
      continue;
    }
    done.push(part);
  }
  return done;
}

function* entrySteps(view: RootView, imagePath: string, followLast: boolean): FsSteps<RootEntry | undefined> {
  return yield* view.lookupSteps(yield* resolveSteps(view, imagePath, followLast));
}

function* readFileSteps(view: RootView, imagePath: string): FsSteps<Buffer | undefined> {
  const entry = yield* entrySteps(view, imagePath, true);
  return entry?.stat.isFile() ? yield* fsCall('readFile', entry.host) : undefined;
}

/** What is at `imagePath` in the root, links on the way (and the last one with `followLast`) resolved inside it. */
export function entryInRoot(view: RootView, imagePath: string, followLast: boolean): RootEntry | undefined {
  return runSync(entrySteps(view, imagePath, followLast));
}

/** entryInRoot off the event loop. */
export function entryInRootAsync(view: RootView, imagePath: string, followLast: boolean): Promise<RootEntry | undefined> {
  return runAsync(entrySteps(view, imagePath, followLast));
}

/** The contents of the regular file at `imagePath` in the root; undefined when there is none. */
export function readFileInRoot(view: RootView, imagePath: string): Buffer | undefined {
  return runSync(readFileSteps(view, imagePath));
}

/** readFileInRoot off the event loop. */
export function readFileInRootAsync(view: RootView, imagePath: string): Promise<Buffer | undefined> {
  return runAsync(readFileSteps(view, imagePath));
}

/** The host path of `imagePath` under the directory `root`, resolved inside it. */
export function resolveInRoot(root: string, imagePath: string, followLast: boolean): string {
  return path.join(root, ...resolveParts(directoryRoot(root), imagePath, followLast));
}

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Makes the directory `imagePath` and any missing parents in the root under `root` (new
 * ones 0755, owned by `owner`); existing ones, links to directories included, are used as
 * they are. A link to a directory that does not exist gets its target made, inside the root,
 * as `mkdir -p` in the container would (and Docker does). Returns the host path and whether
 * the last directory was made here.
 */
export function mkdirInRoot(root: string, imagePath: string, owner: Owner): { host: string; created: boolean } {
  const rootFd = openRoot(root);
  try {
    const made = mkdirInRootFd(rootFd, imagePath, owner);
    fs.closeSync(made.fd);
    return { host: resolveInRoot(root, imagePath, true), created: made.created };
  } finally {
    fs.closeSync(rootFd);
  }
}

/**
 * mkdirInRoot against an fd of the root: the directories are made by the confined mkdir -p
 * (native/lib/confine.ts), so a link swapped in on the way while it works still leads
 * nowhere outside. Returns an fd of the directory (the caller closes it). When the image's
 * shape refuses (a file on the way), the message names the component, found by a walk here.
 */
export function mkdirInRootFd(rootFd: number, imagePath: string, owner: Owner): { fd: number; created: boolean } {
  try {
    return confinedMkdir(rootFd, imagePath, { mode: 0o755, owner });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw notADirectory(`/proc/self/fd/${rootFd}`, imagePath) ?? error;
    throw error;
  }
}

/** The first component on the way to `imagePath` that is there but not a directory, as an error. */
function notADirectory(root: string, imagePath: string): StrataError | undefined {
  const view = directoryRoot(root);
  let current = '/';
  for (const part of components(imagePath)) {
    current = path.posix.join(current, part);
    const parts = resolveParts(view, current, true);
    for (let i = 1; i <= parts.length; i++) {
      const info = lstatOrUndefined(path.join(root, ...parts.slice(0, i)));
      if (info === undefined) return undefined;
      if (!info.isDirectory()) {
        const where = `/${parts.slice(0, i).join('/')}`;
        return new StrataError('INVALID_ARGUMENT', `${where} is not a directory in the image${where === current ? '' : ` (on the way to ${current})`}`);
      }
    }
  }
  return undefined;
}

/** Is `imagePath` a directory in the root under `root` (following links)? */
export function isDirectoryInRoot(root: string, imagePath: string): boolean {
  return entryInRoot(directoryRoot(root), imagePath, true)?.stat.isDirectory() ?? false;
}

function components(imagePath: string): string[] {
  return imagePath.split('/').filter((part) => part !== '' && part !== '.');
}

export function lstatOrUndefined(file: string): fs.Stats | undefined {
  return runSync(lstatStep(file));
}

/** lstat as a step; any error (ENOENT, ENOTDIR, EACCES…) is "not there". */
function* lstatStep(file: string): FsSteps<fs.Stats | undefined> {
  try {
    return yield* fsCall('lstat', file);
  } catch {
    return undefined;
  }
}
