// An upper directory written out as a layer blob: the tar (hashed: the diff_id) gzip'd at
// the fastest level (hashed again: the blob digest) into one file. What `commit` and the
// builder hand to the importer, which unpacks it into the store like any other layer.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { type UpperTarOptions, upperTarStream } from './upper-tar';

export interface UpperLayerBlob {
  file: string;
  /** sha256 of the gzip'd blob. */
  digest: string;
  /** sha256 of the tar. */
  diffId: string;
  size: number;
}

/** `lower`: the paths of the layers below (upper-tar.ts: whiteouts and opaque markers that change nothing stay out). */
export async function writeUpperLayer(upperDir: string, file: string, options: { signal?: AbortSignal; lower?: UpperTarOptions['lower'] } = {}): Promise<UpperLayerBlob> {
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let size = 0;
  await pipeline(
    upperTarStream(upperDir, { lower: options.lower }),
    tap((chunk) => tarHash.update(chunk)),
    zlib.createGzip({ level: zlib.constants.Z_BEST_SPEED, chunkSize: 1 << 20 }),
    tap((chunk) => {
      blobHash.update(chunk);
      size += chunk.length;
    }),
    fs.createWriteStream(file, { flags: 'wx', mode: 0o644 }),
    { signal: options.signal },
  );
  return { file, digest: 'sha256:' + blobHash.digest('hex'), diffId: 'sha256:' + tarHash.digest('hex'), size };
}

function tap(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      see(chunk);
      done(null, chunk);
    },
  });
}
