// Import: any source format → verified blobs, unpacked layers (each once, shared by chain
// id), and tags in index.json. Everything is staged in one tmp/ job directory and moved into
// place at the end under the store lock; a failure or a crash leaves the store as it was.
import type { ImportedImage } from '@shared/api/types/images';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { diskUsageAsync } from '../layers/disk-usage';
import { ingestLayer } from '../layers/ingest';
import type { LayerEntry } from '../layers/layer-entry';
import { MergedView, markChangesAsync } from '../layers/layer-index';
import { LAYER_FILES, type LayerMeta, hasLayer, readLayerEntries, writeLayerFiles } from '../layers/layer-store';
import { compressionOfFile } from '../layers/file-compression';
import { layerMediaType } from '../layers/compression';
import { enginePrivilege } from '../rootless/privilege';
import { tmpPath } from '../store/atomic';
import { parallelMap } from '../store/parallel-map';
import type { SpaceGuard } from '../store/free-space';
import { assignTags } from '../store/image-index';
import { chainIds, sha256 } from '../store/digest';
import type { Store } from '../store/store';
import { blobPath, layerDir } from '../store/paths';
import { DEFAULT_PATH, applyChanges } from './changes';
import { type ImageConfig, MEDIA, hostArchitecture, imageConfigSchema, parseDocument } from './oci';
import { normalizeReference, parseRepository } from './reference';
import { readDockerArchive } from './sources/docker-archive';
import { detectImportFormat } from './sources/detect-format';
import { archiveLayout, directoryLayout, readLayout } from './sources/oci-layout';
import type { ImportFormat, SourceDocument, SourceImage, SourceLayer } from './sources/source';
import { stageArchive } from './sources/staged-archive';

export interface ImportOptions {
  path: string;
  /** Detected when absent. */
  format?: ImportFormat;
  /** Tags for the imported image (only when the source holds one image). */
  tags?: string[];
  /**
   * OCI layouts only: the repository a ref name that is only a tag (`1.0`) goes under:
   * `team/app` makes it `team/app:1.0`. Default: the directory's or archive's name.
   */
  repository?: string;
  /** Containerfile-style config for a rootfs tar: `CMD ["sh"]`, `ENV A=b`, `WORKDIR /app`. */
  changes?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  step: 'reading' | 'layer' | 'committing';
  message: string;
  /** Layers done / in all, for step 'layer'. */
  done?: number;
  total?: number;
  bytes?: number;
}

interface StagedLayer {
  dir: string;
  entries: LayerEntry[];
}

/** Per-import scratch state: what this job has staged so far. */
export class ImportJob {
  readonly blobs = new Map<string, string>(); // digest → staged file to rename into blobs/
  readonly layers = new Map<string, StagedLayer>(); // chain id → staged layer directory
  /** What this job writes, counted against the store's free-space reserve. */
  readonly space: SpaceGuard;
  private counter = 0;
  constructor(
    readonly store: Store,
    readonly dir: string,
  ) {
    this.space = store.spaceGuard();
  }

  scratch(label: string): string {
    return path.join(this.dir, `${label}-${this.counter++}`);
  }

  hasBlob(digest: string): boolean {
    return this.blobs.has(digest) || fs.existsSync(blobPath(this.store.paths, digest));
  }

  hasLayer(chainId: string): boolean {
    return this.layers.has(chainId) || hasLayer(this.store.paths, chainId);
  }

  entriesOf(chainId: string): LayerEntry[] {
    return this.layers.get(chainId)?.entries ?? readLayerEntries(this.store.paths, chainId);
  }

  stageDocument(document: SourceDocument): void {
    if (this.hasBlob(document.digest)) return;
    const file = this.scratch('doc');
    fs.writeFileSync(file, document.bytes, { flag: 'wx' });
    this.blobs.set(document.digest, file);
  }
}

