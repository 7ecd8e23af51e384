// The open image's layer tree: its layers bottom-up, the selected layer's file tree (its
// own changes, or everything merged up to it), the tree's filters, one path's details
// (what every layer did to it: images.pathHistory), and the wasted space as the engine
// counts it (images.wasted): per layer, and the files one layer wastes.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { isApiError } from '@shared/api/api-error';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import { type TreeSort, type TreeView, allDirectories, isFiltering, treeRows } from '../lib/file-tree';
import type { ChangeMark, ImageInfo, ImageWaste, PathHistory, TreeNode, WastedPath } from '@shared/api/types/images';

/** Trees with at most this many entries open fully when shown. */
const AUTO_EXPAND_ENTRIES = 60;

export const CHANGE_MARKS: readonly ChangeMark[] = ['added', 'modified', 'deleted', 'unchanged'];

/** What the right-hand pane shows: the selected layer's files, or the image's wasted space. */
export type LayerPane = 'files' | 'wasted';

/** The path whose details show, and what the engine said of it. */
export interface PathDetails {
  path: string;
  /** Undefined while the engine is asked. */
  history?: PathHistory;
  error?: string;
}

export const useLayerTreeStore = defineStore('layerTree', () => {
  const image = shallowRef<ImageInfo | undefined>();
  const error = ref<string | undefined>();
  const layer = ref(0);
  const merged = ref(false);
  const pane = ref<LayerPane>('files');
  const tree = shallowRef<TreeNode | undefined>();
  const treeLoading = ref(false);
  /** The engine's count of what later layers hide; undefined until it answers. */
  const waste = shallowRef<ImageWaste | undefined>();
  /** The layer whose wasted files are listed (its badge was clicked); undefined: every layer's. */
  const wastedLayer = ref<number | undefined>();
  const pathFilter = ref('');
  const changes = ref<Set<ChangeMark>>(new Set(CHANGE_MARKS));
  const sort = ref<TreeSort>('name');
  const expanded = ref<Set<string>>(new Set());
  const details = shallowRef<PathDetails | undefined>();
  let opening = 0;
  let treeRequest = 0;
  let detailsRequest = 0;

  // The merged view's change marks are each file's own layer's: not a filter there. Nor is
  // "by layer" a sort of one layer's changes (all of them are that layer's).
  const view = computed<TreeView>(() => ({
    path: pathFilter.value.trim().toLowerCase(),
    changes: merged.value ? undefined : changes.value,
    sort: sort.value === 'layer' && !merged.value ? 'name' : sort.value,
    expanded: expanded.value,
  }));
  const rows = computed(() => (tree.value ? treeRows(tree.value, view.value) : []));
  /** Whether the filters hide rows (then the tree shows what matches, opened). */
  const filtering = computed(() => isFiltering(view.value));
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
    pane.value = 'files';
    closeDetails();
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

  /** Shows a layer's files (the details of a path stay: they follow the layer). */
  async function select(index: number): Promise<void> {
    layer.value = index;
    pane.value = 'files';
    await loadTree();
  }

  async function setMerged(on: boolean): Promise<void> {
    merged.value = on;
    pane.value = 'files';
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

  /**
   * Shows the wasted files: only what `index` wastes; the same layer again while they show
   * (or undefined) lists every layer's.
   */
  function showWasted(index: number | undefined): void {
    wastedLayer.value = index === wastedLayer.value && pane.value === 'wasted' ? undefined : index;
    pane.value = 'wasted';
  }

  function setPane(next: LayerPane): void {
    pane.value = next;
  }

  /** Asks the engine what every layer did to `path`; a directory no layer lists (only implied by the paths below it) has no changes. */
  async function showDetails(path: string): Promise<void> {
    const info = image.value;
    if (!info) return;
    const mine = ++detailsRequest;
    details.value = { path };
    try {
      const history = await api.call('images.pathHistory', { ref: info.id, path: `/${path}` });
      if (mine === detailsRequest) details.value = { path, history };
    } catch (cause) {
      if (mine !== detailsRequest) return;
      details.value = isApiError(cause, 'NOT_FOUND') ? { path, history: { path, changes: [] } } : { path, error: errorMessage(cause) };
    }
  }

  function closeDetails(): void {
    detailsRequest++;
    details.value = undefined;
  }

  function close(): void {
    opening++;
    treeRequest++;
    closeDetails();
    image.value = undefined;
    tree.value = undefined;
    waste.value = undefined;
    wastedLayer.value = undefined;
  }

  return {
    image,
    error,
    layer,
    merged,
    pane,
    tree,
    treeLoading,
    waste,
    wastedLayer,
    pathFilter,
    changes,
    sort,
    expanded,
    details,
    rows,
    filtering,
    wasted,
    wastedByLayer,
    open,
    select,
    setMerged,
    setPane,
    toggle,
    expandAll,
    toggleChange,
    showWasted,
    showDetails,
    closeDetails,
    close,
  };
});
