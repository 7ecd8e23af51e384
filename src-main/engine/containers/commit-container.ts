// `commit`: the container's read-write layer becomes a new image layer on top of the
// image's, with the image's config (plus --change edits) and a history entry saying where
// it came from. A running container is frozen while its upper dir is read (docker's
// --pause default), so the layer is one moment of the container, not a smear — where it
// has a cgroup to freeze: a rootless engine on cgroup v1 gives containers none, and there
// the layer is read as it is (what the container writes meanwhile may or may not be in it).
import { StrataError } from '@shared/errors';
import { applyChanges } from '../images/changes';
import { type ImportedImage, addImages, withImportJob } from '../images/import-image';
import { readConfig, readManifest } from '../images/image-store';
import type { ImageConfig } from '../images/oci';
import { normalizeReference } from '../images/reference';
import { compressionOfMediaType, layerMediaType } from '../layers/compression';
import { mergedViewOfAsync } from '../layers/layer-store';
import { writeUpperLayer } from '../layers/upper-layer';
import { sha256 } from '../store/digest';
import { blobPath } from '../store/paths';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerFile } from './container-store';
import { runtimeVerb } from './runtime-root';
import { withContainer } from './container-lock';
import { engineCgroupAccess } from '../rootless/cgroup-access';

export interface CommitOptions {
  /** NAME[:TAG] for the new image; untagged when absent. */
  tag?: string;
  /** The history entry's comment (`-m`). */
  message?: string;
  /** `-a`. */
  author?: string;
  /** Containerfile-style config edits (`-c`): CMD, ENV, … as for import. */
  changes?: string[];
  /** Freeze a running container while its changes are read; default true. */
  pause?: boolean;
  signal?: AbortSignal;
}

export async function commitContainer(store: Store, ref: string, options: CommitOptions = {}): Promise<ImportedImage> {
  const tags = options.tag === undefined ? [] : [normalizeReference(options.tag)];
  applyChanges({}, options.changes ?? []); // a bad --change fails before any work
  // the store lock first (the new image), then the container's (its layer holds still)
  return store.write(() => withContainer(store, ref, async (record) => {
    const freeze = options.pause !== false && record.state.status === 'running' && (await engineCgroupAccess()).kind !== 'none';
    const lower = (await mergedViewOfAsync(store.paths, record.layers)).entries;
    return withImportJob(store, async (job) => {
      if (freeze) await runtimeVerb(store, ['pause', record.id], `commit ${record.name}: pause`);
      let layer;
      try {
        layer = await writeUpperLayer(containerFile(store, record.id, 'upper'), job.scratch('commit'), { signal: options.signal, lower });
      } finally {
        if (freeze) await runtimeVerb(store, ['resume', record.id], `commit ${record.name}: resume`);
      }
      const manifest = readManifest(store, record.image.manifestDigest);
      const config = committedConfig(readConfig(store, manifest.config.digest), record, layer.diffId, options);
      const bytes = Buffer.from(JSON.stringify(config));
      const [image] = await addImages(job, [
        {
          origin: `container ${record.name}`,
          tags,
          config: { bytes, digest: sha256(bytes) },
          layers: [
            ...manifest.layers.map((descriptor) => ({
              file: blobPath(store.paths, descriptor.digest),
              digest: descriptor.digest,
              // The new manifest is OCI: a docker-archive layer keeps its bytes, under the OCI name.
              mediaType: layerMediaType(compressionOfMediaType(descriptor.mediaType) ?? 'none', 'oci'),
              verified: true,
            })),
            { file: layer.file, digest: layer.digest, mediaType: layerMediaType('gzip', 'oci'), verified: true },
          ],
        },
      ]);
      if (!image) throw new StrataError('INTERNAL', `commit of ${record.name} produced no image`);
      return image;
    });
  }));
}

function committedConfig(base: ImageConfig, record: ContainerRecord, diffId: string, options: CommitOptions): ImageConfig {
  const created = new Date().toISOString();
  const command = [...(record.options.entrypoint ?? []), ...(record.options.command ?? [])].join(' ');
  return {
    ...base,
    created,
    ...(options.author !== undefined ? { author: options.author } : {}),
    config: applyChanges(base.config ?? {}, options.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, diffId] },
    history: [
      ...(base.history ?? []),
      {
        created,
        created_by: `strata commit ${record.name}${command ? ` (${command})` : ''}`,
        ...(options.author !== undefined ? { author: options.author } : {}),
        ...(options.message !== undefined ? { comment: options.message } : {}),
      },
    ],
  };
}
