// containers/<id>/: reading, finding and writing container records.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readJsonFile } from '../store/atomic';
import type { Store } from '../store/store';
import { CONTAINER_FILES, type ContainerRecord } from './container';

export function containerDir(store: Store, id: string): string {
  return path.join(store.paths.containers, id);
}

export function containerFile(store: Store, id: string, file: keyof typeof CONTAINER_FILES): string {
  return path.join(containerDir(store, id), CONTAINER_FILES[file]);
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** Damaged records this process has warned about: ps and the restart monitor list often. */
const reported = new Set<string>();

export function listRecords(store: Store): ContainerRecord[] {
  const records: ContainerRecord[] = [];
  for (const id of fs.readdirSync(store.paths.containers)) {
    const file = containerFile(store, id, 'record');
    try {
      records.push(readJsonFile<ContainerRecord>(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // being created or removed by another writer right now
      // Records appear whole, by rename: this one was damaged outside Strata. The listing
      // goes on without it; saying so once is what a person can act on.
      if (reported.has(file)) continue;
      reported.add(file);
      process.emitWarning(`container ${id} left out: ${(error as Error).message}`, { code: 'STRATA_DAMAGED_RECORD' });
    }
  }
  return records.sort((a, b) => (a.created < b.created ? 1 : -1));
}

/** By name, full id, or unique id prefix (as docker accepts them). */
export function findRecord(store: Store, ref: string): ContainerRecord {
  const records = listRecords(store);
  const name = ref.replace(/^\//, '');
  const byName = records.find((record) => record.name === name);
  if (byName) return byName;
  if (/^[a-f0-9]{1,64}$/.test(ref)) {
    const matches = records.filter((record) => record.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new StrataError('INVALID_ARGUMENT', `container ID prefix ${ref} is ambiguous: give more characters`);
  }
  throw new StrataError('NOT_FOUND', `no such container: ${ref}`);
}

/**
 * Staged in the container's own directory, not tmp/: container writers hold the container's
 * lock, not the store's, and the store lock's recovery empties tmp/ whenever it is taken.
 * A crash leaves a `container.json.*.tmp` beside the record, never a half record.
 */
export function writeRecord(store: Store, record: ContainerRecord): void {
  const file = containerFile(store, record.id, 'record');
  const staged = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(staged, JSON.stringify(record, null, 2) + '\n', { flag: 'wx', mode: 0o644 });
  fs.renameSync(staged, file);
}
