// `drwxr-xr-x`, as ls prints a path's type and permission bits: `strata layers` and the
// window's file details show the same string.
import type { EntryKind } from './api/types/images';

const TYPE_LETTERS: Partial<Record<EntryKind, string>> = { dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', whiteout: 'c' };

/** `drwxr-xr-x` from an entry kind and permission bits (setuid, setgid and sticky as ls shows them). */
export function modeString(kind: EntryKind, mode: number): string {
  const type = TYPE_LETTERS[kind] ?? '-';
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((ch, i) => ((mode >> (8 - i)) & 1 ? ch : '-'));
  if (mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return type + bits.join('');
}
