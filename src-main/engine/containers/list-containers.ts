// ps / inspect: records with their state as observed now (and what an interrupted start left).
import fs from 'node:fs';
import type { Store } from '../store/store';
import { type ContainerRecord, isLive } from './container';
import { type ContainerFilters, applyContainerFilters, filtersSelectStopped } from './container-filters';
import { containerFile, findRecord, listRecords } from './container-store';
import { startLeftovers } from './interrupted-start';
import { observeState } from './observe-state';
import { mountPointsAsync } from './mount-points';
import { seccompMode } from '../runtime/seccomp-mode';

export interface ListContainersOptions {
  /** Stopped containers too (`ps -a`). */
  all?: boolean;
  filters?: ContainerFilters;
}

export async function listContainers(store: Store, options: ListContainersOptions = {}): Promise<ContainerRecord[]> {
  const mounts = await mountPointsAsync();
  const observed = await Promise.all((await listRecords(store)).map((record) => observe(store, record, mounts)));
  const filters = options.filters ?? {};
  const all = options.all || filtersSelectStopped(filters);
  return applyContainerFilters(
    observed.filter((record) => all || isLive(record.state.status)),
    filters,
    observed,
  );
}

/** The record as observed now, with what confines it (derived from its options). */
export async function inspectContainer(store: Store, ref: string): Promise<ContainerRecord> {
  const record = await observe(store, await findRecord(store, ref));
  return { ...record, security: { seccomp: seccompMode(record.options) } };
}

/**
 * The record with its state as observed now, and what an interrupted start left, if
 * anything. Asked of the record as written: one that says running but has exited keeps
 * its mounts until settled, and that is no interrupted start.
 */
async function observe(store: Store, record: ContainerRecord, mounts?: readonly string[]): Promise<ContainerRecord> {
  const [state, leftovers] = await Promise.all([observeState(store, record), startLeftovers(store, record, mounts)]);
  return { ...record, state: leftovers.length ? { ...state, leftovers } : state };
}

/**
 * The OCI runtime config.json the engine generated at the container's last start; null
 * for a container never started (it is written at start, from the record's options).
 */
export async function runtimeConfigOf(store: Store, ref: string): Promise<Record<string, unknown> | null> {
  const record = await findRecord(store, ref);
  try {
    return JSON.parse(await fs.promises.readFile(containerFile(store, record.id, 'config'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
