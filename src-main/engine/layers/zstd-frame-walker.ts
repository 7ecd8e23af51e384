// The zstd frame walker: follows frames and blocks without decoding them, and checks every
// frame and block header before fzstd sees it, so a hostile stream cannot make it allocate
// a huge window or a huge block. Memory: a few bytes.

/** Largest zstd window accepted: 128 MiB, the zstd tool's own default limit. */
export const MAX_ZSTD_WINDOW = 1 << 27;

export const ZSTD_MAGIC = 0xfd2fb528;

export function isSkippableMagic(magic: number): boolean {
  return magic >>> 4 === 0x184d2a5;
}

/** A corrupt-input error, with zlib's code for it. */
export function corrupt(message: string, cause?: unknown): Error {
  return Object.assign(new Error(`corrupt zstd stream: ${message}`, cause === undefined ? undefined : { cause }), { code: 'Z_DATA_ERROR' });
}

const MAGIC = 0; // 4 bytes: frame magic
const SKIPPABLE_SIZE = 1; // 4 bytes: size of a skippable frame
const DESCRIPTOR = 2; // 1 byte: frame header descriptor
const FRAME_HEADER = 3; // 1–13 bytes: window descriptor, dictionary id, content size
const BLOCK_HEADER = 4; // 3 bytes
const CHECKSUM = 5; // 4 bytes after the last block, when the descriptor says so
const SKIP = 6; // a block body or a skippable frame's body

const DICT_ID_BYTES = [0, 1, 2, 4];
const SIZE_BYTES = [0, 2, 4, 8];
const SINGLE_SIZE_BYTES = [1, 2, 4, 8];

export interface FrameSink {
  /** A zstd frame begins (its first 5 bytes are passed); `checksum`: it ends with one. */
  frameStart(head: Buffer, checksum: boolean): void;
  /** Bytes of the current zstd frame, in order. */
  frameBytes(bytes: Buffer): void;
  /** The current zstd frame ended; `checksum` is its stored content checksum, if any. */
  frameEnd(checksum: number | undefined): void;
}

export class ZstdFrameWalker {
  private state = MAGIC;
  private readonly bytes = Buffer.alloc(16);
  private fill = 0;
  private need = 4;
  private skip = 0;
  private afterSkip = MAGIC;
  private inFrame = false; // inside a zstd frame, whose bytes go to the sink
  private descriptor = 0;
  private blockLimit = 0;
  frames = 0;

  constructor(private readonly sink: FrameSink) {}

  /** True between frames, where a stream may end. */
  get atBoundary(): boolean {
    return this.state === MAGIC && this.fill === 0 && this.frames > 0;
  }

  /** Walks `chunk` from `pos`; returns the position just after the next block's end, or the chunk's end. */
  advance(chunk: Buffer, pos: number): number {
    let from = pos; // start of the bytes not yet passed to the sink
    for (;;) {
      if (this.state === SKIP) {
        const n = Math.min(this.skip, chunk.length - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) break;
        const next = this.afterSkip;
        this.enter(next);
        if (this.inFrame) {
          this.sink.frameBytes(chunk.subarray(from, pos));
          if (next === MAGIC) this.endFrame(undefined);
          return pos; // a block ended: let the caller see whether the reader keeps up
        }
        from = pos;
        continue;
      }
      if (pos >= chunk.length) break;
      const n = Math.min(this.need - this.fill, chunk.length - pos);
      chunk.copy(this.bytes, this.fill, pos, pos + n);
      this.fill += n;
      pos += n;
      if (this.fill < this.need) break;
      this.fill = 0;
      const wasInFrame = this.inFrame;
      this.onHeader();
      if (this.inFrame !== wasInFrame) {
        // A frame started (its head went to the sink whole) or ended (after its checksum).
        if (wasInFrame) {
          this.sink.frameBytes(chunk.subarray(from, pos));
          this.endFrame(this.bytes.readUInt32LE(0));
        }
        from = pos;
      }
    }
    if (this.inFrame && pos > from) this.sink.frameBytes(chunk.subarray(from, pos));
    return pos;
  }

