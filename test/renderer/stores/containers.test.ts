// The containers store (src-renderer/src/stores/containers.ts) over a fake engine: the list
// loaded newest first and kept current by `containers.changed`, its filter and selection,
// and actions that mark a container busy and end in a toast (the engine's message on failure);
// remove and kill ask first, and a "no" does nothing. Run and update throw their failure to
// the form that asked, which shows it: no toast says it twice.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isApiError } from '@shared/api/api-error';
import type { ContainerRecord } from '@shared/api/types/containers';
import { availableActions, useContainersStore } from '../../../src-renderer/src/stores/containers';
import { useConfirmStore } from '../../../src-renderer/src/stores/confirm';
import { useToastsStore } from '../../../src-renderer/src/stores/toasts';
import { deferred, engine, settle } from '../fake-engine';
import { container, hexId } from '../records';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const WEB = container({ id: hexId('a1'), name: 'web', status: 'running', created: '2024-05-02T00:00:00Z', image: 'nginx:1.25' });
const DB = container({ id: hexId('b2'), name: 'db', status: 'exited', created: '2024-05-03T00:00:00Z', image: 'postgres:16' });
const OLD = container({ id: hexId('c3'), name: 'old', status: 'created', created: '2024-05-01T00:00:00Z' });

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
});

/** The store, started, with the list the engine has. */
async function started(list = [WEB, DB, OLD]) {
  engine.answer('containers.list', () => list);
  const store = useContainersStore();
  store.start();
  await settle();
  return store;
}

const names = (list: readonly { name: string }[]) => list.map((c) => c.name);

/** The question the store asked, answered: its title and first line. */
async function reply(yes: boolean): Promise<{ title: string; lines: string[]; action: string }> {
  await settle();
  const confirm = useConfirmStore();
  const { title, words } = confirm.question!;
  confirm.answer(yes);
  return { title, lines: words!.lines, action: words!.action };
}
const toasts = () => useToastsStore().toasts.map(({ kind, title, detail }) => ({ kind, title, detail }));

describe('the list', () => {
  it('loads every container, newest first, once however often it is started', async () => {
    const store = await started();
    store.start();
    await settle();
    expect(names(store.list)).toEqual(['db', 'web', 'old']);
    expect(store.loaded).toBe(true);
    expect(engine.inputsOf('containers.list')).toEqual([{ all: true }]);
    expect(engine.listening('containers.changed')).toBe(true);
  });

  it('merges changes: a known container replaced in place, a new one on top, a removed one gone', async () => {
    const store = await started();
    store.toggleSelected(OLD.id, true);
    const stopped = { ...WEB, state: { status: 'exited' as const, exitCode: 0 } };
    engine.emit('containers.changed', { id: WEB.id, container: stopped });
    expect(names(store.list)).toEqual(['db', 'web', 'old']);
    expect(store.byId.get(WEB.id)?.state.status).toBe('exited');
    const fresh = container({ id: hexId('d4'), name: 'fresh', status: 'running' });
    engine.emit('containers.changed', { id: fresh.id, container: fresh });
    expect(names(store.list)).toEqual(['fresh', 'db', 'web', 'old']);
    engine.emit('containers.changed', { id: OLD.id });
    expect(names(store.list)).toEqual(['fresh', 'db', 'web']);
    expect(store.selected.has(OLD.id)).toBe(false);
    engine.emit('containers.changed', { id: hexId('ff') }); // removing what it never had
    expect(store.list).toHaveLength(3);
  });

  it('keeps what it had and says why when the list cannot be read, until a read works', async () => {
    const store = await started();
    engine.fail('containers.list', 'INTERNAL', 'the store is locked');
    await store.load();
    expect(store.loadError).toBe('the store is locked');
    expect(store.list).toHaveLength(3);
    engine.answer('containers.list', () => [OLD]);
    await store.load();
    expect(store.loadError).toBeUndefined();
    expect(names(store.list)).toEqual(['old']);
  });

  it('filters by status and by text in the name, the image or the start of the id', async () => {
    const store = await started();
    store.status = 'running';
    expect(names(store.filtered)).toEqual(['web']);
    store.status = 'all';
    store.search = '  POSTGRES ';
    expect(names(store.filtered)).toEqual(['db']);
    store.search = 'c3c3';
    expect(names(store.filtered)).toEqual(['old']);
    store.search = '3c3c'; // in the id, but not at its start
    expect(store.filtered).toEqual([]);
    store.search = 'e';
    store.status = 'created';
    expect(names(store.filtered)).toEqual(['old']);
    expect(names(store.running)).toEqual(['web']);
  });

  it('finds a container by id or name; selects what the filter shows', async () => {
    const store = await started();
    expect(store.find(DB.id)?.name).toBe('db');
    expect(store.find('web')?.id).toBe(WEB.id);
    expect(store.find('nothing')).toBeUndefined();
    store.status = 'exited';
    store.selectAll(true);
    expect([...store.selected]).toEqual([DB.id]);
    store.toggleSelected(WEB.id, true);
    store.toggleSelected(DB.id, false);
    expect([...store.selected]).toEqual([WEB.id]);
    store.selectAll(false);
    expect(store.selected.size).toBe(0);
  });
});

