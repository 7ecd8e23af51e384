// The connection store (src-renderer/src/stores/connection.ts) over a fake engine: after a
// drop and a reconnect, the lists the window shows are read again (what changed meanwhile
// was never told); a list that failed before the first answer is asked again; a connection
// that stays up asks nothing more.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionInfo, ConnectionState } from '@shared/api/types/connection';
import { useConnectionStore } from '../../../src-renderer/src/stores/connection';
import { useContainersStore } from '../../../src-renderer/src/stores/containers';
import { useImagesStore } from '../../../src-renderer/src/stores/images';
import { engine, settle } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const status = (state: ConnectionState): ConnectionInfo => ({
  name: 'system',
  kind: 'socket',
  address: '/run/strata/strata.sock',
  state,
  detail: state === 'connected' ? null : 'connection lost',
  available: [],
  switchable: false,
  canInstallSystem: false,
});

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  engine.answer('system.info', () => {
    throw new Error('not asked here');
  });
  engine.answer('images.list', () => []);
  engine.fail('disk.usage', 'INTERNAL', 'not asked here'); // the disk figures: a failure the images list outlives
});

/** The window as it starts: the connection followed, the containers and images listed. */
async function started(): Promise<void> {
  engine.answer('connection.info', () => status('connected'));
  useConnectionStore().start();
  useContainersStore().start();
  await useImagesStore().load();
  await settle();
}

describe('after a reconnect', () => {
  it('reads the containers and images again', async () => {
    engine.answer('containers.list', () => []);
    await started();
    const before = { containers: engine.inputsOf('containers.list').length, images: engine.inputsOf('images.list').length };
    engine.emit('connection.changed', status('connected')); // the same, still up: nothing asked
    await settle();
    expect(engine.inputsOf('containers.list').length).toBe(before.containers);
    engine.emit('connection.changed', status('connecting'));
    engine.emit('connection.changed', status('connected'));
    await settle();
    expect(engine.inputsOf('containers.list').length).toBe(before.containers + 1);
    expect(engine.inputsOf('images.list').length).toBe(before.images + 1);
  });

  it('asks again for a list that failed before the connection answered', async () => {
    engine.fail('containers.list', 'UNAVAILABLE', 'cannot reach the Strata engine');
    await started();
    expect(useContainersStore().loadError).toBe('cannot reach the Strata engine');
    engine.answer('containers.list', () => []);
    engine.emit('connection.changed', status('connected'));
    await settle();
    expect(useContainersStore().loadError).toBeUndefined();
  });
});
