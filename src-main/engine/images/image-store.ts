// Images as people see them: looked up by tag, ID prefix or digest, with their layers,
// history and config. Reads only; changes live in image-ops.ts.
//
// The *Async readers are the API's (off the event loop); jobs (build, import, export) that
// run under the store's loop budget use the synchronous ones. Layer facts come from
// layers/layer-store.ts (its meta.json readers, each way).
import type { ImageInfo, ImageLayer } from '@shared/api/types/images';
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { type LayerMeta, readLayerMeta, readLayerMetaAsync } from '../layers/layer-store';
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

export async function readManifestAsync(store: Store, digest: string): Promise<ImageManifest> {
  return parseDocument(manifestSchema, await readBlobAsync(store, digest, 'manifest'), `manifest ${digest}`);
}

export async function readConfigAsync(store: Store, digest: string): Promise<ImageConfig> {
  return parseDocument(imageConfigSchema, await readBlobAsync(store, digest, 'config'), `config ${digest}`);
}

/** The config of the image whose manifest is `manifestDigest` (a container's image). */
export async function readImageConfigAsync(store: Store, manifestDigest: string): Promise<ImageConfig> {
  return readConfigAsync(store, (await readManifestAsync(store, manifestDigest)).config.digest);
}

function readBlob(store: Store, digest: string, what: string): Buffer {
  try {
    return fs.readFileSync(blobPath(store.paths, digest));
  } catch (error) {
    throw missingBlob(error, digest, what);
  }
}

async function readBlobAsync(store: Store, digest: string, what: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(blobPath(store.paths, digest));
  } catch (error) {
    throw missingBlob(error, digest, what);
  }
}

function missingBlob(error: unknown, digest: string, what: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new StrataError('NOT_FOUND', `${what} ${digest} is missing from the store`);
  return error;
}

export function describeImage(store: Store, record: ImageRecord): ImageInfo {
  const manifest = readManifest(store, record.manifestDigest);
  const config = readConfig(store, manifest.config.digest);
  return describeFrom(record, manifest, config, layerChainIds(manifest, config).map((chainId) => readLayerMeta(store.paths, chainId)));
}

export async function describeImageAsync(store: Store, record: ImageRecord): Promise<ImageInfo> {
  const manifest = await readManifestAsync(store, record.manifestDigest);
  const config = await readConfigAsync(store, manifest.config.digest);
  return describeFrom(record, manifest, config, await Promise.all(layerChainIds(manifest, config).map((chainId) => readLayerMetaAsync(store.paths, chainId))));
}

/** The chain id of each of the manifest's layers. */
function layerChainIds(manifest: ImageManifest, config: ImageConfig): string[] {
  const ids = chainIds(config.rootfs.diff_ids);
  return manifest.layers.map((_, index) => ids[index]!);
}

/** `metas`: the meta.json of each of the manifest's layers, in order. */
function describeFrom(record: ImageRecord, manifest: ImageManifest, config: ImageConfig, metas: readonly LayerMeta[]): ImageInfo {
  const history = config.history ?? [];
  const layerHistory = history.filter((entry) => !entry.empty_layer);
  const ids = chainIds(config.rootfs.diff_ids);
  const layers = manifest.layers.map((descriptor, index): ImageLayer => {
    const chainId = ids[index]!;
    const meta = metas[index]!;
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

export async function listImagesAsync(store: Store): Promise<ImageInfo[]> {
  return Promise.all((await store.readImagesAsync()).map((record) => describeImageAsync(store, record)));
}

/** A tag (`busybox`, `busybox:1.36`), a full digest (image ID or manifest), or a unique ID prefix. */
export function findImageRecord(store: Store, ref: string): ImageRecord {
  return matchImage(store.readImages(), ref, (image) => configDigestOf(store, image));
}

export async function findImageRecordAsync(store: Store, ref: string): Promise<ImageRecord> {
  const images = await store.readImagesAsync();
  // An ID prefix is matched against config digests too: read them first, only if it may be one.
  const configs = new Map<string, string>();
  if (!tagged(images, ref) && isHexPrefix(ref)) {
    for (const image of images) configs.set(image.manifestDigest, (await readManifestAsync(store, image.manifestDigest)).config.digest);
  }
  return matchImage(images, ref, (image) => configs.get(image.manifestDigest)!);
}

function matchImage(images: ImageRecord[], ref: string, configDigest: (image: ImageRecord) => string): ImageRecord {
  const byTag = tagged(images, ref);
  if (byTag) return byTag;
  if (isHexPrefix(ref)) {
    const hex = ref.replace(/^sha256:/, '').toLowerCase();
    const matches = images.filter((image) => image.manifestDigest.slice(7).startsWith(hex) || configDigest(image).slice(7).startsWith(hex));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new StrataError('INVALID_ARGUMENT', `image ID prefix ${ref} is ambiguous: give more characters`);
  }
  throw new StrataError('NOT_FOUND', `no such image: ${ref}`);
}

function tagged(images: ImageRecord[], ref: string): ImageRecord | undefined {
  const tag = tagOrUndefined(ref);
  return tag ? images.find((image) => image.tags.includes(tag)) : undefined;
}

function isHexPrefix(ref: string): boolean {
  return /^[a-f0-9]{1,64}$/.test(ref.replace(/^sha256:/, '').toLowerCase());
}

export function findImage(store: Store, ref: string): ImageInfo {
  return describeImage(store, findImageRecord(store, ref));
}

export async function findImageAsync(store: Store, ref: string): Promise<ImageInfo> {
  return describeImageAsync(store, await findImageRecordAsync(store, ref));
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
