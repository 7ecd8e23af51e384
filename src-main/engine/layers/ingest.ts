// One pass over a layer blob does everything an import needs: hash the compressed bytes
// (the blob digest), optionally copy them into the store, decompress, hash the tar (the
// diff_id) and optionally unpack it. Nothing is held in memory but the chunks in flight.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '@shared/errors';
import { expectDigest } from '../store/digest';
import { type SpaceGuard, describeNoSpace } from '../store/free-space';
import { LoopBudget } from '../store/loop-budget';
import { type Compression, decompressor } from './compression';
import { compressionOfFile } from './file-compression';
import { LayerWriter, type LayerWriteResult, type LayerWriterOptions, writeAll } from './layer-writer';
import { TarError, TarReader } from './tar-reader';

export interface IngestLayerOptions {
  /** The layer blob as it came: a tar, gzip or zstd. */
  file: string;
  expectedDigest?: string;
  expectedDiffId?: string;
  /** Copy the blob here while reading it (a new path in the store's tmp/). */
  blobOut?: string;
  /** Unpack here in overlay form (an empty directory in the store's tmp/). */
  unpackTo?: LayerWriterOptions;
  signal?: AbortSignal;
  /** Counts what is written (blob copy, unpacked tar) against the store's free-space reserve. */
  space?: SpaceGuard;
  /** Called with compressed bytes read so far. */
  onProgress?: (bytes: number) => void;
}

export interface IngestLayerResult {
  digest: string;
  size: number;
  diffId: string;
  uncompressedSize: number;
  compression: Compression;
  unpacked?: LayerWriteResult;
}

const CHUNK = 1 << 20;
/**
 * The unpacker gets the tar in slices this big; after each, the writer's queued work (on the
 * threadpool) is waited for, and the loop is given back once its slice is spent: a 1 MB
 * chunk of small files is hundreds of entries, far longer to check and queue than the
 * window may wait.
 */
const UNPACK_SLICE = 8 << 10;

export async function ingestLayer(options: IngestLayerOptions): Promise<IngestLayerResult> {
  const compression = compressionOfFile(options.file);
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  let size = 0;
  let uncompressedSize = 0;
  const out = options.blobOut ? fs.openSync(options.blobOut, 'wx', 0o644) : null;
  const writer = options.unpackTo ? new LayerWriter(options.unpackTo) : null;
  const reader = writer ? new TarReader(writer) : null;
  const budget = new LoopBudget();
  /** The slices of the chunk being unpacked: settled before a failure closes the writer. */
  let unpacking: Promise<void> = Promise.resolve();
  /** The write of the chunk being copied to `blobOut`: settled before its fd is closed. */
  let copying: Promise<void> = Promise.resolve();
  const unpack = async (chunk: Buffer): Promise<void> => {
    for (let at = 0; at < chunk.length; at += UNPACK_SLICE) {
      await afterWork(writer!, () => reader!.write(chunk.subarray(at, at + UNPACK_SLICE)));
      await budget.pause();
    }
  };

  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        blobHash.update(chunk);
        size += chunk.length;
        const passOn = () => {
          options.onProgress?.(size);
          done(null, chunk);
        };
        if (out === null) return passOn();
        options.space?.wrote(chunk.length);
        // On the threadpool: a megabyte written while the disk is busy can wait on writeback.
        copying = writeAll(out, [chunk]);
        copying.then(passOn, done);
      } catch (error) {
        done(error as Error);
      }
    },
  });
  const sink = new Writable({
    highWaterMark: CHUNK,
    write(chunk: Buffer, _encoding, done) {
      try {
        diffHash.update(chunk);
        uncompressedSize += chunk.length;
        // The tar's bytes stand for what unpacking writes: contents, and a block per entry.
        if (!reader) return done();
        options.space?.wrote(chunk.length);
        unpacking = unpack(chunk);
        unpacking.then(() => done(), done);
      } catch (error) {
        done(error as Error);
      }
    },
    final(done) {
      if (!reader) return done();
      afterWork(writer!, () => reader.end()).then(() => done(), done);
    },
  });

  let unpacked: LayerWriteResult | undefined;
  try {
    const source = fs.createReadStream(options.file, { highWaterMark: CHUNK });
    await pipeline(source, tap, decompressor(compression), sink, { signal: options.signal });
    unpacked = await writer?.finish();
  } catch (error) {
    await unpacking.catch(() => undefined); // a cancelled pipeline may leave one chunk mid-way
    await writer?.abort();
    throw describeFailure(error, options, compression);
  } finally {
    await copying.catch(() => undefined); // a cancelled pipeline does not wait for the write in flight
    if (out !== null) fs.closeSync(out);
  }

  const digest = 'sha256:' + blobHash.digest('hex');
  const diffId = 'sha256:' + diffHash.digest('hex');
  if (options.expectedDigest) expectDigest(digest, options.expectedDigest, `layer blob ${options.expectedDigest}`);
  if (options.expectedDiffId) expectDigest(diffId, options.expectedDiffId, `uncompressed layer (diff_id) of ${digest}`);
  return { digest, size, diffId, uncompressedSize, compression, unpacked };
}

/**
 * Feeds the reader (`feed`), then waits for the file system work that input queued. An entry
 * refused while earlier work was still queued reports that work's failure if it failed: the
 * first error of the tar, as when every entry was written before the next was read.
 */
async function afterWork(writer: LayerWriter, feed: () => void): Promise<void> {
  try {
    feed();
  } catch (error) {
    await writer.drained();
    throw error;
  }
  await writer.settled();
}

function describeFailure(error: unknown, options: IngestLayerOptions, compression: Compression): unknown {
  const file = options.file;
  if (error instanceof StrataError) return error;
  if (error instanceof TarError) return new StrataError('INVALID_ARCHIVE', `layer ${file}: ${error.message}`, { cause: error });
  const err = error as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return new StrataError('CANCELLED', 'import cancelled', { cause: error });
  if (err?.code?.startsWith?.('Z_') || (compression !== 'none' && !err?.syscall)) {
    return new StrataError('INVALID_ARCHIVE', `layer ${file}: corrupt ${compression} stream: ${err?.message}`, { cause: error });
  }
  return describeNoSpace(error, options.space?.dir ?? options.unpackTo?.dest ?? options.blobOut ?? file);
}
