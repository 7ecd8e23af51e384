// ps / inspect: records with their state as observed now.
import type { Store } from '../store/store';
import { type ContainerRecord, isLive } from './container';
import { type ContainerFilters, applyContainerFilters, filtersSelectStopped } from './container-filters';
import { findRecord, listRecords } from './container-store';
import { observeState } from './observe-state';

export interface ListContainersOptions {
  /** Stopped containers too (`ps -a`). */
  all?: boolean;
  filters?: ContainerFilters;
}

export function listContainers(store: Store, options: ListContainersOptions = {}): ContainerRecord[] {
  const observed = listRecords(store).map((record) => ({ ...record, state: observeState(store, record) }));
  const filters = options.filters ?? {};
  const all = options.all || filtersSelectStopped(filters);
  return applyContainerFilters(
    observed.filter((record) => all || isLive(record.state.status)),
    filters,
    observed,
  );
}

export function inspectContainer(store: Store, ref: string): ContainerRecord {
  const record = findRecord(store, ref);
  return { ...record, state: observeState(store, record) };
}