describe('actions', () => {
  it('marks a container busy while the engine works, then shows the answer\'s record without reading it again', async () => {
    const store = await started();
    const answer = deferred<ContainerRecord>();
    engine.answer('containers.stop', () => answer.promise);
    const acting = store.act('stop', [WEB.id]);
    expect(store.busy).toEqual({ [WEB.id]: 'stop' });
    answer.resolve({ ...WEB, state: { status: 'exited', exitCode: 143 } });
    await acting;
    expect(store.busy).toEqual({});
    expect(engine.inputsOf('containers.stop')).toEqual([{ ref: WEB.id }]);
    expect(engine.inputsOf('containers.inspect')).toEqual([]);
    expect(store.byId.get(WEB.id)?.state).toEqual({ status: 'exited', exitCode: 143 });
    expect(toasts()).toEqual([{ kind: 'success', title: 'Stopped web', detail: undefined }]);
  });

  it('keeps what a containers.changed told during the call over the answer (the engine tells before it answers)', async () => {
    const store = await started();
    const answer = deferred<ContainerRecord>();
    engine.answer('containers.kill', () => answer.promise);
    const acting = store.act('kill', [WEB.id]);
    await reply(true);
    await settle(); // the call is under way
    engine.emit('containers.changed', { id: WEB.id, container: { ...WEB, state: { status: 'exited', exitCode: 137 } } });
    answer.resolve({ ...WEB, state: { status: 'running' } }); // sent with the signal, before the exit
    await acting;
    expect(engine.inputsOf('containers.inspect')).toEqual([]);
    expect(store.byId.get(WEB.id)?.state).toEqual({ status: 'exited', exitCode: 137 });
  });

  it('turns a refusal into an error toast with the engine\'s message, and frees the container', async () => {
    const store = await started();
    engine.fail('containers.start', 'CONFLICT', 'container db is already running');
    engine.fail('containers.kill', 'NOT_FOUND', 'no such container');
    await store.act('start', [DB.id]);
    await store.act('kill', [hexId('99')]); // not in the list (gone already): named by its short id, nothing to ask about
    expect(toasts()).toEqual([
      { kind: 'error', title: 'Could not start db', detail: 'container db is already running' },
      { kind: 'error', title: `Could not kill ${hexId('99').slice(0, 12)}`, detail: 'no such container' },
    ]);
    expect(store.busy).toEqual({});
  });

  it('asks before removing — a running one is killed first, it says — and a "no" leaves it', async () => {
    const store = await started();
    engine.answer('containers.remove', ({ ref }) => ({ id: ref }));
    const declined = store.act('remove', [WEB.id]);
    expect(await reply(false)).toEqual({
      title: 'Remove web?',
      lines: [
        'web is running: it will be killed first (SIGKILL), with no time to shut down.',
        'Its own layer (every file it changed), its log and its stats history are deleted. The image nginx:1.25 stays.',
        'This cannot be undone.',
      ],
      action: 'Kill and remove web',
    });
    expect(await declined).toBe(false);
    expect(engine.inputsOf('containers.remove')).toEqual([]);
    expect(store.busy).toEqual({});
    expect(names(store.list)).toEqual(['db', 'web', 'old']);
  });

  it('removes several by force after one question, and drops them at once', async () => {
    const store = await started();
    engine.answer('containers.remove', ({ ref }) => ({ id: ref }));
    const removing = store.act('remove', [WEB.id, OLD.id]);
    const asked = await reply(true);
    expect(asked.title).toBe('Remove 2 containers?');
    expect(asked.lines[0]).toBe('1 of them is running: killed first (SIGKILL), with no time to shut down.');
    expect(asked.action).toBe('Kill and remove 2 containers');
    expect(await removing).toBe(true);
    expect(engine.inputsOf('containers.remove')).toEqual([
      { ref: WEB.id, force: true },
      { ref: OLD.id, force: true },
    ]);
    expect(names(store.list)).toEqual(['db']);
    expect(toasts().map((t) => t.title)).toEqual(['Removed web', 'Removed old']);
  });

  it('asks before a kill, saying what stop would do instead; "Kill now" in a stop\'s grace time does not ask again', async () => {
    const store = await started([{ ...WEB, options: { stopTimeout: 3 }, stopSignal: 'SIGQUIT' }]);
    engine.answer('containers.kill', ({ ref }) => ({ ...WEB, id: ref }));
    const declined = store.act('kill', [WEB.id]);
    expect(await reply(false)).toEqual({
      title: 'Kill web?',
      lines: ['Every process in web gets SIGKILL at once: nothing can save its work or clean up.', 'Stop asks first: it sends SIGQUIT and waits 3 s before it kills.'],
      action: 'Kill web',
    });
    expect(await declined).toBe(false);
    expect(engine.inputsOf('containers.kill')).toEqual([]);
    await store.killNow(WEB.id);
    expect(useConfirmStore().question).toBeUndefined();
    expect(engine.inputsOf('containers.kill')).toEqual([{ ref: WEB.id }]);
  });

  it('runs a container and shows the answer, or what an event told of it before the answer (it may have exited already)', async () => {
    const store = await started([]);
    const made = container({ id: hexId('e5'), name: 'job', status: 'running' });
    engine.answer('containers.run', () => made);
    expect(await store.run('busybox', { name: 'job', command: ['true'] })).toEqual(made);
    expect(store.list).toEqual([made]);
    expect(engine.inputsOf('containers.run')).toEqual([{ image: 'busybox', options: { name: 'job', command: ['true'] } }]);
    expect(toasts()).toEqual([{ kind: 'success', title: 'Started job', detail: undefined }]);

    const quick = container({ id: hexId('e6'), name: 'quick', status: 'running' });
    const exited = { ...quick, state: { status: 'exited' as const, exitCode: 0 } };
    engine.answer('containers.run', () => {
      engine.emit('containers.changed', { id: quick.id, container: exited });
      return quick;
    });
    expect((await store.run('busybox', { name: 'quick' })).state.status).toBe('exited');
    expect(store.byId.get(quick.id)).toEqual(exited);
    expect(engine.inputsOf('containers.inspect')).toEqual([]);
  });

  it('throws the engine\'s error from run for the dialog, which shows it: no toast', async () => {
    const store = await started([]);
    engine.fail('containers.run', 'NOT_FOUND', 'no such image: nope');
    const failure = await store.run('nope', {}).catch((error: unknown) => error);
    expect(isApiError(failure, 'NOT_FOUND')).toBe(true);
    expect(toasts()).toEqual([]);
    expect(store.list).toEqual([]);
  });

  it('applies new limits and shows the updated record, or throws what the engine said (for the form alone)', async () => {
    const store = await started();
    engine.answer('containers.update', ({ update }) => ({ ...WEB, options: { ...update } }));
    await store.update(WEB.id, { memory: 64 * 1024 * 1024, pidsLimit: -1 });
    expect(store.byId.get(WEB.id)?.options).toEqual({ memory: 67_108_864, pidsLimit: -1 });
    engine.fail('containers.update', 'INVALID_ARGUMENT', 'memory below what the container uses');
    await expect(store.update(WEB.id, { memory: 1 })).rejects.toThrow('memory below what the container uses');
    expect(toasts().map((t) => t.title)).toEqual(['New limits for web']);
  });

  it('commits through a job and answers with the new image id', async () => {
    const store = await started();
    const job = engine.answerJob('containers.commit');
    const committing = store.commit(WEB.id, 'web:snap');
    await settle();
    engine.emit('jobs.done', { id: job, kind: 'containers.commit', state: 'succeeded', startedAt: '', result: { id: 'sha256:new', manifestDigest: 'sha256:m', tags: ['web:snap'], layers: [] } });
    expect(await committing).toBe('sha256:new');
    expect(engine.inputsOf('containers.commit')).toEqual([{ ref: WEB.id, tag: 'web:snap' }]);
    expect(toasts()).toEqual([{ kind: 'success', title: 'Committed web', detail: 'as web:snap' }]);
  });
});

describe('availableActions', () => {
  it('offers what the state allows', () => {
    expect(availableActions(WEB)).toEqual(['stop', 'restart', 'pause', 'kill', 'remove']);
    expect(availableActions({ ...WEB, state: { status: 'paused' } })).toEqual(['unpause', 'stop', 'kill', 'remove']);
    expect(availableActions(DB)).toEqual(['start', 'remove']);
    expect(availableActions(OLD)).toEqual(['start', 'remove']);
  });
});
