// Changing which images exist: tag, remove, prune. Each runs as the store's only writer and
// ends with a sweep, so layers and blobs live exactly as long as something references them.
// Every file call is off the event loop: tag and rmi are the API's, prune a job; the sweep
// is gc.ts's async form.
import type { RemoveResult, PruneResult } from '@shared/api/types/images';
import { StrataError } from '@shared/errors';
import { containerManifestsAsync, sweepUnreferencedAsync } from '../store/gc';
import { assignTags } from '../store/image-index';
import type { Store } from '../store/store';
import { findImageRecordAsync, readManifestAsync } from './image-store';
import { normalizeReference } from './reference';

export async function tagImage(store: Store, source: string, target: string): Promise<string> {
  const tag = normalizeReference(target);
  return store.write(async () => {
    const record = await findImageRecordAsync(store, source);
    await store.updateImagesAsync((images) => assignTags(images, record.manifestDigest, record.manifestSize, [tag]));
    return tag;
  });
}

/**
 * `rmi`: a tag of an image with other tags is only untagged; otherwise the image goes, and
 * so does whatever only it used. Refused while a container uses it unless forced (the
 * container then keeps its layers alive); refused for an ID with several tags unless forced.
 * `dryRun`: what it would do — the same answer, refusals included, and nothing changed.
 */
export async function removeImage(store: Store, ref: string, options: { force?: boolean; dryRun?: boolean } = {}): Promise<RemoveResult> {
  return store.write(async () => {
    const record = await findImageRecordAsync(store, ref);
    const id = (await readManifestAsync(store, record.manifestDigest)).config.digest;
    let tag: string | undefined;
    try {
      tag = normalizeReference(ref);
    } catch {
      tag = undefined;
    }
    const byTag = tag !== undefined && record.tags.includes(tag);
    const dryRun = options.dryRun ? { dryRun: true as const } : {};
    if (byTag && record.tags.length > 1) {
      if (!options.dryRun) {
        await store.updateImagesAsync((images) => images.map((image) => (image.manifestDigest === record.manifestDigest ? { ...image, tags: image.tags.filter((t) => t !== tag) } : image)));
      }
      return { untagged: [tag!], kept: record.tags.filter((t) => t !== tag), deleted: [], freed: { blobs: [], layers: [], bytes: 0 }, ...dryRun };
    }
    if (!byTag && record.tags.length > 1 && !options.force) {
      throw new StrataError('CONFLICT', `image ${ref} has several tags (${record.tags.join(', ')}): remove them one by one or use --force`);
    }
    const users = (await containerManifestsAsync(store.paths)).get(record.manifestDigest) ?? [];
    if (users.length > 0 && !options.force) {
      throw new StrataError('CONFLICT', `image ${ref} is used by container ${users.map((c) => c.slice(0, 12)).join(', ')}: remove the container first or use --force`);
    }
    if (options.dryRun) {
      const freed = await sweepUnreferencedAsync(store.paths, { dryRun: true, without: new Set([record.manifestDigest]) });
      return { untagged: record.tags, kept: [], deleted: [id], freed, ...dryRun };
    }
    await store.updateImagesAsync((images) => images.filter((image) => image.manifestDigest !== record.manifestDigest));
    return { untagged: record.tags, kept: [], deleted: [id], freed: await sweepUnreferencedAsync(store.paths) };
  });
}

/** Removes untagged images no container uses, then every unreferenced layer and blob. */
export async function prune(store: Store, options: { dryRun?: boolean } = {}): Promise<PruneResult> {
  return store.write(async () => {
    const used = await containerManifestsAsync(store.paths);
    const dangling = (await store.readImagesAsync()).filter((image) => image.tags.length === 0 && !used.has(image.manifestDigest));
    const ids: string[] = [];
    for (const image of dangling) ids.push((await readManifestAsync(store, image.manifestDigest)).config.digest);
    if (options.dryRun) {
      const gone = new Set(dangling.map((image) => image.manifestDigest));
      return { images: ids, freed: await sweepUnreferencedAsync(store.paths, { dryRun: true, without: gone }) };
    }
    if (dangling.length > 0) {
      const doomed = new Set(dangling.map((image) => image.manifestDigest));
      await store.updateImagesAsync((images) => images.filter((image) => !doomed.has(image.manifestDigest)));
    }
    return { images: ids, freed: await sweepUnreferencedAsync(store.paths) };
  });
}

/** Wire types, declared once in src-shared. */
export type { RemoveResult, PruneResult };
