// One writer per container: start, stop, kill, pause, unpause, update and the restart
// policy take the container's own lock (an flock on containers/<id>/lock), not the store's,
// so one slow stop no longer holds up every other container's start. What changes the
// store as a whole takes the store lock first and then the container's (create: a name;
// remove and commit: what gc sees) — always in that order, so two writers never wait on
// each other. Records written under this lock are staged in the container's own
// directory, not tmp/: the store lock's recovery empties tmp/ whenever it is taken.
import { StrataError } from '@shared/errors';
import { inLine, withFileLock } from '../store/lock';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerFile, findRecord } from './container-store';
import { settle } from './settle';

/** Runs `work` holding the container's lock, with its record as it is once the lock is held. */
export async function withContainer<T>(store: Store, ref: string, work: (record: ContainerRecord) => Promise<T>): Promise<T> {
  const { id } = await findRecord(store, ref);
  return withContainerLock(store, id, async () => work(await settle(store, await findRecord(store, id))));
}

/** Holds the lock of container `id` while `work` runs (in-process callers queue first). */
export function withContainerLock<T>(store: Store, id: string, work: () => Promise<T>): Promise<T> {
  const file = containerFile(store, id, 'lock');
  return inLine(file, () =>
    withFileLock(file, work).catch((error: unknown) => {
      // the container was removed while this waited for it
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (error as NodeJS.ErrnoException).path === file) {
        throw new StrataError('NOT_FOUND', `no such container: ${id}`);
      }
      throw error;
    }),
  );
}
