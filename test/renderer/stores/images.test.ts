// The images store (src-renderer/src/stores/images.ts) over a fake engine: the list (and the
// disk numbers) read together, newest first; search and lookup by tag or id; and import,
// tag, remove and prune — each ending in a toast and a fresh list; the failures of what a
// dialog asked for (import, build, tag, prune) thrown on for the dialog to show, and no toast
// besides. A removal asks first in the words of the engine's dry run; an untag is undone from
// its toast (a failed Undo is a toast: no dialog is there to say it); a prune's preview is no job.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageInfo, RemoveResult, StoreDiskUsage } from '@shared/api/types/images';
import type { JobInfo } from '@shared/api/types/jobs';
import { useConfirmStore } from '../../../src-renderer/src/stores/confirm';
import { useDiskStore } from '../../../src-renderer/src/stores/disk';
import { useImagesStore } from '../../../src-renderer/src/stores/images';
import { useToastsStore } from '../../../src-renderer/src/stores/toasts';
import { engine, settle } from '../fake-engine';
import { hexId, image } from '../records';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const BUSYBOX = image({ id: `sha256:${hexId('1b')}`, tags: ['busybox:latest', 'busybox:1.36'], created: '2024-04-01T00:00:00Z' });
const APP = image({ id: `sha256:${hexId('2a')}`, tags: ['registry.local/App:v2'], created: '2024-05-01T00:00:00Z' });
const DANGLING = image({ id: `sha256:${hexId('3c')}` }); // no tag, no date
const USAGE: StoreDiskUsage = { images: [], layers: [], logicalBytes: 0, layerBytes: 0, blobBytes: 0, stagingBytes: 0, savedBytes: 0, reclaimableBytes: 0 };

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  engine.answer('images.list', () => [BUSYBOX, DANGLING, APP]);
  engine.answer('disk.usage', () => USAGE);
});

const tagsOf = (list: readonly ImageInfo[]) => list.map((i) => i.tags[0] ?? i.id.slice(7, 11));
const toasts = () => useToastsStore().toasts.map(({ kind, title, detail }) => ({ kind, title, detail }));

/** rmi as the engine answers it: `kept` tags (an untag), or the image deleted with `layers` freed. */
function removal(ref: string, fields: { kept?: string[]; layers?: string[]; bytes?: number }, dryRun?: boolean): RemoveResult {
  const untag = (fields.kept ?? []).length > 0;
  return {
    untagged: [ref],
    kept: fields.kept ?? [],
    deleted: untag ? [] : [APP.id],
    freed: { blobs: [], layers: fields.layers ?? [], bytes: fields.bytes ?? 0 },
    ...(dryRun ? { dryRun: true as const } : {}),
  };
}

describe('the list', () => {
  it('reads the images and the disk numbers together, newest first, undated last', async () => {
    const store = useImagesStore();
    await store.load();
    expect(tagsOf(store.list)).toEqual(['registry.local/App:v2', 'busybox:latest', '3c3c']);
    expect(store.loaded).toBe(true);
    expect(useDiskStore().usage).toEqual(USAGE);
  });

  it('says why it could not read the list', async () => {
    engine.fail('images.list', 'INTERNAL', 'index.json is not JSON');
    const store = useImagesStore();
    await store.load();
    expect(store.loadError).toBe('index.json is not JSON');
    expect(store.loaded).toBe(true);
    expect(store.list).toEqual([]);
  });

  it('searches tags case-blind and ids from their start', async () => {
    const store = useImagesStore();
    await store.load();
    store.search = ' app ';
    expect(tagsOf(store.filtered)).toEqual(['registry.local/App:v2']);
    store.search = '1.36';
    expect(tagsOf(store.filtered)).toEqual(['busybox:latest']);
    store.search = '3c3c';
    expect(tagsOf(store.filtered)).toEqual(['3c3c']);
    store.search = 'c3c3'; // inside the id only
    expect(store.filtered).toEqual([]);
    store.search = '';
    expect(store.filtered).toHaveLength(3);
  });

  it('finds an image by id, tag, or id prefix with or without the algorithm', async () => {
    const store = useImagesStore();
    await store.load();
    expect(store.find(BUSYBOX.id)).toBe(BUSYBOX);
    expect(store.find('busybox:1.36')).toBe(BUSYBOX);
    expect(store.find('2a2a2a')).toBe(APP);
    expect(store.find('sha256:3c3c')).toBe(DANGLING);
    expect(store.find('busybox')).toBeUndefined(); // a repository without its tag is not a tag
  });
});

