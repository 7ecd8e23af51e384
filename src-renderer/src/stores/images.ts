// The images: the list with the disk numbers of each, and what the user does to them
// (import, tag, remove, prune). Imports and prunes are jobs (see the jobs store).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import type { JobOptions } from '@shared/api/client';
import type { ImageInfo, ImportFormat, ImportedImage, PruneResult } from '@shared/api/types/images';
import { useDiskStore } from './disk';
import { useJobsStore } from './jobs';
import { useToastsStore } from './toasts';

export const useImagesStore = defineStore('images', () => {
  const toasts = useToastsStore();
  const jobs = useJobsStore();
  const disk = useDiskStore();
  const list = shallowRef<ImageInfo[]>([]);
  const loaded = ref(false);
  const loadError = ref<string | undefined>();
  const search = ref('');

  const filtered = computed(() => {
    const text = search.value.trim().toLowerCase();
    if (!text) return list.value;
    return list.value.filter((image) => image.tags.some((tag) => tag.toLowerCase().includes(text)) || image.id.replace('sha256:', '').startsWith(text));
  });

  function find(ref: string): ImageInfo | undefined {
    return list.value.find((image) => image.id === ref || image.tags.includes(ref) || image.id.replace('sha256:', '').startsWith(ref.replace('sha256:', '')));
  }

  /** The images and the disk numbers, read again. */
  async function load(): Promise<void> {
    try {
      const [images] = await Promise.all([api.call('images.list'), disk.load()]);
      list.value = [...images].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
      loadError.value = undefined;
    } catch (error) {
      loadError.value = errorMessage(error);
    } finally {
      loaded.value = true;
    }
  }

  async function importImage(input: { path: string; format?: ImportFormat; tags?: string[]; repository?: string }): Promise<ImportedImage[]> {
    try {
      const imported = await jobs.run('images.import', input);
      toasts.success(`Imported ${imported.flatMap((image) => image.tags).join(', ') || `${imported.length} image${imported.length === 1 ? '' : 's'}`}`);
      return imported;
    } catch (error) {
      toasts.error(`Could not import ${input.path}`, error);
      throw error;
    } finally {
      await load();
    }
  }

  /**
   * Builds an image from a Containerfile: a job, in Jobs too. `options` hears of the job
   * (its id, to cancel) and of every line of its output (the Build dialog's log).
   */
  async function build(input: { contextDir: string; containerfile?: string; tags?: string[]; network?: 'host' | 'none' }, options: Pick<JobOptions, 'onStarted' | 'onOutput'> = {}): Promise<void> {
    try {
      await jobs.run('images.build', input, options);
      toasts.success(`Built ${input.tags?.join(', ') || 'an image'}`);
    } catch (error) {
      toasts.error(`Could not build ${input.contextDir}`, error);
      throw error;
    } finally {
      await load();
    }
  }

  async function tag(source: string, target: string): Promise<void> {
    try {
      await api.call('images.tag', { source, target });
      toasts.success(`Tagged ${target}`);
    } catch (error) {
      toasts.error(`Could not tag ${source} as ${target}`, error);
      throw error;
    } finally {
      await load();
    }
  }

  async function remove(ref: string, force = false): Promise<void> {
    try {
      const result = await api.call('images.remove', { ref, force });
      toasts.success(`Removed ${ref}`, result.freed.bytes > 0 ? `${result.freed.layers.length} layers freed` : undefined);
    } catch (error) {
      toasts.error(`Could not remove ${ref}`, error);
      throw error;
    } finally {
      await load();
    }
  }

  /** What a prune would free, without freeing it. */
  function prunePreview(): Promise<PruneResult> {
    return jobs.run('images.prune', { dryRun: true });
  }

  async function prune(): Promise<PruneResult> {
    try {
      const result = await jobs.run('images.prune', {});
      toasts.success('Pruned', `${result.images.length} images, ${result.freed.layers.length} layers removed`);
      return result;
    } catch (error) {
      toasts.error('Could not prune', error);
      throw error;
    } finally {
      await load();
    }
  }

  return { list, loaded, loadError, search, filtered, find, load, importImage, build, tag, remove, prunePreview, prune };
});
