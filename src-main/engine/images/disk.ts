// Disk accounting, with `docker system df -v` definitions: an image's size is the sum of its
// layers; its shared size is the part in layers other images use too; unique is the rest.
// Layer sizes are du's numbers for the unpacked layer, so the totals can be checked with du.
import type { StoreDiskUsage, ImageDiskUsage, LayerDiskUsage } from '@shared/api/types/images';
import fs from 'node:fs';
import path from 'node:path';
import { diskUsage, ifThere } from '../layers/disk-usage';
import { pullsDir } from '../registry/pull-workspace';
import { readLayerMeta } from '../layers/layer-store';
import { sweepUnreferenced } from '../store/gc';
import type { Store } from '../store/store';
import { type ImageInfo, listImages } from './image-store';

export function storeDiskUsage(store: Store): StoreDiskUsage {
  const images = listImages(store);
  const usedBy = new Map<string, Set<string>>();
  for (const image of images) {
    for (const layer of image.layers) usedBy.set(layer.chainId, (usedBy.get(layer.chainId) ?? new Set()).add(image.id));
  }
  const layers: LayerDiskUsage[] = fs.readdirSync(store.paths.layers).map((hex) => {
    const chainId = `sha256:${hex}`;
    return { chainId, size: layerSize(store, chainId), usedBy: [...(usedBy.get(chainId) ?? [])] };
  });
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
    blobBytes: diskUsage(store.paths.blobs).bytes,
    stagingBytes: stagingBytes(store),
    savedBytes: logicalBytes - referencedBytes,
    reclaimableBytes: reclaimable(store, images),
  };
}

function layerSize(store: Store, chainId: string): number {
  try {
    return readLayerMeta(store.paths, chainId).size;
  } catch {
    return diskUsage(path.join(store.paths.layers, chainId.slice(7))).bytes;
  }
}

/**
 * Everything below tmp/ and pulls/ (downloads in flight), not the directories themselves,
 * so an idle store shows 0. builds/ is left out: a running build mounts overlays in it.
 */
function stagingBytes(store: Store): number {
  const seen = new Set<bigint>();
  let bytes = 0;
  for (const dir of [store.paths.tmp, pullsDir(store.paths)]) {
    for (const name of ifThere(() => fs.readdirSync(dir)) ?? []) {
      bytes += ifThere(() => diskUsage(path.join(dir, name), seen).bytes) ?? 0; // a job may end meanwhile
    }
  }
  return bytes;
}

/** Two tags of one image are one image here (Docker lists them twice but counts once). */
function uniqueImages(images: ImageInfo[]): ImageInfo[] {
  const seen = new Map<string, ImageInfo>();
  for (const image of images) if (!seen.has(image.id)) seen.set(image.id, image);
  return [...seen.values()];
}

function reclaimable(store: Store, images: ImageInfo[]): number {
  const dangling = new Set(images.filter((image) => image.tags.length === 0).map((image) => image.manifestDigest));
  return sweepUnreferenced(store.paths, { dryRun: true, without: dangling }).bytes;
}

/** Wire types, declared once in src-shared. */
export type { StoreDiskUsage, ImageDiskUsage, LayerDiskUsage };
