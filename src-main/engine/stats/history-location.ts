// Where a container's stats history lives: `<store root>/stats/<id>.jsonl`. Apart from the
// history store (history-store.ts) and the sampler, so that removing a container (rm,
// run --rm) deletes its history without loading either.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import type { Store } from '../store/store';

export const HISTORY_SUFFIX = '.jsonl';

/** Ids become file names: only what a container id (or name-like test id) can be. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

function checkHistoryId(id: string): void {
  if (typeof id !== 'string' || !SAFE_ID.test(id)) throw new StrataError('INVALID_ARGUMENT', `not a container id: ${JSON.stringify(id)}`);
}

/** The container id a file's name in the history directory holds; undefined for any other file. */
export function historyIdOf(name: string): string | undefined {
  if (!name.endsWith(HISTORY_SUFFIX)) return undefined;
  const id = name.slice(0, -HISTORY_SUFFIX.length);
  return SAFE_ID.test(id) ? id : undefined;
}

export function historyFile(dir: string, id: string): string {
  checkHistoryId(id);
  return path.join(dir, `${id}${HISTORY_SUFFIX}`);
}

export function statsHistoryDir(store: Store): string {
  return path.join(store.paths.root, 'stats');
}

/** Deletes a container's stats history (when the container is removed); none is fine. */
export async function removeContainerStatsHistory(store: Store, id: string): Promise<void> {
  await fs.promises.rm(historyFile(statsHistoryDir(store), id), { force: true });
}
