// Mark and sweep: what images (index.json) and containers reference stays; every other blob
// and layer goes. References are what keep content alive — nothing else.
import type { SweepReport } from '@shared/api/types/images';
import fs from 'node:fs';
import path from 'node:path';
import { forgetCachedLayers } from '../build/build-cache';
import { activeBuildReferences } from '../build/build-refs';
import { StrataError } from '@shared/errors';
import { readJsonFile, removeTreeAtomic } from './atomic';
import { chainIds } from './digest';
import { readImageIndex } from './image-index';
import { type StorePaths, blobPath } from './paths';

export interface Reachable {
  blobs: Set<string>; // hex digests
  layers: Set<string>; // hex chain ids
}

/** The manifests containers were created from (containers/<id>/container.json → image.manifestDigest). */
export function containerManifests(paths: StorePaths): Map<string, string[]> {
  const byManifest = new Map<string, string[]>();
  let ids: string[];
  try {
    ids = fs.readdirSync(paths.containers);
  } catch {
    return byManifest;
  }
  for (const id of ids) {
    let record: { image?: { manifestDigest?: string } };
    try {
      record = readJsonFile(path.join(paths.containers, id, 'container.json'));
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
export function markReachable(paths: StorePaths, without: ReadonlySet<string> = new Set()): Reachable {
  const reachable: Reachable = { blobs: new Set(), layers: new Set() };
  const manifests = new Set<string>();
  for (const image of readImageIndex(paths)) if (!without.has(image.manifestDigest)) manifests.add(image.manifestDigest);
  for (const digest of containerManifests(paths).keys()) manifests.add(digest);
  for (const build of activeBuildReferences(paths)) {
    for (const digest of build.manifests) manifests.add(digest);
    for (const layer of build.layers) {
      reachable.layers.add(hex(layer.chainId));
      reachable.blobs.add(hex(layer.digest));
    }
  }
  for (const digest of manifests) markManifest(paths, digest, reachable);
  return reachable;
}

function markManifest(paths: StorePaths, digest: string, reachable: Reachable): void {
  const manifest = readJsonBlob(paths, digest) as { config?: { digest?: string }; layers?: { digest?: string }[] } | undefined;
  if (!manifest) return;
  reachable.blobs.add(hex(digest));
  const configDigest = manifest.config?.digest;
  if (configDigest) reachable.blobs.add(hex(configDigest));
  for (const layer of manifest.layers ?? []) if (layer.digest) reachable.blobs.add(hex(layer.digest));
  const config = configDigest ? (readJsonBlob(paths, configDigest) as { rootfs?: { diff_ids?: string[] } } | undefined) : undefined;
  for (const chainId of chainIds(config?.rootfs?.diff_ids ?? [])) reachable.layers.add(hex(chainId));
}

/**
 * Removes (or with dryRun only lists) every blob and layer nothing references; `without`
 * names images to count as gone already (what a prune would free).
 */
export function sweepUnreferenced(paths: StorePaths, options: { dryRun?: boolean; without?: ReadonlySet<string> } = {}): SweepReport {
  const reachable = markReachable(paths, options.without);
  const report: SweepReport = { blobs: [], layers: [], bytes: 0 };
  for (const name of fs.readdirSync(paths.blobs)) {
    if (reachable.blobs.has(name)) continue;
    const file = path.join(paths.blobs, name);
    report.blobs.push(`sha256:${name}`);
    report.bytes += fs.lstatSync(file).blocks * 512;
    if (!options.dryRun) fs.rmSync(file, { force: true });
  }
  for (const name of fs.readdirSync(paths.layers)) {
    if (reachable.layers.has(name)) continue;
    const dir = path.join(paths.layers, name);
    report.layers.push(`sha256:${name}`);
    report.bytes += layerBytes(dir);
    if (!options.dryRun) removeTreeAtomic(paths.tmp, dir);
  }
  if (!options.dryRun) {
    removeDanglingLinks(paths);
    forgetCachedLayers(paths, report.layers); // the build cache only points at layers, never keeps them
  }
  return report;
}

/** Short links (l/) whose layer is gone. */
function removeDanglingLinks(paths: StorePaths): void {
  let names: string[];
  try {
    names = fs.readdirSync(paths.layerLinks);
  } catch {
    return;
  }
  for (const name of names) {
    const link = path.join(paths.layerLinks, name);
    if (!fs.existsSync(link)) fs.rmSync(link, { force: true });
  }
}

function layerBytes(dir: string): number {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { size?: number }).size ?? 0;
  } catch {
    return 0; // a layer whose commit never finished has no meta.json
  }
}

function readJsonBlob(paths: StorePaths, digest: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(blobPath(paths, digest), 'utf8'));
  } catch {
    return undefined;
  }
}

function hex(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

/** Wire types, declared once in src-shared. */
export type { SweepReport };
