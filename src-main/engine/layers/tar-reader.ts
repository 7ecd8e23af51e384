// A synchronous, streaming push parser for tar: ustar/POSIX, pax, GNU and old v7.
//
// Image layers arrive through here, so this is a security boundary, and image archives can
// be gigabytes, so nothing is buffered but one 512-byte header block and the body of an
// extended header (pax or GNU long name, capped at MAX_EXTENDED_HEADER). File content is
// handed on as views into the caller's chunks. Names are reported exactly as the archive
// spells them: callers validate and normalise.
//
// Where formats disagree we follow Go's archive/tar (what most image tools use): header-only
// types (links, devices, fifos, directories) never carry data whatever their size field
// says, and a single zero block followed by a header is an error. Global pax headers apply
// to the entries after them as POSIX says, for the keys uid, gid, uname, gname and mtime.
import { isUtf8 } from 'node:buffer';

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

const BLOCK = 512;
const HEADER = 0; // collecting a header block
const DATA = 1; // passing entry content on
const EXTENDED = 2; // collecting the body of a pax header or GNU long name
const PADDING = 3; // skipping to the next 512-byte boundary
const ENDED = 4; // after two zero blocks: everything else is ignored

const GLOBAL_KEYS = new Set(['uid', 'gid', 'uname', 'gname', 'mtime']);

type ExtendedKind = 'x' | 'g' | 'L' | 'K';

export class TarReader {
  private state = HEADER;
  private read = 0;
  private failure: unknown = undefined;
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0; // bytes of content, extended body or padding still to come
  private padding = 0; // padding after the current content or extended body
  private zeroBlockSeen = false;
  private current: string | undefined = undefined; // name of the entry being read, for errors
  private blockOffset = 0; // offset of the last header block
  // Extended headers waiting for the entry they describe.
  private extendedKind: ExtendedKind = 'x';
  private extendedBody: Buffer = Buffer.alloc(0);
  private extendedFill = 0;
  private pending = false; // an extended header is waiting for its entry
  private pendingBytes = 0;
  private pendingPax: Map<string, Buffer> | undefined = undefined;
  private longName: string | undefined = undefined;
  private longLink: string | undefined = undefined;
  private readonly globals = new Map<string, Buffer>();

  constructor(private readonly handlers: TarHandlers) {}

  /** Bytes fed to write() so far. */
  get bytesRead(): number {
    return this.read;
  }

  write(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.consume(chunk);
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** The input is finished: throws if it stopped inside a header or an entry. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    const at = this.read;
    let problem: string | undefined;
    if (this.state === DATA) {
      problem = `archive truncated: ${this.remaining} bytes of content missing`;
    } else if (this.state === PADDING) {
      problem = `archive truncated in the padding after an entry`;
    } else if (this.state === EXTENDED) {
      problem = `archive truncated inside an extended header`;
    } else if (this.state === HEADER) {
      if (this.headerFill > 0 && this.header.subarray(0, this.headerFill).some((b) => b !== 0)) {
        problem = `archive truncated inside a header (${this.headerFill} of ${BLOCK} bytes)`;
      } else if (this.pending) {
        problem = 'archive ends after an extended header, without the entry it describes';
      }
    }
    if (problem !== undefined) {
      this.failure = new TarError(problem, at, this.current);
      throw this.failure;
    }
  }

