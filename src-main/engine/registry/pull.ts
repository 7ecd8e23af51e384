// Pull: reference → manifest (through an index to one platform) → config → the layer blobs
// the store lacks, downloaded and verified without the store lock → then, under the lock,
// the same ingest as an import (addImages: diff_ids checked, layers unpacked once, blobs
// and tags published by rename). A failure or a cancel leaves the store as it was.
import type { PulledImage } from '@shared/api/types/images';
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { type ImportProgress, addImages, withImportJob } from '../images/import-image';
import { type ImageConfig, type ImageManifest, MEDIA, imageConfigSchema, parseDocument } from '../images/oci';
import type { SourceLayer } from '../images/sources/source';
import { compressionOfMediaType } from '../layers/compression';
import { expectDigest, sha256, shortId } from '../store/digest';
import type { SpaceGuard } from '../store/free-space';
import { blobPath } from '../store/paths';
import type { Store } from '../store/store';
import type { Credentials } from './auth';
import { downloadBlob } from './blob-download';
import { RegistryClient } from './client';
import { readBody } from './http';
import { type FetchedManifest, fetchManifest } from './manifest';
import { type Platform, formatPlatform, hostPlatform, normalizePlatform, parsePlatform, selectPlatform } from './platform';
import { PullWorkspace } from './pull-workspace';
import { type PullReference, parsePullReference } from './reference';

export interface PullOptions {
  /** `os/arch[/variant]` to take from a multi-platform index; default this machine's. */
  platform?: string;
  /** For a registry not on this machine: HTTP allowed, TLS certificates not checked. */
  insecure?: boolean;
  credentials?: Credentials;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

export interface PullProgress {
  /** resolving the reference; a layer blob the store has (exists), being downloaded, done; then the import's unpacking and committing. */
  step: 'resolving' | 'exists' | 'downloading' | 'downloaded' | 'unpacking' | 'committing';
  message: string;
  /** Layers finished (the position of the one this is about), of how many. */
  done?: number;
  total?: number;
  /** Bytes of the current layer so far, and its size. */
  bytes?: number;
  totalBytes?: number;
  /** The layer blob a layer step is about. */
  digest?: string;
}

const CONFIG_LIMIT = 16 << 20;
const MAX_INDEX_DEPTH = 4;

export async function pullImage(store: Store, reference: string, options: PullOptions = {}): Promise<PulledImage> {
  const ref = parsePullReference(reference);
  const wanted = options.platform !== undefined ? parsePlatform(options.platform) : undefined;
  const { signal } = options;
  const report = (progress: PullProgress) => options.onProgress?.(progress);
  try {
    signal?.throwIfAborted();
    const client = new RegistryClient(ref, { insecure: options.insecure, credentials: options.credentials, signal });
    report({ step: 'resolving', message: `resolving ${ref.canonical}` });
    const top = await fetchManifest(client, ref.digest ?? ref.tag!, `manifest ${ref.canonical}`, ref.digest ? { digest: ref.digest } : undefined, signal);
    const manifest = await resolvePlatform(client, ref, top, wanted ?? hostPlatform(), signal);
    const config = await fetchConfig(store, client, manifest.manifest, signal);
    const platform = platformOf(config.parsed);
    if (wanted && top.kind === 'manifest' && !samePlatform(platform, wanted)) {
      throw new StrataError('NOT_FOUND', `${ref.canonical} is an image for ${formatPlatform(platform)} only, not ${formatPlatform(wanted)}`);
    }
    checkLayers(ref, manifest.manifest, config.parsed);

    const workspace = PullWorkspace.open(store.paths);
    try {
      const downloads = new Downloads(store, client, ref, manifest.manifest, signal, report);
      await downloads.fetchMissing((digest) => workspace.file(`blob-${shortId(digest)}`));
      signal?.throwIfAborted();
      return await store.write(() =>
        withImportJob(store, async (job) => {
          // A prune may have removed a blob the store had when the downloads began: fetch it now.
          const layers = await downloads.sources((digest) => job.scratch(`blob-${shortId(digest)}`));
          const tags = ref.tag ? [`${ref.localName}:${ref.tag}`] : [];
          const [imported] = await addImages(
            job,
            [{ origin: ref.canonical, tags, manifest: { bytes: manifest.bytes, digest: manifest.digest }, config: { bytes: config.bytes, digest: manifest.manifest.config.digest }, layers }],
            { signal, onProgress: (progress) => report(unpackProgress(progress)) },
          );
          return {
            ...imported!,
            reference: ref.canonical,
            digest: top.digest,
            platform: formatPlatform(platform),
            downloadedLayers: downloads.count,
            downloadedBytes: downloads.bytes,
          };
        }),
      );
    } finally {
      workspace.dispose();
    }
  } catch (error) {
    if (signal?.aborted) throw error instanceof StrataError && error.code === 'CANCELLED' ? error : new StrataError('CANCELLED', 'pull cancelled', { cause: error });
    throw error;
  }
}

type ImageManifestDocument = Extract<FetchedManifest, { kind: 'manifest' }>;

/** Follows indexes down to the image manifest for `want`. */
async function resolvePlatform(client: RegistryClient, ref: PullReference, top: FetchedManifest, want: Platform, signal?: AbortSignal): Promise<ImageManifestDocument> {
  let current = top;
  for (let depth = 0; current.kind === 'index'; depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw new StrataError('INVALID_ARCHIVE', `${ref.canonical}: image indexes nest too deep`);
    const chosen = selectPlatform(current.index.manifests, want, ref.canonical);
    current = await fetchManifest(client, chosen.digest, `manifest ${chosen.digest} (${formatPlatform(normalizePlatform(chosen.platform!))}) of ${ref.canonical}`, { digest: chosen.digest, size: chosen.size }, signal);
  }
  return current;
}

async function fetchConfig(store: Store, client: RegistryClient, manifest: ImageManifest, signal?: AbortSignal): Promise<{ bytes: Buffer; parsed: ImageConfig }> {
  const descriptor = manifest.config;
  if (descriptor.mediaType !== MEDIA.ociConfig && descriptor.mediaType !== MEDIA.dockerConfig) {
    throw new StrataError('UNSUPPORTED', `${client.ref.canonical} is not a container image (its config is ${descriptor.mediaType}: an artifact such as a Helm chart or a signature?)`);
  }
  const what = `config ${descriptor.digest} of ${client.ref.canonical}`;
  if (descriptor.size > CONFIG_LIMIT) throw new StrataError('INVALID_ARCHIVE', `${what} is too large (${descriptor.size} bytes)`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(blobPath(store.paths, descriptor.digest)); // verified when it was written
  } catch {
    bytes = await readBody(await client.get(`blobs/${descriptor.digest}`, what), CONFIG_LIMIT, what, signal);
    expectDigest(sha256(bytes), descriptor.digest, what);
  }
  if (bytes.length !== descriptor.size) throw new StrataError('DIGEST_MISMATCH', `${what} is ${bytes.length} bytes, the manifest says ${descriptor.size}`);
  return { bytes, parsed: parseDocument(imageConfigSchema, bytes, what) };
}

function checkLayers(ref: PullReference, manifest: ImageManifest, config: ImageConfig): void {
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new StrataError('INVALID_ARCHIVE', `${ref.canonical}: the manifest has ${manifest.layers.length} layers but the config lists ${config.rootfs.diff_ids.length} diff_ids`);
  }
  for (const layer of manifest.layers) {
    if (compressionOfMediaType(layer.mediaType) === undefined) throw new StrataError('UNSUPPORTED', `${ref.canonical}: layer ${layer.digest} has media type ${layer.mediaType}`);
  }
}

