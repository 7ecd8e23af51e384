// Mark and sweep: what images (index.json) and containers reference stays; every other blob
// and layer goes. References are what keep content alive — nothing else.
import type { SweepReport } from '@shared/api/types/images';
import path from 'node:path';
import { forgetCachedLayers } from '../build/build-cache';
import { activeBuildReferences } from '../build/build-refs';
import { StrataError } from '@shared/errors';
import { readJsonFileSteps, removeTreeAtomicSteps } from './atomic';
import { chainIds } from './digest';
import { type FsSteps, fsCall, runAsync, runSync } from './fs-steps';
import { readImageIndexSteps } from './image-index';
import { type StorePaths, blobPath } from './paths';

export interface Reachable {
  blobs: Set<string>; // hex digests
  layers: Set<string>; // hex chain ids
}

interface SweepOptions {
  dryRun?: boolean;
  without?: ReadonlySet<string>;
}

/** The manifests containers were created from (containers/<id>/container.json → image.manifestDigest). */
export function containerManifests(paths: StorePaths): Map<string, string[]> {
  return runSync(containerManifestSteps(paths));
}

/** containerManifests off the event loop. */
export function containerManifestsAsync(paths: StorePaths): Promise<Map<string, string[]>> {
  return runAsync(containerManifestSteps(paths));
}

/**
 * Removes (or with dryRun only lists) every blob and layer nothing references; `without`
 * names images to count as gone already (what a prune would free). Synchronous: at opening
 * (recovery after a crash mid-commit).
 */
export function sweepUnreferenced(paths: StorePaths, options: SweepOptions = {}): SweepReport {
  return runSync(sweepSteps(paths, options));
}

/** sweepUnreferenced off the event loop: rmi, prune, disk.usage's dry run, a writer's recovery. */
export function sweepUnreferencedAsync(paths: StorePaths, options: SweepOptions = {}): Promise<SweepReport> {
  return runAsync(sweepSteps(paths, options));
}

// The mark and the sweep, written once as steps (fs-steps.ts) for both forms above.

function* containerManifestSteps(paths: StorePaths): FsSteps<Map<string, string[]>> {
  const byManifest = new Map<string, string[]>();
  let ids: string[];
  try {
    ids = yield* fsCall('readdir', paths.containers);
  } catch {
    return byManifest;
  }
  for (const id of ids) {
    let record: { image?: { manifestDigest?: string } };
    try {
      record = yield* readJsonFileSteps(path.join(paths.containers, id, 'container.json'));
    } catch (error) {
      // A create that crashed before its record was written: it references nothing.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      // A record that is there but unreadable references an image nobody can tell; a sweep
      // on a guess could take the layers from under the container, so none happens.
      throw new StrataError('INVALID_ARCHIVE', `${(error as Error).message}: which image container ${id} uses is unknown, so nothing is removed until its record is repaired or its directory removed`);
    }
    const digest = record.image?.manifestDigest;
    if (digest) byManifest.set(digest, [...(byManifest.get(digest) ?? []), id]);
  }
  return byManifest;
}

/** Everything reachable from the images in index.json (less `without`), from containers and from builds in progress. */
function* markReachable(paths: StorePaths, without: ReadonlySet<string> = new Set()): FsSteps<Reachable> {
  const reachable: Reachable = { blobs: new Set(), layers: new Set() };
  const manifests = new Set<string>();
  for (const image of yield* readImageIndexSteps(paths)) if (!without.has(image.manifestDigest)) manifests.add(image.manifestDigest);
  for (const digest of (yield* containerManifestSteps(paths)).keys()) manifests.add(digest);
  for (const build of yield* activeBuildReferences(paths)) {
    for (const digest of build.manifests) manifests.add(digest);
    for (const layer of build.layers) {
      reachable.layers.add(hex(layer.chainId));
      reachable.blobs.add(hex(layer.digest));
    }
  }
  for (const digest of manifests) yield* markManifest(paths, digest, reachable);
  return reachable;
}

function* markManifest(paths: StorePaths, digest: string, reachable: Reachable): FsSteps<void> {
  const manifest = (yield* readJsonBlob(paths, digest)) as { config?: { digest?: string }; layers?: { digest?: string }[] } | undefined;
  if (!manifest) return;
  reachable.blobs.add(hex(digest));
  const configDigest = manifest.config?.digest;
  if (configDigest) reachable.blobs.add(hex(configDigest));
  for (const layer of manifest.layers ?? []) if (layer.digest) reachable.blobs.add(hex(layer.digest));
  const config = configDigest ? ((yield* readJsonBlob(paths, configDigest)) as { rootfs?: { diff_ids?: string[] } } | undefined) : undefined;
  for (const chainId of chainIds(config?.rootfs?.diff_ids ?? [])) reachable.layers.add(hex(chainId));
}

function* sweepSteps(paths: StorePaths, options: SweepOptions): FsSteps<SweepReport> {
  const reachable = yield* markReachable(paths, options.without);
  const report: SweepReport = { blobs: [], layers: [], bytes: 0 };
  for (const name of yield* fsCall('readdir', paths.blobs)) {
    if (reachable.blobs.has(name)) continue;
    const file = path.join(paths.blobs, name);
    report.blobs.push(`sha256:${name}`);
    report.bytes += (yield* fsCall('lstat', file)).blocks * 512;
    if (!options.dryRun) yield* fsCall('rm', file, { force: true });
  }
  for (const name of yield* fsCall('readdir', paths.layers)) {
    if (reachable.layers.has(name)) continue;
    const dir = path.join(paths.layers, name);
    report.layers.push(`sha256:${name}`);
    report.bytes += yield* layerBytes(dir);
    if (!options.dryRun) yield* removeTreeAtomicSteps(paths.tmp, dir);
  }
  if (!options.dryRun) {
    yield* removeDanglingLinks(paths);
    yield* forgetCachedLayers(paths, report.layers); // the build cache only points at layers, never keeps them
  }
  return report;
}

/** Short links (l/) whose layer is gone. */
function* removeDanglingLinks(paths: StorePaths): FsSteps<void> {
  let names: string[];
  try {
    names = yield* fsCall('readdir', paths.layerLinks);
  } catch {
    return;
  }
  for (const name of names) {
    const link = path.join(paths.layerLinks, name);
    if (!(yield* fsCall('exists', link))) yield* fsCall('rm', link, { force: true });
  }
}

function* layerBytes(dir: string): FsSteps<number> {
  try {
    return (JSON.parse(yield* fsCall('readText', path.join(dir, 'meta.json'))) as { size?: number }).size ?? 0;
  } catch {
    return 0; // a layer whose commit never finished has no meta.json
  }
}

function* readJsonBlob(paths: StorePaths, digest: string): FsSteps<unknown> {
  try {
    return JSON.parse(yield* fsCall('readText', blobPath(paths, digest)));
  } catch {
    return undefined;
  }
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

/** Wire types, declared once in src-shared. */
export type { SweepReport };
