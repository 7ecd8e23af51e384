// OCI image layout, as a directory (`oci`) or a tar of one (`oci-archive`):
//
//   oci-layout                 {"imageLayoutVersion":"1.0.0"}
//   index.json                 one manifest descriptor per tag (one without annotations for an
//                              untagged image), annotated as podman and containerd write them:
//                              org.opencontainers.image.ref.name = the tag, io.containerd.image.name = the full name
//   blobs/sha256/<hex>         manifests, configs and layer blobs exactly as stored, each once
//
// The small files come first, so a reader that streams the tar knows what it holds before
// the layers arrive. Nothing is re-encoded: every digest stays the same.
import { parseReference } from './reference';
import { type ExportEntry, fileFromBytes, fileFromJson, verifiedBlobBytes } from './export-entries';
import type { ExportPlan } from './export-plan';
import { CONTAINERD_NAME, MEDIA, REF_NAME } from './oci';

export function ociLayoutEntries(plan: ExportPlan): ExportEntry[] {
  const entries: ExportEntry[] = [
    fileFromJson('oci-layout', { imageLayoutVersion: '1.0.0' }),
    fileFromJson('index.json', ociIndex(plan)),
    { kind: 'dir', name: 'blobs' },
    { kind: 'dir', name: 'blobs/sha256' },
  ];
  const written = new Set<string>();
  const add = (digest: string, entry: () => ExportEntry): void => {
    if (written.has(digest)) return;
    written.add(digest);
    entries.push(entry());
  };
  for (const image of plan.images) {
    add(image.manifest.digest, () => fileFromBytes(blobName(image.manifest.digest), image.manifest.bytes, { digest: image.manifest.digest, role: 'manifest' }));
    add(image.config.digest, () => fileFromBytes(blobName(image.config.digest), image.config.bytes, { digest: image.config.digest, role: 'config' }));
    for (const layer of image.layers) {
      const { blob } = layer;
      add(blob.digest, () => ({ kind: 'file', name: blobName(blob.digest), size: blob.size, blob: { digest: blob.digest, role: 'layer' }, content: () => verifiedBlobBytes(blob) }));
    }
  }
  return entries;
}

function ociIndex(plan: ExportPlan): unknown {
  const manifests = plan.images.flatMap((image) => {
    // The store may hold a Docker schema 2 manifest (imported as is): say what it is.
    const descriptor = { mediaType: image.parsedManifest.mediaType ?? MEDIA.ociManifest, digest: image.manifest.digest, size: image.manifest.bytes.length };
    if (image.tags.length === 0) return [descriptor];
    return image.tags.map((tag) => ({ ...descriptor, annotations: { [CONTAINERD_NAME]: tag, [REF_NAME]: parseReference(tag).tag } }));
  });
  return { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests };
}

function blobName(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}
