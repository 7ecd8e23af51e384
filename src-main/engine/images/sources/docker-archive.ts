// `docker save` / `podman save` output: manifest.json lists, per image, its config file,
// its RepoTags and its layer tars. Newer Docker puts the same files under blobs/sha256/.
import { z } from '@shared/zod';
import { StrataError } from '@shared/errors';
import { layerMediaType } from '../../layers/compression';
import { compressionOfFile } from '../../layers/file-compression';
import { sha256 } from '../../store/digest';
import { imageConfigSchema, parseDocument } from '../oci';
import { normalizeReference } from '../reference';
import type { SourceImage } from './source';
import type { StagedArchive } from './staged-archive';

const dockerManifestSchema = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.nullish(z.array(z.string())),
    Layers: z.array(z.string()),
  }),
);

export function readDockerArchive(archive: StagedArchive): SourceImage[] {
  const manifest = parseDocument(dockerManifestSchema, archive.read('manifest.json', 'manifest.json'), `${archive.origin}: manifest.json`);
  if (manifest.length === 0) throw new StrataError('INVALID_ARCHIVE', `${archive.origin}: manifest.json lists no images`);
  return manifest.map((entry, position) => {
    const origin = `${archive.origin} [${position}]`;
    const configBytes = archive.read(entry.Config, 'image config');
    const config = { bytes: configBytes, digest: sha256(configBytes) };
    const parsed = parseDocument(imageConfigSchema, configBytes, `${origin}: config ${entry.Config}`);
    if (parsed.rootfs.diff_ids.length !== entry.Layers.length) {
      throw new StrataError('INVALID_ARCHIVE', `${origin}: ${entry.Layers.length} layers listed but the config has ${parsed.rootfs.diff_ids.length} diff_ids`);
    }
    const layers = entry.Layers.map((layerPath) => {
      const staged = archive.get(layerPath);
      if (!staged) throw new StrataError('INVALID_ARCHIVE', `${origin}: layer ${layerPath} is missing from the archive`);
      return { digest: staged.digest, mediaType: layerMediaType(compressionOfFile(staged.file), 'oci'), file: staged.file, verified: true };
    });
    const tags = (entry.RepoTags ?? []).map((tag) => normalizeReference(tag));
    return { origin, tags, config, layers };
  });
}

