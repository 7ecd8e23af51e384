// Images as people see them: looked up by tag, ID prefix or digest, with their layers,
// history and config. Reads only; changes live in image-ops.ts.
import type { ImageInfo, ImageLayer } from '@shared/api/types/images';
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { type LayerMeta, readLayerMeta } from '../layers/layer-store';
import { chainIds } from '../store/digest';
import type { ImageRecord } from '../store/image-index';
import { blobPath } from '../store/paths';
import type { Store } from '../store/store';
import { type ImageConfig, type ImageManifest, imageConfigSchema, manifestSchema, parseDocument } from './oci';
import { parseReference, formatReference } from './reference';

export function readManifest(store: Store, digest: string): ImageManifest {
  return parseDocument(manifestSchema, readBlob(store, digest, 'manifest'), `manifest ${digest}`);
}

export function readConfig(store: Store, digest: string): ImageConfig {
  return parseDocument(imageConfigSchema, readBlob(store, digest, 'config'), `config ${digest}`);
}

function readBlob(store: Store, digest: string, what: string): Buffer {
  try {
    return fs.readFileSync(blobPath(store.paths, digest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError('NOT_FOUND', `${what} ${digest} is missing from the store`);
    throw error;
  }
}

export function describeImage(store: Store, record: ImageRecord): ImageInfo {
  const manifest = readManifest(store, record.manifestDigest);
  const config = readConfig(store, manifest.config.digest);
  const history = config.history ?? [];
  const layerHistory = history.filter((entry) => !entry.empty_layer);
  const ids = chainIds(config.rootfs.diff_ids);
  const layers = manifest.layers.map((descriptor, index): ImageLayer => {
    const chainId = ids[index]!;
    const meta: LayerMeta = readLayerMeta(store.paths, chainId);
    return {
      index,
      chainId,
      diffId: config.rootfs.diff_ids[index]!,
      digest: descriptor.digest,
      blobSize: descriptor.size,
      mediaType: descriptor.mediaType,
      size: meta.size,
      entries: meta.entries,
      createdBy: layerHistory[index]?.created_by,
    };
  });
  return {
    id: manifest.config.digest,
    manifestDigest: record.manifestDigest,
    tags: [...record.tags],
    created: config.created,
    architecture: config.architecture,
    os: config.os,
    config: config.config ?? {},
    layers,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    history,
  };
}

export function listImages(store: Store): ImageInfo[] {
  return store.readImages().map((record) => describeImage(store, record));
}

/** A tag (`busybox`, `busybox:1.36`), a full digest (image ID or manifest), or a unique ID prefix. */
export function findImageRecord(store: Store, ref: string): ImageRecord {
  const images = store.readImages();
  const tag = tagOrUndefined(ref);
  if (tag) {
    const tagged = images.find((image) => image.tags.includes(tag));
    if (tagged) return tagged;
  }
  const hex = ref.replace(/^sha256:/, '').toLowerCase();
  if (/^[a-f0-9]{1,64}$/.test(hex)) {
    const matches = images.filter((image) => image.manifestDigest.slice(7).startsWith(hex) || configDigestOf(store, image).slice(7).startsWith(hex));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new StrataError('INVALID_ARGUMENT', `image ID prefix ${ref} is ambiguous: give more characters`);
  }
  throw new StrataError('NOT_FOUND', `no such image: ${ref}`);
}

export function findImage(store: Store, ref: string): ImageInfo {
  return describeImage(store, findImageRecord(store, ref));
}

export function configDigestOf(store: Store, record: ImageRecord): string {
  return readManifest(store, record.manifestDigest).config.digest;
}

function tagOrUndefined(ref: string): string | undefined {
  try {
    return formatReference(parseReference(ref));
  } catch {
    return undefined;
  }
}

/** Wire types, declared once in src-shared. */
export type { ImageInfo, ImageLayer };
