// One 512-byte tar header block, field by field: the checksum, the name (with the ustar
// prefix), octal and GNU base-256 numbers, and what the type flag announces. Nothing here
// keeps state; problems go to the reader's `fail`, which knows where in the archive we are.
import { isUtf8 } from 'node:buffer';
import type { TarEntry, TarEntryType } from './tar-entry';

export const BLOCK = 512;

/** Reports a problem with the block being read; never returns. */
export type Fail = (problem: string) => never;

/** From the magic: POSIX ustar (or star's variant of it), old GNU, or neither (v7). */
export type HeaderFormat = 'ustar' | 'gnu' | 'v7';

/** pax ('x'), global pax ('g'), GNU long name ('L') or GNU long link name ('K'). */
export type ExtendedKind = 'x' | 'g' | 'L' | 'K';

/** All zero: two in a row end the archive. */
export function isZeroBlock(h: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

/** The stored checksum matches the block's sum, taken unsigned or (as some old tars did) signed. */
export function checksumMatches(h: Buffer): boolean {
  let sum = 0;
  let signedSum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = h[i]!;
    sum += b;
    signedSum += b < 128 ? b : b - 256;
  }
  // The checksum field itself counts as eight spaces.
  for (let i = 148; i < 156; i++) {
    const b = h[i]!;
    sum += 32 - b;
    signedSum += 32 - (b < 128 ? b : b - 256);
  }
  const stored = octal(h, 148, 8);
  return stored === sum || stored === signedSum;
}

export function headerFormat(h: Buffer): HeaderFormat {
  const magic = h.toString('latin1', 257, 265);
  if (magic.startsWith('ustar\0')) return 'ustar';
  return magic === 'ustar  \0' ? 'gnu' : 'v7';
}

/** The bytes of the name field, after the prefix field in ustar headers. */
export function headerName(h: Buffer, format: HeaderFormat): Buffer {
  const name = field(h, 0, 100);
  if (format !== 'ustar') return name;
  // star's variant keeps atime and ctime after a 131-byte prefix and says so at the end.
  const xstar = h[508] === 0x74 && h[509] === 0x61 && h[510] === 0x72 && h[511] === 0;
  const prefix = field(h, 345, xstar ? 131 : 155);
  return prefix.length === 0 ? name : Buffer.concat([prefix, SLASH, name]);
}

const SLASH = Buffer.from('/');

/** The extended header a type flag announces, if it announces one. */
export function extendedKind(flag: number): ExtendedKind | undefined {
  switch (flag) {
    case 0x78: // x
    case 0x58: // X (Solaris spelling of x)
      return 'x';
    case 0x67: // g
      return 'g';
    case 0x4c: // L
      return 'L';
    case 0x4b: // K
      return 'K';
  }
  return undefined;
}

/** The entry type a type flag names; fails for the flags we refuse. */
export function entryType(flag: number, fail: Fail): TarEntryType {
  switch (flag) {
    case 0x30: // 0
    case 0x00:
    case 0x37: // 7 (contiguous)
      return 'file';
    case 0x31:
      return 'hardlink';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'char';
    case 0x34:
      return 'block';
    case 0x35:
      return 'directory';
    case 0x36:
      return 'fifo';
    case 0x53:
      return fail('GNU sparse files (type S) are not supported');
    case 0x4d:
      return fail('multi-volume archives (type M) are not supported');
    default:
      return fail(`unknown entry type flag ${describeFlag(flag)}`);
  }
}

/** The entry as its header block describes it, before pax values and GNU long names. */
export function headerEntry(h: Buffer, name: Buffer, type: TarEntryType, size: number, format: HeaderFormat, fail: Fail): TarEntry {
  const named = format !== 'v7'; // v7 headers have no user or group names, nor device numbers
  const entry: TarEntry = {
    name: '',
    type,
    size: type === 'file' ? size : 0,
    mode: headerNumber(h, 100, 8, 'mode', fail) & 0o7777,
    uid: headerNumber(h, 108, 8, 'uid', fail),
    gid: headerNumber(h, 116, 8, 'gid', fail),
    uname: named ? text(h, 265, 32) : '',
    gname: named ? text(h, 297, 32) : '',
    mtime: headerNumber(h, 136, 12, 'mtime', fail),
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
  };
  setPath(entry, 'name', name);
  setPath(entry, 'linkname', field(h, 157, 100));
  if ((type === 'char' || type === 'block') && named) {
    entry.devmajor = headerNumber(h, 329, 8, 'devmajor', fail);
    entry.devminor = headerNumber(h, 337, 8, 'devminor', fail);
  }
  if (entry.uid < 0 || entry.gid < 0) fail('negative uid or gid');
  return entry;
}

/** Octal (space/NUL padded) or GNU base-256 number of a header field. */
export function headerNumber(h: Buffer, start: number, length: number, field: string, fail: Fail): number {
  const first = h[start]!;
  if ((first & 0x80) === 0) {
    const n = octal(h, start, length);
    if (n < 0) fail(`invalid octal number in the ${field} field`);
    return n;
  }
  const invert = (first & 0x40) === 0 ? 0 : 0xff; // negative numbers are two's complement
  let n = (first ^ invert) & 0x7f;
  for (let i = start + 1; i < start + length; i++) {
    n = n * 256 + (h[i]! ^ invert);
    if (n > Number.MAX_SAFE_INTEGER) fail(`absurd number in the ${field} field`);
  }
  return invert === 0 ? n : -n - 1;
}

/** A field's number: leading spaces/NULs, octal digits, then a space, NUL or the field end. -1 if invalid. */
function octal(h: Buffer, start: number, length: number): number {
  const end = start + length;
  let i = start;
  while (i < end && (h[i] === 0x20 || h[i] === 0)) i++;
  let n = 0;
  for (; i < end; i++) {
    const c = h[i]!;
    if (c < 0x30 || c > 0x37) return c === 0x20 || c === 0 ? n : -1;
    n = n * 8 + (c - 0x30);
  }
  return n;
}

/** The bytes of a NUL-terminated header field. */
export function field(h: Buffer, start: number, length: number): Buffer {
  let end = h.indexOf(0, start);
  if (end === -1 || end > start + length) end = start + length;
  return h.subarray(start, end);
}

/** A NUL-terminated header field as text. */
export function text(h: Buffer, start: number, length: number): string {
  return decode(field(h, start, length));
}

/** UTF-8 when the bytes are UTF-8 (what every current tool writes), else Latin-1, which keeps every byte. */
export function decode(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** Sets the entry's name or link name from its bytes, marking it when they are not UTF-8. */
export function setPath(entry: TarEntry, key: 'name' | 'linkname', bytes: Buffer): void {
  entry[key] = decode(bytes);
  const mark = key === 'name' ? 'nameNotUtf8' : 'linknameNotUtf8';
  if (isUtf8(bytes)) delete entry[mark];
  else entry[mark] = true;
}

function describeFlag(flag: number): string {
  return flag >= 0x21 && flag <= 0x7e ? `'${String.fromCharCode(flag)}'` : `0x${flag.toString(16).padStart(2, '0')}`;
}
