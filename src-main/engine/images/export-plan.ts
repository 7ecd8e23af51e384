// What an export reads, taken as one snapshot before anything is written: the images the
// refs name (from one read of index.json), their manifests and configs (small, held in
// memory, verified), and an open descriptor on every layer blob. Blobs never change once
// stored, but a concurrent `rmi` + `prune` may unlink them; an open descriptor keeps the
// bytes readable until the export is done, so no store lock is needed.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { readLayerMeta } from '../layers/layer-store';
import { chainIds, expectDigest, sha256 } from '../store/digest';
import type { ImageRecord } from '../store/image-index';
import { blobPath } from '../store/paths';
import type { Store } from '../store/store';
import { type ImageConfig, type ImageManifest, imageConfigSchema, manifestSchema, parseDocument } from './oci';
import { parseReference, formatReference } from './reference';

/** A document blob (manifest or config), read whole: they are kilobytes. */
export interface PlannedDocument {
  digest: string;
  bytes: Buffer;
}

/** A layer blob, open for reading from offset 0 as many times as needed. */
export interface OpenBlob {
  digest: string;
  fd: number;
  size: number;
}

export interface PlannedLayer {
  blob: OpenBlob;
  diffId: string;
  /** Bytes of the uncompressed tar, as the layer's meta.json recorded them at ingest; absent when unknown. */
  tarSize?: number;
}

export interface PlannedImage {
  manifest: PlannedDocument;
  parsedManifest: ImageManifest;
  config: PlannedDocument;
  parsedConfig: ImageConfig;
  layers: PlannedLayer[];
  /** The names the archive gives the image (fully tagged, as the store keeps them). */
  tags: string[];
}

export interface ExportPlan {
  images: PlannedImage[];
  /** Every open layer blob, once per digest (images share them). */
  blobs: Map<string, OpenBlob>;
}

/**
 * Resolves `refs` against one read of the index and opens what the export will read.
 * A ref naming a tag exports that tag (as `docker save NAME:TAG` does); a ref by image ID
 * or digest exports the image with all its tags. Refs naming the same image merge.
 * Call closePlan when done, whatever happens.
 */
export function planExport(store: Store, refs: readonly string[]): ExportPlan {
  const records = store.readImages();
  const chosen = new Map<string, { record: ImageRecord; tags: string[] }>();
  for (const ref of refs) {
    const { record, tags } = resolve(store, records, ref);
    const entry = chosen.get(record.manifestDigest) ?? { record, tags: [] };
    for (const tag of tags) if (!entry.tags.includes(tag)) entry.tags.push(tag);
    chosen.set(record.manifestDigest, entry);
  }

  const plan: ExportPlan = { images: [], blobs: new Map() };
  try {
    for (const { record, tags } of chosen.values()) plan.images.push(planImage(store, plan, record, tags));
  } catch (error) {
    closePlan(plan);
    throw error;
  }
  return plan;
}

export function closePlan(plan: ExportPlan): void {
  for (const blob of plan.blobs.values()) fs.closeSync(blob.fd);
  plan.blobs.clear();
}

/** Like findImageRecord, but over the snapshot, and saying which tags the ref means. */
function resolve(store: Store, records: readonly ImageRecord[], ref: string): { record: ImageRecord; tags: string[] } {
  const tag = tagOrUndefined(ref);
  if (tag) {
    const tagged = records.find((image) => image.tags.includes(tag));
    if (tagged) return { record: tagged, tags: [tag] };
  }
  const hex = ref.replace(/^sha256:/, '').toLowerCase();
  if (/^[a-f0-9]{1,64}$/.test(hex)) {
    const matches = records.filter((image) => image.manifestDigest.slice(7).startsWith(hex) || configDigestOf(store, image).slice(7).startsWith(hex));
    if (matches.length === 1) return { record: matches[0]!, tags: [...matches[0]!.tags] };
    if (matches.length > 1) throw new StrataError('INVALID_ARGUMENT', `image ID prefix ${ref} is ambiguous: give more characters`);
  }
  throw new StrataError('NOT_FOUND', `no such image: ${ref}`);
}

function tagOrUndefined(ref: string): string | undefined {
  try {
    return formatReference(parseReference(ref));
  } catch {
    return undefined;
  }
}

function configDigestOf(store: Store, record: ImageRecord): string {
  return parseDocument(manifestSchema, readDocument(store, record.manifestDigest, 'manifest').bytes, `manifest ${record.manifestDigest}`).config.digest;
}

function planImage(store: Store, plan: ExportPlan, record: ImageRecord, tags: string[]): PlannedImage {
  const manifest = readDocument(store, record.manifestDigest, 'manifest');
  const parsedManifest = parseDocument(manifestSchema, manifest.bytes, `manifest ${manifest.digest}`);
  const config = readDocument(store, parsedManifest.config.digest, 'config');
  const parsedConfig = parseDocument(imageConfigSchema, config.bytes, `config ${config.digest}`);
  const diffIds = parsedConfig.rootfs.diff_ids;
  if (diffIds.length !== parsedManifest.layers.length) {
    throw new StrataError('INTERNAL', `image ${config.digest}: its manifest has ${parsedManifest.layers.length} layers but its config ${diffIds.length} diff_ids`);
  }
  const chains = chainIds(diffIds);
  const layers = parsedManifest.layers.map((descriptor, i): PlannedLayer => {
    const blob = openBlob(store, plan, descriptor.digest);
    if (blob.size !== descriptor.size) {
      throw new StrataError('DIGEST_MISMATCH', `layer blob ${descriptor.digest} is ${blob.size} bytes in the store, its manifest says ${descriptor.size}`);
    }
    return { blob, diffId: diffIds[i]!, tarSize: recordedTarSize(store, chains[i]!) };
  });
  return { manifest, parsedManifest, config, parsedConfig, layers, tags };
}

function readDocument(store: Store, digest: string, what: string): PlannedDocument {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(blobPath(store.paths, digest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError('NOT_FOUND', `${what} ${digest} is missing from the store`);
    throw error;
  }
  expectDigest(sha256(bytes), digest, `${what} in the store`);
  return { digest, bytes };
}

function openBlob(store: Store, plan: ExportPlan, digest: string): OpenBlob {
  const known = plan.blobs.get(digest);
  if (known) return known;
  let fd: number;
  try {
    fd = fs.openSync(blobPath(store.paths, digest), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError('NOT_FOUND', `layer blob ${digest} is missing from the store`);
    throw error;
  }
  // Owned by the plan from here on, so closePlan closes it even if fstat fails.
  const blob = { digest, fd, size: 0 };
  plan.blobs.set(digest, blob);
  blob.size = fs.fstatSync(fd).size;
  return blob;
}

/** The uncompressed size ingest recorded, or undefined (then the docker-archive writer measures). */
function recordedTarSize(store: Store, chainId: string): number | undefined {
  try {
    const size = readLayerMeta(store.paths, chainId).tarSize;
    return Number.isSafeInteger(size) && size > 0 ? size : undefined;
  } catch {
    return undefined;
  }
}
