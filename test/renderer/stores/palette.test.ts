// The command palette store (src-renderer/src/stores/palette.ts): commands built from the
// views, the dialogs and every container and image (a container's actions as its state
// allows, less what the engine cannot do), matched by every word of the query, earliest
// match first, and run on choice.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useContainersStore } from '../../../src-renderer/src/stores/containers';
import { useDialogsStore } from '../../../src-renderer/src/stores/dialogs';
import { useImagesStore } from '../../../src-renderer/src/stores/images';
import { useNavigationStore } from '../../../src-renderer/src/stores/navigation';
import { usePaletteStore } from '../../../src-renderer/src/stores/palette';
import { useSystemStore } from '../../../src-renderer/src/stores/system';
import type { SystemInfo } from '@shared/api/types/system';
import { engine, settle } from '../fake-engine';
import { container, hexId, image } from '../records';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const WEB = container({ id: hexId('a1'), name: 'web', status: 'running' });
const CRON = container({ id: hexId('b2'), name: 'cron', status: 'exited' });
const UNTAGGED = image({ id: `sha256:${hexId('9f')}` });

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  useContainersStore().list = [WEB, CRON];
  useImagesStore().list = [image({ id: `sha256:${hexId('1b')}`, tags: ['busybox:latest'] }), UNTAGGED];
});

const titles = (commands: readonly { title: string }[]) => commands.map((c) => c.title);

describe('commands', () => {
  it('offers views, dialogs, each container\'s actions for its state, and each image', () => {
    const all = titles(usePaletteStore().commands);
    expect(all.slice(0, 9)).toEqual(['Go to Containers', 'Go to Images', 'Go to Disk', 'Go to Jobs', 'Run a container…', 'Import an image…', 'Pull an image from a registry…', 'Build an image from a Containerfile…', 'Prune unused images and layers…']);
    expect(all.slice(9)).toEqual([
      'Open web',
      'Stop web',
      'Restart web',
      'Pause web',
      'Kill web',
      'Remove web',
      'Open cron',
      'Start cron',
      'Remove cron',
      'Open image busybox:latest',
      'Run busybox:latest…',
      'Open image 9f9f9f9f9f9f', // no tag: its short id
      'Run 9f9f9f9f9f9f…',
    ]);
  });

  it('calls a paused container\'s unpause "Resume"', () => {
    useContainersStore().list = [container({ id: hexId('c3'), name: 'db', status: 'paused' })];
    expect(titles(usePaletteStore().commands).filter((t) => t.endsWith(' db'))).toEqual(['Open db', 'Resume db', 'Stop db', 'Kill db', 'Remove db']);
  });

  it('offers no Pause where the engine says it cannot pause (the ⋯ menu says why)', () => {
    const reason = 'rootless on cgroup v1 gives containers no cgroup';
    useSystemStore().info = { capabilities: { pause: { ok: false, reason } } } as SystemInfo;
    expect(titles(usePaletteStore().commands).filter((t) => t.endsWith(' web'))).toEqual(['Open web', 'Stop web', 'Restart web', 'Kill web', 'Remove web']);
  });
});

describe('matching', () => {
  it('keeps the commands with every word, earliest match of the first word first', () => {
    const palette = usePaletteStore();
    palette.query = 'WEB';
    expect(titles(palette.matches)).toEqual(['Open web', 'Stop web', 'Kill web', 'Pause web', 'Remove web', 'Restart web']); // ties keep their order
    palette.query = '  busy   RUN ';
    expect(titles(palette.matches)).toEqual(['Run busybox:latest…']);
    palette.query = 'run';
    // Words match inside words too: "Prune" has "run", later in its title.
    expect(titles(palette.matches)).toEqual(['Run a container…', 'Run busybox:latest…', 'Run 9f9f9f9f9f9f…', 'Prune unused images and layers…']);
    palette.query = 'open busybox';
    expect(titles(palette.matches)).toEqual(['Open image busybox:latest']);
    palette.query = 'zzz';
    expect(palette.matches).toEqual([]);
  });

  it('shows at most 50, with or without a query', () => {
    useContainersStore().list = Array.from({ length: 30 }, (_, i) => container({ id: hexId(`${i}`.padStart(2, '0')), name: `c${i}`, status: 'exited' }));
    const palette = usePaletteStore();
    expect(palette.commands).toHaveLength(9 + 30 * 3 + 4);
    expect(palette.matches).toHaveLength(50);
    palette.query = 'c';
    expect(palette.matches).toHaveLength(50);
  });
});

describe('running a command', () => {
  it('closes the palette and does what the command says', async () => {
    const palette = usePaletteStore();
    palette.show();
    palette.query = 'pull';
    palette.execute(palette.matches[0]!);
    expect(palette.open).toBe(false);
    expect(useNavigationStore().current).toBe('images');
    expect(useDialogsStore().open).toBe('pull');

    palette.show();
    expect(palette.query).toBe(''); // a fresh query each time it opens
    palette.execute(palette.commands.find((c) => c.id === `open:${CRON.id}`)!);
    expect([useNavigationStore().current, useNavigationStore().detail]).toEqual(['containers', CRON.id]);
    palette.execute(palette.commands.find((c) => c.id === `run:${UNTAGGED.id}`)!);
    expect([useDialogsStore().open, useDialogsStore().subject]).toEqual(['run', UNTAGGED.id]);
  });

  it('acts on a container through the containers store', async () => {
    // the engine answers a start with the record as it now is: the store takes it as it is
    engine.answer('containers.start', () => ({ ...CRON, state: { status: 'running' as const } }));
    const palette = usePaletteStore();
    palette.execute(palette.commands.find((c) => c.id === `start:${CRON.id}`)!);
    await settle();
    expect(engine.inputsOf('containers.start')).toEqual([{ ref: CRON.id }]);
    expect(useContainersStore().byId.get(CRON.id)?.state.status).toBe('running');
  });
});
