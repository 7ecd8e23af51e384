// layers/<chain id>/: one unpacked layer (diff/), its index (index.json) and its facts
// (meta.json), shared by every image whose layer stack starts with the same chain.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readJsonFile, writeFileAtomicAsync, writeJsonAtomic } from '../store/atomic';
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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError('NOT_FOUND', `layer ${chainId} is not in the store`);
    throw error;
  }
}

const entryCache = new Map<string, LayerEntry[]>();
const CACHE_LIMIT = 64;

/** The layer's entries with their change marks (cached: layers never change once written). */
export function readLayerEntries(paths: StorePaths, chainId: string): LayerEntry[] {
  const key = `${paths.root}\0${chainId}`;
  const cached = entryCache.get(key);
  if (cached) return cached;
  const file = path.join(layerDir(paths, chainId), LAYER_FILES.index);
  let entries: LayerEntry[];
  try {
    entries = readJsonFile<{ entries: LayerEntry[] }>(file).entries;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StrataError('NOT_FOUND', `layer ${chainId} is not in the store`);
    throw error;
  }
  if (entryCache.size >= CACHE_LIMIT) entryCache.delete(entryCache.keys().next().value as string);
  entryCache.set(key, entries);
  return entries;
}

export function mergedViewOf(paths: StorePaths, chainIds: readonly string[]): MergedView {
  return MergedView.of(chainIds.map((chainId) => readLayerEntries(paths, chainId)));
}

/** Writes index.json and meta.json into a staged layer directory (…/tmp/…/<layer>/). */
export async function writeLayerFiles(tmpDir: string, stagedLayer: string, entries: LayerEntry[], meta: LayerMeta): Promise<void> {
  // Compact: a base layer has tens of thousands of entries. Written off the engine's
  // thread: hundreds of kB to a disk an import keeps busy can hold the loop for long.
  await writeFileAtomicAsync(tmpDir, path.join(stagedLayer, LAYER_FILES.index), JSON.stringify({ version: 1, entries }));
  writeJsonAtomic(tmpDir, path.join(stagedLayer, LAYER_FILES.meta), meta);
}
