// The open image's layer tree: its layers bottom-up, the selected layer's file tree (its
// own changes, or everything merged up to it), the tree's filters, and the wasted space
// as the engine counts it (images.wasted): per layer, and the files one layer wastes.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import { type TreeView, allDirectories, treeRows } from '../lib/file-tree';
import type { ChangeMark, ImageInfo, ImageWaste, TreeNode, WastedPath } from '@shared/api/types/images';

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
  /** The engine's count of what later layers hide; undefined until it answers. */
  const waste = shallowRef<ImageWaste | undefined>();
  /** The layer whose wasted files are listed (its badge was clicked); undefined: every layer's. */
  const wastedLayer = ref<number | undefined>();
  const pathFilter = ref('');
  const changes = ref<Set<ChangeMark>>(new Set(CHANGE_MARKS));
  const sort = ref<'name' | 'size'>('name');
  const expanded = ref<Set<string>>(new Set());
  let opening = 0;
  let treeRequest = 0;

  const view = computed<TreeView>(() => ({ path: pathFilter.value.trim().toLowerCase(), changes: changes.value, sort: sort.value, expanded: expanded.value }));
  const rows = computed(() => (tree.value ? treeRows(tree.value, view.value) : []));
  /** Bytes per layer that later layers hide, as the engine counted them. */
  const wastedByLayer = computed(() => new Map((waste.value?.layers ?? []).map((own) => [own.index, own.wastedBytes])));
  /** The wasted paths to list: all, or only the versions the chosen layer wrote (the engine's order kept). */
  const wasted = computed<WastedPath[]>(() => {
    const paths = waste.value?.paths ?? [];
    const only = wastedLayer.value;
    if (only === undefined) return paths;
    return paths.flatMap((entry) => {
      const versions = entry.versions.filter((version) => version.layer === only && version.bytes > 0);
      return versions.length ? [{ ...entry, versions, bytes: versions.reduce((sum, version) => sum + version.bytes, 0) }] : [];
    }).sort((a, b) => b.bytes - a.bytes);
  });

  /** Opens an image at its top layer. */
  async function open(ref: string): Promise<void> {
    const mine = ++opening;
    error.value = undefined;
    tree.value = undefined;
    waste.value = undefined;
    wastedLayer.value = undefined;
    try {
      const info = await api.call('images.inspect', { ref });
      if (mine !== opening) return;
      image.value = info;
      expanded.value = new Set();
      await select(info.layers.length - 1);
      const counted = await api.call('images.wasted', { ref: info.id });
      if (mine === opening) waste.value = counted;
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

  /** Lists only what `index` wastes; the same layer again (or undefined) lists every layer's. */
  function showWasted(index: number | undefined): void {
    wastedLayer.value = index === wastedLayer.value ? undefined : index;
  }

  function close(): void {
    opening++;
    treeRequest++;
    image.value = undefined;
    tree.value = undefined;
    waste.value = undefined;
    wastedLayer.value = undefined;
  }

  return { image, error, layer, merged, tree, treeLoading, waste, wastedLayer, pathFilter, changes, sort, expanded, rows, wasted, wastedByLayer, open, select, setMerged, toggle, expandAll, toggleChange, showWasted, close };
});
