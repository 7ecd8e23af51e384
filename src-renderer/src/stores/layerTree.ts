// The open image's layer tree: its layers bottom-up, the selected layer's file tree (its
// own changes, or everything merged up to it), the tree's filters, and the wasted space.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import { type TreeView, type WastedFile, allDirectories, treeRows, wastedSpace } from '../lib/file-tree';
import type { ChangeMark, ImageInfo, TreeNode } from '@shared/api/types/images';

/** Trees with at most this many entries open fully when shown. */
const AUTO_EXPAND_ENTRIES = 60;

export const CHANGE_MARKS: readonly ChangeMark[] = ['added', 'modified', 'deleted', 'unchanged'];

export const useLayerTreeStore = defineStore('layerTree', () => {
  const image = shallowRef<ImageInfo | undefined>();
  const error = ref<string | undefined>();
  const layer = ref(0);
  const merged = ref(false);
  const tree = shallowRef<TreeNode | undefined>();
  const treeLoading = ref(false);
  /** Each layer's own changes, bottom first, for the wasted-space count. */
  const layerChanges = shallowRef<TreeNode[]>([]);
  const pathFilter = ref('');
  const changes = ref<Set<ChangeMark>>(new Set(CHANGE_MARKS));
  const sort = ref<'name' | 'size'>('name');
  const expanded = ref<Set<string>>(new Set());
  let opening = 0;
  let treeRequest = 0;

  const view = computed<TreeView>(() => ({ path: pathFilter.value.trim().toLowerCase(), changes: changes.value, sort: sort.value, expanded: expanded.value }));
  const rows = computed(() => (tree.value ? treeRows(tree.value, view.value) : []));
  const wasted = computed<WastedFile[]>(() => wastedSpace(layerChanges.value));
  /** Bytes per layer that later layers overwrite or delete. */
  const wastedByLayer = computed(() => {
    const sums = new Map<number, number>();
    for (const file of wasted.value) sums.set(file.layer, (sums.get(file.layer) ?? 0) + file.size);
    return sums;
  });

  /** Opens an image at its top layer. */
  async function open(ref: string): Promise<void> {
    const mine = ++opening;
    error.value = undefined;
    tree.value = undefined;
    layerChanges.value = [];
    try {
      const info = await api.call('images.inspect', { ref });
      if (mine !== opening) return;
      image.value = info;
      expanded.value = new Set();
      await select(info.layers.length - 1);
      const all = await Promise.all(info.layers.map((_, index) => api.call('images.tree', { ref: info.id, layer: index, merged: false })));
      if (mine === opening) layerChanges.value = all.map((answer) => answer.root);
    } catch (cause) {
      if (mine === opening) error.value = errorMessage(cause);
    }
  }

  async function select(index: number): Promise<void> {
    layer.value = index;
    await loadTree();
  }

  async function setMerged(on: boolean): Promise<void> {
    merged.value = on;
    await loadTree();
  }

  async function loadTree(): Promise<void> {
    const info = image.value;
    if (!info) return;
    const mine = ++treeRequest;
    treeLoading.value = true;
    try {
      const answer = await api.call('images.tree', { ref: info.id, layer: layer.value, merged: merged.value });
      if (mine !== treeRequest) return;
      tree.value = answer.root;
      // A small tree opens whole; a large one starts folded.
      if (answer.root.count <= AUTO_EXPAND_ENTRIES) expanded.value = new Set(allDirectories(answer.root));
    } catch (cause) {
      if (mine === treeRequest) error.value = errorMessage(cause);
    } finally {
      if (mine === treeRequest) treeLoading.value = false;
    }
  }

  function toggle(path: string, open?: boolean): void {
    const next = new Set(expanded.value);
    if (open ?? !next.has(path)) next.add(path);
    else next.delete(path);
    expanded.value = next;
  }

  function expandAll(on: boolean): void {
    expanded.value = new Set(on && tree.value ? allDirectories(tree.value) : []);
  }

  function toggleChange(mark: ChangeMark, on: boolean): void {
    const next = new Set(changes.value);
    if (on) next.add(mark);
    else next.delete(mark);
    changes.value = next;
  }

  function close(): void {
    opening++;
    treeRequest++;
    image.value = undefined;
    tree.value = undefined;
    layerChanges.value = [];
  }

  return { image, error, layer, merged, tree, treeLoading, layerChanges, pathFilter, changes, sort, expanded, rows, wasted, wastedByLayer, open, select, setMerged, toggle, expandAll, toggleChange, close };
});