  private endFrame(checksum: number | undefined): void {
    this.inFrame = false;
    this.sink.frameEnd(checksum);
  }

  private enter(state: number, need = this.need): void {
    this.state = state;
    this.fill = 0;
    this.need = state === MAGIC || state === SKIPPABLE_SIZE || state === CHECKSUM ? 4 : state === DESCRIPTOR ? 1 : state === BLOCK_HEADER ? 3 : need;
  }

  private skipThen(bytes: number, next: number): void {
    this.state = SKIP; // even for 0 bytes: advance() marks the block's end
    this.skip = bytes;
    this.afterSkip = next;
  }

  private onHeader(): void {
    const b = this.bytes;
    switch (this.state) {
      case MAGIC: {
        const magic = b.readUInt32LE(0);
        this.frames++;
        if (magic === ZSTD_MAGIC) return this.enter(DESCRIPTOR);
        if (isSkippableMagic(magic)) return this.enter(SKIPPABLE_SIZE);
        throw corrupt(`not a zstd frame (magic 0x${magic.toString(16).padStart(8, '0')})`);
      }
      case SKIPPABLE_SIZE:
        return this.skipThen(b.readUInt32LE(0), MAGIC);
      case DESCRIPTOR: {
        const d = b[0]!;
        if (d & 0x08) throw corrupt('reserved bit set in a frame header');
        this.descriptor = d;
        const single = (d & 0x20) !== 0;
        this.inFrame = true;
        // fzstd parses nothing before it holds 18 bytes, the longest frame header, and the
        // rest of the header reaches it only after onFrameHeader() has checked it.
        this.sink.frameStart(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, d]), (d & 0x04) !== 0);
        // At least 1: a window descriptor, or a content size for single-segment frames.
        return this.enter(FRAME_HEADER, (single ? 0 : 1) + DICT_ID_BYTES[d & 3]! + (single ? SINGLE_SIZE_BYTES : SIZE_BYTES)[d >> 6]!);
      }
      case FRAME_HEADER:
        return this.onFrameHeader();
      case BLOCK_HEADER: {
        const header = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) throw corrupt('reserved block type');
        if (size > this.blockLimit) throw corrupt(`block of ${size} bytes is larger than its frame allows (${this.blockLimit})`);
        const last = (header & 1) === 1;
        const next = !last ? BLOCK_HEADER : this.descriptor & 0x04 ? CHECKSUM : MAGIC;
        return this.skipThen(type === 1 ? 1 : size, next); // an RLE block's body is one byte
      }
      case CHECKSUM:
        this.inFrame = false; // advance() passes the bytes on and reads the checksum
        this.state = MAGIC;
        this.need = 4;
        return;
    }
  }

  private onFrameHeader(): void {
    const d = this.descriptor;
    const b = this.bytes;
    const single = (d & 0x20) !== 0;
    let at = 0;
    let window = 0;
    if (!single) {
      const base = 2 ** (10 + (b[0]! >> 3));
      window = base + (base / 8) * (b[0]! & 7);
      at = 1;
    }
    const dictBytes = DICT_ID_BYTES[d & 3]!;
    const dictId = littleEndian(b, at, dictBytes);
    at += dictBytes;
    if (dictId !== 0) throw corrupt(`the frame needs zstd dictionary ${dictId}, which is not supported`);
    if (single) {
      const sizeBytes = SINGLE_SIZE_BYTES[d >> 6]!;
      window = littleEndian(b, at, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
    }
    if (window > MAX_ZSTD_WINDOW) throw corrupt(`window of ${window} bytes is larger than the ${MAX_ZSTD_WINDOW} allowed`);
    this.blockLimit = Math.min(window, 128 << 10);
    this.enter(BLOCK_HEADER);
  }
}

function littleEndian(b: Buffer, at: number, bytes: number): number {
  let n = 0;
  for (let i = bytes - 1; i >= 0; i--) n = n * 256 + b[at + i]!;
  return n;
}
