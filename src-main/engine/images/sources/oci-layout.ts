// OCI image layout — a directory (`oci:`) or the same as a tar (`oci-archive:`): oci-layout,
// index.json, blobs/sha256/…. Multi-platform indexes resolve to this machine's platform.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { compressionOfMediaType } from '../../layers/compression';
import { checkDigest, expectDigest, sha256 } from '../../store/digest';
import {
  CONTAINERD_NAME,
  type Descriptor,
  MEDIA,
  REF_NAME,
  hostArchitecture,
  imageConfigSchema,
  indexSchema,
  manifestSchema,
  parseDocument,
} from '../oci';
import { normalizeReference } from '../reference';
import type { SourceDocument, SourceImage } from './source';
import type { StagedArchive } from './staged-archive';

const DOCUMENT_LIMIT = 4 << 20;

interface LayoutBlob {
  file: string;
  size: number;
  verified: boolean;
}

export interface LayoutReader {
  origin: string;
  /** A top-level file (oci-layout, index.json), or undefined when absent. */
  topFile(name: string): Buffer | undefined;
  blob(digest: string): LayoutBlob | undefined;
}

export function directoryLayout(dir: string): LayoutReader {
  return {
    origin: dir,
    topFile(name) {
      try {
        return fs.readFileSync(path.join(dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    blob(digest) {
      const file = path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
      try {
        const stat = fs.statSync(file);
        return stat.isFile() ? { file, size: stat.size, verified: false } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export function archiveLayout(archive: StagedArchive): LayoutReader {
  return {
    origin: archive.origin,
    topFile(name) {
      return archive.has(name) ? archive.read(name, name) : undefined;
    },
    blob(digest) {
      const staged = archive.get(`blobs/sha256/${digest.slice('sha256:'.length)}`);
      if (!staged) return undefined;
      expectDigest(staged.digest, digest, `${archive.origin}: blob ${digest}`);
      return { file: staged.file, size: staged.size, verified: true };
    },
  };
}

export interface LayoutOptions {
  /** Repository name for images whose ref.name is only a tag (OCI allows that). */
  defaultName: string;
}

export function readLayout(layout: LayoutReader, options: LayoutOptions): SourceImage[] {
  const marker = layout.topFile('oci-layout');
  if (!marker) throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: not an OCI image layout (no oci-layout file)`);
  const version = parseJson(marker, `${layout.origin}: oci-layout`) as { imageLayoutVersion?: unknown };
  if (typeof version.imageLayoutVersion !== 'string') {
    throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: oci-layout has no imageLayoutVersion`);
  }
  const indexBytes = layout.topFile('index.json');
  if (!indexBytes) throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: no index.json`);
  const index = parseDocument(indexSchema, indexBytes, `${layout.origin}: index.json`);

  const images = new Map<string, SourceImage>();
  index.manifests.forEach((descriptor, position) => {
    const resolved = resolvePlatform(layout, descriptor, 0);
    const tag = tagOf(descriptor, options.defaultName);
    const known = images.get(resolved.digest);
    if (known) {
      if (tag && !known.tags.includes(tag)) known.tags.push(tag);
      return;
    }
    const image = readImage(layout, resolved, `${layout.origin} [${position}]`);
    if (tag) image.tags.push(tag);
    images.set(resolved.digest, image);
  });
  if (images.size === 0) throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: index.json lists no images`);
  return [...images.values()];
}

/** Follows image indexes (multi-platform) down to the manifest for this machine. */
function resolvePlatform(layout: LayoutReader, descriptor: Descriptor, depth: number): Descriptor {
  const type = descriptor.mediaType;
  if (type === MEDIA.ociManifest || type === MEDIA.dockerManifest) return descriptor;
  if (type !== MEDIA.ociIndex && type !== MEDIA.dockerManifestList) {
    throw new StrataError('UNSUPPORTED', `${layout.origin}: ${descriptor.digest} has media type ${type}, not an image manifest or index`);
  }
  if (depth > 4) throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: image indexes nest too deep`);
  const nested = parseDocument(indexSchema, readDocument(layout, descriptor, 'image index').bytes, `${layout.origin}: index ${descriptor.digest}`);
  const arch = hostArchitecture();
  const match = nested.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
  if (!match) {
    const offered = nested.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : '?')).join(', ');
    throw new StrataError('UNSUPPORTED', `${layout.origin}: no image for linux/${arch} in index ${descriptor.digest} (has ${offered || 'none'})`);
  }
  return resolvePlatform(layout, match, depth + 1);
}

function readImage(layout: LayoutReader, descriptor: Descriptor, origin: string): SourceImage {
  const manifest = readDocument(layout, descriptor, 'manifest');
  const parsed = parseDocument(manifestSchema, manifest.bytes, `${origin}: manifest ${descriptor.digest}`);
  const config = readDocument(layout, parsed.config, 'config');
  const imageConfig = parseDocument(imageConfigSchema, config.bytes, `${origin}: config ${parsed.config.digest}`);
  if (imageConfig.rootfs.diff_ids.length !== parsed.layers.length) {
    throw new StrataError('INVALID_ARCHIVE', `${origin}: manifest has ${parsed.layers.length} layers but the config lists ${imageConfig.rootfs.diff_ids.length} diff_ids`);
  }
  const layers = parsed.layers.map((layer) => {
    if (compressionOfMediaType(layer.mediaType) === undefined) {
      throw new StrataError('UNSUPPORTED', `${origin}: layer ${layer.digest} has media type ${layer.mediaType}`);
    }
    const blob = layout.blob(checkDigest(layer.digest, 'layer digest'));
    if (!blob) throw new StrataError('INVALID_ARCHIVE', `${origin}: layer blob ${layer.digest} is missing`);
    if (blob.size !== layer.size) {
      throw new StrataError('DIGEST_MISMATCH', `${origin}: layer blob ${layer.digest} is ${blob.size} bytes, the manifest says ${layer.size}`);
    }
    return { digest: layer.digest, mediaType: layer.mediaType, file: blob.file, verified: blob.verified };
  });
  return { origin, tags: [], manifest, config, layers };
}

function readDocument(layout: LayoutReader, descriptor: Descriptor, what: string): SourceDocument {
  const digest = checkDigest(descriptor.digest, `${what} digest`);
  const blob = layout.blob(digest);
  if (!blob) throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: ${what} blob ${digest} is missing`);
  if (blob.size > DOCUMENT_LIMIT) throw new StrataError('INVALID_ARCHIVE', `${layout.origin}: ${what} ${digest} is too large (${blob.size} bytes)`);
  const bytes = fs.readFileSync(blob.file);
  expectDigest(sha256(bytes), digest, `${layout.origin}: ${what}`);
  if (bytes.length !== descriptor.size) {
    throw new StrataError('DIGEST_MISMATCH', `${layout.origin}: ${what} ${digest} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
  }
  return { bytes, digest };
}

function tagOf(descriptor: Descriptor, defaultName: string): string | undefined {
  const full = descriptor.annotations?.[CONTAINERD_NAME];
  if (full) return normalizeReference(full);
  const ref = descriptor.annotations?.[REF_NAME];
  if (!ref) return undefined;
  if (ref.includes('/') || ref.includes(':')) return normalizeReference(ref);
  return normalizeReference(`${defaultName}:${ref}`);
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString());
  } catch (error) {
    throw new StrataError('INVALID_ARCHIVE', `${what}: not valid JSON (${(error as Error).message})`);
  }
}
