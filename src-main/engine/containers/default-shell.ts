// The shell a terminal opens when its client names none: `/bin/bash` when the container has
// one (an executable file, links resolved as the container resolves them), else `/bin/sh`.
// The container's root is read from its layer directories (rootfs.ts containerRoot, resolved
// by root-path.ts): every link is resolved inside that root — an image whose /bin/bash points
// at /usr/bin/bash or at ../../../host-bash is judged by what the container would run, never
// by a host file — and what the container installed since it started counts (its own layer).
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { entryInRootAsync } from '../layers/root-path';
import { containerRoot } from './rootfs';

/** Tried in order; the last one is the answer when none before it is there. */
export const SHELLS = ['/bin/bash', '/bin/sh'] as const;

export async function defaultShell(store: Store, record: ContainerRecord): Promise<string> {
  const view = containerRoot(store, record);
  for (const shell of SHELLS.slice(0, -1)) {
    const entry = await entryInRootAsync(view, shell, true).catch(() => undefined); // a loop of links: not a shell
    if (entry?.stat.isFile() && (entry.stat.mode & 0o111) !== 0) return shell;
  }
  return SHELLS[SHELLS.length - 1]!;
}
