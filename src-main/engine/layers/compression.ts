// Layer compression: what a blob is (from its magic bytes or its media type) and a stream
// that undoes it. gzip is Node's zlib. zstd is fzstd (pure JS) driven by a frame walker of
// our own, which
//   - checks every frame and block header before fzstd sees it, so a hostile stream cannot
//     make it allocate a huge window or a huge block;
//   - feeds fzstd one block at a time and pauses while the reader is behind, so a stream
//     that expands a thousandfold still takes bounded memory;
//   - verifies each frame's content checksum (fzstd skips it), as the zstd tool does.
// Corrupt input surfaces as a stream error with code Z_DATA_ERROR, like zlib's.
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Largest zstd window accepted: 128 MiB, the zstd tool's own default limit. */
export const MAX_ZSTD_WINDOW = 1 << 27;

const ZSTD_MAGIC = 0xfd2fb528;

/** From the first bytes of a blob (4 are enough). */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    const magic = head.readUInt32LE(0);
    if (magic === ZSTD_MAGIC || isSkippableMagic(magic)) return 'zstd';
  }
  return 'none';
}

/** A stream that decompresses `kind` (for 'none', passes bytes through). */
export function decompressor(kind: Compression): Transform {
  switch (kind) {
    case 'gzip':
      // Big output chunks: each chunk is a threadpool round trip; 16 KiB ones triple the time.
      return zlib.createGunzip({ chunkSize: 1 << 20 });
    case 'zstd':
      return new ZstdDecompressor();
    case 'none':
      return new PassThrough();
  }
}

const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const OCI_NONDISTRIBUTABLE = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
const DOCKER_FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar';

export function layerMediaType(kind: Compression, flavour: 'oci' | 'docker'): string {
  if (flavour === 'oci') return kind === 'none' ? OCI_LAYER : `${OCI_LAYER}+${kind}`;
  return kind === 'none' ? DOCKER_LAYER : `${DOCKER_LAYER}.${kind}`;
}

const LAYER_MEDIA_TYPES = new Map<string, Compression>();
for (const base of [OCI_LAYER, OCI_NONDISTRIBUTABLE]) {
  LAYER_MEDIA_TYPES.set(base, 'none').set(`${base}+gzip`, 'gzip').set(`${base}+zstd`, 'zstd');
}
for (const base of [DOCKER_LAYER, DOCKER_FOREIGN]) {
  LAYER_MEDIA_TYPES.set(base, 'none').set(`${base}.gzip`, 'gzip').set(`${base}.zstd`, 'zstd');
}

/** The compression a layer media type names (OCI, Docker, non-distributable); undefined for anything else. */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  return LAYER_MEDIA_TYPES.get(mediaType.trim().toLowerCase());
}

function isSkippableMagic(magic: number): boolean {
  return magic >>> 4 === 0x184d2a5;
}

function corrupt(message: string, cause?: unknown): Error {
  return Object.assign(new Error(`corrupt zstd stream: ${message}`, cause === undefined ? undefined : { cause }), { code: 'Z_DATA_ERROR' });
}

// ---------------------------------------------------------------------------------------
// The zstd frame walker: follows frames and blocks without decoding them. Memory: a few bytes.

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

interface FrameSink {
  /** A zstd frame begins (its first 5 bytes are passed); `checksum`: it ends with one. */
  frameStart(head: Buffer, checksum: boolean): void;
  /** Bytes of the current zstd frame, in order. */
  frameBytes(bytes: Buffer): void;
  /** The current zstd frame ended; `checksum` is its stored content checksum, if any. */
  frameEnd(checksum: number | undefined): void;
}

class ZstdFrameWalker {
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

// ---------------------------------------------------------------------------------------
// The decompressing stream.

class ZstdDecompressor extends Transform implements FrameSink {
  private readonly walker = new ZstdFrameWalker(this);
  private inner: Decompress | null = null; // one fzstd decoder per frame
  private hash: Xxh64 | null = null;
  private full = false; // the last push found the readable buffer full
  private pushed = false;
  private continuation: (() => void) | null = null;

  constructor() {
    super({ readableHighWaterMark: 1 << 20 });
  }

  frameStart(head: Buffer, checksum: boolean): void {
    this.hash = checksum ? new Xxh64() : null;
    this.inner = new Decompress((data) => {
      if (data.length === 0) return;
      this.hash?.update(data);
      this.pushed = true;
      // fzstd hands out a fresh array per block: no copy needed.
      if (!this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) this.full = true;
    });
    this.inner.push(head);
  }

  frameBytes(bytes: Buffer): void {
    if (bytes.length > 0) this.inner!.push(bytes);
  }

