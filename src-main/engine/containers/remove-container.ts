// rm: refuses a running container unless forced; removes the runtime state and cgroup,
// the mount, the read-write layer, the bundle and the log.
import path from 'node:path';
import { removeContainerStatsHistory } from '../stats/history-location';
import { removeTreeAtomicAsync } from '../store/atomic';
import { pathExists } from '../store/exists';
import type { Store } from '../store/store';
import { containerDir, containerFile } from './container-store';
import { unmountOverlayAsync } from './rootfs';
import { runtimeRoot } from './runtime-root';
import { releaseNetwork, releaseRuntime } from './settle';
import { checkTransition } from './transition';
import { withContainer } from './container-lock';

export async function removeContainer(store: Store, ref: string, options: { force?: boolean } = {}): Promise<string> {
  // the store lock first (gc must not see the record half gone), then the container's
  return store.write(() => withContainer(store, ref, async (record) => {
    checkTransition('remove', record, { force: options.force });
    // `delete --force` kills a running container. An exited one was released when its exit
    // was recorded (settle), unless an engine crashed in between: its runtime state says.
    if (await pathExists(path.join(runtimeRoot(store), record.id))) await releaseRuntime(store, record);
    else {
      await unmountOverlayAsync(containerFile(store, record.id, 'rootfs'));
      await releaseNetwork(store, record);
    }
    // gone already is fine: removeTreeAtomicAsync says nothing of a missing directory
    await removeTreeAtomicAsync(store.paths.tmp, containerDir(store, record.id));
    await removeContainerStatsHistory(store, record.id);
    return record.id;
  }));
}
