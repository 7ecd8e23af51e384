// layers/<chain id>/: one unpacked layer (diff/), its index (index.json) and its facts
// (meta.json), shared by every image whose layer stack starts with the same chain. Each
// reader has an …Async twin for the API (image list/inspect/tree/wasted, diff, disk usage);
// the synchronous ones serve jobs (import, build, export).
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readJsonFile, readJsonFileAsync, writeFileAtomicAsync, writeJsonAtomic } from '../store/atomic';
import { type StorePaths, layerDir } from '../store/paths';
import type { LayerEntry } from './layer-entry';
import { MergedView } from './layer-index';

export interface LayerMeta {
  chainId: string;
  diffId: string;
  parent: string | null;
  /** Bytes of diff/ on disk, as du counts them. */
  size: number;
  /** Bytes of the uncompressed layer tar. */
  tarSize: number;
  entries: number;
  createdAt: string;
}

export const LAYER_FILES = { diff: 'diff', index: 'index.json', meta: 'meta.json' } as const;

export function hasLayer(paths: StorePaths, chainId: string): boolean {
  return fs.existsSync(path.join(layerDir(paths, chainId), LAYER_FILES.meta));
}

export function readLayerMeta(paths: StorePaths, chainId: string): LayerMeta {
  const file = path.join(layerDir(paths, chainId), LAYER_FILES.meta);
  try {
    return readJsonFile<LayerMeta>(file);
  } catch (error) {
    throw missingLayer(error, chainId);
  }
}

export async function readLayerMetaAsync(paths: StorePaths, chainId: string): Promise<LayerMeta> {
  const file = path.join(layerDir(paths, chainId), LAYER_FILES.meta);
  try {
    return await readJsonFileAsync<LayerMeta>(file);
  } catch (error) {
    throw missingLayer(error, chainId);
  }
}

function missingLayer(error: unknown, chainId: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new StrataError('NOT_FOUND', `layer ${chainId} is not in the store`);
  return error;
}

const entryCache = new Map<string, LayerEntry[]>();
const CACHE_LIMIT = 64;

/** The layer's entries with their change marks (cached: layers never change once written). */
export function readLayerEntries(paths: StorePaths, chainId: string): LayerEntry[] {
  const cached = entryCache.get(cacheKey(paths, chainId));
  if (cached) return cached;
  let entries: LayerEntry[];
  try {
    entries = readJsonFile<{ entries: LayerEntry[] }>(indexFile(paths, chainId)).entries;
  } catch (error) {
    throw missingLayer(error, chainId);
  }
  return remember(paths, chainId, entries);
}

/** readLayerEntries off the event loop (the file is read on the threadpool; parsing stays here). */
export async function readLayerEntriesAsync(paths: StorePaths, chainId: string): Promise<LayerEntry[]> {
  const cached = entryCache.get(cacheKey(paths, chainId));
  if (cached) return cached;
  let entries: LayerEntry[];
  try {
    entries = (await readJsonFileAsync<{ entries: LayerEntry[] }>(indexFile(paths, chainId))).entries;
  } catch (error) {
    throw missingLayer(error, chainId);
  }
  return remember(paths, chainId, entries);
}

function cacheKey(paths: StorePaths, chainId: string): string {
  return `${paths.root}\0${chainId}`;
}

function indexFile(paths: StorePaths, chainId: string): string {
  return path.join(layerDir(paths, chainId), LAYER_FILES.index);
}

function remember(paths: StorePaths, chainId: string, entries: LayerEntry[]): LayerEntry[] {
  if (entryCache.size >= CACHE_LIMIT) entryCache.delete(entryCache.keys().next().value as string);
  entryCache.set(cacheKey(paths, chainId), entries);
  return entries;
}

export async function mergedViewOfAsync(paths: StorePaths, chainIds: readonly string[]): Promise<MergedView> {
  return MergedView.of(await Promise.all(chainIds.map((chainId) => readLayerEntriesAsync(paths, chainId))));
}

/** Writes index.json and meta.json into a staged layer directory (…/tmp/…/<layer>/). */
export async function writeLayerFiles(tmpDir: string, stagedLayer: string, entries: LayerEntry[], meta: LayerMeta): Promise<void> {
  // Compact: a base layer has tens of thousands of entries. Written off the engine's
  // thread: hundreds of kB to a disk an import keeps busy can hold the loop for long.
  await writeFileAtomicAsync(tmpDir, path.join(stagedLayer, LAYER_FILES.index), JSON.stringify({ version: 1, entries }));
  writeJsonAtomic(tmpDir, path.join(stagedLayer, LAYER_FILES.meta), meta);
}
