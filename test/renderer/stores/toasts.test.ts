// The toasts store (src-renderer/src/stores/toasts.ts) and how long a toast lives
// (src-renderer/src/lib/toast-lifetime.ts): what worked goes after a few seconds, what
// offers Undo stays 10 s, what failed stays until dismissed; a toast under the pointer or
// focus is held and, let go, gets its time left (2 s at least); whatever was thrown becomes
// a line for people.
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '@shared/api/api-error';
import { ACTION_MS, AFTER_HOLD_MS, SUCCESS_MS, leftAfterHold, toastLifetime } from '../../../src-renderer/src/lib/toast-lifetime';
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

  it('holds a toast while the pointer or focus is on it, and gives it its time left after, 2 s at least', () => {
    const store = useToastsStore();
    const a = store.success('Started a');
    const b = store.success('Started b');
    vi.advanceTimersByTime(1000);
    store.hold(a); // 3 s left
    store.hold(a); // held twice (pointer and focus): still 3 s left
    vi.advanceTimersByTime(60_000);
    expect(store.toasts.map((t) => t.title)).toEqual(['Started a']); // b went by itself
    store.release(a);
    vi.advanceTimersByTime(2999);
    expect(store.toasts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(store.toasts).toEqual([]);
    store.release(b); // gone: nothing happens
    expect(store.toasts).toEqual([]);
  });

  it('a toast let go just before its end stays a moment more', () => {
    const store = useToastsStore();
    const id = store.success('Tagged x');
    vi.advanceTimersByTime(3900);
    store.hold(id);
    store.release(id);
    vi.advanceTimersByTime(AFTER_HOLD_MS - 1);
    expect(store.toasts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(store.toasts).toEqual([]);
  });

  it('holding or letting go an error changes nothing: it stays until dismissed', () => {
    const store = useToastsStore();
    const id = store.error('Could not run web', 'the name is taken');
    store.hold(id);
    store.release(id);
    vi.advanceTimersByTime(600_000);
    expect(store.toasts.map((t) => t.id)).toEqual([id]);
  });

  it('dismisses them all at once, timers included', () => {
    const store = useToastsStore();
    store.error('a', 'x');
    store.success('b');
    store.info('c');
    store.dismissAll();
    expect(store.toasts).toEqual([]);
    vi.advanceTimersByTime(ACTION_MS);
    expect(store.toasts).toEqual([]);
  });
});

describe('toastLifetime', () => {
  it('is a few seconds for news, ten with an action, and until dismissed for an error', () => {
    expect(toastLifetime('success', false)).toBe(SUCCESS_MS);
    expect(toastLifetime('info', false)).toBe(SUCCESS_MS);
    expect(toastLifetime('success', true)).toBe(ACTION_MS);
    expect(toastLifetime('error', false)).toBeUndefined();
    expect(toastLifetime('error', true)).toBeUndefined();
    expect([SUCCESS_MS, ACTION_MS]).toEqual([4000, 10_000]);
  });

  it('leaves a toast let go its time, or 2 s when less was left', () => {
    expect(leftAfterHold(3000)).toBe(3000);
    expect(leftAfterHold(100)).toBe(AFTER_HOLD_MS);
    expect(leftAfterHold(0)).toBe(AFTER_HOLD_MS);
  });
});
