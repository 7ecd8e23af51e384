// Writing tar headers, the form every reader takes: POSIX ustar, with a pax extended header
// in front of an entry whose name, link, size or ids do not fit ustar's fields, or that
// carries extended attributes (SCHILY.xattr.*, as GNU tar and the OCI layer spec write them).
// Reading is tar-header.ts's and tar-reader.ts's job; this file only writes.

export const TAR_BLOCK = 512;

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const TYPEFLAG: Record<TarType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export interface TarHeaderFields {
  /** Relative, '/'-separated; directories get their trailing slash here. */
  name: string;
  type: TarType;
  /** Content bytes; 0 for everything but files. */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer>;
}

/** The header block(s) of one entry: a pax header when needed, then the ustar block. */
export function tarHeader(fields: TarHeaderFields): Buffer {
  const name = fields.type === 'dir' && !fields.name.endsWith('/') ? fields.name + '/' : fields.name;
  const pax: [string, Buffer][] = [];
  const split = splitName(name);
  if (!split) pax.push(['path', Buffer.from(name)]);
  const linkname = fields.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) pax.push(['linkpath', Buffer.from(linkname)]);
  if (!fitsOctal(fields.size, 12)) pax.push(['size', Buffer.from(String(fields.size))]);
  if (!fitsOctal(fields.uid, 8)) pax.push(['uid', Buffer.from(String(fields.uid))]);
  if (!fitsOctal(fields.gid, 8)) pax.push(['gid', Buffer.from(String(fields.gid))]);
  for (const [key, value] of Object.entries(fields.xattrs ?? {})) pax.push([`SCHILY.xattr.${key}`, value]);

  const ustar = ustarBlock({
    ...fields,
    name: split ? split[1] : name.slice(0, 100),
    prefix: split ? split[0] : '',
    linkname: Buffer.byteLength(linkname) > 100 ? '' : linkname,
  });
  if (pax.length === 0) return ustar;
  const body = Buffer.concat(pax.map(([key, value]) => paxRecord(key, value)));
  const paxHeader = ustarBlock({ name: 'PaxHeader', prefix: '', type: 'file', typeflag: 'x', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: fields.mtime, linkname: '' });
  return Buffer.concat([paxHeader, body, tarPadding(body.length), ustar]);
}

/** Zero bytes that round an entry's content up to a whole block. */
export function tarPadding(length: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (length % TAR_BLOCK)) % TAR_BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END: Buffer = Buffer.alloc(2 * TAR_BLOCK);

/** `len key=value\n`, where len counts the whole record including its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
  let length = rest + 1;
  while (String(length).length + rest !== length) length = String(length).length + rest;
  return Buffer.concat([Buffer.from(`${length} ${key}=`), value, Buffer.from('\n')]);
}

/** ustar's 155-byte prefix + 100-byte name split, or undefined when the name needs pax. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.length - 2; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return [prefix, rest];
  }
  return undefined;
}

function fitsOctal(value: number, width: number): boolean {
  return value >= 0 && value < 8 ** (width - 1);
}

interface UstarFields extends Omit<TarHeaderFields, 'xattrs'> {
  prefix: string;
  typeflag?: string;
}

function ustarBlock(fields: UstarFields): Buffer {
  const block = Buffer.alloc(TAR_BLOCK);
  const text = (value: string, at: number, width: number): void => void Buffer.from(value).copy(block, at, 0, width);
  // A number that does not fit is carried by the pax header; the field then says 0.
  const octal = (value: number, at: number, width: number): void => {
    block.write((fitsOctal(value, width) ? value : 0).toString(8).padStart(width - 1, '0') + '\0', at, 'latin1');
  };
  text(fields.name, 0, 100);
  octal(fields.mode & 0o7777, 100, 8);
  octal(fields.uid, 108, 8);
  octal(fields.gid, 116, 8);
  octal(fields.size, 124, 12);
  octal(Math.max(0, Math.floor(fields.mtime)), 136, 12);
  block.write(fields.typeflag ?? TYPEFLAG[fields.type], 156, 1, 'latin1');
  text(fields.linkname ?? '', 157, 100);
  block.write('ustar\x0000', 257, 8, 'latin1');
  octal(fields.devmajor ?? 0, 329, 8);
  octal(fields.devminor ?? 0, 337, 8);
  text(fields.prefix, 345, 155);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}