export async function importImage(store: Store, options: ImportOptions): Promise<ImportedImage[]> {
  const userTags = (options.tags ?? []).map(normalizeReference);
  if (options.repository !== undefined) {
    parseRepository(options.repository);
    if (userTags.length > 0) throw new StrataError('INVALID_ARGUMENT', 'give tags or a repository, not both: tags name the one image in full, a repository takes the layout\'s own tags');
  }
  applyChanges({}, options.changes ?? []); // bad --change fails before any work
  return store.write(() =>
    withImportJob(store, async (job) => {
      const images = await readSource(job, options);
      if (userTags.length > 0) {
        if (images.length !== 1) throw new StrataError('INVALID_ARGUMENT', `${options.path} holds ${images.length} images: tags can only be given for one`);
        images[0]!.tags = userTags;
      }
      return addImages(job, images, options);
    }),
  );
}

/**
 * Runs `work` with a fresh staging directory in the store's tmp/, removed afterwards
 * whatever happens. Only under the store lock (`store.write`).
 */
export async function withImportJob<T>(store: Store, work: (job: ImportJob) => Promise<T>): Promise<T> {
  const job = new ImportJob(store, tmpPath(store.paths.tmp, 'import'));
  fs.mkdirSync(job.dir);
  try {
    return await work(job);
  } finally {
    fs.rmSync(job.dir, { recursive: true, force: true });
  }
}

/**
 * Verifies, unpacks and publishes images whose layers are already on local disk: what an
 * import reads from an archive, or what `commit` and the builder make. Layers the store
 * has are not unpacked again; blobs it has are not copied again.
 */
export async function addImages(job: ImportJob, images: SourceImage[], options: Pick<ImportOptions, 'changes' | 'signal' | 'onProgress'> = {}): Promise<ImportedImage[]> {
  const imported: ImportedImage[] = [];
  for (const image of images) imported.push(await ingestImage(job, image, options));
  options.onProgress?.({ step: 'committing', message: 'moving into the store' });
  commitJob(job, imported);
  return imported;
}

async function readSource(job: ImportJob, options: ImportOptions): Promise<SourceImage[]> {
  const detected = options.format ?? (await detectImportFormat(options.path));
  if (options.changes?.length && detected !== 'rootfs') {
    throw new StrataError('INVALID_ARGUMENT', '--change applies only to a rootfs tar; this is an image archive or layout');
  }
  const defaultName = options.repository ?? defaultNameFor(options.path);
  if (detected === 'oci') return readLayout(directoryLayout(options.path), { defaultName });
  if (options.repository !== undefined && detected !== 'oci-archive' && detected !== 'archive') throw notALayout(options.path);
  if (detected === 'rootfs') {
    if (!fs.statSync(options.path).isFile()) throw new StrataError('INVALID_ARGUMENT', `${options.path}: a rootfs import takes a tar file`);
    return [{ origin: options.path, tags: [], layers: [{ file: options.path, verified: false }] }];
  }
  options.onProgress?.({ step: 'reading', message: `reading ${path.basename(options.path)}` });
  const stagingDir = job.scratch('archive');
  fs.mkdirSync(stagingDir);
  const archive = await stageArchive(options.path, stagingDir, options.signal, job.space);
  const isDocker = detected === 'docker-archive' || (detected === 'archive' && archive.has('manifest.json'));
  if (isDocker && options.repository !== undefined) throw notALayout(options.path);
  if (isDocker) return readDockerArchive(archive);
  if (!archive.has('oci-layout')) throw new StrataError('INVALID_ARCHIVE', `${options.path}: neither an oci-archive (no oci-layout) nor a docker-archive (no manifest.json)`);
  return readLayout(archiveLayout(archive), { defaultName });
}

async function ingestImage(job: ImportJob, image: SourceImage, options: Pick<ImportOptions, 'changes' | 'signal' | 'onProgress'>): Promise<ImportedImage> {
  const declared = image.config ? parseDocument(imageConfigSchema, image.config.bytes, `${image.origin}: config`) : undefined;
  const { diffIds, layers, blobs } = await ingestLayers(job, image.origin, image.layers, declared?.rootfs.diff_ids ?? [], options);
  const config = image.config ?? generatedConfig(image, diffIds, options.changes ?? []);
  job.stageDocument(config);
  const manifest = image.manifest ?? generatedManifest(config, blobs);
  job.stageDocument(manifest);
  return { id: config.digest, manifestDigest: manifest.digest, tags: image.tags, layers };
}

