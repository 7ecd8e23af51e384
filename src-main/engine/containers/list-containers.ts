// ps / inspect: records with their state as observed now.
import fs from 'node:fs';
import type { Store } from '../store/store';
import { type ContainerRecord, isLive } from './container';
import { type ContainerFilters, applyContainerFilters, filtersSelectStopped } from './container-filters';
import { containerFile, findRecord, listRecords } from './container-store';
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

/**
 * The OCI runtime config.json the engine generated at the container's last start; null
 * for a container never started (it is written at start, from the record's options).
 */
export function runtimeConfigOf(store: Store, ref: string): Record<string, unknown> | null {
  const record = findRecord(store, ref);
  try {
    return JSON.parse(fs.readFileSync(containerFile(store, record.id, 'config'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
