// The confirmation store (src-renderer/src/stores/confirm.ts): one question at a time, its
// words given or worked out (a promise: "working it out" meanwhile, the engine's message
// when that fails), and an answer that says yes only to words that allow it.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '@shared/api/api-error';
import type { ConfirmWords } from '../../../src-renderer/src/lib/confirm-words';
import { useConfirmStore } from '../../../src-renderer/src/stores/confirm';
import { deferred, settle } from '../fake-engine';

const KILL: ConfirmWords = { lines: ['Every process in web gets SIGKILL at once.'], action: 'Kill web', danger: true };

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('confirm', () => {
  it('asks, and resolves with the answer; the question closes either way', async () => {
    const store = useConfirmStore();
    const yes = store.ask('Kill web?', KILL);
    await settle();
    expect(store.question).toEqual({ title: 'Kill web?', words: KILL });
    store.answer(true);
    expect(await yes).toBe(true);
    expect(store.question).toBeUndefined();
    const no = store.ask('Kill web?', KILL);
    await settle();
    store.answer(false);
    expect(await no).toBe(false);
  });

  it('shows "working it out" until the words come; yes before then is no', async () => {
    const store = useConfirmStore();
    const words = deferred<ConfirmWords>();
    const early = store.ask('Remove a:1?', words.promise);
    expect(store.question).toEqual({ title: 'Remove a:1?' });
    store.answer(true);
    expect(await early).toBe(false);

    const later = store.ask('Remove a:1?', words.promise);
    words.resolve({ ...KILL, title: 'Untag a:1?', danger: false, action: 'Untag a:1' });
    await settle();
    expect(store.question?.title).toBe('Untag a:1?');
    store.answer(true);
    expect(await later).toBe(true);
  });

  it('shows why the words could not be worked out, and a refusal: neither can be said yes to', async () => {
    const store = useConfirmStore();
    const failed = store.ask('Remove a:1?', Promise.reject(new ApiError('NOT_FOUND', 'no such image: a:1')));
    await settle();
    expect(store.question).toEqual({ title: 'Remove a:1?', failure: 'no such image: a:1' });
    store.answer(true);
    expect(await failed).toBe(false);
    const refused = store.ask('Remove a:1?', { ...KILL, refusal: 'a container uses it' });
    await settle();
    store.answer(true);
    expect(await refused).toBe(false);
  });

  it('a new question answers the open one no; late words of the old one are dropped', async () => {
    const store = useConfirmStore();
    const slow = deferred<ConfirmWords>();
    const first = store.ask('Remove a:1?', slow.promise);
    const second = store.ask('Kill web?', KILL);
    expect(await first).toBe(false);
    slow.resolve({ ...KILL, action: 'Delete image' });
    await settle();
    expect(store.question).toEqual({ title: 'Kill web?', words: KILL });
    store.answer(true);
    expect(await second).toBe(true);
  });
});