  private consume(chunk: Buffer): void {
    const base = this.read;
    this.read += chunk.length;
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      switch (this.state) {
        case HEADER: {
          if (this.headerFill === 0 && length - pos >= BLOCK) {
            this.blockOffset = base + pos;
            pos += BLOCK;
            this.onHeader(chunk.subarray(pos - BLOCK, pos));
          } else {
            if (this.headerFill === 0) this.blockOffset = base + pos;
            const n = Math.min(BLOCK - this.headerFill, length - pos);
            chunk.copy(this.header, this.headerFill, pos, pos + n);
            this.headerFill += n;
            pos += n;
            if (this.headerFill === BLOCK) {
              this.headerFill = 0;
              this.onHeader(this.header);
            }
          }
          break;
        }
        case DATA: {
          const n = Math.min(this.remaining, length - pos);
          this.remaining -= n;
          pos += n;
          this.handlers.data(chunk.subarray(pos - n, pos));
          if (this.remaining === 0) {
            this.afterBody();
            this.handlers.entryEnd();
          }
          break;
        }
        case EXTENDED: {
          const n = Math.min(this.remaining, length - pos);
          chunk.copy(this.extendedBody, this.extendedFill, pos, pos + n);
          this.extendedFill += n;
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) {
            this.afterBody();
            this.onExtended();
          }
          break;
        }
        case PADDING: {
          const n = Math.min(this.remaining, length - pos);
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.state = HEADER;
          break;
        }
        default:
          return; // ENDED: trailing bytes are ignored
      }
    }
  }

  private afterBody(): void {
    this.remaining = this.padding;
    this.state = this.padding > 0 ? PADDING : HEADER;
  }

  private fail(problem: string): never {
    throw new TarError(problem, this.blockOffset, this.current);
  }

  private onHeader(h: Buffer): void {
    this.current = undefined;
    let sum = 0;
    let signedSum = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = h[i]!;
      sum += b;
      signedSum += b < 128 ? b : b - 256;
    }
    if (sum === 0) return this.onZeroBlock();
    if (this.zeroBlockSeen) this.fail('a single zero block is followed by a header (a corrupt or spliced archive)');

    for (let i = 148; i < 156; i++) {
      const b = h[i]!;
      sum += 32 - b;
      signedSum += 32 - (b < 128 ? b : b - 256);
    }
    const stored = octal(h, 148, 8);
    if (stored !== sum && stored !== signedSum) {
      this.fail(this.blockOffset === 0 ? 'not a tar archive (header checksum mismatch)' : 'header checksum mismatch');
    }

    const magic = h.toString('latin1', 257, 265);
    const ustar = magic.startsWith('ustar\0');
    const gnu = magic === 'ustar  \0';
    let name = text(h, 0, 100);
    if (ustar) {
      // star's variant keeps atime and ctime after a 131-byte prefix and says so at the end.
      const xstar = h[508] === 0x74 && h[509] === 0x61 && h[510] === 0x72 && h[511] === 0;
      const prefix = text(h, 345, xstar ? 131 : 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    this.current = name;
    const flag = h[156]!;
    const size = this.number(h, 124, 12, 'size');
    if (size < 0 || size > MAX_ENTRY_SIZE) this.fail(`absurd entry size ${size}`);

    switch (flag) {
      case 0x78: // x
      case 0x58: // X (Solaris spelling of x)
        return this.startExtended('x', size);
      case 0x67: // g
        return this.startExtended('g', size);
      case 0x4c: // L
        return this.startExtended('L', size);
      case 0x4b: // K
        return this.startExtended('K', size);
    }

    let type: TarEntryType;
    switch (flag) {
      case 0x30: // 0
      case 0x00:
      case 0x37: // 7 (contiguous)
        type = 'file';
        break;
      case 0x31:
        type = 'hardlink';
        break;
      case 0x32:
        type = 'symlink';
        break;
      case 0x33:
        type = 'char';
        break;
      case 0x34:
        type = 'block';
        break;
      case 0x35:
        type = 'directory';
        break;
      case 0x36:
        type = 'fifo';
        break;
      case 0x53:
        return this.fail('GNU sparse files (type S) are not supported');
      case 0x4d:
        return this.fail('multi-volume archives (type M) are not supported');
      default:
        return this.fail(`unknown entry type flag ${describeFlag(flag)}`);
    }

    const entry: TarEntry = {
      name,
      type,
      size: type === 'file' ? size : 0,
      mode: this.number(h, 100, 8, 'mode') & 0o7777,
      uid: this.number(h, 108, 8, 'uid'),
      gid: this.number(h, 116, 8, 'gid'),
      uname: ustar || gnu ? text(h, 265, 32) : '',
      gname: ustar || gnu ? text(h, 297, 32) : '',
      mtime: this.number(h, 136, 12, 'mtime'),
      linkname: text(h, 157, 100),
      devmajor: 0,
      devminor: 0,
      xattrs: new Map(),
    };
    if ((type === 'char' || type === 'block') && (ustar || gnu)) {
      entry.devmajor = this.number(h, 329, 8, 'devmajor');
      entry.devminor = this.number(h, 337, 8, 'devminor');
    }
    if (entry.uid < 0 || entry.gid < 0) this.fail('negative uid or gid');
    this.applyExtended(entry);
    this.current = entry.name;
    // Old tars mark directories only by the trailing slash (Go also does so for type '\0').
    if (entry.type === 'file' && entry.name.endsWith('/') && (flag === 0 || (flag === 0x30 && !ustar && !gnu))) {
      entry.type = 'directory';
      entry.size = 0;
    }

    this.handlers.entry(entry);
    if (entry.size === 0) {
      this.handlers.entryEnd();
      return;
    }
    this.state = DATA;
    this.remaining = entry.size;
    this.padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
  }

  private onZeroBlock(): void {
    if (this.pending) this.fail('the archive ends after an extended header, without the entry it describes');
    if (this.zeroBlockSeen) this.state = ENDED;
    this.zeroBlockSeen = true;
  }

  private startExtended(kind: ExtendedKind, size: number): void {
    const what = kind === 'x' || kind === 'g' ? 'pax header' : 'GNU long name';
    if (size > MAX_EXTENDED_HEADER) this.fail(`${what} of ${size} bytes is larger than the ${MAX_EXTENDED_HEADER} allowed`);
    if (kind !== 'g') {
      this.pending = true;
      this.pendingBytes += size;
      if (this.pendingBytes > MAX_EXTENDED_HEADER) this.fail(`extended headers for one entry exceed ${MAX_EXTENDED_HEADER} bytes`);
    }
    this.extendedKind = kind;
    this.extendedBody = Buffer.allocUnsafe(size);
    this.extendedFill = 0;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.state = EXTENDED;
    if (size === 0) {
      this.afterBody();
      this.onExtended();
    }
  }

  private onExtended(): void {
    const body = this.extendedBody;
    this.extendedBody = Buffer.alloc(0);
    switch (this.extendedKind) {
      case 'L':
        this.longName = text(body, 0, body.length);
        break;
      case 'K':
        this.longLink = text(body, 0, body.length);
        break;
      case 'x': {
        const records = this.parsePax(body);
        if (this.pendingPax === undefined) this.pendingPax = records;
        else for (const [key, value] of records) this.pendingPax.set(key, value);
        break;
      }
      case 'g': {
        for (const [key, value] of this.parsePax(body)) {
          if (!GLOBAL_KEYS.has(key)) continue;
          if (value.length === 0) this.globals.delete(key);
          else this.globals.set(key, value);
        }
        break;
      }
    }
  }

  /** `<length> <key>=<value>\n` records; values stay bytes (xattrs are binary). */
  private parsePax(body: Buffer): Map<string, Buffer> {
    const records = new Map<string, Buffer>();
    let pos = 0;
    while (pos < body.length) {
      if (body[pos] === 0 && body.subarray(pos).every((b) => b === 0)) break; // NUL padding some writers add
      let length = 0;
      let p = pos;
      while (p < body.length && p - pos < 8 && body[p]! >= 0x30 && body[p]! <= 0x39) length = length * 10 + body[p++]! - 0x30;
      const end = pos + length;
      if (p === pos || body[p] !== 0x20 || end > body.length || end <= p + 2 || body[end - 1] !== 0x0a) {
        this.fail(`malformed pax record at offset ${pos} of the pax header`);
      }
      const eq = body.indexOf(0x3d, p + 1);
      if (eq <= p + 1 || eq >= end) this.fail(`malformed pax record (no key=value) at offset ${pos} of the pax header`);
      const key = body.toString('utf8', p + 1, eq);
      if (key.startsWith('GNU.sparse.')) this.fail('GNU sparse files (pax GNU.sparse.*) are not supported');
      records.set(key, body.subarray(eq + 1, end - 1));
      pos = end;
    }
    return records;
  }

  /** Overrides the header fields with GNU long names and pax values (global, then own). */
  private applyExtended(entry: TarEntry): void {
    if (this.longName !== undefined) entry.name = this.longName;
    if (this.longLink !== undefined) entry.linkname = this.longLink;
    const own = this.pendingPax;
    for (const key of GLOBAL_KEYS) {
      const value = own?.get(key) ?? this.globals.get(key);
      if (value !== undefined && value.length > 0) this.applyPax(entry, key, value);
    }
    if (own !== undefined) {
      for (const [key, value] of own) {
        if (GLOBAL_KEYS.has(key)) continue;
        if (value.length > 0 || key.includes('.xattr.')) this.applyPax(entry, key, value);
      }
    }
    this.pendingPax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    this.pending = false;
    this.pendingBytes = 0;
  }

  private applyPax(entry: TarEntry, key: string, value: Buffer): void {
    if ((key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname') && value.includes(0)) {
      this.fail(`NUL byte in pax ${key}`);
    }
    switch (key) {
      case 'path':
        entry.name = decode(value);
        return;
      case 'linkpath':
        entry.linkname = decode(value);
        return;
      case 'uname':
        entry.uname = decode(value);
        return;
      case 'gname':
        entry.gname = decode(value);
        return;
      case 'size': {
        const size = this.paxInteger(key, value);
        if (size > MAX_ENTRY_SIZE) this.fail(`absurd entry size ${size}`);
        if (entry.type === 'file') entry.size = size;
        return;
      }
      case 'uid':
      case 'gid':
      case 'SCHILY.devmajor':
      case 'SCHILY.devminor': {
        const n = this.paxInteger(key, value);
        if (key === 'uid') entry.uid = n;
        else if (key === 'gid') entry.gid = n;
        else if (entry.type === 'char' || entry.type === 'block') {
          if (key === 'SCHILY.devmajor') entry.devmajor = n;
          else entry.devminor = n;
        }
        return;
      }
      case 'mtime': {
        const s = value.toString('latin1');
        if (!/^-?\d{1,15}(\.\d+)?$/.test(s)) this.fail(`invalid pax mtime ${JSON.stringify(s)}`);
        entry.mtime = Number(s);
        return;
      }
    }
    if (key.startsWith('SCHILY.xattr.')) {
      entry.xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value));
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      let name: string;
      try {
        name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
      } catch {
        return this.fail(`malformed LIBARCHIVE.xattr name ${JSON.stringify(key)}`);
      }
      const b64 = value.toString('latin1');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) this.fail(`malformed base64 value for ${JSON.stringify(key)}`);
      entry.xattrs.set(name, Buffer.from(b64, 'base64'));
    }
  }

  private paxInteger(key: string, value: Buffer): number {
    const s = value.toString('latin1');
    if (!/^\d{1,16}$/.test(s) || Number(s) > Number.MAX_SAFE_INTEGER) this.fail(`invalid pax ${key} ${JSON.stringify(s)}`);
    return Number(s);
  }

  /** Octal (space/NUL padded) or GNU base-256 number of a header field. */
  private number(h: Buffer, start: number, length: number, field: string): number {
    const first = h[start]!;
    if ((first & 0x80) === 0) {
      const n = octal(h, start, length);
      if (n < 0) this.fail(`invalid octal number in the ${field} field`);
      return n;
    }
    const invert = (first & 0x40) === 0 ? 0 : 0xff; // negative numbers are two's complement
    let n = (first ^ invert) & 0x7f;
    for (let i = start + 1; i < start + length; i++) {
      n = n * 256 + (h[i]! ^ invert);
      if (n > Number.MAX_SAFE_INTEGER) this.fail(`absurd number in the ${field} field`);
    }
    return invert === 0 ? n : -n - 1;
  }
}

/** Reads a whole tar from a byte stream; resolves once both the stream and the archive ended. */
export async function readTar(stream: NodeJS.ReadableStream | AsyncIterable<Buffer>, handlers: TarHandlers): Promise<void> {
  const reader = new TarReader(handlers);
  for await (const chunk of stream as AsyncIterable<Buffer | Uint8Array | string>) {
    if (typeof chunk === 'string') throw new TypeError('readTar needs a byte stream, got text');
    reader.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  reader.end();
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

/** A NUL-terminated header field as text. */
function text(h: Buffer, start: number, length: number): string {
  let end = h.indexOf(0, start);
  if (end === -1 || end > start + length) end = start + length;
  return end === start ? '' : decode(h.subarray(start, end));
}

/** UTF-8 when the bytes are UTF-8 (what every current tool writes), else Latin-1, which keeps every byte. */
function decode(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

function describeFlag(flag: number): string {
  return flag >= 0x21 && flag <= 0x7e ? `'${String.fromCharCode(flag)}'` : `0x${flag.toString(16).padStart(2, '0')}`;
}
