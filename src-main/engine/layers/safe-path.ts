// Entry names from archives are hostile until proven otherwise. A name is accepted only as
// a relative path whose components stay below the directory it is unpacked into.
import { StrataError } from '../../shared/errors';

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
