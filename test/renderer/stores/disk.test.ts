// The disk store (src-renderer/src/stores/disk.ts) over a fake engine: the store's usage as
// read, how many images share each layer, and layers bucketed by how many images share them.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreDiskUsage } from '@shared/api/types/images';
import { useDiskStore } from '../../../src-renderer/src/stores/disk';
import { engine } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const USAGE: StoreDiskUsage = {
  images: [
    { id: 'sha256:a', tags: ['a:1'], size: 700, shared: 500, unique: 200 },
    { id: 'sha256:b', tags: ['b:1'], size: 600, shared: 500, unique: 100 },
  ],
  layers: [
    { chainId: 'base', size: 500, usedBy: ['sha256:a', 'sha256:b'] },
    { chainId: 'a-top', size: 200, usedBy: ['sha256:a'] },
    { chainId: 'b-top', size: 100, usedBy: ['sha256:b'] },
    { chainId: 'orphan', size: 50, usedBy: [] },
  ],
  logicalBytes: 1300,
  layerBytes: 850,
  blobBytes: 400,
  stagingBytes: 0,
  savedBytes: 500,
  reclaimableBytes: 50,
};

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
});

describe('disk store', () => {
  it('has nothing to show before it has read the usage', () => {
    const store = useDiskStore();
    expect(store.usage).toBeUndefined();
    expect(store.sharing.size).toBe(0);
    expect(store.sharingBuckets).toEqual([]);
  });

  it('counts the images of each layer and buckets layers by that count, fewest first', async () => {
    engine.answer('disk.usage', () => USAGE);
    const store = useDiskStore();
    await store.load();
    expect(Object.fromEntries(store.sharing)).toEqual({ base: 2, 'a-top': 1, 'b-top': 1, orphan: 0 });
    expect(store.byImage.get('sha256:b')).toEqual({ id: 'sha256:b', tags: ['b:1'], size: 600, shared: 500, unique: 100 });
    expect(store.sharingBuckets).toEqual([
      { images: 0, layers: 1, bytes: 50 },
      { images: 1, layers: 2, bytes: 300 },
      { images: 2, layers: 1, bytes: 500 },
    ]);
  });

  it('keeps the last usage it read and says why a new read failed, until one works', async () => {
    engine.answer('disk.usage', () => USAGE);
    const store = useDiskStore();
    await store.load();
    engine.fail('disk.usage', 'INTERNAL', 'cannot read layers/');
    await store.load();
    expect(store.error).toBe('cannot read layers/');
    expect(store.usage).toEqual(USAGE);
    engine.answer('disk.usage', () => ({ ...USAGE, layers: [] }));
    await store.load();
    expect(store.error).toBeUndefined();
    expect(store.sharingBuckets).toEqual([]);
  });
});
