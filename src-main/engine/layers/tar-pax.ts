// pax extended headers and GNU long names: read as they arrive, held until the entry they
// describe, then laid over that entry's header fields. Global pax headers apply to the
// entries after them as POSIX says, for the keys uid, gid, uname, gname and mtime.
import { MAX_ENTRY_SIZE, MAX_EXTENDED_HEADER, type TarEntry } from './tar-entry';
import { type ExtendedKind, type Fail, decode, field, setPath } from './tar-header';

const GLOBAL_KEYS = new Set(['uid', 'gid', 'uname', 'gname', 'mtime']);

/** The extended-header state between headers: what waits for the next entry, and the globals. */
export class ExtendedHeaders {
  private waiting = false; // an extended header is waiting for its entry
  private pendingBytes = 0;
  private pendingPax: Map<string, Buffer> | undefined = undefined;
  private longName: Buffer | undefined = undefined;
  private longLink: Buffer | undefined = undefined;
  private readonly globals = new Map<string, Buffer>();

  constructor(private readonly fail: Fail) {}

  /** An extended header is waiting for the entry it describes. */
  get pending(): boolean {
    return this.waiting;
  }

  /** An extended header of `size` bytes begins: fails past the limits. */
  begin(kind: ExtendedKind, size: number): void {
    const what = kind === 'x' || kind === 'g' ? 'pax header' : 'GNU long name';
    if (size > MAX_EXTENDED_HEADER) this.fail(`${what} of ${size} bytes is larger than the ${MAX_EXTENDED_HEADER} allowed`);
    if (kind !== 'g') {
      this.waiting = true;
      this.pendingBytes += size;
      if (this.pendingBytes > MAX_EXTENDED_HEADER) this.fail(`extended headers for one entry exceed ${MAX_EXTENDED_HEADER} bytes`);
    }
  }

  /** The whole body of the extended header begun last. */
  add(kind: ExtendedKind, body: Buffer): void {
    switch (kind) {
      case 'L':
        this.longName = field(body, 0, body.length);
        break;
      case 'K':
        this.longLink = field(body, 0, body.length);
        break;
      case 'x': {
        const records = parsePax(body, this.fail);
        if (this.pendingPax === undefined) this.pendingPax = records;
        else for (const [key, value] of records) this.pendingPax.set(key, value);
        break;
      }
      case 'g': {
        for (const [key, value] of parsePax(body, this.fail)) {
          if (!GLOBAL_KEYS.has(key)) continue;
          if (value.length === 0) this.globals.delete(key);
          else this.globals.set(key, value);
        }
        break;
      }
    }
  }

  /** Overrides the header fields with GNU long names and pax values (global, then own). */
  apply(entry: TarEntry): void {
    if (this.longName !== undefined) setPath(entry, 'name', this.longName);
    if (this.longLink !== undefined) setPath(entry, 'linkname', this.longLink);
    const own = this.pendingPax;
    for (const key of GLOBAL_KEYS) {
      const value = own?.get(key) ?? this.globals.get(key);
      if (value !== undefined && value.length > 0) applyPax(entry, key, value, this.fail);
    }
    if (own !== undefined) {
      for (const [key, value] of own) {
        if (GLOBAL_KEYS.has(key)) continue;
        if (value.length > 0 || key.includes('.xattr.')) applyPax(entry, key, value, this.fail);
      }
    }
    this.pendingPax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    this.waiting = false;
    this.pendingBytes = 0;
  }
}

/** `<length> <key>=<value>\n` records; values stay bytes (xattrs are binary). */
function parsePax(body: Buffer, fail: Fail): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0 && body.subarray(pos).every((b) => b === 0)) break; // NUL padding some writers add
    let length = 0;
    let p = pos;
    while (p < body.length && p - pos < 8 && body[p]! >= 0x30 && body[p]! <= 0x39) length = length * 10 + body[p++]! - 0x30;
    const end = pos + length;
    if (p === pos || body[p] !== 0x20 || end > body.length || end <= p + 2 || body[end - 1] !== 0x0a) {
      fail(`malformed pax record at offset ${pos} of the pax header`);
    }
    const eq = body.indexOf(0x3d, p + 1);
    if (eq <= p + 1 || eq >= end) fail(`malformed pax record (no key=value) at offset ${pos} of the pax header`);
    const key = body.toString('utf8', p + 1, eq);
    if (key.startsWith('GNU.sparse.')) fail('GNU sparse files (pax GNU.sparse.*) are not supported');
    records.set(key, body.subarray(eq + 1, end - 1));
    pos = end;
  }
  return records;
}

function applyPax(entry: TarEntry, key: string, value: Buffer, fail: Fail): void {
  if ((key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname') && value.includes(0)) {
    fail(`NUL byte in pax ${key}`);
  }
  switch (key) {
    case 'path':
      setPath(entry, 'name', value);
      return;
    case 'linkpath':
      setPath(entry, 'linkname', value);
      return;
    case 'uname':
      entry.uname = decode(value);
      return;
    case 'gname':
      entry.gname = decode(value);
      return;
    case 'size': {
      const size = paxInteger(key, value, fail);
      if (size > MAX_ENTRY_SIZE) fail(`absurd entry size ${size}`);
      if (entry.type === 'file') entry.size = size;
      return;
    }
    case 'uid':
    case 'gid':
    case 'SCHILY.devmajor':
    case 'SCHILY.devminor': {
      const n = paxInteger(key, value, fail);
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
      if (!/^-?\d{1,15}(\.\d+)?$/.test(s)) fail(`invalid pax mtime ${JSON.stringify(s)}`);
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
      return fail(`malformed LIBARCHIVE.xattr name ${JSON.stringify(key)}`);
    }
    const b64 = value.toString('latin1');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) fail(`malformed base64 value for ${JSON.stringify(key)}`);
    entry.xattrs.set(name, Buffer.from(b64, 'base64'));
  }
}

function paxInteger(key: string, value: Buffer, fail: Fail): number {
  const s = value.toString('latin1');
  if (!/^\d{1,16}$/.test(s) || Number(s) > Number.MAX_SAFE_INTEGER) fail(`invalid pax ${key} ${JSON.stringify(s)}`);
  return Number(s);
}
