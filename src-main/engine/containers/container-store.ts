// containers/<id>/: reading, finding and writing container records, through the store's
// record cache (record-cache.ts), which every process keeps right by stat stamps.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/store';
import { CONTAINER_FILES, type ContainerRecord } from './container';
import { RecordCache } from './record-cache';

export function containerDir(store: Store, id: string): string {
  return path.join(store.paths.containers, id);
}

export function containerFile(store: Store, id: string, file: keyof typeof CONTAINER_FILES): string {
  return path.join(containerDir(store, id), CONTAINER_FILES[file]);
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** One cache per store (record-cache.ts): lookups stat one file instead of reading every record. */
const caches = new WeakMap<Store, RecordCache>();

export function recordCache(store: Store): RecordCache {
  let cache = caches.get(store);
  if (!cache) {
    cache = new RecordCache(store.paths.containers);
    caches.set(store, cache);
  }
  return cache;
}

/** Every record, newest first; damaged ones are left out (with a warning, once). */
export function listRecords(store: Store): Promise<ContainerRecord[]> {
  return recordCache(store).list();
}

/** By full id, name, or unique id prefix (as docker accepts them). */
export function findRecord(store: Store, ref: string): Promise<ContainerRecord> {
  return recordCache(store).find(ref);
}

/**
 * Staged in the container's own directory, not tmp/: container writers hold the container's
 * lock, not the store's, and the store lock's recovery empties tmp/ whenever it is taken.
 * A crash leaves a `container.json.*.tmp` beside the record, never a half record.
 */
export async function writeRecord(store: Store, record: ContainerRecord): Promise<void> {
  const file = containerFile(store, record.id, 'record');
  const staged = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.promises.open(staged, 'wx', 0o644);
  try {
    await handle.writeFile(JSON.stringify(record, null, 2) + '\n');
    await fs.promises.rename(staged, file);
    // Stamped through the descriptor, after the rename (which changes ctime): this very file.
    recordCache(store).written(record, await handle.stat({ bigint: true }));
  } finally {
    await handle.close();
  }
}