describe('changing the images', () => {
  it('imports through a job, naming what came in, and reads the list again', async () => {
    const store = useImagesStore();
    const job = engine.answerJob('images.import');
    const importing = store.importImage({ path: '/tmp/two.tar' });
    await settle();
    engine.emit('jobs.done', { id: job, kind: 'images.import', state: 'succeeded', startedAt: '', result: [{ id: 'sha256:a', manifestDigest: 'sha256:m', tags: ['a:1', 'b:2'], layers: [] }] });
    await importing;
    expect(toasts()).toEqual([{ kind: 'success', title: 'Imported a:1, b:2', detail: undefined }]);
    expect(engine.inputsOf('images.list')).toHaveLength(1);
  });

  it('counts untagged imports', async () => {
    const store = useImagesStore();
    const job = engine.answerJob('images.import');
    const importing = store.importImage({ path: '/tmp/x', format: 'oci' });
    await settle();
    const untagged = { id: 'sha256:a', manifestDigest: 'sha256:m', tags: [], layers: [] };
    engine.emit('jobs.done', { id: job, kind: 'images.import', state: 'succeeded', startedAt: '', result: [untagged, untagged] });
    await importing;
    expect(toasts()[0]?.title).toBe('Imported 2 images');
  });

  it('throws a failed import on to its dialog, with no toast, and still reads the list', async () => {
    const store = useImagesStore();
    const job = engine.answerJob('images.import');
    const importing = store.importImage({ path: '/tmp/bad.tar' });
    await settle();
    engine.emit('jobs.done', { id: job, kind: 'images.import', state: 'failed', startedAt: '', error: { code: 'INVALID_ARCHIVE', message: 'unexpected end of archive' } });
    await expect(importing).rejects.toThrow('unexpected end of archive');
    expect(toasts()).toEqual([]);
    expect(engine.inputsOf('images.list')).toHaveLength(1);
  });

  it('tags; removes after asking in the dry run\'s words, saying what the removal freed', async () => {
    const store = useImagesStore();
    await store.load();
    engine.answer('images.tag', ({ target }) => ({ tag: target }));
    engine.answer('images.remove', ({ ref, dryRun }) => removal(ref, { layers: APP.layers.map((layer) => layer.chainId), bytes: 4096 }, dryRun));
    await store.tag('busybox:latest', 'mine:1');
    const removing = store.remove('registry.local/App:v2');
    await settle();
    const confirm = useConfirmStore();
    expect(confirm.question).toEqual({
      title: 'Delete registry.local/App:v2?',
      words: {
        title: 'Delete registry.local/App:v2?',
        lines: [
          'Deletes the image 2a2a2a2a2a2a (tagged registry.local/App:v2).',
          'Its layer goes with it (1000 B of files).',
          "Frees 4 KiB on disk, the compressed layers and the image's documents included. This cannot be undone.",
        ],
        action: 'Delete image',
        danger: true,
      },
    });
    confirm.answer(true);
    expect((await removing)?.deleted).toEqual([APP.id]);
    expect(engine.inputsOf('images.tag')).toEqual([{ source: 'busybox:latest', target: 'mine:1' }]);
    expect(engine.inputsOf('images.remove')).toEqual([{ ref: 'registry.local/App:v2', dryRun: true }, { ref: 'registry.local/App:v2' }]);
    expect(toasts()).toEqual([
      { kind: 'success', title: 'Tagged mine:1', detail: undefined },
      { kind: 'success', title: 'Deleted registry.local/App:v2', detail: '1 layer removed, 4 KiB freed.' },
    ]);
  });

  it('removes nothing when the person says no', async () => {
    const store = useImagesStore();
    engine.answer('images.remove', ({ ref, dryRun }) => removal(ref, { kept: ['busybox:latest'] }, dryRun));
    const removing = store.remove('busybox:1.36');
    await settle();
    const confirm = useConfirmStore();
    expect(confirm.question?.title).toBe('Untag busybox:1.36?');
    expect(confirm.question?.words?.lines[0]).toBe('The image keeps busybox:latest: nothing is deleted and no space is freed.');
    expect(confirm.question?.words?.danger).toBe(false);
    confirm.answer(false);
    expect(await removing).toBeUndefined();
    expect(engine.inputsOf('images.remove')).toEqual([{ ref: 'busybox:1.36', dryRun: true }]);
    expect(toasts()).toEqual([]);
  });

  it('untags one of several tags at once, and its toast\'s Undo tags it again', async () => {
    const store = useImagesStore();
    engine.answer('images.remove', ({ ref, dryRun }) => removal(ref, { kept: ['busybox:latest'] }, dryRun));
    engine.answer('images.tag', ({ target }) => ({ tag: target }));
    await store.untag('busybox:1.36');
    expect(useConfirmStore().question).toBeUndefined();
    const toast = useToastsStore().toasts[0]!;
    expect([toast.title, toast.detail, toast.action?.label]).toEqual(['Untagged busybox:1.36', 'The image keeps busybox:latest.', 'Undo']);
    useToastsStore().act(toast.id);
    await settle();
    expect(engine.inputsOf('images.tag')).toEqual([{ source: 'busybox:latest', target: 'busybox:1.36' }]);
    expect(toasts().map((t) => t.title)).toEqual(['Tagged busybox:1.36']);
  });

  it('says a failed Undo in a toast: no dialog is open to say it', async () => {
    const store = useImagesStore();
    engine.answer('images.remove', ({ ref, dryRun }) => removal(ref, { kept: ['busybox:latest'] }, dryRun));
    engine.fail('images.tag', 'NOT_FOUND', 'no such image: busybox:latest');
    await store.untag('busybox:1.36');
    useToastsStore().act(useToastsStore().toasts[0]!.id);
    await settle();
    expect(toasts()).toEqual([{ kind: 'error', title: 'Could not tag busybox:1.36 again', detail: 'no such image: busybox:latest' }]);
  });

  it('throws a failed tag on to its dialog, with no toast', async () => {
    const store = useImagesStore();
    engine.fail('images.tag', 'INVALID_ARGUMENT', 'invalid reference "Not A Tag"');
    await expect(store.tag('busybox:latest', 'Not A Tag')).rejects.toThrow('invalid reference');
    expect(toasts()).toEqual([]);
  });

  it('an untag that would delete (the other tags went meanwhile) asks first', async () => {
    const store = useImagesStore();
    engine.answer('images.remove', ({ ref, dryRun }) => removal(ref, { layers: ['l1'], bytes: 10 }, dryRun));
    const untagging = store.untag('busybox:1.36');
    await settle();
    await settle();
    expect(useConfirmStore().question?.title).toBe('Delete busybox:1.36?');
    useConfirmStore().answer(false);
    expect(await untagging).toBeUndefined();
    expect(engine.inputsOf('images.remove').filter((input) => !input.dryRun)).toEqual([]);
  });

  it('an image a container uses: the question says which, and offers no way on', async () => {
    const store = useImagesStore();
    engine.fail('images.remove', 'CONFLICT', 'image busybox:latest is used by container 1a2b3c4d5e6f: remove the container first or use --force');
    const removing = store.remove('busybox:latest', ['web']);
    await settle();
    const confirm = useConfirmStore();
    expect(confirm.question?.words?.refusal).toBe("busybox:latest is the image of container web: remove it first. A container needs its image's layers for as long as it exists.");
    confirm.answer(true); // "yes" to a refusal goes nowhere
    expect(await removing).toBeUndefined();
    expect(engine.inputsOf('images.remove')).toEqual([{ ref: 'busybox:latest', dryRun: true }]);
  });

  it('shows the engine\'s reason when the dry run fails otherwise', async () => {
    const store = useImagesStore();
    engine.fail('images.remove', 'NOT_FOUND', 'no such image: gone:1');
    const removing = store.remove('gone:1');
    await settle();
    expect(useConfirmStore().question).toEqual({ title: 'Remove gone:1?', failure: 'no such image: gone:1' });
    useConfirmStore().answer(false);
    expect(await removing).toBeUndefined();
  });

  it('previews a prune with a call (no job recorded), and prunes through a job', async () => {
    const store = useImagesStore();
    engine.answer('images.prunePreview', () => ({ images: [], freed: { blobs: [], layers: ['l1'], bytes: 5 } }));
    expect((await store.prunePreview()).freed.bytes).toBe(5);
    expect(engine.inputsOf('images.prune')).toEqual([]);
  });

  it('prunes through a job and says what went', async () => {
    const store = useImagesStore();
    const job = engine.answerJob('images.prune');
    const pruning = store.prune();
    await settle();
    engine.emit('jobs.done', { id: job, kind: 'images.prune', state: 'succeeded', startedAt: '', result: { images: ['sha256:x', 'sha256:y'], freed: { blobs: [], layers: ['l1', 'l2'], bytes: 1 } } });
    expect((await pruning).images).toHaveLength(2);
    expect(engine.inputsOf('images.prune')).toEqual([{}]);
    expect(toasts()).toEqual([{ kind: 'success', title: 'Pruned', detail: '2 images, 2 layers removed' }]);
  });
});

describe('jobs run elsewhere', () => {
  it('reads the list again when a job made an image it lacks, or pruned; not for one it knows or a failure', async () => {
    const store = useImagesStore();
    await store.load();
    const reads = () => engine.inputsOf('images.list').length;
    const done = (fields: Partial<JobInfo>): JobInfo => ({ id: 'j', kind: 'images.build', state: 'succeeded', startedAt: '2024-05-01T00:00:00Z', ...fields });
    engine.emit('jobs.done', done({ made: { images: [{ id: BUSYBOX.id, name: 'busybox:latest' }] } }));
    engine.emit('jobs.done', done({ state: 'failed', error: { code: 'INVALID_ARGUMENT', message: 'no' } }));
    await settle();
    expect(reads()).toBe(1);
    engine.emit('jobs.done', done({ made: { images: [{ id: `sha256:${hexId('4d')}`, name: 'new:1' }] } }));
    await settle();
    expect(reads()).toBe(2);
    engine.emit('jobs.done', done({ kind: 'images.prune' }));
    await settle();
    expect(reads()).toBe(3);
  });
});
