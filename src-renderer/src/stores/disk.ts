// What the store takes on disk: logical vs physical bytes, per image and per layer.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import type { StoreDiskUsage } from '@shared/api/types/images';

export const useDiskStore = defineStore('disk', () => {
  const usage = shallowRef<StoreDiskUsage | undefined>();
  const error = ref<string | undefined>();

  /** chain id → how many images use the layer. */
  const sharing = computed(() => new Map((usage.value?.layers ?? []).map((layer) => [layer.chainId, layer.usedBy.length])));
  /** image id → its shared/unique numbers. */
  const byImage = computed(() => new Map((usage.value?.images ?? []).map((image) => [image.id, image])));

  /** Layers grouped by how many images share them: [{ images: 1, layers: 3, bytes }, …]. */
  const sharingBuckets = computed(() => {
    const buckets = new Map<number, { images: number; layers: number; bytes: number }>();
    for (const layer of usage.value?.layers ?? []) {
      const n = layer.usedBy.length;
      const bucket = buckets.get(n) ?? { images: n, layers: 0, bytes: 0 };
      bucket.layers++;
      bucket.bytes += layer.size;
      buckets.set(n, bucket);
    }
    return [...buckets.values()].sort((a, b) => a.images - b.images);
  });

  async function load(): Promise<void> {
    try {
      usage.value = await api.call('disk.usage');
      error.value = undefined;
    } catch (cause) {
      error.value = errorMessage(cause);
    }
  }

  return { usage, error, sharing, byImage, sharingBuckets, load };
});
