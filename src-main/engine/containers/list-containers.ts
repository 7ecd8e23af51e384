// ps / inspect: records with their state as observed now.
import type { Store } from '../store/store';
import { type ContainerRecord, isLive } from './container';
import { findRecord, listRecords } from './container-store';
import { observeState } from './observe-state';

export function listContainers(store: Store, options: { all?: boolean } = {}): ContainerRecord[] {
  return listRecords(store)
    .map((record) => ({ ...record, state: observeState(store, record) }))
    .filter((record) => options.all || isLive(record.state.status));
}

export function inspectContainer(store: Store, ref: string): ContainerRecord {
  const record = findRecord(store, ref);
  return { ...record, state: observeState(store, record) };
}
