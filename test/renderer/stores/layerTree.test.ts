// The layer tree store (src-renderer/src/stores/layerTree.ts) over a fake engine: an image
// opened at its top layer, small trees opened whole and large ones folded, the merged view,
// late answers for a layer or image no longer shown dropped, filters, and wasted space from
// every layer's own changes.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageInfo, ImageTree, TreeNode } from '@shared/api/types/images';
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

const treeOf = (rootNode: TreeNode, layer: number): ImageTree => ({ root: rootNode, layer, truncated: false });
/** The store asks for layers by position. */
const position = (layer: number | string | undefined): number => (typeof layer === 'number' ? layer : 0);

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  engine.answer('images.inspect', ({ ref }) => (ref === 'app:1' || ref === IMAGE.id ? IMAGE : Promise.reject(new Error(`no such image: ${ref}`))));
  engine.answer('images.tree', ({ layer, merged }) => treeOf(merged ? MERGED : OWN[position(layer)]!, position(layer)));
});

const names = (rows: readonly { node: TreeNode; depth: number }[]) => rows.map((row) => `${'  '.repeat(row.depth)}${row.node.name}`);

describe('opening an image', () => {
  it('shows its top layer, opened whole when small, and reads every layer for the wasted space', async () => {
    const store = useLayerTreeStore();
    await store.open('app:1');
    expect(store.image?.id).toBe(IMAGE.id);
    expect(store.layer).toBe(1);
    expect(engine.inputsOf('images.tree')).toEqual([
      { ref: IMAGE.id, layer: 1, merged: false },
      { ref: IMAGE.id, layer: 0, merged: false },
      { ref: IMAGE.id, layer: 1, merged: false },
    ]);
    expect(names(store.rows)).toEqual(['bin', '  sh', 'etc', '  motd']);
    expect(store.wasted).toEqual([{ path: 'bin/sh', layer: 0, size: 1000, by: 1, how: 'overwritten' }]);
    expect(Object.fromEntries(store.wastedByLayer)).toEqual({ 0: 1000 });
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
