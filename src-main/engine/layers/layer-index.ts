// What each layer did, path by path, relative to the layers below it, and the merged view
// of a stack of layers — the data behind `strata layers` and the window's layer tree.
import type { TreeNode } from '@shared/api/types/images';
import type { ChangeMark, LayerEntry } from './layer-entry';
import { LoopBudget } from '../store/loop-budget';

export interface MergedEntry extends LayerEntry {
  /** Position (0 = bottom) of the layer that last wrote this path (a directory listed again unchanged keeps its writer). */
  layer: number;
}

/** The union of layers 0..n as overlayfs presents it: deletions applied, no whiteouts. */
export class MergedView {
  readonly entries = new Map<string, MergedEntry>();

  /**
   * Lays a layer's entries over the view. `owned`: nothing else holds these entries (an
   * import's layers, parsed from disk or just made), so each is given its layer in place
   * rather than in a copy — below a new layer an import reads tens of thousands.
   */
  apply(layerEntries: readonly LayerEntry[], layer: number, options: { owned?: boolean } = {}): void {
    for (const entry of layerEntries) {
      if (entry.kind === 'whiteout' || entry.change === 'deleted') this.removeTree(entry.path);
      else if (entry.opaque) this.removeBelow(entry.path);
    }
    for (const entry of layerEntries) {
      if (entry.kind === 'whiteout' || entry.change === 'deleted') continue;
      // A tar lists the directories above every file it adds: /etc in each layer that adds
      // to it. Unchanged, it is still the lower layer's directory.
      if (entry.change === 'unchanged' && this.entries.has(entry.path)) continue;
      if (options.owned) {
        (entry as MergedEntry).layer = layer;
        this.entries.set(entry.path, entry as MergedEntry);
      } else {
        // Object.assign, not a spread: the same copy, twice as fast.
        this.entries.set(entry.path, Object.assign({}, entry, { layer }));
      }
    }
  }

  static of(layers: readonly (readonly LayerEntry[])[]): MergedView {
    const view = new MergedView();
    layers.forEach((entries, layer) => view.apply(entries, layer));
    return view;
  }

  private removeTree(relPath: string): void {
    this.entries.delete(relPath);
    this.removeBelow(relPath);
  }

  private removeBelow(relPath: string): void {
    const prefix = relPath === '' ? '' : relPath + '/';
    for (const key of this.entries.keys()) if (key !== '' && key.startsWith(prefix) && key !== relPath) this.entries.delete(key);
  }
}

/**
 * Marks each entry of a new layer against the merged view of the layers below it, and adds
 * a `deleted` entry for every lower path an opaque directory hides.
 */
export function markChanges(layerEntries: readonly LayerEntry[], lower: MergedView): LayerEntry[] {
  const steps = markSteps(layerEntries, lower);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** markChanges, giving the loop back whenever `budget` is spent (an import's layer has thousands of entries). */
export async function markChangesAsync(layerEntries: readonly LayerEntry[], lower: MergedView, budget = new LoopBudget()): Promise<LayerEntry[]> {
  const steps = markSteps(layerEntries, lower);
  let step = steps.next();
  while (!step.done) {
    await budget.pause();
    step = steps.next();
  }
  return step.value;
}

/** The work of markChanges, one step per entry (and per hidden lower path an opaque directory walks). */
function* markSteps(layerEntries: readonly LayerEntry[], lower: MergedView): Generator<void, LayerEntry[]> {
  const out: LayerEntry[] = [];
  const own = new Set(layerEntries.map((entry) => entry.path));
  for (const entry of layerEntries) {
    const below = lower.entries.get(entry.path);
    let change: ChangeMark;
    if (entry.kind === 'whiteout') change = 'deleted';
    else if (!below) change = 'added';
    else if (entry.kind === 'dir' && below.kind === 'dir' && !entry.opaque && sameMetadata(entry, below)) change = 'unchanged';
    else change = 'modified';
    if (entry.kind === 'whiteout' && below) out.push({ ...stripLayer(below), kind: below.kind, change, path: entry.path });
    else out.push({ ...entry, change });
    if (entry.opaque) {
      const prefix = entry.path === '' ? '' : entry.path + '/';
      for (const [key, hidden] of lower.entries) {
        if (key !== '' && key.startsWith(prefix) && !own.has(key)) out.push({ ...stripLayer(hidden), change: 'deleted' });
        yield;
      }
    }
    yield;
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sameMetadata(a: LayerEntry, b: LayerEntry): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

function stripLayer(entry: MergedEntry): LayerEntry {
  const { layer: _layer, ...rest } = entry;
  return rest;
}

/** A tree over a layer's (or a merged view's) entries, built once, cheap to query. */
export class LayerTree {
  readonly root: TreeNode;
  private readonly byPath = new Map<string, TreeNode>();

  constructor(entries: Iterable<LayerEntry & { layer?: number }>) {
    this.root = { name: '/', path: '', kind: 'dir', size: 0, count: 0, mode: 0o755, uid: 0, gid: 0, children: [] };
    this.byPath.set('', this.root);
    const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const entry of sorted) {
      if (entry.path === '') {
        if (entry.change) this.root.change = entry.change;
        continue;
      }
      const node = this.nodeFor(entry.path);
      Object.assign(node, {
        kind: entry.kind,
        change: entry.change,
        size: entry.kind === 'dir' ? 0 : entry.size,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        link: entry.link,
        layer: entry.layer,
      });
    }
    rollUp(this.root);
  }

  /** The node at `relPath` ('' or '/' = root), or undefined. */
  find(relPath: string): TreeNode | undefined {
    return this.byPath.get(relPath.replace(/^\/+|\/+$/g, ''));
  }

  private nodeFor(relPath: string): TreeNode {
    const known = this.byPath.get(relPath);
    if (known) return known;
    const slash = relPath.lastIndexOf('/');
    const parent = this.nodeFor(slash < 0 ? '' : relPath.slice(0, slash));
    const node: TreeNode = { name: relPath.slice(slash + 1), path: relPath, kind: 'dir', size: 0, count: 0, mode: 0o755, uid: 0, gid: 0, children: [] };
    parent.children.push(node);
    this.byPath.set(relPath, node);
    return node;
  }
}

function rollUp(node: TreeNode): void {
  if (node.kind !== 'dir') return;
  let size = 0;
  let count = 0;
  for (const child of node.children) {
    rollUp(child);
    if (child.change !== 'deleted') size += child.size; // a deletion frees nothing in this layer
    count += 1 + child.count;
  }
  node.size = size;
  node.count = count;
  node.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Wire types, declared once in src-shared. */
export type { TreeNode };
