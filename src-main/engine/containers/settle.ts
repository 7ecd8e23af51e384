// Bringing a record up to date (under the store lock): a container whose init has exited
// is recorded as exited, its runtime state deleted and its overlay unmounted.
import { isStrataError } from '@shared/errors';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { defaultNetworkMode, networkConfig, tearDownNetwork } from '../network/index';
import { containerDir, containerFile, writeRecord } from './container-store';
import { observeState } from './observe-state';
import { unmountOverlayAsync } from './rootfs';
import { runtimeVerb } from './runtime-root';

export async function settle(store: Store, record: ContainerRecord): Promise<ContainerRecord> {
  const observed = await observeState(store, record);
  if (observed === record.state) return record;
  const { network: _released, ...state } = observed;
  const settled = { ...record, state };
  await releaseRuntime(store, settled);
  await writeRecord(store, settled);
  return settled;
}

/**
 * Deletes the runtime's container (and with it the cgroup), unmounts the root and takes it
 * off the network. Each step is tried even when one before it failed — this is also how a
 * failed start takes back what it made — and the first failure is thrown at the end.
 */
export async function releaseRuntime(store: Store, record: ContainerRecord): Promise<void> {
  const failures: unknown[] = [];
  await runtimeVerb(store, ['delete', '--force', record.id], `delete container ${record.name}`).catch((error: unknown) => {
    if (!isStrataError(error, 'NOT_FOUND')) failures.push(error);
  });
  await unmountOverlayAsync(containerFile(store, record.id, 'rootfs')).catch((error: unknown) => failures.push(error));
  await releaseNetwork(store, record).catch((error: unknown) => failures.push(error));
  if (failures.length) throw failures[0];
}

/** Its address, veth, namespace file and published ports; nothing to do is fine. */
export async function releaseNetwork(store: Store, record: ContainerRecord): Promise<void> {
  await tearDownNetwork(networkConfig(), {
    mode: record.options.network ?? defaultNetworkMode(),
    owner: record.id,
    bundleDir: containerDir(store, record.id),
    ports: record.options.publish,
  });
}
