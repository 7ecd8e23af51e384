// One blob from the registry to a new file, hashed and counted as it streams: more bytes
// than the descriptor says stops the download at once; a wrong size or digest at the end
// fails with DIGEST_MISMATCH. The file is removed on any failure.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '@shared/errors';
import { expectDigest } from '../store/digest';
import { type SpaceGuard, describeNoSpace } from '../store/free-space';
import type { RegistryClient } from './client';
import { describeNetworkError } from './http';

export interface BlobDownload {
  digest: string;
  size: number;
  /** A new path (created with O_EXCL). */
  file: string;
  /** For messages: `layer 2 of 3 (sha256:…)`. */
  what: string;
  signal?: AbortSignal;
  /** Bytes so far; called every 256 KiB and at the end. */
  onBytes?: (bytes: number) => void;
  /** Counts the download against the store's free-space reserve (a manifest may declare any size). */
  space?: SpaceGuard;
}

const REPORT_EVERY = 256 << 10;

export async function downloadBlob(client: RegistryClient, download: BlobDownload): Promise<void> {
  const { digest, size, file, what, signal } = download;
  const response = await client.get(`blobs/${digest}`, what);
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > size) {
    response.body.destroy();
    throw new StrataError('DIGEST_MISMATCH', `${what}: the registry sends ${declared} bytes, the manifest says ${size}`);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  let reported = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > size) return done(new StrataError('DIGEST_MISMATCH', `${what}: the registry sent more than the ${size} bytes the manifest says`));
      try {
        download.space?.wrote(chunk.length);
      } catch (error) {
        return done(error as Error);
      }
      hash.update(chunk);
      if (bytes - reported >= REPORT_EVERY || bytes === size) {
        reported = bytes;
        download.onBytes?.(bytes);
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, tap, fs.createWriteStream(file, { flags: 'wx', mode: 0o644 }), { signal });
    if (bytes !== size) throw new StrataError('DIGEST_MISMATCH', `${what}: the registry sent ${bytes} bytes, the manifest says ${size}`);
    expectDigest(`sha256:${hash.digest('hex')}`, digest, what);
  } catch (error) {
    fs.rmSync(file, { force: true });
    if (signal?.aborted) throw new StrataError('CANCELLED', 'pull cancelled', { cause: error });
    throw describeNetworkError(describeNoSpace(error, download.space?.dir ?? file), response.url);
  }
}