function platformOf(config: ImageConfig): Platform {
  return normalizePlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) });
}

function samePlatform(a: Platform, b: Platform): boolean {
  return a.os === b.os && a.architecture === b.architecture && (b.variant === undefined || a.variant === b.variant);
}

function unpackProgress(progress: ImportProgress): PullProgress {
  if (progress.step === 'layer') {
    const position = (progress.done ?? 0) + 1;
    return { step: 'unpacking', message: `checking and unpacking layer ${position} of ${progress.total}`, done: progress.done, total: progress.total, bytes: progress.bytes };
  }
  return { step: 'committing', message: progress.message };
}

/** The layer blobs of one manifest: which the store has, which were downloaded, and where each is. */
class Downloads {
  private readonly files = new Map<string, string>(); // digest → downloaded file
  private readonly space: SpaceGuard;
  count = 0;
  bytes = 0;

  constructor(
    private readonly store: Store,
    private readonly client: RegistryClient,
    private readonly ref: PullReference,
    private readonly manifest: ImageManifest,
    private readonly signal: AbortSignal | undefined,
    private readonly report: (progress: PullProgress) => void,
  ) {
    this.space = store.spaceGuard();
  }

  /** Downloads every layer blob the store lacks (each once, however often the manifest lists it). */
  async fetchMissing(newFile: (digest: string) => string): Promise<void> {
    const total = this.manifest.layers.length;
    for (const [i, layer] of this.manifest.layers.entries()) {
      const label = `layer ${i + 1} of ${total} (${shortId(layer.digest)})`;
      if (this.files.has(layer.digest) || this.inStore(layer.digest)) {
        this.report({ step: 'exists', message: `${label}: already in the store`, done: i, total, bytes: layer.size, totalBytes: layer.size, digest: layer.digest });
        continue;
      }
      await this.download(i, layer, newFile(layer.digest));
    }
  }

  /** Each layer as the import reads it: a downloaded file, or the store's own blob (fetched now if it went meanwhile). */
  async sources(newFile: (digest: string) => string): Promise<SourceLayer[]> {
    const out: SourceLayer[] = [];
    for (const [i, layer] of this.manifest.layers.entries()) {
      let file = this.files.get(layer.digest);
      if (file === undefined && this.inStore(layer.digest)) file = blobPath(this.store.paths, layer.digest);
      if (file === undefined) file = await this.download(i, layer, newFile(layer.digest));
      out.push({ digest: layer.digest, mediaType: layer.mediaType, file, verified: true });
    }
    return out;
  }

  private inStore(digest: string): boolean {
    return fs.existsSync(blobPath(this.store.paths, digest));
  }

  private async download(i: number, layer: ImageManifest['layers'][number], file: string): Promise<string> {
    const total = this.manifest.layers.length;
    const label = `layer ${i + 1} of ${total} (${shortId(layer.digest)})`;
    const progress = (step: 'downloading' | 'downloaded', bytes: number) =>
      this.report({ step, message: `${label}: ${step}`, done: i, total, bytes, totalBytes: layer.size, digest: layer.digest });
    progress('downloading', 0);
    await downloadBlob(this.client, {
      digest: layer.digest,
      size: layer.size,
      file,
      what: `${label} of ${this.ref.canonical}`,
      signal: this.signal,
      onBytes: (bytes) => progress('downloading', bytes),
      space: this.space,
    });
    this.files.set(layer.digest, file);
    this.count++;
    this.bytes += layer.size;
    progress('downloaded', layer.size);
    return file;
  }
}

/** Wire types, declared once in src-shared. */
export type { PulledImage };
