// The build cache: `<root>/build-cache.json`, from a step's cache key (cache-key.ts) to what
// the step produced — a layer (chain id, diff_id, blob) or nothing (a config-only step, or a
// RUN that changed no file) — so the next build with the same key reuses it instead of
// running the step again.
//
// Entries are weak references. Layers stay alive because images (or containers, or a build
// in progress, see build-refs.ts) use them, never because the cache mentions them: `rmi`
// and `prune` free disk exactly as without a builder. A sweep that removes a layer drops the
// entries that name it (forgetCachedLayers, called from gc.ts), and a lookup whose layer or
// blob has gone anyway is a miss. What this costs: a multi-stage build's builder stage,
// whose layers no image uses, is rebuilt after the next sweep.
//
// Every entry also records the chain it was made on (`parent`): a key names the step and
// everything before it, but a step before it may have been run again since (its cache
// entry gone) and produced a different layer, and a chain id is only valid on its parent.
//
// Written atomically and only under the store lock; read at any time (it only ever
// appears by rename).
import fs from 'node:fs';
import path from 'node:path';
import { hasLayer } from '../layers/layer-store';
import { writeFileAtomic, writeFileAtomicSteps } from '../store/atomic';
import { type FsSteps, fsCall } from '../store/fs-steps';
import { type StorePaths, blobPath } from '../store/paths';

export interface CachedLayer {
  chainId: string;
  diffId: string;
  /** The layer blob (gzip'd tar) and its size and media type, for the image manifest. */
  digest: string;
  size: number;
  mediaType: string;
}

export interface CacheEntry {
  /** Chain id of the layer the step ran on; null for an empty root (scratch). */
  parent: string | null;
  /** The layer the step added; null when it added none. */
  layer: CachedLayer | null;
  /** When the step ran: the history entry's `created`, so a cached rebuild is the same image. */
  created: string;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

export function buildCachePath(paths: StorePaths): string {
  return path.join(paths.root, 'build-cache.json');
}

function readCacheFile(paths: StorePaths): Record<string, CacheEntry> {
  let text: string;
  try {
    text = fs.readFileSync(buildCachePath(paths), 'utf8');
  } catch {
    return {}; // none yet
  }
  return parseCacheFile(text);
}

function* readCacheFileSteps(paths: StorePaths): FsSteps<Record<string, CacheEntry>> {
  let text: string;
  try {
    text = yield* fsCall('readText', buildCachePath(paths));
  } catch {
    return {}; // none yet
  }
  return parseCacheFile(text);
}

function parseCacheFile(text: string): Record<string, CacheEntry> {
  try {
    const parsed = JSON.parse(text) as Partial<CacheFile>;
    return parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object' ? parsed.entries : {};
  } catch {
    return {}; // unreadable: a cache can always start empty
  }
}

function writeCacheFile(paths: StorePaths, entries: Record<string, CacheEntry>): void {
  const file: CacheFile = { version: 1, entries };
  writeFileAtomic(paths.tmp, buildCachePath(paths), JSON.stringify(file));
}

/** One build's view of the cache: read once at the start, new entries added as steps finish. */
export class BuildCache {
  private readonly pending = new Map<string, CacheEntry>();

  private constructor(
    private readonly paths: StorePaths,
    private readonly entries: Record<string, CacheEntry>,
  ) {}

  static load(paths: StorePaths): BuildCache {
    return new BuildCache(paths, readCacheFile(paths));
  }

  /**
   * The entry for `key` made on `parent`, if its layer is still in the store. Call under the
   * store lock when the entry has a layer, and take a reference to it before letting go.
   */
  find(key: string, parent: string | null): CacheEntry | undefined {
    const entry = this.pending.get(key) ?? this.entries[key];
    if (entry === undefined || entry.parent !== parent) return undefined;
    if (entry.layer !== null && !layerPresent(this.paths, entry.layer)) return undefined;
    return entry;
  }

  /** Remembers a step's result; written by the next flush. */
  add(key: string, entry: CacheEntry): void {
    this.pending.set(key, entry);
    this.entries[key] = entry;
  }

  /** Writes what was added since the last flush (under the store lock). */
  flush(): void {
    if (this.pending.size === 0) return;
    const current = readCacheFile(this.paths); // other builds may have written meanwhile
    for (const [key, entry] of this.pending) current[key] = entry;
    writeCacheFile(this.paths, current);
    this.pending.clear();
  }
}

export function layerPresent(paths: StorePaths, layer: CachedLayer): boolean {
  return hasLayer(paths, layer.chainId) && fs.existsSync(blobPath(paths, layer.digest));
}

/**
 * Drops the entries made on or producing one of `removed` (chain ids), which a sweep has
 * just deleted. Under the store lock, as every sweep is.
 */
export function* forgetCachedLayers(paths: StorePaths, removed: readonly string[]): FsSteps<void> {
  if (removed.length === 0 || !(yield* fsCall('exists', buildCachePath(paths)))) return;
  const gone = new Set(removed);
  const entries = yield* readCacheFileSteps(paths);
  let changed = false;
  for (const [key, entry] of Object.entries(entries)) {
    if ((entry.parent !== null && gone.has(entry.parent)) || (entry.layer !== null && gone.has(entry.layer.chainId))) {
      delete entries[key];
      changed = true;
    }
  }
  if (changed) yield* writeFileAtomicSteps(paths.tmp, buildCachePath(paths), JSON.stringify({ version: 1, entries } satisfies CacheFile));
}
