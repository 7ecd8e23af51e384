// File trees of an image: one layer's own changes, or the merged view up to a layer; what
// every layer did to one path (layers/path-history.ts); and the space its layers waste
// (what later layers hide, layers/wasted-space.ts).
import type { ImageWaste, PathHistory } from '@shared/api/types/images';
import { StrataError } from '@shared/errors';
import { LayerTree, MergedView } from '../layers/layer-index';
import { readLayerEntriesAsync } from '../layers/layer-store';
import { pathHistory } from '../layers/path-history';
import { countWaste } from '../layers/wasted-space';
import type { Store } from '../store/store';
import { findImageAsync } from './image-store';

export interface TreeQuery {
  /** Layer position (0 = bottom; negative counts from the top) or chain-id prefix. Default: the top. */
  layer?: number | string;
  /** true: the union of the layers up to `layer`; false: only what `layer` changed. */
  merged: boolean;
}

/** The layers' indexes are read by layers/layer-store.ts (off the event loop, and cached). */
export async function imageTree(store: Store, ref: string, query: TreeQuery): Promise<{ tree: LayerTree; layer: number }> {
  const image = await findImageAsync(store, ref);
  const position = layerPosition(image.layers.map((layer) => layer.chainId), query.layer);
  const stack = await Promise.all(image.layers.slice(0, position + 1).map((layer) => readLayerEntriesAsync(store.paths, layer.chainId)));
  if (!query.merged) return { tree: new LayerTree(stack[position]!), layer: position };
  return { tree: new LayerTree(MergedView.of(stack).entries.values()), layer: position };
}

/** Every layer that changed `path` ('/etc/passwd', 'etc/passwd'; '/' = the root), bottom first; NOT_FOUND when no layer has it. */
export async function imagePathHistory(store: Store, ref: string, path: string): Promise<PathHistory> {
  const image = await findImageAsync(store, ref);
  const relPath = path.replace(/^\/+|\/+$/g, '');
  const history = pathHistory(await Promise.all(image.layers.map((layer) => readLayerEntriesAsync(store.paths, layer.chainId))), relPath);
  if (history.changes.length === 0 && relPath !== '') throw new StrataError('NOT_FOUND', `no layer of ${ref} has /${relPath}`);
  return history;
}

/** Wasted bytes and the efficiency score of an image, per path and per layer. */
export async function imageWaste(store: Store, ref: string): Promise<ImageWaste> {
  const image = await findImageAsync(store, ref);
  const count = countWaste(await Promise.all(image.layers.map((layer) => readLayerEntriesAsync(store.paths, layer.chainId))));
  return { id: image.id, ...count, layers: count.layers.map((own, index) => ({ index, chainId: image.layers[index]!.chainId, ...own })) };
}

function layerPosition(chainIds: string[], wanted: number | string | undefined): number {
  const count = chainIds.length;
  if (count === 0) throw new StrataError('NOT_FOUND', 'the image has no layers');
  if (wanted === undefined) return count - 1;
  if (typeof wanted === 'number' || /^-?\d+$/.test(wanted)) {
    const n = Number(wanted);
    const position = n < 0 ? count + n : n;
    if (!Number.isInteger(position) || position < 0 || position >= count) {
      throw new StrataError('INVALID_ARGUMENT', `layer ${wanted} does not exist: the image has layers 0 to ${count - 1}`);
    }
    return position;
  }
  const hex = wanted.replace(/^sha256:/, '');
  const matches = chainIds.map((id, i) => [id, i] as const).filter(([id]) => id.slice(7).startsWith(hex));
  if (matches.length !== 1) throw new StrataError(matches.length ? 'INVALID_ARGUMENT' : 'NOT_FOUND', `layer ${wanted} ${matches.length ? 'is ambiguous' : 'is not in this image'}`);
  return matches[0]![1];
}
