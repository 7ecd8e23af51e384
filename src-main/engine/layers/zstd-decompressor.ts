// zstd decompression as a Transform: fzstd (pure JS) driven by the frame walker, which
//   - checks every frame and block header before fzstd sees it (zstd-frame-walker.ts);
//   - feeds fzstd one block at a time and pauses while the reader is behind, so a stream
//     that expands a thousandfold still takes bounded memory;
//   - verifies each frame's content checksum (fzstd skips it), as the zstd tool does.
// Corrupt input surfaces as a stream error with code Z_DATA_ERROR, like zlib's.
import { Transform, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';
import { Xxh64 } from './xxhash64';
import { type FrameSink, ZstdFrameWalker, corrupt } from './zstd-frame-walker';

export class ZstdDecompressor extends Transform implements FrameSink {
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
