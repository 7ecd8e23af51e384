// Layer compression: what a blob is (from its magic bytes or its media type) and a stream
// that undoes it. gzip is Node's zlib; zstd is fzstd (pure JS) behind a frame walker of our
// own that checks every frame and block header before fzstd sees it, so a hostile stream
// cannot make it allocate a huge window, and that feeds fzstd one block at a time, so a
// stream that expands a thousandfold still waits for its reader (bounded memory).
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
      return zlib.createGunzip();
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

/** The compression a layer media type names; undefined when it is not a layer media type. */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  return LAYER_MEDIA_TYPES.get(mediaType.trim().toLowerCase());
}

function isSkippableMagic(magic: number): boolean {
  return magic >>> 4 === 0x184d2a5;
}

function corrupt(message: string, cause?: unknown): Error {
  return Object.assign(new Error(`corrupt zstd stream: ${message}`, { cause }), { code: 'Z_DATA_ERROR' });
}

// Frame walker states: each collects a few header bytes or skips a body.
const MAGIC = 0; // 4 bytes: frame magic
const SKIPPABLE_SIZE = 1; // 4 bytes: size of a skippable frame
const DESCRIPTOR = 2; // 1 byte: frame header descriptor
const FRAME_HEADER = 3; // the rest of the frame header (window, dictionary id, content size)
const BLOCK_HEADER = 4; // 3 bytes
const SKIP = 5; // a block body, a skippable frame's body or a checksum
const CHECKSUM = 6; // only as the state after a last block: 4 bytes to skip, then MAGIC

/**
 * Follows the frame and block structure of a zstd stream without decoding it: checks the
 * headers and says where each block ends. Memory: a few bytes.
 */
class ZstdFrameWalker {
  private state = MAGIC;
  private readonly bytes = Buffer.alloc(16);
  private fill = 0;
  private need = 4;
  private skip = 0;
  private afterSkip = MAGIC;
  private cutAfterSkip = false;
  private descriptor = 0;
  private blockLimit = 0;
  frames = 0;

  /** True between frames, where a stream may end. */
  get atBoundary(): boolean {
    return this.state === MAGIC && this.fill === 0 && this.frames > 0;
  }

  /** Walks `chunk` from `pos`; returns the position just after the next block's end, or the chunk's end. */
  advance(chunk: Buffer, pos: number): number {
    while (pos < chunk.length) {
      if (this.state === SKIP) {
        const n = Math.min(this.skip, chunk.length - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) return pos;
        const cut = this.cutAfterSkip;
        this.enter(this.afterSkip);
        if (cut) return pos;
        continue;
      }
      const n = Math.min(this.need - this.fill, chunk.length - pos);
      chunk.copy(this.bytes, this.fill, pos, pos + n);
      this.fill += n;
      pos += n;
      if (this.fill < this.need) return pos;
      this.fill = 0;
      this.onHeader();
    }
    return pos;
  }

  private enter(state: number): void {
    if (state === CHECKSUM) return this.skipThen(4, MAGIC, false);
    this.state = state;
    this.fill = 0;
    if (state === MAGIC || state === SKIPPABLE_SIZE) this.need = 4;
    else if (state === DESCRIPTOR) this.need = 1;
    else if (state === BLOCK_HEADER) this.need = 3;
  }

  private skipThen(bytes: number, next: number, cut: boolean): void {
    if (bytes === 0) return this.enter(next);
    this.state = SKIP;
    this.skip = bytes;
    this.afterSkip = next;
    this.cutAfterSkip = cut;
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
        return this.skipThen(b.readUInt32LE(0), MAGIC, false);
      case DESCRIPTOR: {
        const d = b[0]!;
        if (d & 0x08) throw corrupt('reserved bit set in a frame header');
        this.descriptor = d;
        const single = (d & 0x20) !== 0;
        const rest = (single ? 0 : 1) + DICT_ID_BYTES[d & 3]! + (single ? SINGLE_SIZE_BYTES : SIZE_BYTES)[d >> 6]!;
        this.state = FRAME_HEADER; // rest is at least 1: window descriptor or content size
        this.need = rest;
        return;
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
        return this.skipThen(type === 1 ? 1 : size, next, true); // an RLE block's body is one byte
      }
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

const DICT_ID_BYTES = [0, 1, 2, 4];
const SIZE_BYTES = [0, 2, 4, 8];
const SINGLE_SIZE_BYTES = [1, 2, 4, 8];

function littleEndian(b: Buffer, at: number, bytes: number): number {
  let n = 0;
  for (let i = bytes - 1; i >= 0; i--) n = n * 256 + b[at + i]!;
  return n;
}

class ZstdDecompressor extends Transform {
  private readonly walker = new ZstdFrameWalker();
  private readonly inner: Decompress;
  private full = false;
  private continuation: (() => void) | null = null;

  constructor() {
    super({ readableHighWaterMark: 1 << 20 });
    this.inner = new Decompress((data) => {
      // fzstd hands out a fresh array per block: no copy needed.
      if (data.length > 0 && !this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) this.full = true;
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.feed(chunk, 0, done);
  }

  private feed(chunk: Buffer, from: number, done: TransformCallback): void {
    let pos = from;
    try {
      while (pos < chunk.length) {
        const cut = this.walker.advance(chunk, pos);
        this.inner.push(chunk.subarray(pos, cut));
        pos = cut;
        if (this.full && pos < chunk.length) {
          // The reader is behind: continue from here when it asks for more (_read).
          this.full = false;
          const rest = pos;
          this.continuation = () => this.feed(chunk, rest, done);
          return;
        }
      }
    } catch (error) {
      done(isOurs(error) ? error : corrupt((error as Error)?.message ?? String(error), error));
      return;
    }
    this.full = false;
    done();
  }

  override _read(size: number): void {
    const next = this.continuation;
    this.continuation = null;
    if (next) next();
    else super._read(size);
  }

  override _flush(done: TransformCallback): void {
    if (!this.walker.atBoundary) {
      done(corrupt(this.walker.frames === 0 ? 'no zstd frame in the input' : 'truncated (the input ends inside a frame)'));
      return;
    }
    try {
      this.inner.push(new Uint8Array(0), true);
    } catch (error) {
      done(corrupt((error as Error)?.message ?? String(error), error));
      return;
    }
    done();
  }
}

function isOurs(error: unknown): error is Error {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR';
}
