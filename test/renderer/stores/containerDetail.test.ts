// The container detail store (src-renderer/src/stores/containerDetail.ts) over a fake engine:
// the runtime config and the changed files of the open container, each with its own error
// (a config that does not exist yet must not hide the diff), and a reload of the diff alone.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useContainerDetailStore } from '../../../src-renderer/src/stores/containerDetail';
import type { ContainerChange } from '@shared/api/types/containers';
import { deferred, engine } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
});

describe('container detail', () => {
  it('reads the runtime config and the diff of the container opened', async () => {
    engine.answer('containers.runtimeConfig', ({ ref }) => ({ ociVersion: '1.0.2', hostname: ref }));
    engine.answer('containers.diff', () => [{ path: '/tmp/x', kind: 'A' as const }]);
    const store = useContainerDetailStore();
    await store.load('c1');
    expect(store.id).toBe('c1');
    expect(store.runtimeConfig).toEqual({ ociVersion: '1.0.2', hostname: 'c1' });
    expect(store.changes).toEqual([{ path: '/tmp/x', kind: 'A' as const }]);
    expect([store.runtimeConfigError, store.changesError]).toEqual([undefined, undefined]);
  });

  it('keeps the two apart: one failing leaves the other shown', async () => {
    engine.fail('containers.runtimeConfig', 'NOT_FOUND', 'no runtime config yet');
    engine.answer('containers.diff', () => []);
    const store = useContainerDetailStore();
    await store.load('c1');
    expect(store.runtimeConfigError).toBe('no runtime config yet');
    expect(store.runtimeConfig).toBeUndefined();
    expect(store.changes).toEqual([]);
    expect(store.changesError).toBeUndefined();
  });

  it('forgets the previous container\'s answers when the next one fails', async () => {
    engine.answer('containers.runtimeConfig', () => ({ ociVersion: '1.0.2' }));
    engine.answer('containers.diff', () => [{ path: '/etc/hosts', kind: 'C' as const }]);
    const store = useContainerDetailStore();
    await store.load('c1');
    engine.fail('containers.runtimeConfig', 'NOT_FOUND', 'no such container: c2');
    engine.fail('containers.diff', 'NOT_FOUND', 'no such container: c2');
    await store.load('c2');
    expect([store.runtimeConfig, store.changes]).toEqual([undefined, undefined]);
    expect([store.runtimeConfigError, store.changesError]).toEqual(['no such container: c2', 'no such container: c2']);
  });

  it('reloads the diff alone, and does nothing with no container open', async () => {
    const store = useContainerDetailStore();
    await store.loadChanges();
    expect(engine.calls).toEqual([]);
    engine.answer('containers.runtimeConfig', () => null);
    engine.answer('containers.diff', () => []);
    await store.load('c1');
    engine.answer('containers.diff', () => [{ path: '/new', kind: 'A' as const }]);
    await store.loadChanges();
    expect(engine.inputsOf('containers.runtimeConfig')).toHaveLength(1);
    expect(store.changes).toEqual([{ path: '/new', kind: 'A' as const }]);
    expect(store.runtimeConfig).toBeNull(); // null before the first start
  });

  it('shows the container open now when an earlier one\'s answers come late', async () => {
    const slowDiff = deferred<ContainerChange[]>();
    const slowConfig = deferred<Record<string, unknown> | null>();
    engine.answer('containers.runtimeConfig', ({ ref }) => (ref === 'c1' ? slowConfig.promise : { hostname: 'c2' }));
    engine.answer('containers.diff', ({ ref }) => (ref === 'c1' ? slowDiff.promise : [{ path: '/c2', kind: 'A' as const }]));
    const store = useContainerDetailStore();
    const first = store.load('c1');
    await store.load('c2');
    slowDiff.resolve([{ path: '/c1', kind: 'A' as const }]);
    slowConfig.reject(new Error('c1 went away'));
    await first;
    expect(store.changes).toEqual([{ path: '/c2', kind: 'A' as const }]);
    expect(store.runtimeConfig).toEqual({ hostname: 'c2' });
    expect(store.runtimeConfigError).toBeUndefined();
  });

  it('says when the changes were read; a second asking while a read is under way joins it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-05-01T10:00:00Z'));
    try {
      const diff = deferred<ContainerChange[]>();
      engine.answer('containers.runtimeConfig', () => null);
      engine.answer('containers.diff', () => diff.promise);
      const store = useContainerDetailStore();
      const loading = store.load('c1');
      const again = store.loadChanges();
      expect(store.changesAt).toBeUndefined();
      diff.resolve([{ path: '/tmp/new', kind: 'A' as const }]);
      await Promise.all([loading, again]);
      expect(engine.inputsOf('containers.diff')).toHaveLength(1);
      expect(store.changesAt).toBe(Date.parse('2024-05-01T10:00:00Z'));
      // another container: nothing of the first one's shown meanwhile
      const other = deferred<ContainerChange[]>();
      engine.answer('containers.diff', () => other.promise);
      const next = store.load('c2');
      expect([store.changes, store.changesAt]).toEqual([undefined, undefined]);
      other.resolve([]);
      await next;
      expect(store.changes).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
