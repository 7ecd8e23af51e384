// An export is a list of entries (directories and files whose bytes are produced lazily),
// written either as one tar stream or as files in a directory. The format writers
// (export-oci.ts, export-docker.ts) only say what goes where; this file owns the bytes:
// tar framing, sizes that must match their headers, and progress per blob.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { StrataError } from '@shared/errors';
import { TAR_END, tarHeader, tarPadding } from '../layers/tar-header-writer';
import { expectDigest } from '../store/digest';
import type { OpenBlob } from './export-plan';

export const EXPORT_CHUNK = 1 << 20;

export type BlobRole = 'manifest' | 'config' | 'layer';

export interface ExportDirEntry {
  kind: 'dir';
  /** Relative, '/'-separated. */
  name: string;
}

export interface ExportFileEntry {
  kind: 'file';
  name: string;
  /** Exactly the bytes `content` yields: a tar header is written before them. */
  size: number;
  content: () => AsyncIterable<Buffer>;
  /** Set for image blobs, whose bytes are reported as progress. */
  blob?: { digest: string; role: BlobRole };
}

export type ExportEntry = ExportDirEntry | ExportFileEntry;

/** Called as blob bytes are written: which blob (n of total) and how far into it. */
export type BlobProgress = (entry: ExportFileEntry & { blob: NonNullable<ExportFileEntry['blob']> }, done: number, total: number, bytes: number) => void;

/** Fixed owner, modes and time: the same images always give the same archive bytes. */
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
const MTIME = 0;

export function fileFromBytes(name: string, bytes: Buffer, blob?: ExportFileEntry['blob']): ExportFileEntry {
  return {
    kind: 'file',
    name,
    size: bytes.length,
    blob,
    async *content() {
      yield bytes;
    },
  };
}

export function fileFromJson(name: string, value: unknown): ExportFileEntry {
  return fileFromBytes(name, Buffer.from(JSON.stringify(value)));
}

/**
 * A stored blob's bytes as they are, hashed on the way: a store whose blob no longer
 * matches its digest fails the export instead of producing an archive that lies.
 */
export async function* verifiedBlobBytes(blob: OpenBlob): AsyncIterable<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of readBlob(blob)) {
    hash.update(chunk);
    yield chunk;
  }
  expectDigest('sha256:' + hash.digest('hex'), blob.digest, 'blob in the store');
}

const readAt = promisify(fs.read);

/**
 * The blob's bytes from offset 0, read by position so one descriptor serves several passes.
 * Not fs.createReadStream: destroying one (a cancel) closes the descriptor the plan owns.
 */
export async function* readBlob(blob: OpenBlob): AsyncIterable<Buffer> {
  let position = 0;
  while (position < blob.size) {
    const buffer = Buffer.allocUnsafe(Math.min(EXPORT_CHUNK, blob.size - position));
    const { bytesRead } = await readAt(blob.fd, buffer, 0, buffer.length, position);
    if (bytesRead === 0) throw new StrataError('INTERNAL', `blob ${blob.digest} ended at ${position} of its ${blob.size} bytes`);
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** The entries as a tar stream (ustar, pax where needed), ending with the two zero blocks. */
export function tarStream(entries: readonly ExportEntry[], onProgress?: BlobProgress): Readable {
  return Readable.from(tarChunks(entries, onProgress), { objectMode: false, highWaterMark: EXPORT_CHUNK });
}

async function* tarChunks(entries: readonly ExportEntry[], onProgress?: BlobProgress): AsyncIterable<Buffer> {
  const progress = blobCounter(entries, onProgress);
  for (const entry of entries) {
    if (entry.kind === 'dir') {
      yield tarHeader({ name: entry.name, type: 'dir', size: 0, mode: DIR_MODE, uid: 0, gid: 0, mtime: MTIME });
      continue;
    }
    yield tarHeader({ name: entry.name, type: 'file', size: entry.size, mode: FILE_MODE, uid: 0, gid: 0, mtime: MTIME });
    yield* sizedContent(entry, progress.start(entry));
    yield tarPadding(entry.size);
  }
  yield TAR_END;
}

/** Writes the entries as files under `dir` (which exists and is empty). */
export async function writeEntriesToDirectory(entries: readonly ExportEntry[], dir: string, signal?: AbortSignal, onProgress?: BlobProgress): Promise<void> {
  const progress = blobCounter(entries, onProgress);
  for (const entry of entries) {
    const target = path.join(dir, ...entry.name.split('/'));
    if (entry.kind === 'dir') {
      fs.mkdirSync(target, { mode: DIR_MODE });
      continue;
    }
    const source = Readable.from(sizedContent(entry, progress.start(entry)), { objectMode: false, highWaterMark: EXPORT_CHUNK });
    await pipeline(source, fs.createWriteStream(target, { flags: 'wx', mode: FILE_MODE }), { signal });
  }
}

/**
 * The entry's content, refusing to yield more or fewer bytes than its declared size:
 * a tar header promised that many, and anything else would corrupt the archive.
 */
async function* sizedContent(entry: ExportFileEntry, report: (bytes: number) => void): AsyncIterable<Buffer> {
  let written = 0;
  report(0);
  for await (const chunk of entry.content()) {
    written += chunk.length;
    if (written > entry.size) throw new StrataError('INTERNAL', `${entry.name}: more than the ${entry.size} bytes its header declares`);
    yield chunk;
    report(written);
  }
  if (written !== entry.size) throw new StrataError('INTERNAL', `${entry.name}: ${written} bytes, its header declares ${entry.size}`);
}

/** Numbers the blob entries so progress can say "3 of 7". */
function blobCounter(entries: readonly ExportEntry[], onProgress?: BlobProgress): { start(entry: ExportFileEntry): (bytes: number) => void } {
  const total = entries.filter((entry) => entry.kind === 'file' && entry.blob).length;
  let done = 0;
  return {
    start(entry) {
      const blob = entry.blob;
      if (!blob || !onProgress) return () => {};
      const position = done++;
      return (bytes) => onProgress({ ...entry, blob }, position, total, bytes);
    },
  };
}