  frameEnd(checksum: number | undefined): void {
    this.inner!.push(new Uint8Array(0), true); // decodes whatever fzstd still holds back
    this.inner = null;
    if (checksum !== undefined && this.hash !== null && this.hash.digest32() !== checksum) throw corrupt('content checksum mismatch');
    this.hash = null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.feed(chunk, 0, done);
  }

  private feed(chunk: Buffer, from: number, done: TransformCallback): void {
    let pos = from;
    try {
      while (pos < chunk.length) {
        pos = this.walker.advance(chunk, pos);
        if (this.full && pos < chunk.length) {
          // The reader is behind: go on from here when it asks for more (_read).
          this.full = false;
          const rest = pos;
          this.continuation = () => this.feed(chunk, rest, done);
          return;
        }
      }
    } catch (error) {
      done(asStreamError(error));
      return;
    }
    this.full = false;
    done();
  }

  override _read(size: number): void {
    const next = this.continuation;
    if (!next) return super._read(size);
    this.continuation = null;
    this.pushed = false;
    next();
    // Readable calls _read once and then waits for a push. When the rest of the chunk
    // gave no output (a block still incomplete), an empty push says "nothing now";
    // without it the next read would never come.
    if (!this.pushed) this.push(Buffer.alloc(0));
  }

