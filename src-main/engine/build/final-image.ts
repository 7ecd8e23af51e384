// The image a build produces: the base image's config document with the stage's run config,
// the diff_ids of the layer chain and one history entry per instruction after the base's
// own; published like any other image (OCI manifest, blobs and layers already in the store
// are reused, not copied), with its tags, under the store lock.
//
// `created` is the time of the newest step, and a cached step keeps the time it first ran:
// rebuilding an unchanged Containerfile yields the very same config bytes, hence the same
// image ID, as with Docker.
import { type ImportedImage, addImages, withImportJob } from '../images/import-image';
import type { HistoryEntry, ImageConfig, RunConfig } from '../images/oci';
import { sha256 } from '../store/digest';
import { blobPath } from '../store/paths';
import type { Store } from '../store/store';
import { StrataError } from '@shared/errors';
import type { CachedLayer } from './build-cache';

export interface StageImage {
  /** The config document the stage starts from (base image's, base stage's, or scratch's). */
  base: ImageConfig;
  config: RunConfig;
  layers: readonly CachedLayer[];
  history: readonly HistoryEntry[];
}

/** Fields of a base image's config that describe how *it* was built, not the new image. */
const BUILDER_FIELDS = ['container', 'container_config', 'docker_version'];

export function imageConfigOf(image: StageImage): ImageConfig {
  const base: ImageConfig = { ...image.base };
  for (const field of BUILDER_FIELDS) delete (base as Record<string, unknown>)[field];
  const times = image.history.map((entry) => entry.created).filter((time): time is string => time !== undefined);
  const created = times.sort().at(-1) ?? base.created ?? new Date().toISOString();
  return {
    ...base,
    created,
    config: image.config,
    rootfs: { type: 'layers', diff_ids: image.layers.map((layer) => layer.diffId) },
    history: [...image.history],
  };
}

export async function publishImage(store: Store, image: StageImage, tags: readonly string[], whilePublishing?: () => void): Promise<ImportedImage> {
  const bytes = Buffer.from(JSON.stringify(imageConfigOf(image)));
  return store.write(() =>
    withImportJob(store, async (job) => {
      const [published] = await addImages(job, [
        {
          origin: 'strata build',
          tags: [...tags],
          config: { bytes, digest: sha256(bytes) },
          layers: image.layers.map((layer) => ({ file: blobPath(store.paths, layer.digest), digest: layer.digest, mediaType: layer.mediaType, verified: true })),
        },
      ]);
      if (!published) throw new StrataError('INTERNAL', 'the build published no image');
      whilePublishing?.();
      return published;
    }),
  );
}
