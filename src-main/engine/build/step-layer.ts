// A step's upper dir becomes a store layer, as `commit` makes one: written out as a gzip'd
// OCI layer tar (whiteouts and opaque directories in tar form), then unpacked and indexed
// like any imported layer, so what the next step mounts is exactly what an export of the
// image carries. The slow parts — tar, gzip, unpack — happen in the build's workspace
// without the store lock; the lock is taken only to move the result into place and take a
// reference on it (and to record the cache entry with it, via `whilePublishing`).
import fs from 'node:fs';
import { ImportJob, commitJob, ingestLayers } from '../images/import-image';
import type { SourceLayer } from '../images/sources/source';
import { layerMediaType } from '../layers/compression';
import { hasLayer, mergedViewOfAsync } from '../layers/layer-store';
import { writeUpperLayer } from '../layers/upper-layer';
import { blobPath } from '../store/paths';
import type { CachedLayer } from './build-cache';
import type { BuildWorkspace } from './build-workspace';

export interface PublishOptions {
  signal?: AbortSignal;
  /** Runs under the store lock right after the layer is in place. */
  whilePublishing?: (layer: CachedLayer) => void;
}

/** Publishes the upper dir as a layer on `parents`; null when the step changed nothing. */
export async function publishStepLayer(ws: BuildWorkspace, upperDir: string, parents: readonly CachedLayer[], options: PublishOptions = {}): Promise<CachedLayer | null> {
  if (fs.readdirSync(upperDir).length === 0) return null;
  const { store } = ws;
  const lower = (await mergedViewOfAsync(store.paths, parents.map((layer) => layer.chainId))).entries;
  const blob = await writeUpperLayer(upperDir, ws.scratch('layer.tar.gz'), { signal: options.signal, lower });
  const mediaType = layerMediaType('gzip', 'oci');
  const job = new ImportJob(store, ws.scratch('import'));
  fs.mkdirSync(job.dir);
  const sources: SourceLayer[] = [
    ...parents.map((layer) => ({ file: blobPath(store.paths, layer.digest), digest: layer.digest, mediaType: layer.mediaType, verified: true })),
    { file: blob.file, digest: blob.digest, mediaType, verified: true },
  ];
  const diffIds = [...parents.map((layer) => layer.diffId), blob.diffId];
  const stage = () => ingestLayers(job, 'build step', sources, diffIds, options.signal ? { signal: options.signal } : {});
  const staged = await stage();
  const layer: CachedLayer = { chainId: staged.layers.at(-1)!.chainId, diffId: blob.diffId, digest: blob.digest, size: blob.size, mediaType };
  await store.write(async () => {
    // Staging skipped what the store already had; a sweep since then may have removed it.
    const inPlace = (job.layers.has(layer.chainId) || hasLayer(store.paths, layer.chainId)) && job.hasBlob(layer.digest);
    if (!inPlace) await stage();
    commitJob(job, []);
    ws.protect({ layers: [{ chainId: layer.chainId, digest: layer.digest }] });
    options.whilePublishing?.(layer);
  });
  // Whatever the store did not need (it had the layer or the blob already) goes now.
  await fs.promises.rm(job.dir, { recursive: true, force: true });
  await fs.promises.rm(blob.file, { force: true });
  return layer;
}
