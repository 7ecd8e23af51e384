// Reading a container's log (the JSON lines its shim writes) as records, streaming: the
// file may be gigabytes, so it is read in chunks, and `tail` walks back from the end
// instead of reading from the start.
//
// tail N first finds, walking backwards, where the last N records that match the query
// begin, then streams forwards from there. Holding at most one chunk plus one line, it
// parses those N records twice; that buys bounded memory for any N.
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import type { LogLine } from '../runtime/runtime-binary';
import { CHUNK_BYTES, LineSplitter, type RawLine, linesBackward, readAt } from './log-lines';
import { type CompiledQuery, type LogQuery, compileQuery, decodeRecord } from './log-query';

export type { LogQuery, LogStream, SkippedLine } from './log-query';

/**
 * The records of a log that match the query, oldest first. A missing file yields nothing;
 * lines that are not records are skipped (and reported to query.onSkip). Errors other
 * than a missing file (permissions, I/O) are thrown.
 */
export async function* readLogs(file: string, query: LogQuery = {}): AsyncGenerator<LogLine> {
  const q = compileQuery(query);
  const fh = await openIfExists(file);
  if (!fh) return;
  try {
    const { size } = await fh.stat();
    const start = await tailStart(fh, size, q, { completeOnly: false });
    const splitter = new LineSplitter(start);
    yield* readRange(fh, splitter, size, q);
    const rest = splitter.flush();
    if (rest) yield* decodeLines([rest], q, 'incomplete');
  } finally {
    await fh.close();
  }
}

export async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Where to start reading [0, end) for the query's tail: the offset of the N-th last
 * matching record (0 if there are fewer, end for tail 0), or 0 without a tail. With
 * completeOnly, an unterminated last line is not counted, and a start is never after it
 * (a follower must read it whole once its newline comes).
 */
export async function tailStart(fh: FileHandle, end: number, q: CompiledQuery, options: { completeOnly: boolean }): Promise<number> {
  if (q.tail === undefined) return 0;
  let start = end;
  let found = 0;
  for await (const line of linesBackward(fh, end)) {
    if (options.completeOnly && !line.terminated) {
      start = line.offset;
      continue;
    }
    if (found === q.tail) break;
    if (line.oversized) continue;
    const { record } = decodeRecord(line.bytes.toString('utf8'));
    if (record && q.matches(record)) {
      found++;
      start = line.offset;
    }
  }
  return found < q.tail ? 0 : start;
}

/** The matching records of the lines completed by reading from splitter.position up to end. */
export async function* readRange(fh: FileHandle, splitter: LineSplitter, end: number, q: CompiledQuery): AsyncGenerator<LogLine> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  while (splitter.position < end) {
    const size = Math.min(chunk.length, end - splitter.position);
    const got = await readAt(fh, chunk.subarray(0, size), splitter.position);
    if (got === 0) return; // the file shrank while we read; the caller notices
    // Lines are views into chunk: all are decoded before the next read reuses it.
    yield* decodeLines(splitter.push(chunk.subarray(0, got)), q, 'malformed');
  }
}

/** Records from raw lines, through the query; the lines that hold none are reported. */
export function* decodeLines(lines: Iterable<RawLine>, q: CompiledQuery, badReason: 'malformed' | 'incomplete'): Generator<LogLine> {
  for (const line of lines) {
    const { record, damaged } = line.oversized ? { record: undefined, damaged: true } : decodeRecord(line.bytes.toString('utf8'));
    if (damaged) q.skip({ reason: badReason, offset: line.offset, length: line.length });
    if (record && q.matches(record)) yield record;
  }
}
