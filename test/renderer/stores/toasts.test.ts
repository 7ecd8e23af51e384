// The toasts store (src-renderer/src/stores/toasts.ts): what worked goes after a few seconds,
// what failed stays until dismissed, and whatever was thrown becomes a line for people.
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '@shared/api/api-error';
import { useToastsStore } from '../../../src-renderer/src/stores/toasts';

beforeEach(() => {
  setActivePinia(createPinia());
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('toasts', () => {
  it('lets success and info go after 4 s, and keeps errors', () => {
    const store = useToastsStore();
    store.success('Started web', 'on 127.0.0.1:8080');
    store.info('Nothing to prune');
    store.error('Could not stop db', new ApiError('CONFLICT', 'db is not running'));
    expect(store.toasts.map((t) => t.kind)).toEqual(['success', 'info', 'error']);
    vi.advanceTimersByTime(3999);
    expect(store.toasts).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(store.toasts).toEqual([{ id: 3, kind: 'error', title: 'Could not stop db', detail: 'db is not running' }]);
    vi.advanceTimersByTime(60_000);
    expect(store.toasts).toHaveLength(1);
  });

  it('dismisses one by its id, leaving the others', () => {
    const store = useToastsStore();
    const a = store.error('a', 'x');
    const b = store.error('b', 'y');
    expect(b).toBe(a + 1);
    store.dismiss(a);
    expect(store.toasts.map((t) => t.title)).toEqual(['b']);
    store.dismiss(12345); // unknown: nothing happens
    expect(store.toasts).toHaveLength(1);
  });

  it('a success dismissed by hand before its time does not take another with it', () => {
    const store = useToastsStore();
    const done = store.success('Removed x');
    store.dismiss(done);
    store.success('Removed y');
    vi.advanceTimersByTime(4000);
    expect(store.toasts).toEqual([]);
  });

  it('a toast with an action (Undo) stays 10 s; pressing it runs the action once and dismisses it', () => {
    const store = useToastsStore();
    const undo = vi.fn();
    const id = store.success('Untagged a:1', 'The image keeps a:2.', { label: 'Undo', run: undo });
    vi.advanceTimersByTime(4000);
    expect(store.toasts.map((t) => t.title)).toEqual(['Untagged a:1']);
    store.act(id);
    store.act(id); // gone: nothing more
    expect(undo).toHaveBeenCalledTimes(1);
    expect(store.toasts).toEqual([]);
    store.success('Untagged b:1', undefined, { label: 'Undo', run: undo });
    vi.advanceTimersByTime(10_000);
    expect(store.toasts).toEqual([]);
    expect(undo).toHaveBeenCalledTimes(1);
  });

  it('turns an API error, an Error or anything thrown into its message', () => {
    const store = useToastsStore();
    store.error('api', new ApiError('NOT_FOUND', 'no such image: nope'));
    store.error('error', new TypeError('x is not a function'));
    store.error('string', 'plain words');
    expect(store.toasts.map((t) => t.detail)).toEqual(['no such image: nope', 'x is not a function', 'plain words']);
  });
});
