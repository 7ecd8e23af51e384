// The images: the list with the disk numbers of each, and what the user does to them
// (import, tag, remove, prune). Imports and prunes are jobs (see the jobs store). A removal
// asks first, in the words of the engine's dry run (untag, or delete and free so much); an
// untag can be undone from its toast. What a dialog asked for (import, build, tag, prune)
// throws its failure back to the dialog, which shows it: no toast says it a second time (nor
// a build's success, which its dialog shows).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import { isApiError } from '@shared/api/api-error';
import type { JobOptions } from '@shared/api/client';
import type { MethodInput } from '@shared/api/contract';
import type { ContainerfileOutline, ImageInfo, ImportFormat, ImportedImage, PruneResult, RemoveResult } from '@shared/api/types/images';
import { type ConfirmWords, imageRemovedMessage, removeImageQuestion } from '../lib/confirm-words';
import { useConfirmStore } from './confirm';
import { useDiskStore } from './disk';
import { useJobsStore } from './jobs';
import { useToastsStore } from './toasts';

export const useImagesStore = defineStore('images', () => {
  const toasts = useToastsStore();
  const jobs = useJobsStore();
  const disk = useDiskStore();
  const confirm = useConfirmStore();
  const list = shallowRef<ImageInfo[]>([]);
  const loaded = ref(false);
  const loadError = ref<string | undefined>();
  const search = ref('');

  const filtered = computed(() => {
    const text = search.value.trim().toLowerCase();
    if (!text) return list.value;
    return list.value.filter((image) => image.tags.some((tag) => tag.toLowerCase().includes(text)) || image.id.replace('sha256:', '').startsWith(text));
  });

  // A job that made images this list lacks, or a prune, ran elsewhere too (the CLI through
  // the same engine, another window): read the list again, so a job card's image links open.
  api.on('jobs.done', (job) => {
    if (job.state !== 'succeeded') return;
    if (job.kind === 'images.prune' || job.made?.images.some((image) => !list.value.some((known) => known.id === image.id))) void load();
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
    } finally {
      await load();
    }
  }

  /**
   * Builds an image from a Containerfile: a job, in Jobs too. `options` hears of the job
   * (its id, to cancel) and of every line of its output (the Build dialog's log).
   */
  async function build(input: MethodInput<'images.build'>, options: Pick<JobOptions, 'onStarted' | 'onOutput'> = {}): Promise<void> {
    try {
      await jobs.run('images.build', input, options);
      // the Build dialog says it ended, itself or (once closed) in a toast
    } finally {
      await load();
    }
  }

  async function tag(source: string, target: string): Promise<void> {
    try {
      await api.call('images.tag', { source, target });
      toasts.success(`Tagged ${target}`);
    } finally {
      await load();
    }
  }

  /**
   * Removes `ref` once the person agrees to what the engine says it would do (a dry run):
   * untag it (the image keeps its other tags) or delete the image and free so many bytes.
   * `users` (the containers made from it) are named when the engine refuses for them.
   * Resolves with what was done, or undefined when the person said no.
   */
  async function remove(ref: string, users: readonly string[] = []): Promise<RemoveResult | undefined> {
    const image = find(ref);
    const words = api.call('images.remove', { ref, dryRun: true }).then(
      (preview): ConfirmWords => {
        const question = removeImageQuestion(ref, preview, image);
        return { ...question.words, title: question.title };
      },
      (error: unknown): ConfirmWords => {
        if (!isApiError(error, 'CONFLICT') || users.length === 0) throw error;
        const those = users.length === 1 ? `container ${users[0]}` : `containers ${users.join(', ')}`;
        return { lines: [], action: '', danger: true, refusal: `${ref} is the image of ${those}: remove ${users.length === 1 ? 'it' : 'them'} first. A container needs its image's layers for as long as it exists.` };
      },
    );
    if (!(await confirm.ask(`Remove ${ref}?`, words))) return undefined;
    return removeNow(ref);
  }

  /**
   * One of an image's several tags, without asking: its toast offers Undo. Should the engine
   * say that more would go (the other tags went meanwhile), it asks as remove() does.
   */
  async function untag(tag: string): Promise<RemoveResult | undefined> {
    let preview: RemoveResult;
    try {
      preview = await api.call('images.remove', { ref: tag, dryRun: true });
    } catch (error) {
      toasts.error(`Could not untag ${tag}`, error);
      throw error;
    }
    return preview.deleted.length ? remove(tag) : removeNow(tag);
  }

  async function removeNow(ref: string): Promise<RemoveResult> {
    try {
      const result = await api.call('images.remove', { ref });
      const message = imageRemovedMessage(ref, result);
      const keeper = result.deleted.length === 0 ? result.kept[0] : undefined;
      toasts.success(message.title, message.detail, keeper ? { label: 'Undo', run: () => tag(keeper, ref).catch((error: unknown) => toasts.error(`Could not tag ${ref} again`, error)) } : undefined);
      return result;
    } catch (error) {
      toasts.error(`Could not remove ${ref}`, error);
      throw error;
    } finally {
      await load();
    }
  }

  /** What a prune would free, without freeing it: a call, so opening Prune… records no job. */
  function prunePreview(): Promise<PruneResult> {
    return api.call('images.prunePreview', {});
  }

  async function prune(): Promise<PruneResult> {
    try {
      const result = await jobs.run('images.prune', {});
      toasts.success('Pruned', `${result.images.length} images, ${result.freed.layers.length} layers removed`);
      return result;
    } finally {
      await load();
    }
  }

  /** A Containerfile's stages and ARGs, or why it does not parse (the Build dialog's lists and editor); reads only. */
  function containerfileOutline(input: MethodInput<'images.containerfileOutline'>): Promise<ContainerfileOutline> {
    return api.call('images.containerfileOutline', input);
  }

  return { list, loaded, loadError, search, filtered, find, load, importImage, build, containerfileOutline, tag, remove, untag, prunePreview, prune };
});
