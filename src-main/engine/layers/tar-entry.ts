// What the tar reader reports: entries, the handlers that receive them, the error for a
// bad archive, and the limits past which an archive is taken as hostile.

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** Exactly as in the archive after pax/GNU long-name resolution (not normalised). */
  name: string;
  type: TarEntryType;
  /** Bytes of content that follow (0 for everything but files). */
  size: number;
  /** Permission bits including setuid/setgid/sticky (07777), no type bits. */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch; fractional from pax. */
  mtime: number;
  /** Symlink target or hardlink target name. */
  linkname: string;
  /**
   * Set when the bytes of `name` or `linkname` are not UTF-8: that string then spells them
   * as Latin-1 (one character a byte), which no longer tells them from the UTF-8 name
   * spelling the same characters, so whoever writes names to disk must refuse these.
   */
  nameNotUtf8?: true;
  linknameNotUtf8?: true;
  devmajor: number;
  devminor: number;
  /** From pax SCHILY.xattr.<name> (bytes as-is) or LIBARCHIVE.xattr.<name> (base64). */
  xattrs: Map<string, Buffer>;
}

export interface TarHandlers {
  /** The header of a new entry. */
  entry(entry: TarEntry): void;
  /** Content of the current entry, in pieces: views into the input, consume synchronously. */
  data(chunk: Buffer): void;
  /** The current entry is complete. */
  entryEnd(): void;
}

export class TarError extends Error {
  override readonly name = 'TarError';
  readonly code = 'INVALID_ARCHIVE' as const;
  constructor(
    problem: string,
    /** Byte offset in the (uncompressed) archive of the block at fault. */
    readonly offset: number,
    /** The entry being read, when there is one. */
    readonly entryName?: string,
  ) {
    super(`${problem} at byte ${offset}${entryName === undefined ? '' : ` (entry ${JSON.stringify(entryName)})`}`);
  }
}

/** Largest pax extended header or GNU long name accepted, and all of them for one entry. */
export const MAX_EXTENDED_HEADER = 1 << 20;
/** Larger entries are taken as hostile: 16 TiB. */
export const MAX_ENTRY_SIZE = 2 ** 44;
