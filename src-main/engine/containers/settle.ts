// Bringing a record up to date (under the store lock): a container whose init has exited
// is recorded as exited, its runtime state deleted and its overlay unmounted.
import { isStrataError } from '@shared/errors';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerDir, containerFile, writeRecord } from './container-store';
import { observeState } from './observe-state';
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
  // The overlay code, as the network's below, is loaded by the first release, not with the record readers.
  const { unmountOverlayAsync } = await import('./rootfs');
  await unmountOverlayAsync(containerFile(store, record.id, 'rootfs')).catch((error: unknown) => failures.push(error));
  await releaseNetwork(store, record).catch((error: unknown) => failures.push(error));
  if (failures.length) throw failures[0];
}

/**
 * Its address, veth, namespace file and published ports; nothing to do is fine. The network
 * code is loaded here, at the first release, not with the record readers that settle records.
 */
export async function releaseNetwork(store: Store, record: ContainerRecord): Promise<void> {
  const { defaultNetworkMode, networkConfig, tearDownNetwork } = await import('../network/index');
  await tearDownNetwork(networkConfig(), {
    mode: record.options.network ?? defaultNetworkMode(),
    owner: record.id,
    bundleDir: containerDir(store, record.id),
    ports: record.options.publish,
  });
}