  override _flush(done: TransformCallback): void {
    if (this.walker.atBoundary) done();
    else done(corrupt(this.walker.frames === 0 ? 'no zstd frame in the input' : 'truncated (the input ends inside a frame)'));
  }
}

function asStreamError(error: unknown): Error {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') return error;
  return corrupt(error instanceof Error ? error.message : String(error), error); // fzstd's own errors
}

// ---------------------------------------------------------------------------------------
// XXH64 (seed 0), streaming, in 32-bit halves: zstd's content checksum is its low 32 bits.

const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;
const P1L0 = P1L & 0xffff;
const P1L1 = P1L >>> 16;
const P2L0 = P2L & 0xffff;
const P2L1 = P2L >>> 16;

/** a·b mod 2^64 into out[at], out[at+1] (high, low), with 16-bit pieces so nothing rounds. */
function mul64(out: Uint32Array, at: number, aH: number, aL: number, bH: number, bL: number): void {
  const a0 = aL & 0xffff;
  const a1 = aL >>> 16;
  const b0 = bL & 0xffff;
  const b1 = bL >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w = (t & 0xffff) + a0 * b1;
  out[at] = a1 * b1 + (t >>> 16) + (w >>> 16) + Math.imul(aH, bL) + Math.imul(aL, bH);
  out[at + 1] = Math.imul(aL, bL);
}

function add64(out: Uint32Array, at: number, aH: number, aL: number, bH: number, bL: number): void {
  const low = aL + bL;
  out[at] = aH + bH + (low > 0xffffffff ? 1 : 0);
  out[at + 1] = low;
}

function rotl64(out: Uint32Array, at: number, h: number, l: number, n: number): void {
  out[at] = (h << n) | (l >>> (32 - n)); // 0 < n < 32
  out[at + 1] = (l << n) | (h >>> (32 - n));
}

function read32(d: Uint8Array, i: number): number {
  return (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;
}

class Xxh64 {
  private readonly v = new Uint32Array(8); // four lanes, each (high, low)
  private readonly t = new Uint32Array(2); // scratch
  private readonly tail = new Uint8Array(32);
  private tailLength = 0;
  private total = 0;

  constructor() {
    const v = this.v;
    add64(v, 0, P1H, P1L, P2H, P2L); // seed + P1 + P2
    v[2] = P2H; // seed + P2
    v[3] = P2L;
    v[6] = ~P1H; // seed - P1
    v[7] = -P1L;
  }

  update(data: Uint8Array): void {
    let i = 0;
    this.total += data.length;
    if (this.tailLength > 0) {
      i = Math.min(32 - this.tailLength, data.length);
      this.tail.set(data.subarray(0, i), this.tailLength);
      this.tailLength += i;
      if (this.tailLength < 32) return;
      this.stripes(this.tail, 0, 32);
      this.tailLength = 0;
    }
    const end = i + ((data.length - i) & ~31);
    this.stripes(data, i, end);
    this.tail.set(data.subarray(end), 0);
    this.tailLength = data.length - end;
  }

  private stripes(d: Uint8Array, i: number, end: number): void {
    const v = this.v;
    for (; i < end; i += 32) {
      round(v, 0, v[0]!, v[1]!, read32(d, i + 4), read32(d, i));
      round(v, 2, v[2]!, v[3]!, read32(d, i + 12), read32(d, i + 8));
      round(v, 4, v[4]!, v[5]!, read32(d, i + 20), read32(d, i + 16));
      round(v, 6, v[6]!, v[7]!, read32(d, i + 28), read32(d, i + 24));
    }
  }

  /** The low 32 bits of the digest. */
  digest32(): number {
    const v = this.v;
    const t = this.t;
    if (this.total >= 32) {
      const r = new Uint32Array(8);
      rotl64(r, 0, v[0]!, v[1]!, 1);
      rotl64(r, 2, v[2]!, v[3]!, 7);
      rotl64(r, 4, v[4]!, v[5]!, 12);
      rotl64(r, 6, v[6]!, v[7]!, 18);
      add64(t, 0, r[0]!, r[1]!, r[2]!, r[3]!);
      add64(t, 0, t[0]!, t[1]!, r[4]!, r[5]!);
      add64(t, 0, t[0]!, t[1]!, r[6]!, r[7]!);
      for (let lane = 0; lane < 8; lane += 2) {
        round(r, 0, 0, 0, v[lane]!, v[lane + 1]!);
        mul64(t, 0, t[0]! ^ r[0]!, t[1]! ^ r[1]!, P1H, P1L);
        add64(t, 0, t[0]!, t[1]!, P4H, P4L);
      }
    } else {
      t[0] = P5H;
      t[1] = P5L;
    }
    add64(t, 0, t[0]!, t[1]!, Math.floor(this.total / 2 ** 32), this.total >>> 0);
    const d = this.tail;
    let i = 0;
    for (; i + 8 <= this.tailLength; i += 8) {
      const k = new Uint32Array(2);
      round(k, 0, 0, 0, read32(d, i + 4), read32(d, i));
      rotl64(t, 0, t[0]! ^ k[0]!, t[1]! ^ k[1]!, 27);
      mul64(t, 0, t[0]!, t[1]!, P1H, P1L);
      add64(t, 0, t[0]!, t[1]!, P4H, P4L);
    }
    if (i + 4 <= this.tailLength) {
      const k = new Uint32Array(2);
      mul64(k, 0, 0, read32(d, i), P1H, P1L);
      rotl64(t, 0, t[0]! ^ k[0]!, t[1]! ^ k[1]!, 23);
      mul64(t, 0, t[0]!, t[1]!, P2H, P2L);
      add64(t, 0, t[0]!, t[1]!, P3H, P3L);
      i += 4;
    }
    for (; i < this.tailLength; i++) {
      const k = new Uint32Array(2);
      mul64(k, 0, 0, d[i]!, P5H, P5L);
      rotl64(t, 0, t[0]! ^ k[0]!, t[1]! ^ k[1]!, 11);
      mul64(t, 0, t[0]!, t[1]!, P1H, P1L);
    }
    // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
    mul64(t, 0, t[0]!, t[1]! ^ (t[0]! >>> 1), P2H, P2L);
    mul64(t, 0, t[0]! ^ (t[0]! >>> 29), t[1]! ^ ((t[1]! >>> 29) | (t[0]! << 3)), P3H, P3L);
    return (t[1]! ^ t[0]!) >>> 0;
  }
}

/**
 * One XXH64 round into out[at..]: (acc + input·P2) rotated left 31, times P1. The hot
 * loop: mul64's arithmetic is written out here with the primes' 16-bit halves.
 */
function round(out: Uint32Array, at: number, accH: number, accL: number, inH: number, inL: number): void {
  let a0 = inL & 0xffff;
  let a1 = inL >>> 16;
  let t = a1 * P2L0 + ((a0 * P2L0) >>> 16);
  let w = (t & 0xffff) + a0 * P2L1;
  const productH = a1 * P2L1 + (t >>> 16) + (w >>> 16) + Math.imul(inH, P2L) + Math.imul(inL, P2H);
  const low = accL + (Math.imul(inL, P2L) >>> 0);
  const sumL = low >>> 0;
  const sumH = (accH + productH + (low > 0xffffffff ? 1 : 0)) >>> 0;
  const rH = (sumH << 31) | (sumL >>> 1);
  const rL = (sumL << 31) | (sumH >>> 1);
  a0 = rL & 0xffff;
  a1 = rL >>> 16;
  t = a1 * P1L0 + ((a0 * P1L0) >>> 16);
  w = (t & 0xffff) + a0 * P1L1;
  out[at] = a1 * P1L1 + (t >>> 16) + (w >>> 16) + Math.imul(rH, P1L) + Math.imul(rL, P1H);
  out[at + 1] = Math.imul(rL, P1L);
}
