// Lines of a log file as bytes, read in fixed chunks so a log of any size costs the same
// memory: forwards (a push splitter that keeps the unterminated rest for the next chunk)
// and backwards from the end (for tail). '\n' never occurs inside a UTF-8 sequence, so
// splitting bytes is safe; text is decoded per line.
import type { FileHandle } from 'node:fs/promises';

export const CHUNK_BYTES = 64 * 1024;

/**
 * A record is at most 16 KiB of output, escaped (≤ 6 bytes per byte), plus the envelope.
 * A line longer than this is not a record: its bytes are not kept, only its extent.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

const NL = 0x0a;
const EMPTY = Buffer.alloc(0);

export interface RawLine {
  /** Byte offset of the line's first byte in the file. */
  readonly offset: number;
  /** Its length in bytes, without the newline. */
  readonly length: number;
  /** The line's bytes (without the newline); empty when oversized. May be a view into a reused buffer. */
  readonly bytes: Buffer;
  /** Longer than MAX_LINE_BYTES: bytes were dropped. */
  readonly oversized: boolean;
  /** Ends with a newline (false only for the last line of what has been read). */
  readonly terminated: boolean;
}

/** Splits a byte stream, fed in order, into lines with their file offsets. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partsLength = 0;
  private lineStart: number;
  private next: number;
  private oversized = false;

  constructor(offset = 0) {
    this.lineStart = offset;
    this.next = offset;
  }

  /** File offset of the next byte to push. */
  get position(): number {
    return this.next;
  }

  /** Bytes held for a line whose newline has not come yet. */
  get pending(): number {
    return this.next - this.lineStart;
  }

  /** Starts over at offset, forgetting any unterminated line. */
  reset(offset: number): void {
    this.parts = [];
    this.partsLength = 0;
    this.oversized = false;
    this.lineStart = offset;
    this.next = offset;
  }

  /** Takes the bytes that follow those pushed before; returns the lines they complete (views into chunk). */
  push(chunk: Buffer): RawLine[] {
    const lines: RawLine[] = [];
    const base = this.next;
    let from = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, from)) {
      const piece = chunk.subarray(from, nl);
      const length = base + nl - this.lineStart;
      const oversized = this.oversized || length > MAX_LINE_BYTES;
      const bytes = oversized ? EMPTY : this.partsLength === 0 ? piece : Buffer.concat([...this.parts, piece]);
      if (length > 0) lines.push({ offset: this.lineStart, length, bytes, oversized, terminated: true });
      this.parts = [];
      this.partsLength = 0;
      this.oversized = false;
      this.lineStart = base + nl + 1;
      from = nl + 1;
    }
    this.keep(chunk.subarray(from));
    this.next = base + chunk.length;
    return lines;
  }

  /** The unterminated rest, if any, as a line; the splitter then starts after it. */
  flush(): RawLine | undefined {
    const length = this.pending;
    const line: RawLine | undefined =
      length > 0 ? { offset: this.lineStart, length, bytes: this.oversized ? EMPTY : Buffer.concat(this.parts), oversized: this.oversized, terminated: false } : undefined;
    this.reset(this.next);
    return line;
  }

  private keep(rest: Buffer): void {
    if (rest.length === 0 || this.oversized) return;
    if (this.partsLength + rest.length > MAX_LINE_BYTES) {
      this.oversized = true;
      this.parts = [];
      this.partsLength = 0;
      return;
    }
    this.parts.push(Buffer.from(rest)); // the chunk's buffer is reused by the caller
    this.partsLength += rest.length;
  }
}

/** Reads up to buffer.length bytes at position; fewer only at the end of the file. */
export async function readAt(fh: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await fh.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * The lines of bytes [0, end) from the last to the first. The last one is unterminated
 * when the file does not end with a newline there. Stops early if the file shrinks.
 */
export async function* linesBackward(fh: FileHandle, end: number, chunkBytes = CHUNK_BYTES): AsyncGenerator<RawLine> {
  let pos = end;
  // The end of a line that began before pos: its bytes, its end offset, whether a newline ends it.
  let carry: Buffer = EMPTY;
  let carryOversized = false;
  let lineEnd = end;
  let terminated = false;
  const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(end, 1)));
  while (pos > 0) {
    const size = Math.min(chunk.length, pos);
    pos -= size;
    if ((await readAt(fh, chunk.subarray(0, size), pos)) < size) return;
    let stop = size; // chunk[0, stop) is not yet part of a yielded line
    while (stop > 0) {
      const nl = chunk.lastIndexOf(NL, stop - 1);
      if (nl < 0) break;
      const length = lineEnd - (pos + nl + 1);
      const oversized = carryOversized || length > MAX_LINE_BYTES;
      if (length > 0) {
        const bytes = oversized ? EMPTY : carry.length === 0 ? chunk.subarray(nl + 1, stop) : Buffer.concat([chunk.subarray(nl + 1, stop), carry]);
        yield { offset: pos + nl + 1, length, bytes, oversized, terminated };
      }
      carry = EMPTY;
      carryOversized = false;
      lineEnd = pos + nl;
      terminated = true;
      stop = nl;
    }
    if (stop > 0 && !carryOversized) {
      if (carry.length + stop > MAX_LINE_BYTES) {
        carryOversized = true;
        carry = EMPTY;
      } else {
        carry = Buffer.concat([chunk.subarray(0, stop), carry]);
      }
    }
  }
  if (lineEnd > 0) yield { offset: 0, length: lineEnd, bytes: carryOversized ? EMPTY : carry, oversized: carryOversized, terminated };
}