export interface IngestedLayers {
  diffIds: string[];
  layers: ImportedImage['layers'];
  blobs: { digest: string; size: number; mediaType: string }[];
}

/**
 * Verifies and stages a stack of layer blobs (bottom first): each layer the store lacks is
 * unpacked and indexed in the job, each blob it lacks is staged; `commitJob` moves them in.
 * An image import stages its whole stack; the builder stages one new layer on top of
 * layers the store already has.
 */
export async function ingestLayers(
  job: ImportJob,
  origin: string,
  sources: readonly SourceLayer[],
  declaredDiffIds: readonly string[],
  options: Pick<ImportOptions, 'signal' | 'onProgress'> = {},
): Promise<IngestedLayers> {
  const privilege = enginePrivilege();
  const diffIds: string[] = [...declaredDiffIds];
  const blobs: IngestedLayers['blobs'] = [];
  const layers: ImportedImage['layers'] = [];
  const lower = new MergedView();
  let finished = 0;
  const progress = (bytes?: number) =>
    options.onProgress?.({ step: 'layer', message: `layer ${Math.min(finished + 1, sources.length)} of ${sources.length}`, done: finished, total: sources.length, ...(bytes === undefined ? {} : { bytes }) });

  // Hash, decompress and unpack the layers side by side (each into its own directory), as
  // many at once as there are cores: one layer's gunzip and writes run on the threadpool
  // while another's tar is read. Only what depends on the layers below waits for order.
  const read = new Map<number, number>();
  progress();
  const ingested = await parallelMap(
    sources,
    os.availableParallelism(),
    async (layer, i, signal) => {
      const expectedDiffId = diffIds[i];
      const chainId = expectedDiffId ? chainIds(diffIds.slice(0, i + 1))[i]! : undefined;
      const needLayer = chainId === undefined || !job.hasLayer(chainId);
      const needBlob = layer.digest === undefined || !job.hasBlob(layer.digest);
      const stagedDir = needLayer ? job.scratch('layer') : undefined;
      if (stagedDir) await fs.promises.mkdir(path.join(stagedDir, LAYER_FILES.diff), { recursive: true });
      const copyBlob = needBlob && !layer.verified;
      if (!needLayer && !needBlob) {
        finished++;
        return { needLayer, needBlob, stagedDir, digest: layer.digest, size: (await fs.promises.stat(layer.file)).size, diffId: expectedDiffId, tarSize: 0, unpacked: undefined };
      }
      const blobOut = copyBlob ? job.scratch('blob') : undefined;
      const result = await ingestLayer({
        file: layer.file,
        expectedDigest: layer.digest,
        expectedDiffId,
        blobOut,
        unpackTo: stagedDir ? { dest: path.join(stagedDir, LAYER_FILES.diff), privilege, finalDest: finalDiffDir(job) } : undefined,
        signal,
        space: job.space,
        onProgress: (bytes) => {
          read.set(i, bytes);
          progress([...read.values()].reduce((sum, n) => sum + n, 0));
        },
      });
      if (needBlob) job.blobs.set(result.digest, blobOut ?? layer.file);
      finished++;
      progress();
      return { needLayer, needBlob, stagedDir, digest: result.digest, size: result.size, diffId: result.diffId, tarSize: result.uncompressedSize, unpacked: result.unpacked };
    },
    options.signal,
  );

  for (const [i, layer] of sources.entries()) {
    const { needLayer, stagedDir, digest, size, diffId, tarSize, unpacked } = ingested[i]!;
    if (!diffId || !digest) throw new StrataError('INTERNAL', `${origin}: layer ${i} has no digest after ingest`);
    if (diffIds[i] === undefined) diffIds.push(diffId);
    const id = chainIds(diffIds.slice(0, i + 1))[i]!;
    const parent = i > 0 ? layers[i - 1]!.chainId : null;

    if (stagedDir && unpacked) {
      if (unpacked.skippedDevices > 0) {
        // A rootless store cannot hold device nodes (mknod is refused in a user namespace); the
        // runtime gives /dev its own. Said once per layer, naming the first few.
        const named = unpacked.skippedDevicePaths.map((name) => `/${name}`).join(', ');
        const more = unpacked.skippedDevices > unpacked.skippedDevicePaths.length ? ', …' : '';
        options.onProgress?.({ step: 'layer', message: `layer ${i + 1}: left out ${unpacked.skippedDevices} device node${unpacked.skippedDevices > 1 ? 's' : ''} (${named}${more}): only the root engine may make them`, done: i, total: sources.length });
      }
      const entries = await markChangesAsync(unpacked.entries, lower);
      const meta: LayerMeta = {
        chainId: id,
        diffId,
        parent,
        size: (await diskUsageAsync(path.join(stagedDir, LAYER_FILES.diff))).bytes,
        tarSize,
        entries: entries.length,
        createdAt: new Date().toISOString(),
      };
      // Staged through the job's own directory: the builder stages outside the store lock,
      // where tmp/ may be emptied by another writer's recovery at any moment.
      await writeLayerFiles(job.dir, stagedDir, entries, meta);
      job.layers.set(id, { dir: stagedDir, entries });
    }
    // The job's own entries (already written) or parsed for this import: taken over, not copied.
    lower.apply(job.entriesOf(id), i, { owned: true });
    layers.push({ chainId: id, reused: !needLayer });
    blobs.push({ digest, size, mediaType: layer.mediaType ?? layerMediaType(compressionOfFile(layer.file), 'oci') });
  }
  return { diffIds, layers, blobs };
}

