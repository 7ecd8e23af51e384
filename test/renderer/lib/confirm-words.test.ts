// What a destructive action will do, in words (src-renderer/src/lib/confirm-words.ts): exact
// about what goes and what stays — killed first, host folders kept, shared layers kept.
import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '@shared/api/types/containers';
import type { RemoveResult } from '@shared/api/types/images';
import { imageRemovedMessage, killContainersQuestion, removeContainersQuestion, removeImageQuestion } from '../../../src-renderer/src/lib/confirm-words';
import { container, hexId, image } from '../records';

const WEB: ContainerRecord = { ...container({ id: hexId('a1'), name: 'web', status: 'running', image: 'nginx:1' }), imageVolumes: ['/data'], options: { volumes: [{ source: '/srv/site', destination: '/usr/share/nginx/html', readonly: true }] } };
const DB = container({ id: hexId('b2'), name: 'db', status: 'exited' });
const IMAGE = image({ id: `sha256:${hexId('1b')}`, tags: ['app:1'], layers: 3 });
/** The dry run of a delete that frees the image's top `layers` layers (1000 B of files each). */
const deleted = (layers: number, bytes: number): RemoveResult => ({ untagged: ['app:1'], kept: [], deleted: [IMAGE.id], freed: { blobs: [], layers: IMAGE.layers.slice(3 - layers).map((l) => l.chainId), bytes }, dryRun: true });

describe('containers', () => {
  it('removing a running one: killed first; its layer, volumes, log go; its image and host folders stay', () => {
    expect(removeContainersQuestion([WEB])).toEqual({
      title: 'Remove web?',
      words: {
        lines: [
          'web is running: it will be killed first (SIGKILL), with no time to shut down.',
          'Its own layer (every file it changed), its anonymous volumes, its log and its stats history are deleted. The image nginx:1 stays.',
          'The host folders it mounts (/srv/site) are left as they are.',
          'This cannot be undone.',
        ],
        action: 'Kill and remove web',
        danger: true,
      },
    });
    expect(removeContainersQuestion([DB]).words.action).toBe('Remove db');
    expect(removeContainersQuestion([DB]).words.lines[0]).toMatch(/^Its own layer/);
  });

  it('removing several: one question, each listed with its state', () => {
    const { title, words } = removeContainersQuestion([WEB, DB]);
    expect(title).toBe('Remove 2 containers?');
    expect(words.items).toEqual(['web — running', 'db — exited']);
    expect(words.lines[0]).toBe('1 of them is running: killed first (SIGKILL), with no time to shut down.');
    expect(words.action).toBe('Kill and remove 2 containers');
    expect(removeContainersQuestion([WEB, { ...WEB, name: 'web2' }]).words.lines[0]).toBe('Both are running: killed first (SIGKILL), with no time to shut down.');
    expect(removeContainersQuestion([DB, DB]).words.action).toBe('Remove 2 containers');
  });

  it('kill: what it does, and what stop does instead (its own signal and grace time)', () => {
    expect(killContainersQuestion([WEB]).words.lines).toEqual([
      'Every process in web gets SIGKILL at once: nothing can save its work or clean up.',
      'Stop asks first: it sends SIGTERM and waits 10 s before it kills.',
    ]);
    expect(killContainersQuestion([WEB, DB]).words).toMatchObject({ items: ['web', 'db'], action: 'Kill 2 containers', danger: true });
  });
});

describe('images', () => {
  it('an untag: the tags it keeps, nothing freed, undoable (not red)', () => {
    const preview: RemoveResult = { untagged: ['app:1'], kept: ['app:latest', 'app:stable'], deleted: [], freed: { blobs: [], layers: [], bytes: 0 }, dryRun: true };
    expect(removeImageQuestion('app:1', preview, IMAGE)).toEqual({
      title: 'Untag app:1?',
      words: { lines: ['The image keeps app:latest, app:stable: nothing is deleted and no space is freed.', 'You can undo it from the message that follows.'], action: 'Untag app:1', danger: false },
    });
    expect(imageRemovedMessage('app:1', { ...preview, dryRun: undefined })).toEqual({ title: 'Untagged app:1', detail: 'The image keeps app:latest, app:stable.' });
  });

  it('a delete: how many of its layers go and their files (the list\'s Unique), what stays shared, the bytes freed on disk', () => {
    expect(removeImageQuestion('app:1', deleted(1, 2 * 1024 * 1024), IMAGE).words.lines).toEqual([
      'Deletes the image 1b1b1b1b1b1b (tagged app:1).',
      '1 of its 3 layers goes with it (1000 B of files); the other 2 stay: other images or containers use them.',
      "Frees 2 MiB on disk, the compressed layers and the image's documents included. This cannot be undone.",
    ]);
    expect(removeImageQuestion('app:1', deleted(3, 4096), IMAGE).words.lines[1]).toBe('All 3 layers go with it (2.93 KiB of files).');
    const single = image({ id: IMAGE.id, layers: 1 });
    expect(removeImageQuestion('app:1', { ...deleted(0, 4096), freed: { blobs: [], layers: [single.layers[0]!.chainId], bytes: 4096 } }, single).words.lines[1]).toBe('Its layer goes with it (1000 B of files).');
    expect(removeImageQuestion('app:1', deleted(0, 900), IMAGE).words.lines.slice(1)).toEqual([
      'All of its layers stay: other images or containers use them.',
      "Frees 900 B on disk, the image's documents included. This cannot be undone.",
    ]);
    expect(removeImageQuestion('app:1', deleted(2, 10)).words).toMatchObject({ action: 'Delete image', danger: true });
    expect(removeImageQuestion('app:1', deleted(2, 10)).words.lines[1]).toBe('2 layers go with it.');
    expect(imageRemovedMessage('app:1', deleted(1, 2048))).toEqual({ title: 'Deleted app:1', detail: '1 layer removed, 2 KiB freed.' });
    expect(imageRemovedMessage('app:1', deleted(0, 10)).detail).toBe('No layer removed (all shared); 10 B freed.');
  });
});
