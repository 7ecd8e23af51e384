// Disk accounting, with `docker system df -v` definitions: an image's size is the sum of its
// layers; its shared size is the part in layers other images use too; unique is the rest.
// Layer sizes are du's numbers for the unpacked layer, so the totals can be checked with du.
// The API asks for it: every file call is off the event loop — layer facts, trees counted
// with layers/' diskUsageAsync, and what prune would reclaim (gc's dry run).
import type { StoreDiskUsage, ImageDiskUsage, LayerDiskUsage } from '@shared/api/types/images';
import fs from 'node:fs';
import path from 'node:path';
import { diskUsageAsync } from '../layers/disk-usage';
import { pullsDir } from '../registry/pull-workspace';
import { readLayerMetaAsync } from '../layers/layer-store';
import { sweepUnreferencedAsync } from '../store/gc';
import type { Store } from '../store/store';
import { type ImageInfo, listImagesAsync } from './image-store';

export async function storeDiskUsage(store: Store): Promise<StoreDiskUsage> {
  const images = await listImagesAsync(store);
  const usedBy = new Map<string, Set<string>>();
  for (const image of images) {
    for (const layer of image.layers) usedBy.set(layer.chainId, (usedBy.get(layer.chainId) ?? new Set()).add(image.id));
  }
  const layers: LayerDiskUsage[] = [];
  for (const hex of await fs.promises.readdir(store.paths.layers)) {
    const chainId = `sha256:${hex}`;
    layers.push({ chainId, size: await layerSize(store, chainId), usedBy: [...(usedBy.get(chainId) ?? [])] });
  }
  const sizeOf = new Map(layers.map((layer) => [layer.chainId, layer.size]));
  const perImage = uniqueImages(images).map((image): ImageDiskUsage => {
    const shared = image.layers.reduce((sum, layer) => sum + ((usedBy.get(layer.chainId)?.size ?? 0) > 1 ? layer.size : 0), 0);
    return { id: image.id, tags: image.tags, size: image.size, shared, unique: image.size - shared };
  });
  const logicalBytes = perImage.reduce((sum, image) => sum + image.size, 0);
  const referencedBytes = [...usedBy.keys()].reduce((sum, chainId) => sum + (sizeOf.get(chainId) ?? 0), 0);
  return {
    images: perImage,
    layers,
    logicalBytes,
    layerBytes: layers.reduce((sum, layer) => sum + layer.size, 0),
    blobBytes: (await diskUsageAsync(store.paths.blobs)).bytes,
    stagingBytes: await stagingBytes(store),
    savedBytes: logicalBytes - referencedBytes,
    reclaimableBytes: await reclaimable(store, images),
  };
}

async function layerSize(store: Store, chainId: string): Promise<number> {
  try {
    return (await readLayerMetaAsync(store.paths, chainId)).size;
  } catch {
    return (await diskUsageAsync(path.join(store.paths.layers, chainId.slice(7)))).bytes;
  }
}

/**
 * Everything below tmp/ and pulls/ (downloads in flight), not the directories themselves,
 * so an idle store shows 0. builds/ is left out: a running build mounts overlays in it.
 */
async function stagingBytes(store: Store): Promise<number> {
  const seen = new Set<bigint>();
  let bytes = 0;
  for (const dir of [store.paths.tmp, pullsDir(store.paths)]) {
    for (const name of await fs.promises.readdir(dir).catch(ifMissing<string[]>([]))) {
      bytes += (await diskUsageAsync(path.join(dir, name), seen).catch(ifMissing({ bytes: 0 }))).bytes; // a job may end meanwhile
    }
  }
  return bytes;
}

/** A catch handler: `fallback` for what a writer removed meanwhile (tmp/ changes under running jobs). */
function ifMissing<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  };
}

/** Two tags of one image are one image here (Docker lists them twice but counts once). */
function uniqueImages(images: ImageInfo[]): ImageInfo[] {
  const seen = new Map<string, ImageInfo>();
  for (const image of images) if (!seen.has(image.id)) seen.set(image.id, image);
  return [...seen.values()];
}

async function reclaimable(store: Store, images: ImageInfo[]): Promise<number> {
  const dangling = new Set(images.filter((image) => image.tags.length === 0).map((image) => image.manifestDigest));
  return (await sweepUnreferencedAsync(store.paths, { dryRun: true, without: dangling })).bytes;
}

/** Wire types, declared once in src-shared. */
export type { StoreDiskUsage, ImageDiskUsage, LayerDiskUsage };
