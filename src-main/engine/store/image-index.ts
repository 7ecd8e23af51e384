// The store's index.json (OCI image layout): which manifests are images and their tags.
// One descriptor per tag, as the layout spec has it; an image with no tag keeps one
// descriptor without a name (docker's <none>:<none>) until pruned or removed.
import { MEDIA, REF_NAME, indexSchema, parseDocument } from '../images/oci';
import { writeJsonAtomic, writeJsonAtomicAsync } from './atomic';
import { type FsSteps, fsCall, runAsync, runSync } from './fs-steps';
import type { StorePaths } from './paths';

export interface ImageRecord {
  manifestDigest: string;
  manifestSize: number;
  tags: string[];
}

export function readImageIndex(paths: StorePaths): ImageRecord[] {
  return runSync(readImageIndexSteps(paths));
}

/** readImageIndex off the event loop. */
export function readImageIndexAsync(paths: StorePaths): Promise<ImageRecord[]> {
  return runAsync(readImageIndexSteps(paths));
}

/** readImageIndex as steps (fs-steps.ts): a sweep reads it either way. */
export function* readImageIndexSteps(paths: StorePaths): FsSteps<ImageRecord[]> {
  let bytes: Buffer;
  try {
    bytes = yield* fsCall('readFile', paths.index);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseImageIndex(paths, bytes);
}

function parseImageIndex(paths: StorePaths, bytes: Buffer): ImageRecord[] {
  const index = parseDocument(indexSchema, bytes, `store index ${paths.index}`);
  const byDigest = new Map<string, ImageRecord>();
  for (const descriptor of index.manifests) {
    let record = byDigest.get(descriptor.digest);
    if (!record) {
      record = { manifestDigest: descriptor.digest, manifestSize: descriptor.size, tags: [] };
      byDigest.set(descriptor.digest, record);
    }
    const tag = descriptor.annotations?.[REF_NAME];
    if (tag && !record.tags.includes(tag)) record.tags.push(tag);
  }
  return [...byDigest.values()];
}

export function writeImageIndex(paths: StorePaths, images: readonly ImageRecord[]): void {
  writeJsonAtomic(paths.tmp, paths.index, indexDocument(images));
}

/** writeImageIndex off the event loop. */
export function writeImageIndexAsync(paths: StorePaths, images: readonly ImageRecord[]): Promise<void> {
  return writeJsonAtomicAsync(paths.tmp, paths.index, indexDocument(images));
}

function indexDocument(images: readonly ImageRecord[]): unknown {
  const manifests = images.flatMap((image) => {
    const base = { mediaType: MEDIA.ociManifest, digest: image.manifestDigest, size: image.manifestSize };
    if (image.tags.length === 0) return [base];
    return image.tags.map((tag) => ({ ...base, annotations: { [REF_NAME]: tag } }));
  });
  return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests };
}

/** Gives `tags` to `manifestDigest`, taking them from whichever image had them. */
export function assignTags(images: ImageRecord[], manifestDigest: string, manifestSize: number, tags: readonly string[]): ImageRecord[] {
  const out = images.map((image) => ({ ...image, tags: image.tags.filter((tag) => !tags.includes(tag)) }));
  const target = out.find((image) => image.manifestDigest === manifestDigest);
  if (target) {
    for (const tag of tags) if (!target.tags.includes(tag)) target.tags.push(tag);
  } else {
    out.push({ manifestDigest, manifestSize, tags: [...tags] });
  }
  return out;
}
