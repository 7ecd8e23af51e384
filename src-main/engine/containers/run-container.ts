// run: create, then start, as one action. A start that fails leaves nothing behind: the
// start itself takes back its mount, network and cgroup (startLocked's rollback), and the
// record and directories that create made for it are removed here. A container made by a
// separate create stays when a start fails, as a user asked for it; one made by run was
// never the user's to keep (docker leaves it as "Created" — one stray per typo).
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { createContainer } from './create-container';
import type { ContainerOptions } from './options';
import { removeContainer } from './remove-container';
import { startContainer } from './start-container';

export async function runContainer(store: Store, imageRef: string, options: ContainerOptions = {}): Promise<ContainerRecord> {
  const created = await createContainer(store, imageRef, options);
  try {
    return await startContainer(store, created.id);
  } catch (error) {
    // The start's error is the one to report; a failing removal must not hide it.
    await removeContainer(store, created.id, { force: true }).catch(() => undefined);
    throw error;
  }
}
