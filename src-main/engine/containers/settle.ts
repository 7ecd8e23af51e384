// Bringing a record up to date (under the store lock): a container whose init has exited
// is recorded as exited, its runtime state deleted and its overlay unmounted.
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerFile, writeRecord } from './container-store';
import { observeState } from './observe-state';
import { unmountOverlay } from './rootfs';
import { runtimeVerb } from './runtime-root';

export async function settle(store: Store, record: ContainerRecord): Promise<ContainerRecord> {
  const state = observeState(store, record);
  if (state === record.state) return record;
  const settled = { ...record, state };
  await releaseRuntime(store, settled);
  writeRecord(store, settled);
  return settled;
}

/** Deletes the runtime's container (and with it the cgroup) and unmounts the root. */
export async function releaseRuntime(store: Store, record: ContainerRecord): Promise<void> {
  await runtimeVerb(store, ['delete', '--force', record.id], `delete container ${record.name}`).catch((error: Error) => {
    if (!/does not exist|no such container/i.test(error.message)) throw error;
  });
  unmountOverlay(containerFile(store, record.id, 'rootfs'));
}
