// The layer tree store (src-renderer/src/stores/layerTree.ts) over a fake engine: an image
// opened at its top layer, small trees opened whole and large ones folded, the merged view,
// late answers for a layer or image no longer shown dropped, filters, a path's details
// (images.pathHistory), and the engine's wasted space (images.wasted): per-layer badges,
// one layer's wasted files, shown in the files' place.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageInfo, ImageTree, ImageWaste, PathHistory, TreeNode } from '@shared/api/types/images';
import { useLayerTreeStore } from '../../../src-renderer/src/stores/layerTree';
import { deferred, engine, settle } from '../fake-engine';
import { hexId, image, node, root } from '../records';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const IMAGE = image({ id: `sha256:${hexId('1a')}`, tags: ['app:1'], layers: 2 });

/** Layer 0 adds /bin/sh (1000 B); layer 1 overwrites it (1200 B) and adds /etc/motd. */
const OWN: TreeNode[] = [
  root([node('bin', {}, [node('bin/sh', { change: 'added', size: 1000 })])]),
  root([node('bin', {}, [node('bin/sh', { change: 'modified', size: 1200 })]), node('etc', { change: 'added' }, [node('etc/motd', { change: 'added', size: 10 })])]),
];
const MERGED = root([node('bin', {}, [node('bin/sh', { size: 1200, layer: 1 })]), node('etc', {}, [node('etc/motd', { size: 10, layer: 1 })])]);

/** A three-layer image, for the wasted space. */
const THREE = image({ id: `sha256:${hexId('3c')}`, tags: ['three:1'], layers: 3 });

/**
 * The engine's count for THREE (the store adds nothing to it): bin/sh's layer-0 version
 * (1000 B) overwritten by layer 1; etc/old written by layer 0 (50 B), overwritten by layer 1
 * (70 B), deleted by layer 2.
 */
const WASTE: ImageWaste = {
  id: THREE.id,
  totalBytes: 2330,
  wastedBytes: 1120,
  efficiency: 1210 / 2330,
  layers: [
    { index: 0, chainId: THREE.layers[0]!.chainId, bytes: 1050, wastedBytes: 1050 },
    { index: 1, chainId: THREE.layers[1]!.chainId, bytes: 1270, wastedBytes: 70 },
    { index: 2, chainId: THREE.layers[2]!.chainId, bytes: 10, wastedBytes: 0 },
  ],
  paths: [
    { path: 'bin/sh', bytes: 1000, versions: [{ layer: 0, bytes: 1000, hiddenBy: 1, how: 'overwritten' }] },
    {
      path: 'etc/old',
      bytes: 120,
      versions: [
        { layer: 0, bytes: 50, hiddenBy: 1, how: 'overwritten' },
        { layer: 1, bytes: 70, hiddenBy: 2, how: 'deleted' },
      ],
    },
  ],
};

const treeOf = (rootNode: TreeNode, layer: number): ImageTree => ({ root: rootNode, layer, truncated: false });
/** The store asks for layers by position. */
const position = (layer: number | string | undefined): number => (typeof layer === 'number' ? layer : 0);

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  engine.answer('images.inspect', ({ ref }) => (ref === 'app:1' || ref === IMAGE.id ? IMAGE : ref === 'three:1' ? THREE : Promise.reject(new Error(`no such image: ${ref}`))));
  engine.answer('images.tree', ({ layer, merged }) => treeOf(merged ? MERGED : OWN[position(layer)]!, position(layer)));
  engine.answer('images.wasted', () => WASTE);
});

const names = (rows: readonly { node: TreeNode; depth: number }[]) => rows.map((row) => `${'  '.repeat(row.depth)}${row.node.name}`);

