// Entry names from archives are hostile until proven otherwise. A name is accepted only as
// a relative path whose components stay below the directory it is unpacked into.
import { StrataError } from '@shared/errors';

/**
 * `./usr//bin/` → `usr/bin`; `.` and `./` → '' (the layer root itself).
 * Refuses absolute names, `..` components and NUL bytes with INVALID_ARCHIVE.
 */
export function normalizeEntryName(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw hostile(what, name, 'contains a NUL byte');
  if (name.startsWith('/')) throw hostile(what, name, 'is an absolute path');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw hostile(what, name, 'climbs out with ".."');
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * Resolves a relative link target against the directory holding the link, refusing any
 * result outside the root: `a/b` + `../c/d` → `a/c/d`; `a` + `../../x` is refused.
 */
export function resolveWithin(dir: string, target: string, what: string): string {
  if (target.startsWith('/')) throw hostile(what, target, 'is an absolute path');
  if (target.includes('\0')) throw hostile(what, target, 'contains a NUL byte');
  const parts = dir === '' ? [] : dir.split('/');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) throw hostile(what, target, 'points outside the archive');
  }
  return parts.join('/');
}

export function parentOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash < 0 ? '' : relPath.slice(0, slash);
}

export function baseName(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

export function hostile(what: string, name: string, why: string): StrataError {
  return new StrataError('INVALID_ARCHIVE', `refusing ${what} ${JSON.stringify(name)}: ${why}`);
}

/** Linux's limits: bytes in one name component (NAME_MAX), in a whole path with its NUL (PATH_MAX). */
export const NAME_MAX = 255;
export const PATH_MAX = 4096;

/**
 * Refuses a normalised name the kernel would refuse below each of `dirs` (the absolute
 * directories the layer is written in and will live in) with ENAMETOOLONG: a component
 * over NAME_MAX bytes, or a path that does not fit PATH_MAX below the longest directory.
 */
export function checkNameLength(name: string, dirs: readonly string[], what = 'entry'): void {
  const room = PATH_MAX - 1 - Math.max(0, ...dirs.map((dir) => Buffer.byteLength(dir) + 1));
  const bytes = Buffer.byteLength(name);
  if (bytes > room) throw hostile(what, abbreviate(name), `its path is ${bytes} bytes; at most ${room} fit below the layer directory (PATH_MAX ${PATH_MAX})`);
  for (const part of name.split('/')) {
    const length = Buffer.byteLength(part);
    if (length > NAME_MAX) throw hostile(what, abbreviate(name), `a component of its path is ${length} bytes, more than the ${NAME_MAX} a file name may have`);
  }
}

/** Names of thousands of bytes, shortened for a message: head…tail. */
function abbreviate(name: string): string {
  return name.length <= 80 ? name : `${name.slice(0, 48)}…${name.slice(-24)}`;
}

/**
 * Refuses a name whose bytes are not UTF-8, shown with every byte outside printable ASCII
 * escaped as \xNN (the name as text would be Latin-1 mojibake, which hides what is there).
 */
export function notUtf8(what: string, bytes: Buffer, why: string): StrataError {
  let shown = '';
  for (const b of bytes) shown += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return new StrataError('INVALID_ARCHIVE', `refusing ${what} "${shown}": ${why}`);
}
