// A tiny tar writer for tests, able to write what real tools write (ustar, GNU, v7, pax)
// and what they never would: wrong checksums, lying sizes, unknown type flags, malformed
// pax records. Correct by default; every hostile choice is an explicit option.

export type TarWriterType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntryOptions {
  name: string;
  type?: TarWriterType; // default 'file'
  /** Raw type flag, overriding `type` (e.g. 'S', 'Z', '7', '\0'). */
  typeflag?: string;
  content?: Buffer | string;
  /** Size field, when it should lie about the content. */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  linkname?: string;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** Per-entry pax records, written as an 'x' header before the entry. */
  pax?: Record<string, string | Buffer>;
  /** The exact body of an 'x' header (for malformed records). */
  rawPax?: Buffer;
  /** Header layout: 'ustar' (POSIX, default), 'gnu' (magic "ustar  \0", L/K long names, base-256), 'v7'. */
  format?: 'ustar' | 'gnu' | 'v7';
  /** 'corrupt' writes a wrong checksum; 'signed' the historical signed-char sum. */
  checksum?: 'valid' | 'corrupt' | 'signed';
  /** 'spaces' pads numbers with leading spaces instead of zeros, as old tars did. */
  numbers?: 'zeros' | 'spaces';
}

const BLOCK = 512;
const FLAGS: Record<TarWriterType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };

/** One `len key=value\n` pax record, its length counting itself. */
export function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

export function paxBody(records: Record<string, string | Buffer>): Buffer {
  return Buffer.concat(Object.entries(records).map(([key, value]) => paxRecord(key, value)));
}

/** A global pax header ('g'): its records apply to every entry after it. */
export function paxGlobalHeader(records: Record<string, string | Buffer>, name = 'pax_global_header'): Buffer {
  return withBody({ name, typeflag: 'g' }, paxBody(records));
}

/** Header block(s) + content + padding for one entry, preceded by the extended headers it needs. */
export function tarEntry(options: TarEntryOptions): Buffer {
  const format = options.format ?? 'ustar';
  const content = typeof options.content === 'string' ? Buffer.from(options.content) : (options.content ?? Buffer.alloc(0));
  const pax: Record<string, string | Buffer> = {};
  const parts: Buffer[] = [];
  const header = { ...options };

  // Names that do not fit: ustar prefix, GNU L/K, or pax path/linkpath.
  let name = options.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    if (format === 'gnu') {
      parts.push(withBody({ name: '././@LongLink', typeflag: 'L', format }, Buffer.from(name + '\0')));
    } else if (format === 'ustar') {
      const split = splitUstar(name);
      if (split) [prefix, name] = split;
      else pax.path = name;
    }
  }
  const linkname = options.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) {
    if (format === 'gnu') parts.push(withBody({ name: '././@LongLink', typeflag: 'K', format }, Buffer.from(linkname + '\0')));
    else if (format === 'ustar') pax.linkpath = linkname;
  }
  // Numbers too big for octal: GNU base-256, or pax records with 0 in the field.
  const size = options.size ?? content.length;
  for (const [key, value, width] of [['uid', options.uid, 8], ['gid', options.gid, 8], ['size', size, 12], ['mtime', options.mtime, 12]] as const) {
    if (value !== undefined && !fitsOctal(value, width) && format === 'ustar') pax[key] = String(value);
  }
  Object.assign(pax, options.pax);
  if (options.rawPax) parts.push(withBody({ name: `PaxHeaders/${name.slice(0, 80)}`, typeflag: 'x' }, options.rawPax));
  else if (Object.keys(pax).length > 0) parts.push(withBody({ name: `PaxHeaders/${name.slice(0, 80)}`, typeflag: 'x' }, paxBody(pax)));

  header.name = name;
  header.linkname = linkname;
  parts.push(headerBlock({ ...header, size, prefix, noPaxFallback: pax }));
  parts.push(content, padding(content.length));
  return Buffer.concat(parts);
}

/** Rewrites the checksum of the header block at `at` after a test edited its bytes. */
export function fixChecksum(archive: Buffer, at = 0): Buffer {
  const h = archive.subarray(at, at + BLOCK);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return archive;
}

/** Entries (or entry options) followed by the two zero blocks that end an archive. */
export function tarArchive(entries: (Buffer | TarEntryOptions)[]): Buffer {
  return Buffer.concat([...entries.map((e) => (Buffer.isBuffer(e) ? e : tarEntry(e))), Buffer.alloc(2 * BLOCK)]);
}

function withBody(options: TarEntryOptions, body: Buffer): Buffer {
  return Buffer.concat([headerBlock({ ...options, size: body.length }), body, padding(body.length)]);
}

function padding(length: number): Buffer {
  return Buffer.alloc((BLOCK - (length % BLOCK)) % BLOCK);
}

function splitUstar(name: string): [string, string] | undefined {
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function fitsOctal(value: number, width: number): boolean {
  return value >= 0 && value < 8 ** (width - 1);
}

interface HeaderFields extends TarEntryOptions {
  size: number;
  prefix?: string;
  noPaxFallback?: Record<string, unknown>;
}

function headerBlock(o: HeaderFields): Buffer {
  const h = Buffer.alloc(BLOCK);
  const format = o.format ?? 'ustar';
  const spaces = o.numbers === 'spaces';
  const number = (value: number, at: number, width: number, key?: string): void => {
    if (key !== undefined && o.noPaxFallback && key in o.noPaxFallback && !fitsOctal(value, width)) value = 0;
    if (fitsOctal(value, width)) {
      const digits = value.toString(8);
      h.write((spaces ? digits.padStart(width - 1, ' ') : digits.padStart(width - 1, '0')) + (spaces ? ' ' : '\0'), at, 'latin1');
    } else if (format === 'gnu') {
      base256(h, value, at, width);
    } else {
      throw new Error(`tar-writer: ${value} does not fit a ${width}-byte ${format} field`);
    }
  };
  const put = (value: string, at: number, width: number): void => void Buffer.from(value).copy(h, at, 0, width);
  put(o.name, 0, 100);
  number(o.mode ?? (o.type === 'directory' ? 0o755 : 0o644), 100, 8);
  number(o.uid ?? 0, 108, 8, 'uid');
  number(o.gid ?? 0, 116, 8, 'gid');
  number(o.size, 124, 12, 'size');
  number(o.mtime ?? 0, 136, 12, 'mtime');
  h.write(o.typeflag ?? FLAGS[o.type ?? 'file'], 156, 1, 'latin1');
  put(o.linkname ?? '', 157, 100);
  if (format !== 'v7') {
    h.write(format === 'gnu' ? 'ustar  \0' : 'ustar\x0000', 257, 8, 'latin1');
    put(o.uname ?? '', 265, 32);
    put(o.gname ?? '', 297, 32);
    number(o.devmajor ?? 0, 329, 8);
    number(o.devminor ?? 0, 337, 8);
    if (format === 'ustar' && o.prefix) put(o.prefix, 345, 155);
  }
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += o.checksum === 'signed' && b > 127 ? b - 256 : b;
  if (o.checksum === 'corrupt') sum += 1;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

/** GNU base-256: 0x80 (or 0xff when negative) then the two's complement, big-endian. */
function base256(h: Buffer, value: number, at: number, width: number): void {
  let v = BigInt(value);
  if (v < 0n) v = (1n << BigInt(8 * width)) + v;
  for (let i = width - 1; i >= 0; i--) {
    h[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  h[at] = value < 0 ? 0xff : 0x80 | h[at]!;
}