describe('opening an image', () => {
  it('shows its top layer, opened whole when small, and the wasted space the engine counts', async () => {
    const store = useLayerTreeStore();
    await store.open('app:1');
    expect(store.image?.id).toBe(IMAGE.id);
    expect(store.layer).toBe(1);
    // One tree read (the layer shown), one count: no layer is read just to count waste.
    expect(engine.inputsOf('images.tree')).toEqual([{ ref: IMAGE.id, layer: 1, merged: false }]);
    expect(engine.inputsOf('images.wasted')).toEqual([{ ref: IMAGE.id }]);
    expect(names(store.rows)).toEqual(['bin', '  sh', 'etc', '  motd']);
    expect(store.waste).toBe(WASTE);
    expect(store.wasted).toBe(WASTE.paths);
    expect(store.treeLoading).toBe(false);
  });

  it('starts a large tree folded', async () => {
    const big = root([node('usr', { count: 61 }, [node('usr/lib', {}, [node('usr/lib/x')])])]);
    big.count = 61;
    engine.answer('images.tree', ({ layer }) => treeOf(big, position(layer)));
    const store = useLayerTreeStore();
    await store.open('app:1');
    expect(names(store.rows)).toEqual(['usr']);
    store.expandAll(true);
    expect(names(store.rows)).toEqual(['usr', '  lib', '    x']);
    store.toggle('usr/lib');
    expect(names(store.rows)).toEqual(['usr', '  lib']);
    store.expandAll(false);
    expect(names(store.rows)).toEqual(['usr']);
  });

  it('says why an image cannot be opened', async () => {
    const store = useLayerTreeStore();
    await store.open('nope:1');
    expect(store.error).toBe('no such image: nope:1');
    expect(store.tree).toBeUndefined();
  });

  it('keeps the image opened last when an earlier one answers late', async () => {
    const slow = deferred<ImageInfo>();
    const other = image({ id: `sha256:${hexId('2b')}`, tags: ['other:1'], layers: 1 });
    engine.answer('images.inspect', ({ ref }) => (ref === 'slow:1' ? slow.promise : other));
    const store = useLayerTreeStore();
    const first = store.open('slow:1');
    await store.open('other:1');
    slow.resolve(IMAGE);
    await first;
    expect(store.image?.id).toBe(other.id);
    expect(engine.inputsOf('images.tree').every((input) => input.ref === other.id)).toBe(true);
  });
});

describe('choosing what the tree shows', () => {
  it('switches layer and the merged view', async () => {
    const store = useLayerTreeStore();
    await store.open('app:1');
    await store.select(0);
    expect(names(store.rows)).toEqual(['bin', '  sh']);
    await store.setMerged(true);
    expect(engine.inputsOf('images.tree').at(-1)).toEqual({ ref: IMAGE.id, layer: 0, merged: true });
    expect(store.tree).toBe(MERGED);
  });

  it('shows the layer chosen last when an earlier choice answers late', async () => {
    const store = useLayerTreeStore();
    await store.open('app:1');
    const slow = deferred<ImageTree>();
    engine.answer('images.tree', ({ layer }) => (layer === 0 ? slow.promise : treeOf(OWN[1]!, 1)));
    const first = store.select(0);
    await store.select(1);
    expect(store.treeLoading).toBe(false);
    slow.resolve(treeOf(OWN[0]!, 0));
    await first;
    expect(store.tree).toBe(OWN[1]);
    expect(store.layer).toBe(1);
  });

  it('filters by path text (trimmed, case-blind) and by change mark', async () => {
    const store = useLayerTreeStore();
    await store.open('app:1');
    store.pathFilter = '  MOTD ';
    expect(names(store.rows)).toEqual(['etc', '  motd']);
    store.pathFilter = '';
    store.toggleChange('added', false);
    expect(names(store.rows)).toEqual(['bin', '  sh']);
    store.toggleChange('added', true);
    store.toggleChange('unchanged', false);
    store.toggleChange('modified', false);
    expect(names(store.rows)).toEqual(['etc', '  motd']);
  });

  it('does not filter the merged view by change mark, nor sort one layer by layer', async () => {
    const store = useLayerTreeStore();
    await store.open('app:1');
    store.toggleChange('added', false);
    store.toggleChange('unchanged', false);
    expect(store.filtering).toBe(true);
    await store.setMerged(true);
    expect(store.filtering).toBe(false); // the marks are each file's own layer's: every file shows
    expect(names(store.rows)).toEqual(['bin', '  sh', 'etc', '  motd']);
    store.sort = 'layer';
    await store.setMerged(false);
    expect(store.rows.length).toBeGreaterThan(0); // sorted by name
  });

  it('closing drops answers still on their way', async () => {
    const slow = deferred<ImageTree>();
    const store = useLayerTreeStore();
    await store.open('app:1');
    engine.answer('images.tree', () => slow.promise);
    const selecting = store.select(0);
    store.close();
    slow.resolve(treeOf(OWN[0]!, 0));
    await selecting;
    await settle();
    expect([store.image, store.tree, store.rows]).toEqual([undefined, undefined, []]);
    expect(store.wasted).toEqual([]);
  });
});

