// Manifests from a registry: asked for with every media type Strata reads (OCI index and
// manifest, Docker manifest list and schema 2), checked against the digest that names
// them, and told apart. Docker's schema 1 (signed, pre-2017) is refused by name.
import { StrataError } from '@shared/errors';
import { type ImageIndex, type ImageManifest, MEDIA, indexSchema, manifestSchema, parseDocument } from '../images/oci';
import { expectDigest, sha256 } from '../store/digest';
import type { RegistryClient } from './client';
import { readBody } from './http';

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerManifestList, MEDIA.dockerManifest].join(', ');
const SCHEMA1 = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);
/** The limit Distribution itself puts on a manifest. */
export const MANIFEST_LIMIT = 4 << 20;

export type FetchedManifest =
  | { kind: 'index'; digest: string; mediaType: string; bytes: Buffer; index: ImageIndex }
  | { kind: 'manifest'; digest: string; mediaType: string; bytes: Buffer; manifest: ImageManifest };

/**
 * GET manifests/<tag or digest>. By digest, the bytes must hash to it (and have `size`
 * when a descriptor gives one); by tag, to the Docker-Content-Digest the registry sends.
 */
export async function fetchManifest(client: RegistryClient, reference: string, what: string, expected?: { digest: string; size?: number }, signal?: AbortSignal): Promise<FetchedManifest> {
  const response = await client.get(`manifests/${reference}`, what, { accept: MANIFEST_ACCEPT });
  const bytes = await readBody(response, MANIFEST_LIMIT, what, signal);
  const digest = sha256(bytes);
  if (expected) {
    expectDigest(digest, expected.digest, what);
    if (expected.size !== undefined && expected.size !== bytes.length) {
      throw new StrataError('DIGEST_MISMATCH', `${what} is ${bytes.length} bytes, its descriptor says ${expected.size}`);
    }
  } else {
    const header = response.headers['docker-content-digest'];
    if (typeof header === 'string' && header.startsWith('sha256:')) expectDigest(digest, header.trim(), `${what} (Docker-Content-Digest)`);
  }
  return classifyManifest(bytes, digest, String(response.headers['content-type'] ?? ''), what);
}

/** Index or image manifest, by its mediaType field, else its Content-Type, else its shape. */
export function classifyManifest(bytes: Buffer, digest: string, contentType: string, what: string): FetchedManifest {
  let value: { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown; config?: unknown };
  try {
    value = JSON.parse(bytes.toString()) as typeof value;
  } catch (error) {
    throw new StrataError('INVALID_ARCHIVE', `${what}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null) throw new StrataError('INVALID_ARCHIVE', `${what}: not a JSON object`);
  const headerType = contentType.split(';')[0]!.trim().toLowerCase();
  const mediaType = typeof value.mediaType === 'string' ? value.mediaType : headerType;
  if (value.schemaVersion === 1 || SCHEMA1.has(mediaType) || SCHEMA1.has(headerType)) {
    throw new StrataError('UNSUPPORTED', `${what} is a Docker schema 1 manifest, which Strata does not pull (it was deprecated in 2017 and Docker no longer reads it either): push the image again with a current docker, podman or buildah`);
  }
  // OCI lets a manifest leave mediaType out; a registry may then send plain application/json.
  const byShape = typeof value.mediaType !== 'string' && !isKnown(headerType);
  const isIndex = mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerManifestList || (byShape && Array.isArray(value.manifests));
  const isManifest = mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest || (byShape && typeof value.config === 'object' && value.config !== null);
  if (isIndex) return { kind: 'index', digest, mediaType, bytes, index: parseDocument(indexSchema, bytes, what) };
  if (isManifest) return { kind: 'manifest', digest, mediaType, bytes, manifest: parseDocument(manifestSchema, bytes, what) };
  throw new StrataError('UNSUPPORTED', `${what} has media type ${mediaType || '(none)'}: not a container image manifest or index`);
}

function isKnown(mediaType: string): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerManifestList || mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;
}
