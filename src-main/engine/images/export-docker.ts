// docker-archive, what `docker save` (before Docker 25) and `podman save` write:
//
//   manifest.json              [{"Config":"<config hex>.json","RepoTags":["name:tag"],"Layers":["<diff_id hex>/layer.tar",…]},…]
//   repositories               {"name":{"tag":"<top layer dir>"}} for tools that read the legacy file
//   <config hex>.json          each image's config, byte for byte (its digest is the image ID)
//   <diff_id hex>/layer.tar    each layer once, uncompressed: its sha256 is its diff_id
//
// Layers are named by diff_id, so a layer two images share is one file. Docker names them
// by a v1 ID per position instead, but loaders only follow manifest.json's paths.
// Compressed blobs are decompressed on the way and hashed: a layer whose tar does not hash
// to its diff_id fails the export.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline as pipelineCallback } from 'node:stream';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '@shared/errors';
import { type Compression, decompressor, detectCompression } from '../layers/compression';
import { expectDigest } from '../store/digest';
import { EXPORT_CHUNK, type ExportEntry, fileFromBytes, fileFromJson, readBlob } from './export-entries';
import type { ExportPlan, OpenBlob, PlannedLayer } from './export-plan';
import { parseReference } from './reference';

export async function dockerArchiveEntries(plan: ExportPlan, signal?: AbortSignal): Promise<ExportEntry[]> {
  const manifest = plan.images.map((image) => ({
    Config: `${hex(image.config.digest)}.json`,
    // docker writes null for an image saved without a name
    RepoTags: image.tags.length > 0 ? image.tags : null,
    Layers: image.layers.map((layer) => layerName(layer.diffId)),
  }));
  const entries: ExportEntry[] = [fileFromJson('manifest.json', manifest), fileFromJson('repositories', repositories(plan))];

  const configs = new Set<string>();
  for (const image of plan.images) {
    if (configs.has(image.config.digest)) continue;
    configs.add(image.config.digest);
    entries.push(fileFromBytes(`${hex(image.config.digest)}.json`, image.config.bytes, { digest: image.config.digest, role: 'config' }));
  }

  // One file per diff_id; the first blob that holds it is the one read.
  const layers = new Map<string, PlannedLayer>();
  for (const image of plan.images) for (const layer of image.layers) if (!layers.has(layer.diffId)) layers.set(layer.diffId, layer);
  for (const [diffId, layer] of layers) {
    const compression = compressionOfBlob(layer.blob);
    // The tar header needs the size first; ingest recorded it, else one pass measures it.
    const size = layer.tarSize ?? (await measureLayer(layer.blob, compression, diffId, signal));
    entries.push({ kind: 'dir', name: hex(diffId) });
    entries.push({
      kind: 'file',
      name: layerName(diffId),
      size,
      blob: { digest: diffId, role: 'layer' },
      content: () => uncompressedLayer(layer.blob, compression, diffId),
    });
  }
  return entries;
}

/** The legacy `repositories` file: repository → tag → the directory of the image's top layer. */
function repositories(plan: ExportPlan): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const image of plan.images) {
    const top = image.layers[image.layers.length - 1];
    if (!top) continue; // an image without layers has no top layer to name
    for (const tag of image.tags) {
      const ref = parseReference(tag);
      (out[ref.name] ??= {})[ref.tag] = hex(top.diffId);
    }
  }
  return out;
}

/** The layer tar, decompressed from the stored blob and checked against its diff_id. */
async function* uncompressedLayer(blob: OpenBlob, compression: Compression, diffId: string): AsyncIterable<Buffer> {
  const hash = createHash('sha256');
  // pipeline (callback form) returns the decompressor with errors and early ends wired
  // through both streams; stopping the iteration destroys them.
  const stream = pipelineCallback(Readable.from(readBlob(blob), { objectMode: false }), decompressor(compression), () => {});
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  } catch (error) {
    throw corruptBlob(error, blob, compression);
  }
  expectDigest('sha256:' + hash.digest('hex'), diffId, `layer ${blob.digest} uncompressed (diff_id)`);
}

/** Decompresses the blob once without writing, for its size; checks the diff_id while at it. */
async function measureLayer(blob: OpenBlob, compression: Compression, diffId: string, signal?: AbortSignal): Promise<number> {
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    highWaterMark: EXPORT_CHUNK,
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done();
    },
  });
  try {
    await pipeline(Readable.from(readBlob(blob), { objectMode: false }), decompressor(compression), sink, { signal });
  } catch (error) {
    throw corruptBlob(error, blob, compression);
  }
  expectDigest('sha256:' + hash.digest('hex'), diffId, `layer ${blob.digest} uncompressed (diff_id)`);
  return size;
}

/**
 * A stored blob that no longer decompresses has changed since it was verified on its way
 * in: say so in the store's terms rather than as a zlib error. Cancels pass through.
 */
function corruptBlob(error: unknown, blob: OpenBlob, compression: Compression): unknown {
  const err = error as NodeJS.ErrnoException;
  if (error instanceof StrataError || err?.name === 'AbortError' || err?.syscall) return error;
  return new StrataError('DIGEST_MISMATCH', `layer blob ${blob.digest} in the store is corrupt: its ${compression} stream does not decompress (${err?.message})`, { cause: error });
}

/** From the blob's first bytes, as import decides it: a media type can be wrong, magic cannot. */
function compressionOfBlob(blob: OpenBlob): Compression {
  const head = Buffer.alloc(4);
  return detectCompression(head.subarray(0, fs.readSync(blob.fd, head, 0, 4, 0)));
}

function layerName(diffId: string): string {
  return `${hex(diffId)}/layer.tar`;
}

function hex(digest: string): string {
  return digest.slice('sha256:'.length);
}