describe('wasted space', () => {
  beforeEach(() => engine.answer('images.tree', () => treeOf(OWN[1]!, 2)));

  it("gives each layer's badge, lists one layer's wasted versions when its badge is chosen, every layer's when chosen again", async () => {
    const store = useLayerTreeStore();
    await store.open('three:1');
    expect(engine.inputsOf('images.wasted')).toEqual([{ ref: THREE.id }]);
    expect(Object.fromEntries(store.wastedByLayer)).toEqual({ 0: 1050, 1: 70, 2: 0 });
    store.showWasted(1);
    expect(store.wasted).toEqual([{ path: 'etc/old', bytes: 70, versions: [{ layer: 1, bytes: 70, hiddenBy: 2, how: 'deleted' }] }]);
    store.showWasted(0);
    // Biggest first by what this layer wastes: bin/sh 1000, etc/old's layer-0 version 50.
    expect(store.wasted.map((entry) => [entry.path, entry.bytes])).toEqual([
      ['bin/sh', 1000],
      ['etc/old', 50],
    ]);
    store.showWasted(0);
    expect(store.wastedLayer).toBeUndefined();
    expect(store.wasted).toBe(WASTE.paths);
  });

  it('says why the count failed, and opening another image forgets the layer chosen', async () => {
    engine.fail('images.wasted', 'INVALID_ARCHIVE', 'layer index.json is damaged');
    const store = useLayerTreeStore();
    await store.open('three:1');
    expect(store.error).toBe('layer index.json is damaged');
    expect(store.waste).toBeUndefined();
    expect(store.tree).toBeDefined(); // the layer tree still shows
    engine.answer('images.wasted', () => WASTE);
    store.showWasted(0);
    await store.open('three:1');
    expect(store.wastedLayer).toBeUndefined();
    expect(store.waste).toBe(WASTE);
  });
});

describe("a path's details", () => {
  const PASSWD: PathHistory = { path: 'etc/passwd', changes: [{ layer: 0, change: 'added', kind: 'file', size: 30, mode: 0o644, uid: 0, gid: 0 }] };

  it('asks the engine what every layer did to the path, and keeps them across layers', async () => {
    engine.answer('images.pathHistory', () => PASSWD);
    const store = useLayerTreeStore();
    await store.open('app:1');
    const asking = store.showDetails('etc/passwd');
    expect(store.details).toEqual({ path: 'etc/passwd' }); // shown at once, answer to come
    await asking;
    expect(engine.inputsOf('images.pathHistory')).toEqual([{ ref: IMAGE.id, path: '/etc/passwd' }]);
    expect(store.details).toEqual({ path: 'etc/passwd', history: PASSWD });
    await store.select(0);
    expect(store.details?.history).toBe(PASSWD);
    store.closeDetails();
    expect(store.details).toBeUndefined();
  });

  it('gives a directory no layer lists an empty history, and says why other failures happened', async () => {
    engine.fail('images.pathHistory', 'NOT_FOUND', 'no layer of app:1 has /implied');
    const store = useLayerTreeStore();
    await store.open('app:1');
    await store.showDetails('implied');
    expect(store.details).toEqual({ path: 'implied', history: { path: 'implied', changes: [] } });
    engine.fail('images.pathHistory', 'INVALID_ARCHIVE', 'layer index.json is damaged');
    await store.showDetails('etc/passwd');
    expect(store.details).toEqual({ path: 'etc/passwd', error: 'layer index.json is damaged' });
  });

  it('shows the path clicked last when an earlier one answers late, and forgets them for another image', async () => {
    const slow = deferred<PathHistory>();
    engine.answer('images.pathHistory', ({ path }) => (path === '/bin/sh' ? slow.promise : PASSWD));
    const store = useLayerTreeStore();
    await store.open('app:1');
    const first = store.showDetails('bin/sh');
    await store.showDetails('etc/passwd');
    slow.resolve({ path: 'bin/sh', changes: [] });
    await first;
    expect(store.details?.path).toBe('etc/passwd');
    await store.open('three:1');
    expect(store.details).toBeUndefined();
  });
});

describe('the wasted pane', () => {
  it('opens on a badge (or its tab), and a layer chosen goes back to the files', async () => {
    engine.answer('images.tree', () => treeOf(OWN[1]!, 2));
    const store = useLayerTreeStore();
    await store.open('three:1');
    expect(store.pane).toBe('files');
    store.showWasted(1);
    expect([store.pane, store.wastedLayer]).toEqual(['wasted', 1]);
    // The same badge again lists every layer's; the badge of a layer while the files show lists that layer's.
    store.showWasted(1);
    expect([store.pane, store.wastedLayer]).toEqual(['wasted', undefined]);
    await store.select(0);
    expect(store.pane).toBe('files');
    store.showWasted(0);
    expect([store.pane, store.wastedLayer]).toEqual(['wasted', 0]);
    await store.setMerged(true);
    expect(store.pane).toBe('files');
    store.setPane('wasted');
    expect([store.pane, store.wastedLayer]).toEqual(['wasted', 0]);
  });
});