/** Where a layer's diff/ will live: every chain id is as long, so any one gives the length names must fit below. */
function finalDiffDir(job: ImportJob): string {
  return path.join(layerDir(job.store.paths, `sha256:${'0'.repeat(64)}`), LAYER_FILES.diff);
}

function generatedConfig(image: SourceImage, diffIds: string[], changes: readonly string[]): SourceDocument {
  const created = new Date().toISOString();
  const config: ImageConfig = {
    created,
    architecture: hostArchitecture(),
    os: 'linux',
    config: applyChanges({ Env: [DEFAULT_PATH] }, changes),
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [{ created, created_by: `strata import ${path.basename(image.origin)}${changes.length ? ` --change ${changes.join(' --change ')}` : ''}` }],
  };
  const bytes = Buffer.from(JSON.stringify(config));
  return { bytes, digest: sha256(bytes) };
}

function generatedManifest(config: SourceDocument, layers: { digest: string; size: number; mediaType: string }[]): SourceDocument {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: config.digest, size: config.bytes.length },
    layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256(bytes) };
}

/** Moves staged blobs and layers into place, then publishes the images' tags (only under the store lock). */
export function commitJob(job: ImportJob, imported: readonly ImportedImage[]): void {
  const { paths } = job.store;
  job.store.beginCommit();
  for (const [digest, file] of job.blobs) {
    const target = blobPath(paths, digest);
    if (!fs.existsSync(target)) fs.renameSync(file, target);
  }
  for (const [chainId, staged] of job.layers) {
    const target = layerDir(paths, chainId);
    if (!fs.existsSync(target)) fs.renameSync(staged.dir, target);
  }
  if (imported.length > 0) {
    job.store.updateImages((images) => {
      let next = images;
      for (const image of imported) {
        const size = fs.statSync(blobPath(paths, image.manifestDigest)).size;
        next = assignTags(next, image.manifestDigest, size, image.tags);
      }
      return next;
    });
  }
  job.store.endCommit();
}

function notALayout(file: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `${file} is not an OCI layout: a repository applies to a layout's ref names; name this image with a tag instead`);
}

/** What a layout's tag-only ref names go under when no repository is given: `…/layout` → `layout:1.0`. */
function defaultNameFor(file: string): string {
  const base = path.basename(file).replace(/\.(tar|tgz|tar\.gz|tar\.zst|oci|tzst)$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return base || 'imported';
}

/** Wire types, declared once in src-shared. */
export type { ImportedImage };
