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
//
// The reader here is the state machine over the byte stream; tar-header.ts reads the fields
// of a header block, tar-pax.ts the extended headers, tar-entry.ts has what it reports.
import { MAX_ENTRY_SIZE, TarError, type TarHandlers } from './tar-entry';
import {
  BLOCK,
  type ExtendedKind,
  type Fail,
  checksumMatches,
  decode,
  entryType,
  extendedKind,
  headerEntry,
  headerFormat,
  headerName,
  headerNumber,
  isZeroBlock,
} from './tar-header';
import { ExtendedHeaders } from './tar-pax';

export { MAX_ENTRY_SIZE, MAX_EXTENDED_HEADER, type TarEntry, type TarEntryType, TarError, type TarHandlers } from './tar-entry';

const HEADER = 0; // collecting a header block
const DATA = 1; // passing entry content on
const EXTENDED = 2; // collecting the body of a pax header or GNU long name
const PADDING = 3; // skipping to the next 512-byte boundary
const ENDED = 4; // after two zero blocks: everything else is ignored

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
  /** Fails at the last header block, naming the entry being read. */
  private readonly fail: Fail = (problem) => {
    throw new TarError(problem, this.blockOffset, this.current);
  };
  // Extended headers waiting for the entry they describe; the one being collected.
  private readonly extended = new ExtendedHeaders(this.fail);
  private extendedKind: ExtendedKind = 'x';
  private extendedBody: Buffer = Buffer.alloc(0);
  private extendedFill = 0;

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
      } else if (this.extended.pending) {
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

  private onHeader(h: Buffer): void {
    this.current = undefined;
    if (isZeroBlock(h)) return this.onZeroBlock();
    if (this.zeroBlockSeen) this.fail('a single zero block is followed by a header (a corrupt or spliced archive)');
    if (!checksumMatches(h)) {
      this.fail(this.blockOffset === 0 ? 'not a tar archive (header checksum mismatch)' : 'header checksum mismatch');
    }

    const format = headerFormat(h);
    const name = headerName(h, format);
    this.current = decode(name);
    const flag = h[156]!;
    const size = headerNumber(h, 124, 12, 'size', this.fail);
    if (size < 0 || size > MAX_ENTRY_SIZE) this.fail(`absurd entry size ${size}`);
    const extended = extendedKind(flag);
    if (extended !== undefined) return this.startExtended(extended, size);

    const entry = headerEntry(h, name, entryType(flag, this.fail), size, format, this.fail);
    this.extended.apply(entry);
    this.current = entry.name;
    // Old tars mark directories only by the trailing slash (Go also does so for type '\0').
    if (entry.type === 'file' && entry.name.endsWith('/') && (flag === 0 || (flag === 0x30 && format === 'v7'))) {
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
    if (this.extended.pending) this.fail('the archive ends after an extended header, without the entry it describes');
    if (this.zeroBlockSeen) this.state = ENDED;
    this.zeroBlockSeen = true;
  }

  private startExtended(kind: ExtendedKind, size: number): void {
    this.extended.begin(kind, size);
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
    this.extended.add(this.extendedKind, body);
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
