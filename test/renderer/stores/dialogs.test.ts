// The dialogs store (src-renderer/src/stores/dialogs.ts): one dialog open at a time, with
// what it is about; opening another replaces both, closing clears both.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { useDialogsStore } from '../../../src-renderer/src/stores/dialogs';

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('dialogs', () => {
  it('opens one dialog with its subject, and another replaces it whole', () => {
    const store = useDialogsStore();
    expect([store.open, store.subject]).toEqual([undefined, undefined]);
    store.show('run', 'busybox:latest');
    expect([store.open, store.subject]).toEqual(['run', 'busybox:latest']);
    store.show('import');
    expect([store.open, store.subject]).toEqual(['import', undefined]); // not the image the run dialog was about
  });

  it('closes, forgetting the subject', () => {
    const store = useDialogsStore();
    store.show('tag', 'sha256:abc');
    store.close();
    expect([store.open, store.subject]).toEqual([undefined, undefined]);
    store.close();
    expect(store.open).toBeUndefined();
  });
});
