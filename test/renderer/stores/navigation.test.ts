// The navigation store (src-renderer/src/stores/navigation.ts): the view and what is open in
// it, and the URL hash both ways — ids encoded, and a hash typed by hand that names no view
// or cannot be decoded leaves the window where it is.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { isViewId, useNavigationStore } from '../../../src-renderer/src/stores/navigation';

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('navigation', () => {
  it('starts at the containers view with nothing open', () => {
    const store = useNavigationStore();
    expect([store.current, store.detail, store.hash, store.currentView.label]).toEqual(['containers', undefined, 'containers', 'Containers']);
  });

  it('writes the view and what is open in the hash, the id encoded', () => {
    const store = useNavigationStore();
    store.show('images', 'sha256:ab/cd');
    expect(store.hash).toBe('images/sha256%3Aab%2Fcd');
    expect(store.currentView.label).toBe('Images');
    store.show('disk');
    expect(store.hash).toBe('disk');
    expect(store.detail).toBeUndefined();
  });

  it('reads a hash back into the same place', () => {
    const store = useNavigationStore();
    store.fromHash('images/sha256%3Aab%2Fcd');
    expect([store.current, store.detail]).toEqual(['images', 'sha256:ab/cd']);
    store.fromHash('jobs');
    expect([store.current, store.detail]).toEqual(['jobs', undefined]);
    store.fromHash('containers/');
    expect([store.current, store.detail]).toEqual(['containers', undefined]);
  });

  it('ignores a hash that names no view', () => {
    const store = useNavigationStore();
    store.show('disk');
    for (const hash of ['', 'settings', 'Images', '/containers', 'constructor', '__proto__/x']) store.fromHash(hash);
    expect([store.current, store.detail]).toEqual(['disk', undefined]);
  });

  it('ignores a hash whose id cannot be decoded, rather than throwing', () => {
    const store = useNavigationStore();
    store.show('jobs');
    expect(() => store.fromHash('containers/%E0%A4%A')).not.toThrow();
    expect([store.current, store.detail]).toEqual(['jobs', undefined]);
  });

  it('knows its view ids', () => {
    expect(['containers', 'images', 'disk', 'jobs'].every(isViewId)).toBe(true);
    expect([undefined, 1, 'toString', 'hasOwnProperty'].some(isViewId)).toBe(false);
  });
});
