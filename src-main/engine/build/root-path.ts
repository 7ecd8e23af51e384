// Paths inside an image's root filesystem, mounted at `root` on the host, resolved the way
// the container itself would resolve them: a symlink's absolute target starts again at the
// image root and `..` stops there, as under chroot. COPY writes through these, so an image
// whose /bin is a link to usr/bin gets `COPY tool /bin/` in /usr/bin, as with Docker — and
// a link to `/etc` or `../../..` can never lead a write out to the host's files.
//
// Nothing else writes into the root while a step runs (it is this build's own mount), so a
// path resolved here stays valid until the step writes it.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../../shared/errors';

const MAX_LINKS = 40; // the kernel's ELOOP limit

/**
 * The host path of `imagePath` (absolute in the image) under `root`, with every symlink on
 * the way resolved inside the root; the last component's link only with `followLast`.
 * Components that do not exist are kept as named.
 */
export function resolveInRoot(root: string, imagePath: string, followLast: boolean): string {
  const todo = components(imagePath);
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    const info = lstatOrUndefined(host);
    if (info?.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw new StrataError('INVALID_ARGUMENT', `${imagePath}: too many levels of symbolic links in the image`);
      const target = fs.readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...components(target));
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * Makes the directory `imagePath` and any missing parents in the image (new ones 0755, owned
 * by `owner`); existing ones, links to directories included, are used as they are. Returns
 * its host path and whether the last component was made here.
 */
export function mkdirInRoot(root: string, imagePath: string, owner: Owner): { host: string; created: boolean } {
  let current = '/';
  let created = false;
  for (const part of components(imagePath)) {
    current = path.posix.join(current, part);
    const host = resolveInRoot(root, current, true);
    const info = lstatOrUndefined(host);
    if (info === undefined) {
      fs.mkdirSync(host, { mode: 0o755 });
      fs.chownSync(host, owner.uid, owner.gid);
      fs.chmodSync(host, 0o755); // not left to the umask
      created = true;
    } else if (!info.isDirectory()) {
      throw new StrataError('INVALID_ARGUMENT', `${current} is not a directory in the image`);
    } else {
      created = false;
    }
  }
  return { host: resolveInRoot(root, imagePath, true), created };
}

/** Is `imagePath` a directory in the image (following links)? */
export function isDirectoryInRoot(root: string, imagePath: string): boolean {
  return lstatOrUndefined(resolveInRoot(root, imagePath, true))?.isDirectory() ?? false;
}

function components(imagePath: string): string[] {
  return imagePath.split('/').filter((part) => part !== '' && part !== '.');
}

export function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}
